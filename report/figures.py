"""Every chart, built as a plain Plotly figure dict (no graph_objects: validation costs tens of ms).

Charts read without hovering: RAG bands step where an effective-dated threshold changed, the target
and minimum are drawn as lines, annotation titles sit in a strip above the plot, the last value of
every series is labelled, and provisional figures are hollow (lines) or hatched (bars) with a legend
entry saying so. Months are placed mid-month on a date axis so bands can start on the 1st.
Text that users uploaded is HTML-escaped: Plotly renders a subset of HTML in every label.
"""
from __future__ import annotations

import html
import math
from datetime import date

from metrics.formatting import format_threshold, format_value
from metrics.months import add_months, month_label
from metrics.rag import AMBER, GREEN, RED

from report import palette

LEVEL_PX = 24          # height of one row of annotation labels
CHAR_PX = 8.2          # average glyph width at 14px, to keep labels from overlapping
LABEL_GAP_PX = 21      # minimum vertical gap between end-of-line value labels


def esc(text) -> str:
    """Text that Plotly shows literally (it would otherwise render <b>, <a href=...>, ...)."""
    return html.escape(str(text), quote=True)


def mid(month: str) -> str:
    return f"{month}-15"


def start(month: str) -> str:
    return f"{month}-01"


def number_format(unit: str, decimals: int) -> tuple[str, str]:
    """(d3 format, suffix) for hover text and labels."""
    return f",.{decimals}f", "%" if unit == "%" else ""


def clean(values, decimals: int) -> list:
    """Floats rounded for the wire; NaN and None become None."""
    return [None if v is None or v != v else round(float(v), decimals) for v in values]


def threshold_runs(months: list[str], targets: list, minimums: list) -> list[tuple]:
    """[(first month, month after last, target, minimum)] for each stretch of unchanged thresholds."""
    runs: list[list] = []
    for month, target, minimum in zip(months, targets, minimums):
        if target is None or minimum is None or target != target:
            continue
        if runs and runs[-1][1] == month and (runs[-1][2], runs[-1][3]) == (target, minimum):
            runs[-1][1] = add_months(month, 1)
        else:
            runs.append([month, add_months(month, 1), float(target), float(minimum)])
    return [tuple(r) for r in runs]


def band_shapes(runs, higher_is_better: bool, lo: float, hi: float) -> list[dict]:
    """Green/Amber/Red rectangles behind the data, one set per threshold run."""
    shapes = []
    for first, after, target, minimum in runs:
        if higher_is_better:
            bands = {GREEN: (target, hi), AMBER: (minimum, target), RED: (lo, minimum)}
        else:
            bands = {GREEN: (lo, target), AMBER: (target, minimum), RED: (minimum, hi)}
        for rag, (y0, y1) in bands.items():
            y0, y1 = max(y0, lo), min(y1, hi)
            if y1 > y0:
                shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": start(first),
                               "x1": start(after), "y0": y0, "y1": y1, "layer": "below",
                               "line": {"width": 0}, "fillcolor": palette.BAND_FILLS[rag]})
    return shapes


def threshold_traces(runs, unit: str, decimals: int) -> list[dict]:
    """Target and minimum as stepped lines (they step on the 1st of the month a change took effect)."""
    if not runs:
        return []
    x = [start(r[0]) for r in runs] + [start(runs[-1][1])]
    traces = []
    for index, (label, colour, dash) in enumerate((("Target", palette.TARGET_COLOUR, "dash"),
                                                    ("Minimum", palette.MINIMUM_COLOUR, "dot"))):
        ys = [r[2 + index] for r in runs]
        last = format_threshold(ys[-1], unit, decimals)
        traces.append({"type": "scatter", "mode": "lines", "name": f"{label} ({last})",
                       "x": x, "y": ys + ys[-1:], "line": {"color": colour, "width": 2.5,
                                                           "dash": dash, "shape": "hv"},
                       "hoverinfo": "skip"})
    return traces


