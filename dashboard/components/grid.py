"""The figures behind every chart: a plain HTML table and a server-side CSV download.

The table is drawn when its 'Figures' section is first opened (a page's collapsed tables would
otherwise be most of its DOM); the rows wait in a dcc.Store, which the CSV download reads too.

The CSV is written on the server so that no text cell can become a spreadsheet formula: text that
starts with = + - @ tab or carriage return gets a leading single quote; numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
import re

from dash import MATCH, Input, Output, State, dcc, html, no_update

from metrics.formatting import format_value
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
    """A right-aligned number column, written as the tiles write it (``format_value``)."""
    return {"field": field, "headerName": header, "unit": unit, "decimals": decimals}


def text_column(field: str, header: str, **extra) -> dict:
    return {"field": field, "headerName": header}


def cell_text(column: dict, value) -> str:
    if "decimals" in column:
        return format_value(value, column["unit"], column["decimals"]) if isinstance(value, (int, float)) \
            and not isinstance(value, bool) else "—"
    return "" if value is None else str(value)


def html_table(columns: list[dict], rows: list[dict], caption: str) -> html.Table:
    """A semantic table: caption, column headers, and the first cell of each row as its header."""
    def cells(row):
        out = []
        for i, col in enumerate(columns):
            kind = html.Th if i == 0 else html.Td
            extra = {"scope": "row"} if i == 0 else {}
            out.append(kind(cell_text(col, row.get(col["field"])),
                            className="num" if "decimals" in col else None, **extra))
        return out

    head = html.Thead(html.Tr([html.Th(c["headerName"], scope="col", className="num" if "decimals" in c else None)
                               for c in columns]))
    return html.Table([html.Caption(caption), head, html.Tbody([html.Tr(cells(r)) for r in rows])],
                      className="table table-sm figures-table")


def figures_table(table_id: str, columns: list[dict], rows: list[dict], *, height: int = 330,
                  caption: str = "") -> html.Details:
    """A collapsed 'Figures' section: the chart's numbers as a table, drawn when first opened."""
    summary = html.Summary([html.Span("Figures for this chart", className="fw-semibold"),
                            html.Span(f" · {len(rows)} rows{' · ' + caption if caption else ''}",
                                      className="text-muted")],
                           id={"type": "figures-open", "index": table_id}, n_clicks=0)
    store = dcc.Store(id={"type": "figures-data", "index": table_id},
                      data={"columns": columns, "rows": rows, "caption": caption or "Figures"})
    body = html.Div(id={"type": "figures-body", "index": table_id}, className="figures-scroll",
                    tabIndex=0, role="region", **{"aria-label": "Figures for this chart"})
    return html.Details([summary, store, body], className="figures", id=f"{table_id}-figures")


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
    """The table and CSV callbacks, shared by every chart (pattern-matching ids)."""

    @app.callback(Output({"type": "figures-body", "index": MATCH}, "children"),
                  Input({"type": "figures-open", "index": MATCH}, "n_clicks"),
                  State({"type": "figures-data", "index": MATCH}, "data"),
                  State({"type": "figures-body", "index": MATCH}, "children"), prevent_initial_call=True)
    def draw_table(n_clicks, data, drawn):
        if not n_clicks or drawn or not data:
            return no_update
        return html_table(data["columns"], data["rows"], data["caption"])

    @app.callback(Output({"type": "csv-download", "index": MATCH}, "data"),
                  Input({"type": "csv-button", "index": MATCH}, "n_clicks"),
                  State({"type": "figures-data", "index": MATCH}, "data"),
                  State({"type": "csv-button", "index": MATCH}, "id"),
                  State("_pages_location", "search"), prevent_initial_call=True)
    def download_csv(n_clicks, data, button_id, search):
        if not n_clicks:
            return no_update
        rows, columns = (data or {}).get("rows"), (data or {}).get("columns")
        cols = [(c["field"], c.get("headerName", c["field"])) for c in columns or [] if "field" in c]
        return {"content": csv_text(cols, rows or []), "filename": _filename(button_id["index"], search),
                "type": "text/csv", "base64": False}
