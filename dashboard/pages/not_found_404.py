"""Page not found: any address no page claims. Drawn inside the site's frame (navigation, banners),
with the address that was asked for and a way home (Dash's pages router uses a page module named
``not_found_404`` for every unknown path)."""
from __future__ import annotations

import dash
from dash import dcc, html

from dashboard.web.auth import allowed

dash.register_page(__name__, path="/404", name="Page not found", order=999,
                   title="Page not found — OPSG service metrics")


def layout(**_query):
    from dashboard.layout import nav_pages  # the frame's own list, so the two always agree

    links = [html.Li(dcc.Link(p["name"], href=p["path"], className="not-found-link"))
             for p in nav_pages() if allowed(p.get("role"))]
    return html.Div([
        html.Div([html.H1("Page not found", className="page-title"),
                  html.P(["There is no page at ", html.Code(id="not-found-path", className="not-found-path"),
                          ". The link may be mistyped or out of date."], className="page-intro")],
                 className="page-header"),
        html.Div([
            dcc.Link("Go to the RAG overview", href="/", className="btn btn-primary", id="not-found-home"),
            html.H2("Or open one of these pages", className="h6 mt-4"),
            html.Ul(links, className="not-found-links", id="not-found-links"),
        ], className="empty-state not-found"),
    ], className="page", id="not-found")


def register_callbacks(app) -> None:
    app.clientside_callback(  # the path as the browser has it (the layout is not told the path)
        "function(path) { return path || ''; }",
        dash.Output("not-found-path", "children"), dash.Input("_pages_location", "pathname"))
