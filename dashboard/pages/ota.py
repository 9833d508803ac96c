"""OTA firmware `/ota-firmware`: success rate per CSP region against the target and minimum."""
from __future__ import annotations

import dash

from dashboard.components import empty_state, page_header, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import notes, resolve_view
from dashboard.components.family import comparison_cards, headline_regions, region_label, tile
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/ota-firmware", name="OTA firmware", order=2,
                   title="OTA firmware — OPSG service metrics")

METRIC = "ota_success_rate"


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No OTA firmware figures have been uploaded yet.", view)], ("region",))
    region = view.state.region
    regions = [region] if region else headline_regions()
    with get_context().store.read() as conn:
        tiles = ([tile(conn, view, METRIC, {"csp_region": region})] if region else
                 [tile(conn, view, METRIC)] +
                 [tile(conn, view, METRIC, {"csp_region": r}, label=f"{region_label(r)}")
                  for r in regions])
        cards = comparison_cards(conn, view, "ota-trend", f"OTA firmware success: "
                                 f"{' vs '.join(region_label(r) for r in regions)}", METRIC, regions,
                                 notes=notes(conn, view, METRIC, region),
                                 parts=("succeeded", "attempted"))
    return page(view, [
        page_header("OTA firmware", "Share of over-the-air firmware updates that succeeded "
                    "(100 × succeeded ÷ attempted), by CSP region. Central & South is computed "
                    "from the two regions' counts, not by averaging their rates.", view),
        tiles_row(tiles, "ota-tiles"),
        *cards,
    ], ("region",))
