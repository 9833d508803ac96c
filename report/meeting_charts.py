"""Meeting charts: the figure for an agenda item's metric, on a slide and in the pack.

Built with ``figures.trend_figure`` (one template, one RAG palette), then made to read without a
mouse: every value of a single series is labelled, hover is off, the goal trajectory is drawn to a
star coloured by its verdict, and type is larger. There is no legend: the series are named at
their ends, and the chart's key (thresholds, goals, provisional marks) is written beside it by the
slide or the page. The pack's SVGs are the same figures, drawn by plotly.js in headless Chromium.
"""
from __future__ import annotations

import copy
import html
import json
import re
import subprocess
import tempfile
from pathlib import Path

import plotly

from metrics.formatting import compact, format_value
from metrics.read.goals import GOOD_STATES
from report.chromium import CHROME_FLAGS, chromium_path
from metrics.rag import GREEN, RED

from report import figures, palette

# width: the figure's width at 1920 px; narrow: the share of it left on the narrowest screen it is
# shown on (1366x768 and 768x1024 for a slide, the A4 page for the pack)
SLIDE = {"font": 17, "small": 16, "height": 430, "width": 1100, "narrow": 0.6}
PRINT = {"font": 13, "small": 12, "height": 330, "width": 980, "narrow": 1.0}
GLYPH = 0.62  # a digit's width as a share of the font size (bold a little wider)
PRINT_PX = {1: (1040, 300), 2: (515, 300), 3: (340, 300)}  # (width, height) by charts abreast
GOAL_COLOUR = "#3d4451"


def _series(chart: dict) -> list[dict]:
    single = len(chart["series"]) == 1
    kind = "bar" if single and chart["unit"] == "count" else "line"
    out = []
    for i, s in enumerate(chart["series"]):
        colour = palette.colour_for(s["value"], palette.REGION_COLOURS, i)
        out.append({"name": s["name"], "short": s["short"], "colour": colour, "kind": kind,
                    "months": chart["months"], "values": s["values"], "provisional": s["provisional"],
                    "label_last": kind != "bar"})  # a bar's own label sits on top of it
    return out