def value_range(values: list, runs, unit: str, extra_top: float = 0.0) -> tuple[float, float]:
    """A y range holding the data and the thresholds, from zero for counts."""
    points = [v for v in values if v is not None]
    for _, _, target, minimum in runs:
        points += [target, minimum]
    if not points:
        return (0.0, 1.0)
    lo, hi = min(points), max(points)
    span = (hi - lo) or abs(hi) or 1.0
    hi_out = hi + span * (0.08 + extra_top)
    if unit == "%":  # zoom in on rates near 100%; rates far from it start at zero
        lo_out = 0.0 if lo <= hi * 0.5 else max(0.0, lo - span * 0.1)
        return (lo_out, min(hi_out, 100 + span * (0.05 + extra_top)) if hi <= 100 else hi_out)
    return (0.0 if lo >= 0 else lo - span * 0.08, hi_out)


def annotation_layer(notes: list[dict], months: list[str], width_px: int, plot_px: int):
    """(shapes, annotations, strip fraction): dated notes as dotted lines with their titles above."""
    first, after = date.fromisoformat(start(months[0])), date.fromisoformat(start(add_months(months[-1], 1)))
    days = (after - first).days
    px_per_day = width_px / days
    levels: list[list[tuple[float, float]]] = []
    shapes, labels = [], []
    for note in sorted(notes, key=lambda n: n["date"]):
        when = date.fromisoformat(note["date"])
        if not first <= when < after:
            continue
        offset, span = (when - first).days, (len(note["title"]) * CHAR_PX + 14) / px_per_day
        right = offset + span > days
        extent = (offset - span, offset) if right else (offset, offset + span)
        level = next((i for i, used in enumerate(levels)
                      if all(extent[1] < a or extent[0] > b for a, b in used)), None)
        if level is None:
            level = min(len(levels), 3)
            if level == len(levels):
                levels.append([])
        levels[level].append(extent)
        labels.append((note, level, right))
    if not labels:
        return [], [], 0.0
    strip = (len(levels) * LEVEL_PX + 6) / plot_px
    out = []
    for note, level, right in labels:
        y = 1 - (level * LEVEL_PX) / plot_px
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": note["date"],
                       "x1": note["date"], "y0": 0, "y1": y - 4 / plot_px, "layer": "above",
                       "line": {"color": palette.ANNOTATION_COLOUR, "width": 1.5, "dash": "dot"}})
        out.append({"x": note["date"], "xref": "x", "y": y, "yref": "paper", "yanchor": "top",
                    "xanchor": "right" if right else "left", "xshift": -3 if right else 3,
                    "text": esc(note["title"]), "showarrow": False,
                    "hovertext": esc(note.get("detail") or note["title"]),
                    "font": {"size": palette.SMALL_FONT, "color": palette.ANNOTATION_COLOUR},
                    "bgcolor": "rgba(255,255,255,0.92)"})
    return shapes, out, strip


def end_labels(items: list[tuple[str, float, str, str]], lo: float, hi: float, plot_px: int,
               unit: str, decimals: int) -> list[dict]:
    """Labels for each series' last point, nudged apart so they never overlap."""
    placed, out = [], []
    for x, y, name, colour in sorted(items, key=lambda i: i[1]):
        py = (y - lo) / ((hi - lo) or 1) * plot_px
        shift = 0.0
        if placed and py < placed[-1] + LABEL_GAP_PX:
            shift = placed[-1] + LABEL_GAP_PX - py
        placed.append(py + shift)
        text = f"{esc(name)} {format_value(y, unit, decimals)}" if name else format_value(y, unit, decimals)
        out.append({"name": "end label", "x": x, "y": y, "xref": "x", "yref": "y", "xanchor": "left", "xshift": 10,
                    "yshift": shift, "text": f"<b>{text}</b>", "showarrow": False,
                    "font": {"size": palette.SMALL_FONT, "color": colour}})
    return out


