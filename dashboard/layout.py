"""The frame around every page (navigation, filters). Replaced by the pages work."""
from dash import dcc, html

import dash


def frame():
    return html.Div([dcc.Location(id="url"), dash.page_container])