def _label_step(texts: list[str], size: int, plot_px: float, months: int) -> int:
    """Label every n-th point (counting back from the latest) so that no two labels touch."""
    widest = max(len(re.sub(r"<[^>]+>", "", t)) for t in texts) * size * GLYPH + 6
    return max(1, -(-int(widest) // max(int(plot_px / max(months, 1)), 1)))


def _point_labels(chart: dict, series: dict, size: int, columns: int, plot_px: float = 1e9) -> dict | None:
    """Every value of a lone series written above it (a line's last value already has its end
    label; a bar's is written here, in bold). Full figures on a slide's only chart, shorter ones
    (28.2k, 1.8k) where charts share the width; on a line, a label that would sit on its
    neighbour's goes below the point instead."""
    values, unit, dec = series["values"], chart["unit"], chart["decimals"]
    bars = series["kind"] == "bar"
    present = [v for v in values if v is not None]
    if not present:
        return None
    last = max(i for i, v in enumerate(values) if v is not None)
    longest = max(len(format_value(v, unit, dec)) for v in present)
    below = 1_000 if columns > 1 else 10_000

    def label(v):
        return format_value(v, unit, dec) if columns == 1 and longest <= 7 else compact(v, unit, dec, below)
    span = (max(present) - min(present)) or 1.0
    xs, ys, texts, places = [], [], [], []
    for i, (month, value) in enumerate(zip(chart["months"], values)):
        if value is None or (i == last and not bars):
            continue
        place = "top center"
        if not bars and places and places[-1] == "top center" and abs(value - ys[-1]) < span * 0.12:
            place = "bottom center"
        xs.append(figures.mid(month))
        ys.append(value)
        texts.append(f"<b>{label(value)}</b>" if i == last else label(value))
        places.append(place)
    if not xs:
        return None
    step = _label_step(texts, size - 2, plot_px, len(chart["months"]))
    if step > 1:  # too close to sit side by side: every step-th label, the latest always kept
        index = {figures.mid(m): i for i, m in enumerate(chart["months"])}
        keep = [k for k, x in enumerate(xs) if (last - index[x]) % step == 0]
        xs, ys, texts = [xs[k] for k in keep], [ys[k] for k in keep], [texts[k] for k in keep]
        places = ["top center"] * len(keep)
    return {"type": "scatter", "mode": "text", "x": xs, "y": ys, "text": texts,
            "textposition": places, "cliponaxis": False, "showlegend": False,
            "hoverinfo": "skip", "textfont": {"size": size - 2, "color": palette.INK}}


def _goal_traces(chart: dict) -> list[dict]:
    """The straight line to each goal, ending in a star coloured by the verdict (written out in
    the chart's key beside it)."""
    traces = []
    for g in chart["goals"]:
        if not g["trajectory"]:
            continue
        first, last = g["trajectory"][0], g["trajectory"][-1]
        verdict = {True: palette.RAG_COLOURS[GREEN], False: palette.RAG_COLOURS[RED]}[g["state"] in GOOD_STATES]
        traces.append({"type": "scatter", "mode": "lines+markers", "name": f"Goal: {g['goal_text']}",
                       "x": [figures.mid(first[0]), figures.mid(last[0])], "y": [first[1], last[1]],
                       "line": {"color": GOAL_COLOUR, "width": 2.5, "dash": "longdash"},
                       "marker": {"size": [7, 18], "symbol": ["circle", "star"],
                                  "color": [GOAL_COLOUR, verdict],
                                  "line": {"width": 1.5, "color": GOAL_COLOUR}},
                       "hoverinfo": "skip", "cliponaxis": False})
    return traces


def chart_figure(chart: dict, scale: dict = SLIDE, *, columns: int = 1) -> dict:
    """The plain Plotly figure for one chart of ``metrics.meeting.content.meeting_content``.

    ``columns``: how many charts share the width. Every value of a lone series is written above
    it, shortened where charts share the width; with three abreast, long values leave only a
    bar's last label.
    """
    series = _series(chart)
    targets, minimums = chart["limits"]
    figure = figures.trend_figure(
        series, chart["months"], unit=chart["unit"], decimals=chart["decimals"],
        higher_is_better=chart["higher_is_better"], limits=(targets, minimums),
        notes=chart["notes"], height=scale["height"], width_hint=scale["width"] // columns)
    layout = figure["layout"]
    plot_px = scale["width"] * scale["narrow"] / columns - 90  # less the axis and the end label
    texts = _point_labels(chart, series[0], scale["small"], columns, plot_px) if len(series) == 1 else None
    if texts and columns >= 3 and max(len(t.replace("<b>", "").replace("</b>", "")) for t in texts["text"]) > 4:
        last = series[0]["kind"] == "bar"  # too long to sit side by side: a bar keeps its last label
        texts = {**texts, **{k: texts[k][-1:] for k in ("x", "y", "text", "textposition")}} if last else None
    if texts:
        figure["data"].append(texts)
    goal_traces = _goal_traces(chart)
    figure["data"] += goal_traces
    layout["annotations"] = [_no_hover(a) for a in layout.get("annotations", [])]
    if goal_traces:  # a goal's line starts at the latest point: its end label stays legible on top
        for a in layout["annotations"]:
            if a.get("name") == "end label":
                a.update(bgcolor="rgba(255,255,255,0.92)", borderpad=1)
    if goal_traces:  # room for the star when the goal sits at the top of the range
        lo, hi = layout["yaxis"]["range"]
        top = max(t["y"][-1] for t in goal_traces)
        layout["yaxis"]["range"] = [lo, max(hi, top + (hi - lo) * 0.06)]
    layout.update(hovermode=False, font={"size": scale["font"]}, showlegend=False)
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout[axis], "tickfont": {"size": scale["small"]}}
    layout["xaxis"].update(dtick="M6" if columns >= 3 else "M3", tickformat="%b %Y", tickangle=0)
    layout["margin"] = {**layout["margin"], "b": 8, "t": 6}
    return figure


def _no_hover(annotation: dict) -> dict:
    """Annotation titles stay; their hover text goes (the detail is written on the slide)."""
    return {k: v for k, v in annotation.items() if k != "hovertext"}


def slide_figure(chart: dict, columns: int = 1) -> dict:
    """Sized by its container (no fixed height), for a dcc.Graph that fills the slide."""
    figure = chart_figure(chart, SLIDE, columns=columns)
    figure["layout"].pop("height", None)
    figure["layout"]["autosize"] = True
    return figure


# ---------------------------------------------------------------------------- pack SVGs
def print_figure(chart: dict, columns: int = 1) -> dict:
    """The chart at its size on an A4 landscape page (``columns`` charts abreast)."""
    width, height = PRINT_PX[columns]
    figure = copy.deepcopy(chart_figure(chart, PRINT, columns=columns))
    figure["layout"].update(width=width, height=height, autosize=False)
    return figure


def _converter_page(figs: list[dict]) -> str:
    """A page that draws each figure with plotly.js and writes out Plotly's own SVG export."""
    script = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    data = json.dumps(figs).replace("</", "<\\/")  # user text cannot close the script
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><script>{script}</script></head><body>
<script>
const FIGS = {data};
(async () => {{
  for (let i = 0; i < FIGS.length; i++) {{
    const div = document.createElement("div");
    document.body.appendChild(div);
    await Plotly.newPlot(div, FIGS[i].data, FIGS[i].layout, {{staticPlot: true}});
    const out = document.createElement("pre");
    out.id = "svg-" + i;
    out.textContent = Plotly.Snapshot.toSVG(div);
    document.body.appendChild(out);
    Plotly.purge(div);
    div.remove();
  }}
  document.body.setAttribute("data-drawn", String(FIGS.length));
}})();
</script></body></html>"""


def charts_svg(charts: list[tuple[str, dict, int]], *, timeout: float = 120) -> dict[str, str]:
    """{key: inline SVG} for (key, chart, charts abreast on its page).

    One headless Chromium draws them all with the plotly.js the dashboard ships (nothing is
    fetched) and Plotly's SVG export writes each out: what kaleido does, without its per-figure
    round trips (about 4 s for a pack's sixteen charts, against 11 s).
    """
    if not charts:
        return {}
    figs = [print_figure(chart, columns) for _, chart, columns in charts]
    with tempfile.TemporaryDirectory(prefix="opsg-charts-") as tmp:
        page = Path(tmp) / "charts.html"
        page.write_text(_converter_page(figs), encoding="utf-8")
        cmd = [chromium_path(), *CHROME_FLAGS, f"--user-data-dir={tmp}/profile",
               "--virtual-time-budget=60000", "--dump-dom", page.as_uri()]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    drawn = dict(re.findall(r'<pre id="svg-(\d+)">(.*?)</pre>', result.stdout, re.S))
    if f'data-drawn="{len(figs)}"' not in result.stdout or len(drawn) != len(figs):
        raise RuntimeError(f"Chromium drew {len(drawn)} of {len(figs)} charts: "
                           f"{result.stderr.strip()[-400:]}")
    out = {}
    for i, (key, _, columns) in enumerate(charts):
        svg = html.unescape(drawn[str(i)])
        w, h = PRINT_PX[columns]
        # Scale with the page: keep the drawing's proportions, let CSS size it.
        out[key] = svg.replace(f'width="{w}" height="{h}"',
                               f'viewBox="0 0 {w} {h}" preserveAspectRatio="xMidYMid meet"', 1)
    return out
