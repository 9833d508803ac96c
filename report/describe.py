"""A chart in words: one or two sentences saying what a figure from report.figures shows (its
text alternative, for a screen reader and for anyone who cannot see the chart)."""
from __future__ import annotations

import html
import re

from metrics.months import month_label

MONTH = re.compile(r"^(\d{4}-\d{2})")
MAX_SERIES = 6


def _number(value, suffix: str) -> str:
    if value is None:
        return "no figure"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text + suffix


def _when(x) -> str:
    match = MONTH.match(str(x))
    return month_label(match.group(1)) if match else str(x)


def _last(trace: dict):
    points = [(x, y) for x, y in zip(trace.get("x") or [], trace.get("y") or []) if y is not None]
    return points[-1] if points else None


def describe_figure(title: str, figure: dict) -> str:
    """'Chart: OTA success rate, monthly from January 2020 to December 2021. Latest (December 2021):
    North 98.5%, ... Target (99%), Minimum (95%).' Built from the traces as drawn."""
    layout = figure.get("layout") or {}
    traces = [t for t in figure.get("data") or [] if t.get("name") and t.get("showlegend", True) is not False
              and not str(t.get("name")).startswith("Provisional")]
    limits = [html.unescape(t["name"]) for t in traces if str(t["name"]).startswith(("Target", "Minimum"))]
    series = [t for t in traces if not str(t["name"]).startswith(("Target", "Minimum"))]
    if any(t.get("orientation") == "h" for t in figure.get("data") or []):
        bars = [t for t in figure["data"] if t.get("orientation") == "h"]
        suffix = (layout.get("xaxis") or {}).get("ticksuffix", "")
        parts = []
        for trace in bars[:MAX_SERIES]:
            pairs = list(zip(trace.get("y") or [], trace.get("x") or []))[::-1]  # drawn largest on top
            name = f"{html.unescape(trace['name'])}: " if trace.get("name") and len(bars) > 1 else ""
            parts.append(name + ", ".join(f"{html.unescape(str(c))} {_number(v, suffix)}" for c, v in pairs))
        return f"Bar chart: {title}. " + "; ".join(parts) + "."
    suffix = (layout.get("yaxis") or {}).get("ticksuffix", "")
    xs = [x for t in series for x in (t.get("x") or []) if x is not None]
    if not xs:
        return f"Chart: {title}. No figures to show."
    kind = "Bar chart" if all(t.get("type") == "bar" for t in series) else "Line chart"
    stacked = " (stacked)" if layout.get("barmode") == "stack" else ""
    latest = []
    for trace in series[:MAX_SERIES]:
        last = _last(trace)
        if last:
            latest.append((last[0], f"{html.unescape(trace['name'])} {_number(last[1], suffix)}"))
    when = _when(max(x for x, _ in latest)) if latest else ""
    sentence = f"{kind}{stacked}: {title}, monthly from {_when(min(xs))} to {_when(max(xs))}."
    if latest:
        sentence += f" Latest ({when}): " + ", ".join(text for _, text in latest) + "."
    if len(series) > MAX_SERIES:
        sentence += f" {len(series) - MAX_SERIES} more series in the figures table."
    if limits:
        sentence += " " + ", ".join(limits) + "."
    return sentence
