"""Explore `/explore`: any metric × any of its dimensions × any month range, as a chart and a table,
with a CSV of the same. The state is in the URL (``metric``, ``by``, ``from``, ``to``, ``as_of``,
parsed by ``metrics.read.explore``); a control writes it there and the page re-renders from it.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import dash
from dash import Input, Output, State, ctx, dcc, html, no_update

from metrics.months import month_label
from metrics.read.explore import explore_rows, parse_exploration
from metrics.read.queries import latest_month, months_with_figures
from metrics.months import parse_as_of
from report.explore_chart import explore_figure

from dashboard.components.rag import rag_badge
from dashboard.components.tools import panel
from dashboard.context import get_context, use_as_of
from dashboard.layout import LOCATION
from dashboard.state.cache import cached_layout

dash.register_page(__name__, path="/explore", name="Explore", order=89, nav="tools",
                   title="OPSG service metrics — explore")

CONTROLS = {"metric": "explore-metric", "by": "explore-by", "from": "explore-from", "to": "explore-to"}


def _search(values: dict) -> str:
    items = [(k, v) for k, v in values.items() if v]
    return "?" + urlencode(items, quote_via=quote) if items else ""


@cached_layout
def layout(**query):
    context = get_context()
    as_of_text = query.get("as_of")
    try:
        as_of = parse_as_of(as_of_text[-1] if isinstance(as_of_text, list) else as_of_text)
    except ValueError:
        as_of = None
    use_as_of(as_of)  # the catalog in force then: a metric added later is not offered
    catalog = context.catalog
    with context.store.read() as conn:
        latest = latest_month(conn, as_of)
        months = list(months_with_figures(conn, as_of))
        e = parse_exploration(query, catalog, latest)
        rows = explore_rows(conn, catalog, e, as_of) if e.start else []
    metric = catalog.metric(e.metric)
    dims = [{"label": "Total (no split)", "value": ""}] + [
        {"label": catalog.dimensions[d].title, "value": d} for d in metric.dimensions]
    month_options = [{"label": month_label(m), "value": m} for m in sorted(set(months) | {e.start, e.end} - {None})]
    controls = html.Div([
        _control("Metric", dcc.Dropdown(id=CONTROLS["metric"], value=e.metric, clearable=False,
                                        options=[{"label": m.title, "value": m.id} for m in catalog.metrics.values()])),
        _control("Split by", dcc.Dropdown(id=CONTROLS["by"], value=e.by or "", clearable=False, options=dims)),
        _control("From", dcc.Dropdown(id=CONTROLS["from"], value=e.start, clearable=False, options=month_options)),
        _control("To", dcc.Dropdown(id=CONTROLS["to"], value=e.end, clearable=False, options=month_options)),
        dcc.Store(id="explore-drawn", data={"metric": e.metric, "by": e.by or "", "from": e.start or "",
                                            "to": e.end or "", "as_of": e.as_of or ""}),
    ], className="explore-controls", id="explore-controls")
    notes = [html.Div(f"Ignored in the link: {p}.", className="alert alert-warning py-2 explore-note")
             for p in e.problems]
    csv_href = "/downloads/explore.csv" + _search(e.query())
    title = metric.title + (f" by {catalog.dimensions[e.by].title}" if e.by else "")
    span = f"{month_label(e.start)} – {month_label(e.end)}" if e.start else "no figures yet"
    body = [
        panel(title, [
            html.P([span, f" · {metric.unit}", " · as at " + e.as_of if e.as_of else ""],
                   className="text-muted", id="explore-span"),
            dcc.Graph(id="explore-graph", figure=explore_figure(rows, e.by, unit=metric.unit,
                                                                decimals=metric.decimals),
                      config={"displayModeBar": False, "responsive": True}),
        ], "explore-chart-panel", extra=html.A("Download CSV", href=csv_href, id="explore-csv",
                                               className="btn btn-outline-secondary btn-sm")),
        panel("Figures", [_table(rows, e.by, catalog.dimensions[e.by].title if e.by else None)],
              "explore-table-panel"),
    ]
    return html.Div([
        html.Div([html.H1("Explore", className="page-title"),
                  html.P("Any metric, split by any of its dimensions, over any months. The link "
                         "keeps what you chose.", className="page-intro")], className="page-header"),
        *notes, controls, *body,
    ], className="page explore-page", id="explore")


def _control(label: str, control) -> html.Div:
    return html.Div([html.Label(label, htmlFor=control.id, className="control-label"), control],
                    className="explore-control")


def _table(rows: list[dict], by: str | None, by_title: str | None) -> html.Div:
    head = ["Month", *([by_title] if by else []), "Value", "RAG", "Target", "Minimum", "Status"]
    body = [html.Tr([html.Td(month_label(r["month"])), *([html.Td(r[by])] if by else []),
                     html.Td(r["shown"], className="num"), html.Td(rag_badge(r["rag"])),
                     html.Td("—" if r["target"] is None else f"{r['target']:g}", className="num"),
                     html.Td("—" if r["minimum"] is None else f"{r['minimum']:g}", className="num"),
                     html.Td(r["status"] or "—")]) for r in rows]
    return html.Div(html.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                                html.Tbody(body)], className="table table-sm explore-table",
                               id="explore-table"), className="table-scroll")


def register_callbacks(app) -> None:
    @app.callback(Output(LOCATION, "search", allow_duplicate=True),
                  *(Input(i, "value") for i in CONTROLS.values()),
                  State("explore-drawn", "data"), prevent_initial_call=True)
    def write_to_url(metric, by, start, end, drawn):
        if not ctx.triggered_id or not drawn:
            return no_update
        chosen = {"metric": metric, "by": by or "", "from": start or "", "to": end or ""}
        if all(str(chosen[k] or "") == str(drawn.get(k) or "") for k in chosen):
            return no_update  # a control reporting the value it was drawn with
        if ctx.triggered_id == CONTROLS["metric"]:
            chosen["by"] = ""  # another metric has other dimensions
        if chosen["from"] and chosen["to"] and chosen["from"] > chosen["to"]:
            if ctx.triggered_id == CONTROLS["from"]:
                chosen["to"] = chosen["from"]
            else:
                chosen["from"] = chosen["to"]
        return _search({**chosen, "as_of": drawn.get("as_of")})