def _series_traces(s: dict, unit: str, decimals: int, stacked: bool) -> list[dict]:
    d3, suffix = number_format(unit, decimals)
    x = [mid(m) for m in s["months"]]
    y = clean(s["values"], decimals)
    prov = s.get("provisional") or [False] * len(x)
    hover = f"%{{y:{d3}}}{suffix}<extra>{esc(s['name'])}</extra>"
    if s.get("kind", "line") == "bar":
        return [{"type": "bar", "name": esc(s["name"]), "x": x, "y": y, "hovertemplate": hover,
                 "marker": {"color": s["colour"], "line": {"width": 0},
                            "pattern": {"shape": ["/" if p else "" for p in prov], "fillmode": "overlay",
                                        "fgcolor": palette.INK, "fgopacity": 0.6, "solidity": 0.3}},
                 "width": 24 * 86_400_000 if not stacked else None}]
    line = {"type": "scatter", "mode": "lines+markers", "name": esc(s["name"]), "x": x, "y": y,
            "line": {"color": s["colour"], "width": 3, "dash": s.get("dash", "solid")},
            "marker": {"size": 7, "color": s["colour"],
                       "symbol": ["circle-open" if p else "circle" for p in prov],
                       "line": {"width": 2, "color": s["colour"]}},
            "hovertemplate": hover, "connectgaps": False}
    traces = [line]
    if any(prov):  # the line stops at the last final figure; a dotted line reaches the rest
        lead = max(prov.index(True) - 1, 0)
        line["y"] = [v if not p else None for v, p in zip(y, prov)]
        traces.append({"type": "scatter", "mode": "lines", "x": x[lead:], "y": y[lead:],
                       "showlegend": False, "hoverinfo": "skip", "name": esc(s["name"]),
                       "line": {"color": s["colour"], "width": 3, "dash": "dot"}})
        px = [xi for xi, p in zip(x, prov) if p]
        traces.append({"type": "scatter", "mode": "markers", "x": px,
                       "y": [yi for yi, p in zip(y, prov) if p], "showlegend": False,
                       "name": esc(s["name"]),
                       "hovertemplate": f"%{{y:{d3}}}{suffix} (provisional)<extra>{esc(s['name'])}</extra>",
                       "marker": {"size": 11, "color": s["colour"], "symbol": "circle-open",
                                  "line": {"width": 2.5, "color": s["colour"]}}})
    return traces


def _provisional_key(kind: str, first: str) -> dict:
    if kind == "bar":  # a zero-height bar, so the legend draws its hatched swatch
        return {"type": "bar", "x": [mid(first)], "y": [0], "name": "Provisional (hatched)",
                "marker": {"color": "#d8dee4", "pattern": {"shape": "/", "fillmode": "overlay",
                                                          "fgcolor": palette.INK, "solidity": 0.3}},
                "hoverinfo": "skip"}
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None],
            "name": "Provisional (hollow, dotted)", "hoverinfo": "skip",
            "marker": {"size": 10, "symbol": "circle-open", "color": palette.INK, "line": {"width": 2}}}


