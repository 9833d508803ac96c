"""Overview `/`: placeholder until the RAG board lands."""
import dash
from dash import html

dash.register_page(__name__, path="/", name="Overview", order=0)


def layout(**_query):
    return html.H1("OPSG service metrics")
