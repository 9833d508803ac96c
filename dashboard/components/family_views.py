"""The cards a family page is made of, one function per kind of catalog view (metrics/views.py).

Each takes the page's ``Scope`` (connection, view, filters chosen, text placeholders) and one
``View`` and returns the components it draws (none when the view does not apply, e.g. a
comparison of regions once one region is chosen).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from dash import html

from metrics.formatting import format_value
from metrics.months import month_label
from metrics.read.queries import metric_frame
from metrics.views import View

from report import figures
from dashboard import theme
from ..context import get_context
from .cards import chart_card, tiles_row
from dashboard.state.view import judged, notes
from .family import (applicable, comparison_cards, dimension, metric, number, series, split, tile,
                     trend_card)
from .grid import number_column, text_column

HALF_WIDTH = 820  # width hint for a card that shares its row


@dataclass
class Scope:
    conn: object
    view: object
    filters: dict  # {dimension: value} chosen with the page's controls (only those chosen)
    texts: dict  # placeholders: region, scope, month

    def fill(self, text: str, **more) -> str:
        return text.format(**self.texts, **more) if text else ""

    def region(self):
        return self.filters.get("csp_region")

    def unbanded(self, metric_id: str) -> bool:
        """A filter on a dimension the thresholds are not set for (a meter generation): the
        target and minimum are for the total, so bands would mislead."""
        m = metric(metric_id)
        return any(d != m.headline_dimension for d in applicable(metric_id, self.filters))


def _sizes(v: View) -> dict:
    out = {"width_hint": HALF_WIDTH} if v.half else {}
    if v.height:
        out["height"] = v.height
    return out


def tiles_view(s: Scope, v: View) -> list:
    tiles = [tile(s.conn, s.view, m, s.filters) for m in v.metrics]
    if v.per_value and not s.filters.get(v.per_value):
        dim = dimension(v.per_value)
        tiles += [tile(s.conn, s.view, m, {v.per_value: value}, label=dim.label(value))
                  for m in v.metrics for value in dim.headline]
    return [tiles_row(tiles, v.id)]


def trend_view(s: Scope, v: View) -> list:
    m = metric(v.metric)
    if v.unfiltered_only and m.headline_dimension and s.filters.get(m.headline_dimension):
        return []
    frame = judged(s.conn, v.metric, s.view, filters=applicable(v.metric, s.filters))
    unbanded = s.unbanded(v.metric)
    colour = theme.REGION_COLOURS.get(s.region()) or theme.PALETTE[0]
    return [trend_card(v.id, s.fill(v.title) or m.title, v.metric, [series(v.name or m.title, frame, colour)],
                       s.view, kind=v.chart, bands=frame if v.bands and not unbanded else None,
                       notes=notes(s.conn, s.view, v.metric, s.region()), subtitle=s.fill(v.subtitle),
                       note=v.unbanded_note if unbanded else "", **_sizes(v))]


def split_view(s: Scope, v: View) -> list:
    m, dim = metric(v.metric), dimension(v.by)
    filters = applicable(v.metric, s.filters)
    total = judged(s.conn, v.metric, s.view, filters=filters)
    colours = theme.DIMENSION_COLOURS.get(v.by, {})
    if dim.rollups:  # values that stand for sums (Central & South): one judged series each
        chosen = filters.get(v.by)
        items = [series(dim.label(value), judged(s.conn, v.metric, s.view, filters={**filters, v.by: value}),
                        theme.colour_for(value, colours, i), dim.short(value), key=value)
                 for i, value in enumerate([chosen] if chosen else dim.headline)]
    else:
        order = ([x["key"] for x in split(s.conn, s.view, v.order_by, v.by, filters, colours)]
                 if v.order_by else list(dim.values) if dim.kind == "enum" else None)
        items = split(s.conn, s.view, v.metric, v.by, filters, colours, order=order, label=dim.label)
    if v.cumulative:
        history = metric_frame(s.conn, get_context().catalog, v.metric, end=s.view.month,
                               as_of=s.view.as_of, by=(v.by,))
        items = [series(x["name"], running_total(history, v.by, x["key"], s.view.months), x["colour"])
                 for x in items]
    if v.total:
        items = [series(v.total, total, theme.REGION_COLOURS[None]), *items]
    unbanded = s.unbanded(v.metric)
    markers, note = [], v.unbanded_note if unbanded else ""
    if v.mark_worst:
        markers, worst_note = worst_marker(s, v.metric, filters)
        note = note or worst_note
    subtitle = v.subtitle if len(items) > 1 or not v.subtitle_one else v.subtitle_one
    return [trend_card(v.id, s.fill(v.title) or m.title, v.metric, items, s.view, kind=v.chart,
                       stacked=v.stacked and (len(items) > 1 or not dim.rollups),
                       bands=total if v.bands and not unbanded else None,
                       notes=notes(s.conn, s.view, v.metric, s.region()), markers=markers,
                       subtitle=s.fill(subtitle), note=note, **_sizes(v))]


def compare_view(s: Scope, v: View) -> list:
    m = metric(v.metric)
    by = v.by or m.headline_dimension
    chosen = s.filters.get(by) if by else None
    if v.unfiltered_only and chosen:
        return []
    dim = dimension(by) if by else None
    values = [chosen] if chosen else list(dim.headline) if dim else [None]
    if v.include_all and not chosen and dim:
        values = [None, *values]
    labels = " vs ".join(dim.label(x) for x in values) if dim else ""
    title = s.fill(v.title, values=labels) if v.title else m.title + (f": {labels}" if labels else "")
    extra = {k: x for k, x in s.filters.items() if k != by}
    return comparison_cards(s.conn, s.view, v.id, title, v.metric, values, extra=extra, kind=v.chart,
                            bands=v.bands and not s.unbanded(v.metric),
                            notes=notes(s.conn, s.view, v.metric, chosen if by == "csp_region" else None),
                            parts=v.parts or None, subtitle=s.fill(v.subtitle), by=by or "csp_region")


def top_view(s: Scope, v: View) -> list:
    """The month's largest values of ``by`` (reads indexed raw rows for this one month only)."""
    m, dim = metric(v.metric), dimension(v.by)
    frame = metric_frame(s.conn, get_context().catalog, v.metric, by=(v.by,), start=s.view.month,
                         end=s.view.month, as_of=s.view.as_of, filters=applicable(v.metric, s.filters))
    ranked = frame.dropna(subset=["value"]).sort_values("value", ascending=False)
    total, count = ranked["value"].sum(), len(ranked)
    top = ranked.head(v.n)
    figure = figures.bar_figure(list(top[v.by]), list(top["value"]), unit=m.unit, decimals=m.decimals,
                                colour=theme.PALETTE[0], height=v.height or 420)

    def share(value):
        return round(100 * value / total, 1) if total else None

    listed = ranked.head(v.rows)
    rows = [{"rank": i + 1, "key": key, "value": float(value), "share": share(value)}
            for i, (key, value) in enumerate(zip(listed[v.by], listed["value"]))]
    if count > v.rows:  # keep the response small; the total still adds up
        rest = ranked["value"].iloc[v.rows:].sum()
        rows.append({"rank": None, "key": f"All other {count - v.rows} {v.noun}", "value": float(rest),
                     "share": share(rest)})
    columns = [number_column("rank", "Rank", maxWidth=90), text_column("key", dim.title),
               number_column("value", m.title, m.unit, m.decimals),
               number_column("share", "Share of month", "%", 1)]
    shown = f"top {min(v.n, count)} of {count} {v.noun}"
    return [chart_card(v.id, s.fill(v.title), figure, subtitle=f"{s.texts['scope']}; {shown}.",
                       columns=columns, rows=rows, caption=f"top {min(v.rows, count)} of {count} {v.noun}")]