def trend_figure(series: list[dict], months: list[str], *, unit: str, decimals: int,
                 higher_is_better: bool = True, limits: tuple[list, list] | None = None,
                 notes: list[dict] = (), stacked: bool = False, markers: list[dict] = (),
                 height: int = palette.CHART_HEIGHT, width_hint: int = 1150, y_title: str = "") -> dict:
    """A monthly chart: lines or (stacked) bars, RAG bands from ``limits`` = (targets, minimums)."""
    runs = threshold_runs(months, *limits) if limits else []
    plot_px = height - 120
    shapes, note_labels, strip = annotation_layer(list(notes), months, width_hint - 200, plot_px)
    traces = [t for s in series for t in _series_traces(s, unit, decimals, stacked)]
    if stacked:
        totals = [sum(v for v in col if v is not None) if any(v is not None for v in col) else None
                  for col in zip(*[clean(s["values"], decimals) for s in series])]
    else:
        totals = [v for s in series for v in clean(s["values"], decimals)]
    marker_values = [m["value"] for m in markers]
    # a marker's arrow and label (about 60 px) stay inside the plot, under the notes' strip
    room = plot_px * (1 - strip)
    lo, hi = value_range(totals + marker_values, runs, unit,
                         extra_top=60 / max(room - 60, 60) if markers else 0.0)
    below = _history_below(series, months, runs, unit, decimals, stacked) if not markers else None
    if below:  # a rate whose early history lies far below: the axis holds the bands and recent months
        lo, hi = below["range"]
    traces += threshold_traces(runs, unit, decimals)
    marker_notes = [_marker(m, months) for m in markers]
    if any(any(s.get("provisional") or []) for s in series):
        traces.append(_provisional_key("bar" if series[0].get("kind") == "bar" else "line", months[0]))
    ends = []
    if stacked:
        last = max((i for i, v in enumerate(totals) if v is not None), default=None)
        if last is not None:
            ends.append((mid(months[last]), totals[last], "", palette.INK))
    else:
        for s in series:
            values = clean(s["values"], decimals)
            last = max((i for i, v in enumerate(values) if v is not None), default=None)
            if last is not None and s.get("label_last", True):
                name = s.get("short", s["name"]) if len(series) > 1 else ""
                ends.append((mid(s["months"][last]), values[last], name, s["colour"]))
    d3, suffix = number_format(unit, decimals)
    label_chars = max((len(f"{n} {format_value(v, unit, decimals)}") for _, v, n, _ in ends), default=6)
    tickformat = ",~s" if hi >= 100_000 and unit != "%" else ""
    right = int(label_chars * CHAR_PX + 24)
    dtick = 1 if unit == "count" and hi <= 8 else None
    left = 16 if y_title else axis_margin(lo, hi, suffix, si=bool(tickformat), dtick=dtick)
    layout = {
        "template": palette.TEMPLATE, "height": height, "barmode": "stack" if stacked else "group",
        "margin": {"l": left, "r": right, "t": 12,
                   "b": bottom_margin(traces, LEGEND_CHART_PX - left - right)},
        "xaxis": {"type": "date", "range": [start(months[0]), start(add_months(months[-1], 1))],
                  "tickformat": "%b %Y", "ticklabelmode": "period"},  # Plotly spaces the ticks
        "legend": {"traceorder": "normal"},
        "yaxis": {"range": [lo, hi], "ticksuffix": suffix, "domain": [0, 1 - strip],
                  "dtick": dtick,
                  "tickformat": tickformat,
                  "title": {"text": esc(y_title)} if y_title else None},
        "shapes": band_shapes(runs, higher_is_better, lo, hi) + shapes,
        "annotations": note_labels + marker_notes + ([below["note"]] if below else [])
        + end_labels(ends, lo, hi, plot_px * (1 - strip), unit, decimals),
        "hovermode": "x unified",
    }
    layout["yaxis"] = {k: v for k, v in layout["yaxis"].items() if v is not None}
    return {"data": traces, "layout": layout}


# Margins as Plotly's automargin would make them at the width the chart is built for. Automargin
# stays on, but when the margins it needs are already there it draws once instead of twice: the
# second pass was a third of a chart's first draw (100+ ms, most of a family page's blocking time).
# Narrower screens, or labels wider than these estimates, still grow the margins as before.
# Glyph widths at 14 px in DejaVu Sans (what system-ui is on Linux; wider than Segoe UI or San
# Francisco, so the estimates err towards room), measured once in Chromium with canvas measureText.
GLYPH_PX = {c: px for chars, px in (
    ("'", 3.8),
    ('ijl', 3.9),
    ('IJ', 4.1),
    (' ,.', 4.5),
    ('/:;\\|', 4.7),
    ('f', 4.9),
    ('-', 5.1),
    ('()[]t', 5.5),
    ('!', 5.6),
    ('r', 5.8),
    ('"', 6.4),
    ('*_`', 7),
    ('sz', 7.3),
    ('?', 7.4),
    ('c', 7.7),
    ('L', 7.8),
    ('Fk', 8.1),
    ('vxy', 8.3),
    ('P', 8.4),
    ('TYaeo', 8.6),
    ('E', 8.8),
    ('$0123456789Sbdghnpqu{}', 8.9),
    ('K', 9.2),
    ('ABVXZ', 9.6),
    ('R', 9.7),
    ('C', 9.8),
    ('U', 10.2),
    ('HN', 10.5),
    ('DG', 10.8),
    ('&', 10.9),
    ('OQ', 11),
    ('w', 11.5),
    ('#+<=>^~', 11.7),
    ('M', 12.1),
    ('%', 13.3),
    ('m', 13.6),
    ('W', 13.8),
    ('@', 14),
    ("\u2212", 11.7),  # the minus sign Plotly writes
) for c in chars}
AXIS_PAD_PX = 21   # tick length and the gaps either side of a tick label
LEGEND_ITEM_PX, LEGEND_GAP_PX = 43, 2.5  # a legend entry's symbol and padding; the gap between entries
# The legend wraps as on a 1366-px screen, where every chart is the page's full width (1,265 px):
# on wider screens a legend may need fewer rows (a little room left under it), and a half-width
# chart beside another may need more (then automargin grows the margin).
LEGEND_CHART_PX = 1265


