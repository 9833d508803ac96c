"""SMETS1 migration `/smets1-migration`: meters migrated by device model, monthly and cumulative,
and the migration failure rate."""
from __future__ import annotations

import dash
import pandas as pd
from dash import html

from metrics.read.queries import metric_frame

from dashboard import theme
from dashboard.components import empty_state, page_header, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import judged, notes, resolve_view
from dashboard.components.family import series, split, tile, trend_card
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/smets1-migration", name="SMETS1 migration", order=7,
                   title="SMETS1 migration — OPSG service metrics")
MIGRATED, FAILURE = "smets1_migrated", "smets1_migration_failure_rate"


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No SMETS1 migration figures have been uploaded yet.", view)])
    with get_context().store.read() as conn:
        migrated = judged(conn, MIGRATED, view)
        failure = judged(conn, FAILURE, view)
        models = split(conn, view, MIGRATED, "device_model", {}, {})
        order = [s["name"] for s in models]
        history = metric_frame(conn, get_context().catalog, MIGRATED, end=view.month,
                               as_of=view.as_of, by=("device_model",))
        failure_models = split(conn, view, FAILURE, "device_model", {}, {}, order=order)
        tiles = [tile(conn, view, MIGRATED, frame=migrated), tile(conn, view, FAILURE, frame=failure)]
        migrated_notes, failure_notes = notes(conn, view, MIGRATED), notes(conn, view, FAILURE)
    cumulative = [series(s["name"], _cumulative(history, s["name"], view.months), s["colour"])
                  for s in models]
    failure_items = [series("All models", failure, theme.REGION_COLOURS[None]), *failure_models]
    return page(view, [
        page_header("SMETS1 migration", "SMETS1 meters migrated to the DCC each month by device "
                    "model, the running total, and the share of migrations that failed.", view),
        tiles_row(tiles, "smets1-tiles"),
        trend_card("smets1-monthly", "Meters migrated per month, by device model", MIGRATED, models,
                   view, kind="bar", stacked=True, bands=migrated, notes=migrated_notes,
                   subtitle="Stacked by device model; bands show the target and minimum for the total."),
        html.Div([
            trend_card("smets1-cumulative", "Meters migrated to date, by device model", MIGRATED,
                       cumulative, view, notes=migrated_notes, height=420, width_hint=820,
                       subtitle="Running total since the first migration on record."),
            trend_card("smets1-failure", "Migration failure rate", FAILURE, failure_items, view,
                       bands=failure, notes=failure_notes, height=420, width_hint=820,
                       subtitle="100 × failed ÷ (migrated + failed); bands apply to all models."),
        ], className="chart-grid"),
    ])


def _cumulative(history: pd.DataFrame, model: str, months: list[str]) -> pd.DataFrame:
    """Running total over every month on record for one model, over the months shown."""
    part = history[history["device_model"] == model].set_index("month")
    running = part["value"].fillna(0).cumsum()
    frame = pd.DataFrame({"month": months})
    frame["value"] = running.reindex(months).ffill().values
    frame["status"] = part["status"].reindex(months).values
    return frame
