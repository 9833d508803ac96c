"""What pages ask ``metrics`` for: the resolved view (month, as-of) and judged monthly series.

Thin wiring over the domain API (metric_frame, thresholds_for, judge_frame, annotations); no
figures are computed here that ``metrics`` does not already define.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from metrics.months import add_months, month_range, parse_as_of
from metrics.read.queries import (annotations, first_received, judge_frame, metric_frame, months_with_figures,
    thresholds_for)

from dashboard.context import get_context, use_as_of
from dashboard.state.urls import ViewState, parse_state

WINDOW = 24          # months shown on trend charts, ending at the chosen month


@dataclass(frozen=True)
class View:
    state: ViewState
    month: str | None          # the month shown (state's, or the latest with figures)
    latest: str | None         # latest month with figures as of ``as_of``
    available: tuple[str, ...]  # every month with figures as of ``as_of``, oldest first
    as_of: datetime | None
    problems: tuple[str, ...]
    first_received: datetime | None = None  # set when ``as_of`` is before any figures arrived
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # this render's reads

    @property
    def months(self) -> list[str]:
        return month_range(add_months(self.month, -(WINDOW - 1)), self.month) if self.month else []

    @property
    def picker_months(self) -> list[str]:
        """Newest first: the months with figures, and the chosen month even if it has none."""
        months = set(self.available) | ({self.month} if self.month else set())
        return sorted(months, reverse=True)

    @property
    def region_filter(self) -> dict:
        return {"csp_region": self.state.region} if self.state.region else {}


def resolve_view(query: dict) -> View:
    """The page's view: URL state validated, month defaulting to the latest with figures."""
    catalog = get_context().catalog
    state = parse_state(query, canonical_region=catalog.dimensions["csp_region"].canonical,
                        generations=catalog.dimensions["smets_generation"].values)
    as_of = parse_as_of(state.as_of)
    use_as_of(as_of)  # the catalog in force then, for everything this render reads
    first = None
    with get_context().store.read() as conn:
        available = tuple(months_with_figures(conn, as_of))
        if as_of is not None and not available:
            first = first_received(conn)
    latest = available[-1] if available else None
    return View(state, state.month or latest, latest, available, as_of, state.problems, first)


def judged(conn, metric_id: str, view: View, *, filters: dict | None = None, by: str | None = None,
           first: str | None = None) -> pd.DataFrame:
    """month[, by], numerator, denominator, value, status, target, minimum, rag over the window.

    Months without figures are present with value NaN (No data). With ``by``, one block per value.
    """
    catalog = get_context().catalog
    metric = catalog.metric(metric_id)
    first = first or view.months[0]
    filters = {k: v for k, v in (filters or {}).items() if k in metric.dimensions}
    key = (metric_id, tuple(sorted(filters.items())), by, first)
    if key not in view.memo:  # a page often shows the same series in a tile and a chart
        view.memo[key] = _judged(conn, catalog, metric, view, filters, by, first)
    return view.memo[key]


def _judged(conn, catalog, metric, view, filters, by, first):
    metric_id = metric.id
    frame = metric_frame(conn, catalog, metric_id, start=first, end=view.month, as_of=view.as_of,
                         filters=filters, by=(by,) if by else ())
    thresholds = thresholds_for(conn, catalog, metric_id, view.as_of)
    calendar = pd.DataFrame({"month": month_range(first, view.month)})
    if by:
        blocks = []
        for value, part in frame.groupby(by, sort=False):
            block = calendar.merge(part.drop(columns=[by]), on="month", how="left")
            block.insert(1, by, value)
            blocks.append(block)
        if not blocks:  # no figures at all in the window: no series, but the same columns
            blocks = [frame.iloc[0:0]]
        frame = pd.concat(blocks, ignore_index=True)
        dim = by
    else:
        frame = calendar.merge(frame, on="month", how="left")
        dim = next(iter(filters)) if len(filters) == 1 else None
        if dim:
            frame[dim] = filters[dim]
    return judge_frame(frame, metric, thresholds, dim)


def notes(conn, view: View, metric_id: str | None = None, region: str | None = None) -> list[dict]:
    """Annotations dated within the window, for ``metric_id`` (or every chart), and the region."""
    found = annotations(conn, start=view.months[0], end=view.month, as_of=view.as_of, metric=metric_id)
    if region:
        members = get_context().catalog.dimensions["csp_region"].members(region)
        found = [n for n in found if not n.get("csp_region") or n["csp_region"] in members]
    return found


def limits(frame: pd.DataFrame) -> tuple[list, list]:
    """(targets, minimums) per month of a judged frame, for ``figures.trend_figure``."""
    return (_plain(frame["target"]), _plain(frame["minimum"]))


def _plain(values) -> list:
    return [None if v is None or pd.isna(v) else float(v) for v in values]


def values(frame: pd.DataFrame) -> list:
    return _plain(frame["value"])


def provisional(frame: pd.DataFrame) -> list[bool]:
    return [s == "provisional" for s in frame["status"]]
