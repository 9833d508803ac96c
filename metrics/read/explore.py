"""Explore: any metric, split by any of its dimensions, over any month range (the /explore page and
its CSV). The state is the URL's ``metric``, ``by``, ``from``, ``to`` and ``as_of``; a bad value is
dropped with a note saying what is shown instead, as on every other page (``metrics.params``).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from metrics import params
from metrics.catalog import Catalog
from metrics.formatting import format_value
from metrics.months import add_months
from metrics.read.queries import series

DEFAULT_MONTHS = 24  # the range shown when none is given, ending at the latest month
EXPLORE_PARAMS = ("metric", "by", "from", "to", "as_of")


@dataclass(frozen=True)
class Exploration:
    metric: str
    by: str | None
    start: str | None
    end: str | None
    as_of: str | None
    problems: tuple[str, ...] = ()

    def query(self) -> dict[str, str]:
        values = {"metric": self.metric, "by": self.by, "from": self.start, "to": self.end,
                  "as_of": self.as_of}
        return {k: v for k, v in values.items() if v}


def _first(value):
    if isinstance(value, (list, tuple)):
        return value[-1] if value else None
    return value


def parse_exploration(query: Mapping, catalog: Catalog, latest: str | None) -> Exploration:
    """The exploration a URL asks for, each bad value replaced by its default and noted."""
    raw = {k: _first(query.get(k)) for k in EXPLORE_PARAMS}
    raw = {k: v.strip()[:params.MAX_LENGTH + 1] if isinstance(v, str) else None for k, v in raw.items()}
    problems = []
    first_metric = next(iter(catalog.metrics))
    metric = raw["metric"] or first_metric
    if metric not in catalog.metrics:
        problems.append(f"metric {params.shown(metric)} is not a metric; showing {first_metric}")
        metric = first_metric
    dims = catalog.metric(metric).dimensions
    by = raw["by"] or None
    if by and by not in dims:
        problems.append(f"by {params.shown(by)} is not a dimension of {metric}; showing the total")
        by = None
    span = {}
    for name in ("from", "to"):
        try:
            span[name] = params.month(raw[name], name)
        except params.ParameterError as exc:
            problems.append(f"{exc}; showing the default range")
            span[name] = None
    if span["from"] and span["to"] and span["from"] > span["to"]:
        problems.append(f"from {span['from']} is after to {span['to']}; showing the default range")
        span = {"from": None, "to": None}
    end = span["to"] or latest
    start = span["from"] or (add_months(end, -(DEFAULT_MONTHS - 1)) if end else None)
    as_of = raw["as_of"] or None
    try:
        params.as_of(as_of)
    except params.ParameterError as exc:
        problems.append(f"{exc}; showing figures as they are now")
        as_of = None
    return Exploration(metric, by, start, end, as_of, tuple(problems))


def explore_rows(conn: Connection, catalog: Catalog, e: Exploration,
                 as_of: datetime | None) -> list[dict]:
    """One row per month (and value of ``by``): value, value as displayed, RAG, target, minimum."""
    metric = catalog.metric(e.metric)
    points = series(conn, catalog, e.metric, start=e.start, end=e.end, as_of=as_of, by=e.by)
    dim = catalog.dimensions[e.by] if e.by else None
    rows = []
    for p in points:
        row = {"month": p["month"]}
        if dim is not None:
            row[e.by] = dim.label(p[e.by]) if p[e.by] is not None else ""
        row.update(value=p["value"], shown=format_value(p["value"], metric.unit, metric.decimals),
                   rag=p["rag"], target=p["target"], minimum=p["minimum"], status=p["status"])
        rows.append(row)
    return rows


def explore_csv(catalog: Catalog, e: Exploration, rows: list[dict]) -> str:
    """The table as CSV: month, [dimension], value (unrounded), RAG, target, minimum, status."""
    metric = catalog.metric(e.metric)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = ["month", *([e.by] if e.by else []), f"value ({metric.unit})", "rag", "target", "minimum", "status"]
    writer.writerow([_safe(h) for h in head])
    for r in rows:
        writer.writerow([r["month"], *([_safe(r[e.by])] if e.by else []),
                         "" if r["value"] is None else r["value"], r["rag"],
                         "" if r["target"] is None else r["target"],
                         "" if r["minimum"] is None else r["minimum"], r["status"] or ""])
    return out.getvalue()


def _safe(text) -> str:
    """A label a spreadsheet would run as a formula ("=cmd|…") starts with an apostrophe instead."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
