"""The figures behind every chart: an AG Grid table and a server-side CSV download.

The CSV is written on the server so that no text cell can become a spreadsheet formula: text that
starts with = + - @ tab or carriage return gets a leading single quote; numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
import re

import dash_ag_grid as dag
from dash import MATCH, Input, Output, State, dcc, html, no_update

from .. import theme
from dashboard.state.urls import parse_search

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell that a spreadsheet will not evaluate: numbers as numbers, risky text quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(columns: list[tuple[str, str]], rows: list[dict]) -> str:
    """CSV of ``rows`` with ``columns`` = [(field, header)], formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(header) for _, header in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(field)) for field, _ in columns])
    return out.getvalue()


def number_column(field: str, header: str, unit: str = "count", decimals: int = 0, **extra) -> dict:
    suffix = "%" if unit == "%" else ""
    formatter = (f"params.value == null ? '—' : d3.format(',.{decimals}f')(params.value) + '{suffix}'")
    return {"field": field, "headerName": header, "type": "rightAligned",
            "valueFormatter": {"function": formatter}, "minWidth": 110, **extra}


def text_column(field: str, header: str, **extra) -> dict:
    return {"field": field, "headerName": header, "minWidth": 120, **extra}


def figures_table(table_id: str, columns: list[dict], rows: list[dict], *, height: int = 330,
                  caption: str = "") -> html.Details:
    """A collapsed 'Figures' section: the chart's numbers in a grid (text shown as text)."""
    grid = dag.AgGrid(
        id={"type": "figures-grid", "index": table_id}, columnDefs=columns, rowData=rows,
        columnSize="responsiveSizeToFit",
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "wrapHeaderText": True,
                       "autoHeaderHeight": True},
        dashGridOptions={"theme": theme.GRID_THEME, "domLayout": "normal",
                         "suppressCellFocus": False, "enableCellTextSelection": True},  # arrow keys read it
        style={"height": f"{min(height, 48 + 42 * max(len(rows), 1))}px", "width": "100%"},
        className="figures-grid")
    summary = html.Summary([html.Span("Figures for this chart", className="fw-semibold"),
                            html.Span(f" · {len(rows)} rows{' · ' + caption if caption else ''}",
                                      className="text-muted")])
    return html.Details([summary, grid], className="figures", id=f"{table_id}-figures")


def download_button(table_id: str) -> html.Div:
    return html.Div([
        html.Button([html.Span("⬇", **{"aria-hidden": "true"}), " CSV"],
                    id={"type": "csv-button", "index": table_id}, n_clicks=0,
                    className="btn btn-outline-secondary btn-sm csv-button",
                    title="Download this chart's figures as CSV"),
        dcc.Download(id={"type": "csv-download", "index": table_id}),
    ], className="d-inline-block")


def _filename(table_id: str, search: str | None) -> str:
    state = parse_search(search)
    parts = [table_id, state.get("region", ""), state.get("generation", ""), state.get("month", ""),
             f"as-of-{state['as_of']}" if state.get("as_of") else ""]
    name = "-".join(p for p in parts if p)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120] + ".csv"


def register(app) -> None:
    """The one CSV callback, shared by every table (pattern-matching ids)."""

    @app.callback(Output({"type": "csv-download", "index": MATCH}, "data"),
                  Input({"type": "csv-button", "index": MATCH}, "n_clicks"),
                  State({"type": "figures-grid", "index": MATCH}, "rowData"),
                  State({"type": "figures-grid", "index": MATCH}, "columnDefs"),
                  State({"type": "csv-button", "index": MATCH}, "id"),
                  State("_pages_location", "search"), prevent_initial_call=True)
    def download_csv(n_clicks, rows, columns, button_id, search):
        if not n_clicks:
            return no_update
        cols = [(c["field"], c.get("headerName", c["field"])) for c in columns or [] if "field" in c]
        return {"content": csv_text(cols, rows or []), "filename": _filename(button_id["index"], search),
                "type": "text/csv", "base64": False}