def share_view(s: Scope, v: View) -> list:
    """100 × part ÷ whole per month: a ratio of two metrics, without thresholds."""
    part_id, whole_id = v.metrics
    part = judged(s.conn, part_id, s.view, filters=applicable(part_id, s.filters))
    whole = judged(s.conn, whole_id, s.view, filters=applicable(whole_id, s.filters))
    frame = whole[["month", "status"]].copy()
    frame["value"] = 100 * part["value"] / whole["value"].where(whole["value"] != 0)
    frame["target"] = frame["minimum"] = None
    frame["rag"] = "no_data"
    return [trend_card(v.id, s.fill(v.title), part_id, [series(v.name, frame, theme.PALETTE[1])], s.view,
                       unit=("%", 1), notes=notes(s.conn, s.view, part_id, s.region()),
                       subtitle=s.fill(v.subtitle), **_sizes(v))]


def month_by_view(s: Scope, v: View) -> list:
    """Values of ``by`` side by side per headline value of ``across`` for the chosen month."""
    m, dim, across = metric(v.metric), dimension(v.by), dimension(v.across)
    chosen = s.filters.get(v.across)
    groups = [chosen] if chosen else list(across.headline)
    last = {g: {x["key"]: x["frame"]["value"].iloc[-1]
                for x in split(s.conn, s.view, v.metric, v.by, {v.across: g}, {})} for g in groups}
    keys = sorted({k for values in last.values() for k in values},
                  key=lambda k: -sum((values.get(k) or 0) for values in last.values()))
    colours = theme.DIMENSION_COLOURS.get(v.across, {})
    figure = figures.grouped_bar_figure(
        [dim.label(k) for k in keys],
        {across.short(g): ([number(last[g].get(k)) for k in keys], theme.colour_for(g, colours, i))
         for i, g in enumerate(groups)}, unit=m.unit, decimals=m.decimals)
    rows = [{"key": dim.label(k), **{f"r{i}": number(last[g].get(k)) for i, g in enumerate(groups)}}
            for k in keys]
    columns = [text_column("key", dim.title, minWidth=220)] + [
        number_column(f"r{i}", across.label(g), m.unit, m.decimals) for i, g in enumerate(groups)]
    return [chart_card(v.id, s.fill(v.title), figure, subtitle=s.fill(v.subtitle), columns=columns,
                       rows=rows)]


