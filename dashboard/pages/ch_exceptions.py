"""CH exceptions `/ch-exceptions`: open exceptions by type and by CSP region."""
from __future__ import annotations

import dash

from metrics.months import month_label

from report import figures
from dashboard import theme
from dashboard.components import chart_card, empty_state, number_column, page_header, text_column, tiles_row
from dashboard.state.cache import cached_layout
from dashboard.state.view import judged, notes, resolve_view
from dashboard.components.family import (comparison_cards, headline_regions, region_label,
                                         short_region, split, tile, trend_card)
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/ch-exceptions", name="CH exceptions", order=4,
                   title="CH exceptions — OPSG service metrics")
METRIC = "ch_exceptions_open"


@cached_layout
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No CH exception figures have been uploaded yet.", view)], ("region",))
    region = view.state.region
    filters = {"csp_region": region} if region else {}
    regions = [region] if region else headline_regions()
    with get_context().store.read() as conn:
        total = judged(conn, METRIC, view, filters=filters)
        by_type = split(conn, view, METRIC, "exception_type", filters, {})
        tiles = [tile(conn, view, METRIC, filters, frame=total)]
        if not region:
            tiles += [tile(conn, view, METRIC, {"csp_region": r}, label=region_label(r)) for r in regions]
        month_split = {r: split(conn, view, METRIC, "exception_type", {"csp_region": r}, {})
                       for r in regions}
        regional = [] if region else comparison_cards(conn, view, "exceptions-region",
                                                      "Open CH exceptions", METRIC, regions,
                                                      kind="bar", notes=notes(conn, view, METRIC))
        type_notes = notes(conn, view, METRIC, region)
    return page(view, [
        page_header("CH exceptions", f"Communications Hub exceptions open at month end, "
                    f"{region_label(region)}, by exception type and CSP region.", view),
        tiles_row(tiles, "exceptions-tiles"),
        trend_card("exceptions-type", f"Open CH exceptions by type · {region_label(region)}", METRIC,
                   by_type, view, kind="bar", stacked=True, bands=total, notes=type_notes,
                   subtitle="Stacked by exception type, largest first; bands show the target and "
                            "minimum for the total."),
        month_card(month_split, view),
        *regional,
    ], ("region",))


def month_card(month_split: dict, view):
    """Exception types side by side per region for the chosen month."""
    last = {r: {s["name"]: s["frame"]["value"].iloc[-1] for s in items} for r, items in month_split.items()}
    types = sorted({t for values in last.values() for t in values},
                   key=lambda t: -sum((v.get(t) or 0) for v in last.values()))
    groups = {short_region(r): ([_n(last[r].get(t)) for t in types],
                                theme.colour_for(r, theme.REGION_COLOURS, i))
              for i, r in enumerate(month_split)}
    figure = figures.grouped_bar_figure(types, groups, unit="count", decimals=0)
    rows = [{"type": t, **{f"r{i}": _n(last[r].get(t)) for i, r in enumerate(month_split)}} for t in types]
    columns = [text_column("type", "Exception type", minWidth=220)] + [
        number_column(f"r{i}", region_label(r)) for i, r in enumerate(month_split)]
    return chart_card("exceptions-month", f"Exceptions by type and region · {month_label(view.month)}",
                      figure, subtitle="Open at the end of the chosen month.", columns=columns,
                      rows=rows)


def _n(value):
    return None if value is None or value != value else float(value)
