"""CH installs `/ch-installs`: Communications Hubs installed per month, by CSP region."""
from __future__ import annotations

import dash

from dashboard import theme
from dashboard.components import empty_state, page_header, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import judged, notes, resolve_view
from dashboard.components.family import (comparison_cards, headline_regions, region_label, series,
                                         short_region, tile, trend_card)
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/ch-installs", name="CH installs", order=8,
                   title="CH installs — OPSG service metrics")
METRIC = "ch_installed"


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No CH install figures have been uploaded yet.", view)], ("region",))
    region = view.state.region
    filters = {"csp_region": region} if region else {}
    regions = [region] if region else headline_regions()
    with get_context().store.read() as conn:
        total = judged(conn, METRIC, view, filters=filters)
        parts = [series(region_label(r), judged(conn, METRIC, view, filters={"csp_region": r}),
                        theme.colour_for(r, theme.REGION_COLOURS, i), short_region(r))
                 for i, r in enumerate(regions)]
        tiles = [tile(conn, view, METRIC, filters, frame=total)]
        if not region:
            tiles += [tile(conn, view, METRIC, {"csp_region": r}, frame=s["frame"], label=s["name"])
                      for r, s in zip(regions, parts)]
        metric_notes = notes(conn, view, METRIC, region)
        regional = [] if region else comparison_cards(conn, view, "installs-region", "CHs installed",
                                                      METRIC, regions, kind="bar", notes=metric_notes)
    return page(view, [
        page_header("CH installs", f"Communications Hubs installed each month, {region_label(region)}.",
                    view),
        tiles_row(tiles, "installs-tiles"),
        trend_card("installs-total", f"CHs installed · {region_label(region)}", METRIC, parts, view,
                   kind="bar", stacked=len(parts) > 1, bands=total, notes=metric_notes,
                   subtitle="Stacked by CSP region; bands show the target and minimum for the total."
                   if len(parts) > 1 else "Against the region's own target and minimum."),
        *regional,
    ], ("region",))
