"""A 12-month sparkline as plain HTML bars (no chart library: fourteen of them render instantly).

Bar height is the value; bar colour is that month's RAG. The run of RAG colours is context for the
labelled cell beside it, which always carries the word and icon.
"""
from __future__ import annotations

from dash import html

from metrics.months import month_label
from metrics.formatting import format_value

from .. import theme


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
    if not points:
        return html.Div(className="sparkline sparkline-empty")
    heights = _heights([p["value"] for p in points], unit)
    bars = []
    for point, height in zip(points, heights):
        text = (f"{month_label(point['month'], 'short')}: {format_value(point['value'], unit, decimals)}"
                f" — {theme.rag_label(point['rag'])}")
        style = {"height": f"{height:.0f}%"} if height is not None else {"height": "6%"}
        bars.append(html.Span(className=f"spark-bar rag-bg-{point['rag']}", style=style, title=text))
    first, last = points[0]["month"], points[-1]["month"]
    return html.Div([
        html.Div(bars, className="spark-bars", role="img",
                 **{"aria-label": f"{len(points)} months to {month_label(last)}"}),
        html.Div([html.Span(month_label(first, "short")), html.Span(month_label(last, "short"))],
                 className="spark-axis"),
    ], className="sparkline")