def text_px(text: str) -> float:
    """Width of ``text`` at 14 px (a character not in the table counts as CHAR_PX)."""
    return sum(GLYPH_PX.get(c, CHAR_PX) for c in text)


def nice_step(lo: float, hi: float, count: int) -> float:
    """The 1-2-5 step that puts about ``count`` ticks between lo and hi, as Plotly chooses it."""
    raw = ((hi - lo) or abs(hi) or 1.0) / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def ticks_at(lo: float, hi: float, step: float) -> list[float]:
    """Every multiple of ``step`` from lo to hi."""
    first = math.ceil(lo / step - 1e-9) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def tick_text(value: float, suffix: str, si: bool) -> str:
    """A y tick label as Plotly writes it: SI (5k, 2.5M) for large values, else as short as it goes."""
    value = round(value, 9)
    if si or abs(value) >= 10_000:
        for factor, letter in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= factor:
                return f"{value / factor:.3g}{letter}{suffix}"
    return f"{value:.10g}{suffix}".replace("-", "−")


def axis_margin(lo: float, hi: float, suffix: str, *, si: bool, dtick: float | None = None) -> int:
    """The left margin the widest y tick label needs (either tick density Plotly may choose)."""
    steps = [dtick] if dtick else [nice_step(lo, hi, count) for count in (5, 8)]
    labels = [tick_text(v, suffix, si) for step in steps for v in ticks_at(lo, hi, step)]
    return int(max(map(text_px, labels), default=0) + AXIS_PAD_PX + 1)


def category_margin(categories: list[str]) -> int:
    """The left margin a category axis needs for its longest label."""
    return int(max((text_px(str(c)) for c in categories), default=0) + 17)


