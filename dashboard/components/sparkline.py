"""A 12-month sparkline as plain HTML bars (no chart library: fourteen of them render instantly).

Bar height is the value; bar colour is that month's RAG. The run of RAG colours is context for the
labelled cell beside it, which always carries the word and icon.
"""
from __future__ import annotations

from urllib.parse import quote

from dash import html

from metrics.months import month_label
from metrics.formatting import format_value
from metrics.rag import NO_DATA

from .. import theme

BAR_STEP, BAR_GAP = 10, 2  # in the image's own units; it is stretched to the cell's width
BAR_COLOURS = {**theme.RAG_COLOURS, NO_DATA: "#afb8c1"}  # a month with no figure: a faint stub


def _heights(values: list, unit: str) -> list[float | None]:
    present = [v for v in values if v is not None]
    if not present:
        return [None] * len(values)
    hi, lo = max(present), min(present)
    if unit != "%" and lo >= 0:
        lo = 0.0  # counts from zero, so heights compare honestly
    else:
        lo = lo - (hi - lo) * 0.25  # rates: zoom in, but leave the lowest bar visible
    span = (hi - lo) or 1.0
    return [None if v is None else 12 + 88 * (v - lo) / span for v in values]


def sparkline(points: list[dict], unit: str, decimals: int) -> html.Div:
    """The bars as one SVG image (a data: URL), not a DOM element per bar: the overview draws
    thirty of them, and one element each keeps its first render quick. Hovering shows every
    month's figure and RAG."""
    if not points:
        return html.Div(className="sparkline sparkline-empty")
    heights = _heights([p["value"] for p in points], unit)
    bars = "".join(
        f'<rect x="{i * BAR_STEP}" y="{100 - (h or 6):.0f}" width="{BAR_STEP - BAR_GAP}" height="{h or 6:.0f}" '
        f'fill="{BAR_COLOURS.get(p["rag"], BAR_COLOURS[NO_DATA])}"/>'
        for i, (p, h) in enumerate(zip(points, heights)))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {len(points) * BAR_STEP - BAR_GAP} 100" '
           f'preserveAspectRatio="none">{bars}</svg>')
    lines = [f"{month_label(p['month'], 'short')}: {format_value(p['value'], unit, decimals)} — {theme.rag_label(p['rag'])}"
             for p in points]
    first, last = points[0]["month"], points[-1]["month"]
    return html.Div([
        html.Img(src="data:image/svg+xml," + quote(svg), className="spark-bars",
                 alt=f"{len(points)} months to {month_label(last)}", title="\n".join(lines)),
        html.Div([html.Span(month_label(first, "short")), html.Span(month_label(last, "short"))],
                 className="spark-axis"),
    ], className="sparkline")
