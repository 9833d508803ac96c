"""History `/history`: every upload attempt; per dataset and month, every revision and what changed.

Any reader may look; an administrator may roll a month back to an earlier revision (a new revision,
with a reason; ``metrics.ingest.revisions.rollback``). State is in the URL: ``upload``, ``dataset``, ``month``.
"""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from metrics.ingest import history, revisions
from metrics import params
from metrics.months import month_label

from dashboard.web.auth import allowed, callback_requires, current_user
from dashboard.components.history_views import (attempts_grid, history_href, revision_card,
                                                rollback_form, upload_detail)
from dashboard.components.tools import access_note, panel, tool_page
from dashboard.context import get_context
from dashboard.layout import LOCATION
from dashboard.state.urls import parse_search

dash.register_page(__name__, path="/history", name="History", title="OPSG service metrics — history",
                   nav="tools", order=96)


def _first(value):
    return value[-1] if isinstance(value, (list, tuple)) else value


def _id(value, name: str) -> tuple[int | None, str | None]:
    """(id, problem): an id from the URL or a component, checked by ``metrics.params``."""
    if isinstance(value, int) and not isinstance(value, bool):  # a revision number from a Store
        value = str(value)
    try:
        return params.identifier(value, name), None
    except params.ParameterError as exc:
        return None, str(exc)


def layout(upload=None, dataset=None, month=None, **_query):
    if not allowed(None):
        return access_note("history", "History", "viewer")
    context = get_context()
    catalog = context.catalog
    (upload_id, problem), dataset, month = _id(upload, "upload"), _first(dataset), _first(month)
    with context.store.read() as conn:
        rows = history.attempts(conn)
        found = history.upload_detail(conn, upload_id) if upload_id else None
        if dataset not in catalog.datasets:
            dataset = None
        if dataset is None:
            latest = history.latest_corrected_slice(conn)
            dataset = latest[0] if latest else next(iter(catalog.datasets))
            month = month or (latest[1] if latest else None)
        months = revisions.slices(conn, dataset)
        if month not in {m["month"] for m in months}:
            month = months[0]["month"] if months else None
        revs = revisions.slice_history(conn, catalog, dataset, month) if month else []
    can_roll_back = allowed("admin")
    grid = attempts_grid(rows)
    grid.selectedRows = {"ids": [str(upload_id)]} if upload_id else []
    if upload_id:
        grid.scrollTo = {"rowId": str(upload_id), "rowPosition": "middle"}
    chooser = html.Div([
        html.Div([html.Label("Dataset", className="control-label", htmlFor="history-dataset"),
                  dcc.Dropdown(id="history-dataset", value=dataset, clearable=False,
                               options=[{"label": ds.title, "value": name} for name, ds in catalog.datasets.items()],
                               className="history-select")], className="control"),
        html.Div([html.Label("Month", className="control-label", htmlFor="history-month"),
                  dcc.Dropdown(id="history-month", value=month, clearable=False,
                               options=[{"label": f"{month_label(m['month'])} · {m['revisions']} revision"
                                                  f"{'s' * (m['revisions'] != 1)}", "value": m["month"]}
                                        for m in months], className="history-select")], className="control"),
    ], className="history-chooser")
    title = (f"{catalog.datasets[dataset].title} · {month_label(month)}" if month
             else f"{catalog.datasets[dataset].title}: no figures yet")
    slice_panel = panel("Revisions of one month", [
        chooser, html.H3(title, className="slice-title", id="history-slice-title"),
        rollback_form() if can_roll_back else None,
        html.Ol([revision_card(r, can_roll_back=can_roll_back) for r in revs], className="revision-list",
                id="history-revisions") if revs else html.P("No revisions.", className="text-muted"),
    ], "history-slice")
    return tool_page("history", "History", "Every upload attempt (who, when, which file, what happened) "
                     "and every revision of each month's figures.", [
        html.Div(f"Ignored in the link: {problem}.", className="alert alert-warning py-2",
                 id="history-link-problem") if problem else None,
        panel("Upload attempts", [grid], "history-uploads",
              extra=html.Span(f"{len(rows):,} most recent · select one to see its detail",
                              className="panel-note")),
        html.Div([upload_detail(found, upload_id, catalog), slice_panel], className="tool-grid-2 history-lower"),
    ])


def register_callbacks(app) -> None:
    @app.callback(Output(LOCATION, "search", allow_duplicate=True),
                  Input("history-uploads-grid", "selectedRows"), Input("history-dataset", "value"),
                  Input("history-month", "value"), State(LOCATION, "search"), prevent_initial_call=True)
    def choose(selected, dataset, month, search):
        state = parse_search(search)
        if ctx.triggered_id == "history-uploads-grid":
            if not isinstance(selected, list) or not selected:  # {"ids": [...]} as first drawn
                return no_update
            state["upload"] = str(selected[0]["id"])
        elif ctx.triggered_id == "history-dataset":
            if dataset == state.get("dataset"):
                return no_update
            state.update(dataset=dataset, month="")
        else:
            state.update(dataset=dataset, month=month)
        new = history_href(**{k: state.get(k) for k in ("upload", "dataset", "month")})[len("/history"):]
        return new if new != (search or "") else no_update

    @app.callback(Output("history-rollback-form", "hidden"), Output("history-rollback-target", "data"),
                  Output("history-rollback-title", "children"),
                  Input({"type": "history-rollback-open", "revision": ALL}, "n_clicks"),
                  Input("history-rollback-cancel", "n_clicks"), prevent_initial_call=True)
    @callback_requires("admin")
    def open_rollback(_opened, _cancel):
        trigger = ctx.triggered_id
        if trigger == "history-rollback-cancel" or not isinstance(trigger, dict) or not ctx.triggered[0]["value"]:
            return True, None, ""
        revision, problem = _id(trigger["revision"], "revision")
        if problem:
            return True, None, ""
        return False, revision, f"Roll back to revision {revision}"

    @app.callback(Output(LOCATION, "search", allow_duplicate=True),
                  Output("history-rollback-message", "children"),
                  Input("history-rollback-confirm", "n_clicks"),
                  State("history-rollback-target", "data"), State("history-rollback-reason", "value"),
                  State("history-dataset", "value"), State("history-month", "value"),
                  running=[(Output("history-rollback-confirm", "disabled"), True, False)],
                  prevent_initial_call=True)
    @callback_requires("admin")
    def roll_back(n_clicks, revision, reason, dataset, month):
        if not n_clicks or revision is None:
            return no_update, no_update
        context = get_context()
        revision, problem = _id(revision, "revision")
        if problem:
            return no_update, problem
        try:
            done = revisions.rollback(context.store, context.catalog, str(dataset), str(month),
                                      revision, actor=current_user().name, reason=reason)
        except ValueError as exc:
            return no_update, str(exc)
        return history_href(upload=done["upload_id"], dataset=dataset, month=month)[len("/history"):], ""
