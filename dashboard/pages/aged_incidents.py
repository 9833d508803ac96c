"""Aged incidents `/aged-incidents`: open aged incidents by category (reason)."""
from __future__ import annotations

import dash
from dash import html

from dashboard.components import empty_state, page_header, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import judged, notes, resolve_view
from dashboard.components.family import split, tile, trend_card
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/aged-incidents", name="Aged incidents", order=5,
                   title="Aged incidents — OPSG service metrics")
METRIC = "aged_incidents_open"


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No aged incident figures have been uploaded yet.", view)])
    with get_context().store.read() as conn:
        total = judged(conn, METRIC, view)
        reasons = split(conn, view, METRIC, "reason", {}, {})
        tiles = [tile(conn, view, METRIC, frame=total)]
        metric_notes = notes(conn, view, METRIC)
    return page(view, [
        page_header("Aged incidents", "Aged incidents open at month end, by category. Most are "
                    "assigned to Service Users.", view),
        tiles_row(tiles, "aged-tiles"),
        html.Div([
            trend_card("aged-reason", "Open aged incidents by category", METRIC, reasons, view,
                       notes=metric_notes, height=440, width_hint=820,
                       subtitle="One line per category: which are falling and which are not."),
            trend_card("aged-total", "All open aged incidents", METRIC, reasons, view, kind="bar",
                       stacked=True, bands=total, notes=metric_notes, height=440, width_hint=820,
                       subtitle="Stacked by category; bands show the target and minimum."),
        ], className="chart-grid"),
    ])


