"""Cards: a chart with its title, CSV button and figures table; a metric tile for the month."""
from __future__ import annotations

from dash import dcc, html

from metrics.months import month_label
from metrics.formatting import format_value
from metrics.read.queries import nearest_month

from report.describe import describe_figure

from .grid import download_button, figures_table
from .rag import change_text, not_green_text, rag_badge, value_text
from .sparkline import sparkline

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


def chart_card(card_id: str, title: str, figure: dict, *, subtitle: str = "", columns: list[dict],
               rows: list[dict], caption: str = "", note: str = "") -> html.Section:
    """A chart section: heading, one-line 'what am I looking at', the chart, its figures."""
    header = html.Div([
        html.Div([html.H2(title, className="chart-title"),
                  html.P(subtitle, className="chart-subtitle") if subtitle else None]),
        download_button(card_id),
    ], className="chart-header")
    return html.Section([
        header,
        # The chart's text alternative: the figure is named by a sentence of what it shows; the
        # drawing itself (drawn as it nears the screen) is hidden from screen readers
        # (assets/a11y.js), the figures table follows.
        html.Figure([
            chart_slot(card_id, figure),
            html.Figcaption(describe_figure(title, figure), className="visually-hidden",
                            id=f"{card_id}-summary"),
        ], className="chart-figure"),
        html.P(note, className="chart-note") if note else None,
        figures_table(card_id, columns, rows, caption=caption),
    ], className="chart-card", id=f"{card_id}-card")


def chart_slot(card_id: str, figure: dict) -> html.Div:
    """Where the chart will be: its height kept, drawn when it nears the screen.

    A Plotly chart is 150-550 DOM elements; drawing only those in view keeps a page of seven charts
    under 1,000 elements and its first paint short. assets/lazy_charts.js clicks the hidden
    button when the slot comes into view; draw_chart (below) turns it into the
    dcc.Graph ``{card_id}-graph`` in the browser, with no request to the server."""
    height = f"{figure['layout'].get('height', 430)}px"
    return html.Div([
        html.Button(id={"type": "chart-show", "index": card_id}, n_clicks=0, hidden=True, tabIndex=-1,
                    className="chart-show", **{"aria-hidden": "true"}),
        dcc.Store(id={"type": "chart-figure", "index": card_id},
                  data={"figure": figure, "config": GRAPH_CONFIG, "height": height}),
    ], id={"type": "chart-slot", "index": card_id}, className="chart-slot", style={"minHeight": height})


# Runs in the browser: the slot's children become the chart (a component returned as JSON).
DRAW_CHART = """function(n, data, id) {
    if (!n || !data) { return window.dash_clientside.no_update; }
    return {namespace: 'dash_core_components', type: 'Graph', props: {
        id: id.index + '-graph', figure: data.figure, config: data.config, className: 'chart',
        style: {height: data.height}}};
}"""


def register(app) -> None:
    from dash import MATCH, Input, Output, State

    app.clientside_callback(DRAW_CHART, Output({"type": "chart-slot", "index": MATCH}, "children"),
                            Input({"type": "chart-show", "index": MATCH}, "n_clicks"),
                            State({"type": "chart-figure", "index": MATCH}, "data"),
                            State({"type": "chart-slot", "index": MATCH}, "id"), prevent_initial_call=True)


def limits_text(entry: dict) -> str:
    if entry.get("target") is None:
        return "No threshold set"
    unit = entry["unit"]
    dec = 0 if float(entry["target"]).is_integer() and float(entry["minimum"]).is_integer() else entry["decimals"]
    sign = "≥" if entry["direction"] == "higher_is_better" else "≤"
    return (f"Target {sign} {format_value(entry['target'], unit, dec)} · "
            f"Minimum {sign} {format_value(entry['minimum'], unit, dec)}")


def metric_tile(entry: dict, label: str | None = None, tile_id: str | None = None,
                spark: bool = True) -> html.Div:
    """One metric (or one region of it) for the month: value, RAG, change and run, thresholds."""
    provisional = entry.get("status") == "provisional"
    return html.Div([
        html.Div(label or entry["title"], className="tile-label"),
        html.Div([html.Span(value_text(entry), className="tile-value"),
                  rag_badge(entry["rag"])], className="tile-main"),
        html.Div(_change_on_previous(entry), className="tile-change"),
        html.Div([not_green_text(entry),
                  html.Span("◐ Provisional", className="status-chip status-provisional")
                  if provisional else None], className="tile-flags"),
        html.Div(limits_text(entry), className="tile-limits"),
        sparkline(entry.get("spark") or [], entry["unit"], entry["decimals"]) if spark else None,
    ], className=f"metric-tile rag-edge-{entry['rag']}", id=tile_id)


def _change_on_previous(entry: dict) -> list:
    """'▲ +2 on Jan 22', 'previous 7 on Jan 22', or 'no figure for Jan 22' (the summary's facts)."""
    month = entry.get("previous_month")
    if not month:
        return [change_text(entry)]
    if entry.get("previous_value") is None:
        return [html.Span(f"no figure for {month_label(month, 'short')}", className="change change-none")]
    return [change_text(entry), html.Span(f" on {month_label(month, 'short')}", className="text-muted")]


def tiles_row(entries: list[dict], row_id: str) -> html.Div:
    return html.Div(list(entries), className="tiles-row", id=row_id)


def page_header(title: str, intro: str, view) -> html.Div:
    month = month_label(view.month) if view.month else "no figures yet"
    return html.Div([
        html.H1([title, html.Span(f" · {month}", className="page-month")], className="page-title"),
        html.P(intro, className="page-intro") if intro else None,
        coverage_note(view),
    ], className="page-header")


def coverage_note(view) -> html.Div | None:
    """For a month outside the figures: which months they cover, and a link to the nearest."""
    nearest = nearest_month(view.available, view.month) if view.month else None
    if nearest is None:
        return None
    first, last = view.available[0], view.available[-1]
    return html.Div([
        f"No figures for {month_label(view.month)}: the figures cover {month_label(first)} to "
        f"{month_label(last)}. ",
        dcc.Link(f"Show {month_label(nearest)}", href=view.state.search(month=nearest) or "?",
                 id="coverage-nearest"),
    ], className="alert alert-info py-2 coverage-note", id="coverage-note")


def empty_state(message: str, view=None) -> html.Div:
    """Nothing to show; with the view, an as-of moment before the first figures says so."""
    if view is not None and view.as_of is not None and view.first_received is not None:
        day = view.first_received.date().isoformat()
        return html.Div([
            html.H2("Nothing had been uploaded yet", className="h4"),
            html.P([f"No figures had been received by {view.as_of:%-d %B %Y %H:%M} UTC: the first "
                    f"upload was received on {view.first_received:%-d %B %Y}. ",
                    dcc.Link(f"Show the figures as at {view.first_received:%-d %B %Y}",
                             href=view.state.search(as_of=day, month=None), id="first-upload-link")]),
        ], className="empty-state", id="before-first-upload")
    return html.Div([html.H2("Nothing to show yet", className="h4"), html.P(message)],
                    className="empty-state")
