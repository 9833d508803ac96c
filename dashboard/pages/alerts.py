"""Alerts `/alerts`: volumes by region and meter generation, top alert codes, superfluous share,
alerts per 10,000 commissioned CHs."""
from __future__ import annotations

import dash
import pandas as pd
from dash import html

from metrics.months import month_label
from metrics.read.queries import metric_frame

from report import figures
from dashboard import theme
from dashboard.components import chart_card, empty_state, number_column, page_header, text_column, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import judged, notes, resolve_view
from dashboard.components.family import (comparison_cards, headline_regions, region_label, series,
                                         split, tile, trend_card)
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/alerts", name="Alerts", order=3, title="Alerts — OPSG service metrics")
USES = ("region", "generation")
TOP = 10
TABLE_ROWS = 50  # codes listed in the table under the chart


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No alert figures have been uploaded yet.", view)], USES)
    region, generation = view.state.region, view.state.generation
    filters = {"csp_region": region, "smets_generation": generation}
    scope = region_label(region) + (f", {generation}" if generation else ", SMETS1 and SMETS2")
    with get_context().store.read() as conn:
        total = judged(conn, "alerts_total", view, filters=_f(filters))
        superfluous = judged(conn, "alerts_superfluous", view, filters=_f(filters))
        per_ch = judged(conn, "alerts_per_10k_ch", view, filters=_f({"csp_region": region}))
        by_generation = split(conn, view, "alerts_total", "smets_generation", _f(filters),
                              theme.GENERATION_COLOURS, order=["SMETS1", "SMETS2"])
        tiles = [tile(conn, view, "alerts_total", filters, frame=total),
                 tile(conn, view, "alerts_superfluous", filters, frame=superfluous),
                 tile(conn, view, "alerts_per_10k_ch", {"csp_region": region}, frame=per_ch)]
        codes = top_codes(conn, view, _f(filters))
        regional = [] if region else comparison_cards(
            conn, view, "alerts-region", "Alerts by CSP region", "alerts_total", headline_regions(),
            extra={"smets_generation": generation}, kind="bar", bands=generation is None,
            notes=notes(conn, view, "alerts_total"))
        per_ch_cards = comparison_cards(
            conn, view, "alerts-per-10k", "Alerts per 10,000 commissioned CHs", "alerts_per_10k_ch",
            [region] if region else headline_regions(), notes=notes(conn, view, "alerts_per_10k_ch"),
            parts=("alerts", "commissioned CHs"),
            subtitle="All meter generations: the denominator is commissioned Communications Hubs.")
        total_notes = notes(conn, view, "alerts_total", region)
        sup_notes = notes(conn, view, "alerts_superfluous", region)
    bands_note = ("" if generation is None else
                  "Thresholds apply to both generations together, so no RAG bands are drawn for one.")
    return page(view, [
        page_header("Alerts", f"Alerts received by the DCC, {scope}. Superfluous alerts are those "
                    "that need no action; 8F3E is the largest code.", view),
        tiles_row(tiles, "alerts-tiles"),
        trend_card("alerts-generation", f"Alerts by meter generation · {region_label(region)}",
                   "alerts_total", by_generation, view, kind="bar", stacked=True,
                   bands=total if generation is None else None, notes=total_notes, note=bands_note,
                   subtitle="Stacked SMETS1 and SMETS2; bands show the target and minimum for the total."),
        *regional,
        html.Div([codes_card(codes, view, scope),
                  share_card(total, superfluous, view, sup_notes)], className="chart-grid"),
        trend_card("alerts-superfluous", f"Superfluous alerts · {scope}", "alerts_superfluous",
                   [series("Superfluous alerts", superfluous, theme.REGION_COLOURS[region]
                           if region in theme.REGION_COLOURS else theme.PALETTE[0])],
                   view, kind="bar", bands=superfluous if generation is None else None,
                   notes=sup_notes, note=bands_note),
        *per_ch_cards,
    ], USES)


def _f(filters: dict) -> dict:
    return {k: v for k, v in filters.items() if v}


def top_codes(conn, view, filters: dict) -> pd.DataFrame:
    """The month's alert codes by volume (reads indexed raw rows for this one month only)."""
    frame = metric_frame(conn, get_context().catalog, "alerts_total", by=("alert_code",),
                         start=view.month, end=view.month, as_of=view.as_of, filters=filters)
    return frame.dropna(subset=["value"]).sort_values("value", ascending=False)


def codes_card(codes: pd.DataFrame, view, scope: str):
    total = codes["value"].sum()
    top = codes.head(TOP)
    figure = figures.bar_figure(list(top["alert_code"]), list(top["value"]), unit="count",
                                decimals=0, colour=theme.PALETTE[0], height=420)
    listed = codes.head(TABLE_ROWS)
    rows = [{"rank": i + 1, "code": code, "alerts": float(v),
             "share": round(100 * v / total, 1) if total else None}
            for i, (code, v) in enumerate(zip(listed["alert_code"], listed["value"]))]
    rest = codes["value"].iloc[TABLE_ROWS:].sum()
    if len(codes) > TABLE_ROWS:  # keep the response small; the total still adds up
        rows.append({"rank": None, "code": f"All other {len(codes) - TABLE_ROWS} codes",
                     "alerts": float(rest), "share": round(100 * rest / total, 1) if total else None})
    columns = [number_column("rank", "Rank", maxWidth=90), text_column("code", "Alert code"),
               number_column("alerts", "Alerts"), number_column("share", "Share of month", "%", 1)]
    shown = f"top {min(TOP, len(codes))} of {len(codes)} codes"
    return chart_card("alerts-codes", f"Top alert codes · {month_label(view.month)}", figure,
                      subtitle=f"{scope}; {shown}.", columns=columns, rows=rows,
                      caption=f"top {min(TABLE_ROWS, len(codes))} of {len(codes)} codes")


def share_card(total, superfluous, view, notes_):
    share = total[["month", "status"]].copy()
    share["value"] = 100 * superfluous["value"] / total["value"].where(total["value"] != 0)
    for col in ("target", "minimum"):
        share[col] = None
    share["rag"] = "no_data"
    item = series("Superfluous share", share, theme.PALETTE[1])
    return trend_card("alerts-share", "Superfluous share of all alerts", "alerts_superfluous",
                      [item], view, unit=("%", 1), notes=notes_, height=420, width_hint=820,
                      subtitle="100 × superfluous ÷ all alerts. Not a metric with thresholds.")
