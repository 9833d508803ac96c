"""The one visual vocabulary, for the screen and the printed pack: RAG palette (always with a word
and an icon), series colours, type scale and the Plotly template every chart uses.

Colours are chosen to stay distinguishable for the common colour-vision deficiencies and on a
projector; RAG is never shown by colour alone (``RAG_ICONS`` and ``RAG_LABELS`` go with it).
"""
from __future__ import annotations

from metrics.rag import AMBER, GREEN, NO_DATA, RAG_LABELS, RED

FONT_FAMILY = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
               '"Liberation Sans", Arial, sans-serif')
INK = "#1f2328"        # body text
MUTED = "#57606a"      # secondary text (4.6:1 on white)
GRID = "#d8dee4"
AXIS = "#8c959f"    # axis lines; also the faint "—" of a cell with no figure
PAPER = "#ffffff"

# Each RAG colour carries white text at 4.5:1 or better (WCAG AA); GREEN_TEXT is the green for
# words on a tinted cell, where the badge green would fall just short.
RAG_COLOURS = {GREEN: "#1a7f37", AMBER: "#9a5b00", RED: "#c62828", NO_DATA: "#6e7781"}
GREEN_TEXT = "#116329"
RAG_TINTS = {GREEN: "#e6f4ea", AMBER: "#fff4e0", RED: "#fdecea", NO_DATA: "#f0f2f4"}
RAG_ICONS = {GREEN: "✓", AMBER: "!", RED: "✕", NO_DATA: "–"}
RAG_ORDER = (RED, AMBER, GREEN, NO_DATA)  # worst first
# Band fills behind charts: light enough for data to read on top of them.
BAND_FILLS = {GREEN: "rgba(26,127,55,0.10)", AMBER: "rgba(154,91,0,0.12)", RED: "rgba(198,40,40,0.09)"}

STATUS_LABELS = {"final": "Final", "provisional": "Provisional", "missing": "Missing"}
STATUS_ICONS = {"final": "●", "provisional": "◐", "missing": "○"}

# Series colours avoid the RAG hues so a line is never mistaken for a judgement.
REGION_COLOURS = {None: "#3d4451", "North": "#1f5fa8", "Central & South": "#8e3b9e",
                  "Central": "#0f8b8d", "South": "#c2477d"}
GENERATION_COLOURS = {"SMETS1": "#0f8b8d", "SMETS2": "#1f5fa8"}
CATEGORY_COLOURS = {"1": "#3f007d", "2": "#6a51a3", "3": "#807dba", "4": "#a8a5d3", "5": "#cfcde6"}
# Series colours by dimension value; a dimension not listed takes the palette in order.
DIMENSION_COLOURS = {"csp_region": REGION_COLOURS, "smets_generation": GENERATION_COLOURS,
                     "category": CATEGORY_COLOURS}
PALETTE = ("#1f5fa8", "#8e3b9e", "#0f8b8d", "#c2477d", "#5c6bc0", "#7a5c3e", "#3d4451",
           "#4f9fd6", "#b07cc6", "#58b5a6")
TARGET_COLOUR = RAG_COLOURS[GREEN]
MINIMUM_COLOUR = RAG_COLOURS[RED]
ANNOTATION_COLOUR = "#444c56"

FONT_SIZE = 15        # chart base font: legible in a screen share
SMALL_FONT = 14       # never smaller than this on a chart
CHART_HEIGHT = 430


def rag_label(rag: str) -> str:
    return RAG_LABELS.get(rag, RAG_LABELS[NO_DATA])


def rag_icon(rag: str) -> str:
    return RAG_ICONS.get(rag, RAG_ICONS[NO_DATA])


def colour_for(name, mapping: dict, index: int) -> str:
    """A series colour: the named one if the mapping has it, else the palette's ``index``-th."""
    return mapping.get(name) or PALETTE[index % len(PALETTE)]


def _axis() -> dict:
    return {"gridcolor": GRID, "linecolor": AXIS, "zerolinecolor": AXIS,
            "tickfont": {"size": SMALL_FONT, "color": MUTED}, "title": {"font": {"size": SMALL_FONT}},
            "automargin": True, "ticks": "outside", "tickcolor": AXIS, "ticklen": 4}


TEMPLATE: dict = {
    "layout": {
        "font": {"family": FONT_FAMILY, "size": FONT_SIZE, "color": INK},
        "paper_bgcolor": PAPER, "plot_bgcolor": PAPER, "colorway": list(PALETTE),
        "xaxis": {**_axis(), "showgrid": False},
        "yaxis": {**_axis(), "showgrid": True, "rangemode": "normal"},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.16, "yanchor": "top",
                   "font": {"size": SMALL_FONT}, "itemclick": "toggleothers"},
        "hoverlabel": {"font": {"size": SMALL_FONT, "family": FONT_FAMILY}},
        "hovermode": "x unified",
        "margin": {"l": 16, "r": 130, "t": 16, "b": 16},
        "bargap": 0.18,
        "separators": ".,",
    }
}