RENDERERS = {"tiles": tiles_view, "trend": trend_view, "split": split_view, "compare": compare_view,
             "top": top_view, "share": share_view, "month_by": month_by_view}


def render_views(s: Scope, views) -> list:
    """Every view in catalog order; consecutive half-width cards share a row, two at a time."""
    out, row = [], []
    for v in views:
        drawn = RENDERERS[v.kind](s, v)
        if v.half and drawn:
            row += drawn
            if len(row) == 2:
                out.append(_row(row))
                row = []
            continue
        if row:
            out.append(_row(row))
            row = []
        out += drawn
    if row:
        out.append(_row(row))
    return out


def _row(cards: list):
    return html.Div(cards, className="chart-grid")


def running_total(history: pd.DataFrame, by: str, key, months: list[str]) -> pd.DataFrame:
    """Running total over every month on record for one value, over the months shown."""
    part = history[history[by] == key].set_index("month")
    running = part["value"].fillna(0).cumsum()
    frame = pd.DataFrame({"month": months})
    frame["value"] = running.reindex(months).ffill().values
    frame["status"] = part["status"].reindex(months).values
    return frame


def worst_marker(s: Scope, metric_id: str, filters: dict) -> tuple[list, str]:
    """The worst month of all on record up to the chosen month: a marker if it is shown, else a note."""
    m = metric(metric_id)
    frame = metric_frame(s.conn, get_context().catalog, metric_id, end=s.view.month, as_of=s.view.as_of,
                         filters=filters).dropna(subset=["value"])
    if frame.empty:
        return [], ""
    row = frame.loc[frame["value"].idxmin() if m.higher_is_better else frame["value"].idxmax()]
    month, value = row["month"], float(row["value"])
    text = f"Worst on record: {format_value(value, m.unit, m.decimals)} ({month_label(month, 'short')})"
    if month in s.view.months:
        return [{"month": month, "value": value, "text": text}], ""
    return [], text + ", before the months shown."
