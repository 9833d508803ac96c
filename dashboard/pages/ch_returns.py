"""CH returns `/ch-returns`: returns received and the FAR rate for triaged hubs, by CSP region."""
from __future__ import annotations

import dash

from dashboard.components import empty_state, page_header, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import notes, resolve_view
from dashboard.components.family import comparison_cards, headline_regions, region_label, tile
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/ch-returns", name="CH returns", order=6,
                   title="CH returns — OPSG service metrics")
RETURNS, FAR = "ch_returns_received", "ch_returns_far_rate"


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No CH returns figures have been uploaded yet.", view)], ("region",))
    region = view.state.region
    filters = {"csp_region": region} if region else {}
    regions = [region] if region else headline_regions()
    with get_context().store.read() as conn:
        tiles = [tile(conn, view, RETURNS, filters), tile(conn, view, FAR, filters)]
        returns_all = [] if region else comparison_cards(
            conn, view, "returns-all", "CH returns received · All regions", RETURNS, [None], kind="bar",
            notes=notes(conn, view, RETURNS), subtitle="Hubs returned to the CSPs in the month.")
        returns = comparison_cards(conn, view, "returns-received", "CH returns received", RETURNS,
                                   regions, kind="bar", notes=notes(conn, view, RETURNS, region))
        far = comparison_cards(conn, view, "returns-far", "Fault Analysis Reports issued for triaged "
                               "CHs", FAR, [None, *regions] if not region else regions,
                               notes=notes(conn, view, FAR, region), parts=("FARs", "triaged"),
                               subtitle="100 × FARs issued ÷ CHs triaged; each region against the "
                                        "same target and minimum.")
    return page(view, [
        page_header("CH returns", f"Communications Hubs returned, {region_label(region)}, and whether "
                    "Users received a Fault Analysis Report (FAR) after triage.", view),
        tiles_row(tiles, "returns-tiles"),
        *returns_all, *returns, *far,
    ], ("region",))
