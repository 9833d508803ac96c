"""The Explore page's chart: one line per value of the chosen dimension (or the total), with the
target and minimum of the total when there is one. Plain figure dicts on the house template."""
from __future__ import annotations

from report import palette
from report.figures import esc, number_format


def explore_figure(rows: list[dict], by: str | None, *, unit: str, decimals: int,
                   height: int = 380) -> dict:
    d3, suffix = number_format(unit, decimals)
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get(by, "Total") if by else "Total", []).append(r)
    traces = []
    for i, (name, points) in enumerate(groups.items()):
        traces.append({"type": "scatter", "mode": "lines+markers", "name": esc(name),
                       "x": [p["month"] for p in points], "y": [p["value"] for p in points],
                       "line": {"color": palette.PALETTE[i % len(palette.PALETTE)], "width": 2.5},
                       "connectgaps": False,
                       "hovertemplate": f"%{{x}}: %{{y:{d3}}}{suffix}<extra>{esc(name)}</extra>"})
    if not by and rows:
        for label, key, dash in (("Target", "target", "dash"), ("Minimum", "minimum", "dot")):
            if any(r[key] is not None for r in rows):
                traces.append({"type": "scatter", "mode": "lines", "name": label,
                               "x": [r["month"] for r in rows], "y": [r[key] for r in rows],
                               "line": {"color": palette.MUTED, "dash": dash, "width": 1.5},
                               "hovertemplate": f"{label} %{{y:{d3}}}{suffix}<extra></extra>"})
    return {"data": traces,
            "layout": {"template": palette.TEMPLATE, "height": height, "hovermode": "x unified",
                       "margin": {"l": 60, "r": 20, "t": 20, "b": 40},
                       "yaxis": {"tickformat": d3, "ticksuffix": suffix,
                                 # counts from zero; a rate near 100% would be squeezed flat
                                 "rangemode": "normal" if suffix == "%" else "tozero"},
                       "xaxis": {"type": "category"},
                       "legend": {"orientation": "h", "y": -0.15}}}
