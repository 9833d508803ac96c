"""Stability `/stability`: incidents by category, major incidents, incidents caused by change."""
from __future__ import annotations

import dash
from dash import html

from metrics.months import month_label
from metrics.read.queries import metric_frame

from dashboard import theme
from dashboard.components import empty_state, page_header, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import judged, notes, resolve_view
from dashboard.components.family import split, tile, trend_card
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/stability", name="Stability", order=1,
                   title="Stability — OPSG service metrics")


def worst_on_record(conn, view) -> tuple[str, float] | None:
    """The month with the most incidents of all months on record up to the chosen month."""
    frame = metric_frame(conn, get_context().catalog, "incidents_total", end=view.month,
                         as_of=view.as_of).dropna(subset=["value"])
    if frame.empty:
        return None
    row = frame.loc[frame["value"].idxmax()]
    return row["month"], float(row["value"])


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No incident figures have been uploaded yet.", view)])
    with get_context().store.read() as conn:
        total = judged(conn, "incidents_total", view)
        major = judged(conn, "incidents_major", view)
        change = judged(conn, "incidents_change_related", view)
        categories = split(conn, view, "incidents_total", "category", {}, theme.CATEGORY_COLOURS,
                           order=["1", "2", "3", "4", "5"], label=lambda c: f"Category {c}")
        worst = worst_on_record(conn, view)
        tiles = [tile(conn, view, "incidents_total", frame=total),
                 tile(conn, view, "incidents_major", frame=major),
                 tile(conn, view, "incidents_change_related", frame=change)]
        all_notes = notes(conn, view, "incidents_total")
        major_notes = notes(conn, view, "incidents_major")
        change_notes = notes(conn, view, "incidents_change_related")
    markers, worst_note = [], ""
    if worst:
        w_month, w_value = worst
        text = f"Worst on record: {w_value:,.0f} ({month_label(w_month, 'short')})"
        if w_month in view.months:
            markers = [{"month": w_month, "value": w_value, "text": text}]
        else:
            worst_note = text + ", before the months shown."
    return page(view, [
        page_header("Stability", "Incidents recorded each month by category (1 most severe), major "
                    "incidents (categories 1–2) and incidents caused by change.", view),
        tiles_row(tiles, "stability-tiles"),
        trend_card("stability-incidents", "Incidents by category", "incidents_total", categories,
                   view, kind="bar", stacked=True, bands=total, notes=all_notes, markers=markers,
                   subtitle="Stacked by category; bands show the target and minimum for all incidents.",
                   note=worst_note),
        html.Div([
            trend_card("stability-major", "Major incidents (categories 1–2)", "incidents_major",
                       [_one("Major incidents", major)], view, kind="bar", bands=major,
                       notes=major_notes, height=380, width_hint=820),
            trend_card("stability-change", "Incidents caused by change", "incidents_change_related",
                       [_one("Caused by change", change)], view, kind="bar", bands=change,
                       notes=change_notes, height=380, width_hint=820),
        ], className="chart-grid"),
    ])


def _one(name, frame) -> dict:
    return {"name": name, "short": name, "colour": theme.REGION_COLOURS[None], "frame": frame}