def bottom_margin(traces: list[dict], plot_px: float) -> int:
    """Room for the x tick labels and the legend under the plot. Plotly puts the entries on one row
    when they fit, else in equal columns as wide as the widest entry."""
    items = [LEGEND_ITEM_PX + text_px(html.unescape(t["name"]))
             for t in traces if t.get("showlegend", True) and t.get("name")]
    if len(items) < 2:
        return 36
    if sum(items) + LEGEND_GAP_PX * (len(items) - 1) <= plot_px:
        rows = 1
    else:
        columns = max(1, int((plot_px + LEGEND_GAP_PX) // (max(items) + LEGEND_GAP_PX)))
        rows = -(-len(items) // columns)
    return 96 + 21 * (rows - 1)


RECENT_MONTHS = 12


def _history_below(series, months, runs, unit: str, decimals: int, stacked: bool) -> dict | None:
    """For a rate against thresholds: when months before the last RECENT_MONTHS lie so far below
    that a full axis would squeeze the target/minimum band and recent values into a sliver, the axis
    holds the band and recent months, and a note at the foot of the plot says the axis is broken and
    gives the lowest earlier figure (which the figures table lists in full)."""
    if unit != "%" or not runs or stacked:
        return None
    recent, earlier = [], []
    for s in series:
        for month, value in zip(s["months"], clean(s["values"], decimals)):
            if value is not None:
                (recent if month >= months[max(len(months) - RECENT_MONTHS, 0)] else earlier).append((value, month, s))
    if not recent or not earlier:
        return None
    lo, hi = value_range([v for v, _, _ in recent], runs, unit)
    lo = math.floor(lo * 2) / 2  # a round number to name in the note
    lowest = min(earlier, key=lambda e: e[0])
    full_lo, _ = value_range([v for v, _, _ in recent + earlier], runs, unit)
    if lowest[0] >= lo or (hi - lo) > 0.5 * (hi - full_lo):  # the full axis would read well enough
        return None
    name = f"{lowest[2].get('short') or lowest[2]['name']} " if len(series) > 1 else ""
    text = (f"▼ Axis starts at {format_value(lo, unit, 1)}: earlier months lie below "
            f"(lowest {name}{format_value(lowest[0], unit, decimals)}, {month_label(lowest[1], 'short')})")
    note = {"xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "bottom",
            "text": esc(text), "showarrow": False, "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": palette.SMALL_FONT, "color": palette.INK}}
    return {"range": (lo, hi), "note": note}


def _marker(m: dict, months: list[str]) -> dict:
    """A labelled arrow pointing down at one month's value (e.g. the worst month on record)."""
    position = months.index(m["month"]) / max(len(months) - 1, 1) if m["month"] in months else 0.5
    anchor = "left" if position < 0.2 else "right" if position > 0.8 else "center"
    return {"x": mid(m["month"]), "y": m["value"], "xref": "x", "yref": "y", "text": f"<b>{esc(m['text'])}</b>",
            "showarrow": True, "arrowhead": 2, "arrowsize": 1.2, "arrowwidth": 2, "arrowcolor": palette.INK,
            "ax": 0, "ay": -34, "xanchor": anchor, "yanchor": "bottom",
            "font": {"size": palette.SMALL_FONT, "color": palette.INK}, "bgcolor": "rgba(255,255,255,0.9)"}


def bar_figure(categories: list[str], values: list, *, unit: str, decimals: int, colour: str,
               height: int | None = None, name: str = "") -> dict:
    """Horizontal bars, largest at the top, each labelled with its value."""
    d3, suffix = number_format(unit, decimals)
    ys = [esc(c) for c in categories][::-1]
    xs = clean(values, decimals)[::-1]
    height = height or max(260, 44 * len(categories) + 80)
    longest = max((len(format_value(v, unit, decimals)) for v in xs), default=4)
    return {"data": [{"type": "bar", "orientation": "h", "x": xs, "y": ys, "name": esc(name),
                      "marker": {"color": colour}, "text": [format_value(v, unit, decimals) for v in xs],
                      "textposition": "outside", "cliponaxis": False,
                      "textfont": {"size": palette.SMALL_FONT, "color": palette.INK},
                      "hovertemplate": f"%{{y}}: %{{x:{d3}}}{suffix}<extra></extra>"}],
            "layout": {"template": palette.TEMPLATE, "height": height, "hovermode": "closest",
                       "margin": {"l": category_margin(categories), "r": int(longest * CHAR_PX + 30),
                                  "t": 8, "b": 34},
                       "xaxis": {"showgrid": True, "ticksuffix": suffix, "rangemode": "tozero",
                                 "tickformat": ",~s" if max((v or 0 for v in xs), default=0) >= 100_000
                                 else ""},
                       "yaxis": {"type": "category", "automargin": True, "showgrid": False},
                       "showlegend": False}}


def grouped_bar_figure(categories: list[str], groups: dict[str, tuple[list, str]], *, unit: str,
                       decimals: int) -> dict:
    """Horizontal grouped bars: one bar per group (e.g. region) for each category."""
    d3, suffix = number_format(unit, decimals)
    ys = [esc(c) for c in categories][::-1]
    data = []
    for name, (values, colour) in reversed(groups.items()):  # first group drawn on top
        xs = clean(values, decimals)[::-1]
        data.append({"type": "bar", "orientation": "h", "name": esc(name), "x": xs, "y": ys,
                     "marker": {"color": colour}, "text": [format_value(v, unit, decimals) for v in xs],
                     "textposition": "outside", "cliponaxis": False,
                     "textfont": {"size": palette.SMALL_FONT},
                     "hovertemplate": f"%{{y}}: %{{x:{d3}}}{suffix}<extra>{esc(name)}</extra>"})
    height = max(300, len(categories) * (22 * len(groups) + 24) + 110)
    left = category_margin(categories)
    return {"data": data,
            "layout": {"template": palette.TEMPLATE, "height": height, "barmode": "group",
                       "hovermode": "closest",
                       "margin": {"l": left, "r": 90, "t": 8, "b": bottom_margin(data, LEGEND_CHART_PX - left - 90)},
                       "xaxis": {"showgrid": True, "rangemode": "tozero", "ticksuffix": suffix},
                       "yaxis": {"type": "category", "automargin": True},
                       "legend": {"traceorder": "reversed"}}}
