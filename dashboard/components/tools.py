"""Pieces shared by the tool pages (upload, history, admin): page frame, access note, badges, grids.

Everything a user or a file supplied is passed to components as text (children or grid cells),
never as HTML, so an uploaded "<script>" is shown, not run.
"""
from __future__ import annotations

import dash_ag_grid as dag
from dash import html

from metrics.accounts.users import ROLE_BY_NAME

from .. import theme
from dashboard.web.auth import current_user

OUTCOME_LABELS = {"accepted": "Accepted", "unchanged": "Unchanged", "rejected": "Rejected"}
KIND_LABELS = {"added": "Added", "changed": "Changed", "unchanged": "Unchanged"}
AUTO_HEIGHT_ROWS = 10


def tool_page(page_id: str, title: str, intro: str, children: list) -> html.Div:
    """A tool page: its heading and one-line purpose, then its panels."""
    return html.Div([
        html.Div([html.H1(title, className="page-title"), html.P(intro, className="page-intro")],
                 className="page-header"),
        *children,
    ], className="page tool-page", id=page_id)


def access_note(page_id: str, title: str, role: str) -> html.Div:
    """What someone without ``role`` sees instead of the page (the server refuses the actions too)."""
    user = current_user()
    if user is None:
        body = [html.P(f"Sign in with an account that may {ROLE_BY_NAME[role].may}."),
                html.A("Sign in", href=f"/login?next=/{page_id}", className="btn btn-primary")]
    else:
        body = [html.P(f"You are signed in as {user.name}, a {user.role}. This page needs the "
                       f"{role} role; ask a SECAS administrator if you should have it.")]
    return tool_page(page_id, title, "", [
        html.Div([html.H2("Not available to you", className="h4"), *body],
                 className="empty-state access-note", id=f"{page_id}-access-note")])


def panel(title: str, children, panel_id: str | None = None, extra=None, class_name: str = "") -> html.Section:
    head = html.Div([html.H2(title, className="panel-title"), extra], className="panel-head")
    return html.Section([head, *children], className=f"panel tool-panel {class_name}".strip(), id=panel_id)


def badge(kind: str, label: str, prefix: str = "kind") -> html.Span:
    return html.Span(label, className=f"tool-badge {prefix}-{kind}")


def outcome_badge(outcome: str) -> html.Span:
    return badge(outcome, OUTCOME_LABELS.get(outcome, outcome), "outcome")


def text_grid(grid_id: str, columns: list[dict], rows: list[dict], *, max_height: int = 460,
              selectable: bool = False, **options) -> dag.AgGrid:
    """An AG Grid of text cells (AG Grid shows values as text): as tall as its rows when they are
    few, else ``max_height`` with a scroll bar."""
    grid_options = {"theme": theme.GRID_THEME, "enableCellTextSelection": True,
                    "suppressCellFocus": not selectable, "tooltipShowDelay": 300,
                    "rowBuffer": 3, **options}  # rows drawn beyond the visible ones (AG Grid's default 10)
    if "paginationPageSize" in options:  # AG Grid warns when the page size is not one it offers
        sizes = {20, 50, 100, int(options["paginationPageSize"])}
        grid_options.setdefault("paginationPageSizeSelector", sorted(sizes))
    style = {"width": "100%"}
    if len(rows) <= AUTO_HEIGHT_ROWS and not options.get("pagination"):
        grid_options["domLayout"] = "autoHeight"
    else:
        style["height"] = f"{max_height}px"
    if selectable:
        grid_options["rowSelection"] = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
    return dag.AgGrid(
        id=grid_id, columnDefs=columns, rowData=rows, columnSize="responsiveSizeToFit",
        defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True,
                       "autoHeaderHeight": True, "minWidth": 90},
        dashGridOptions=grid_options, style=style,
        className="tool-grid")


def column(field: str, header: str, **extra) -> dict:
    return {"field": field, "headerName": header, **extra}


def wrap(field: str, header: str, **extra) -> dict:
    """A column whose long text wraps onto more lines (messages, examples, reasons)."""
    return {"field": field, "headerName": header, "wrapText": True, "autoHeight": True,
            "cellStyle": {"lineHeight": "1.4", "paddingTop": "8px", "paddingBottom": "8px",
                          "whiteSpace": "pre-line"}, **extra}


# 'YYYY-MM' cells shown as 'Jan 2022' but sorted as the month they are.
MONTH_FORMAT = {"function": "params.value ? ['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep',"
                            "'Oct','Nov','Dec'][Number(params.value.slice(5, 7)) - 1] + ' ' + "
                            "params.value.slice(0, 4) : ''"}


def month_column(field: str, header: str = "Month", **extra) -> dict:
    return {"field": field, "headerName": header, "valueFormatter": MONTH_FORMAT, **extra}


def role_label(role: str) -> str:
    return role.capitalize()
