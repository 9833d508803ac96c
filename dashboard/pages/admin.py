"""Administration `/admin` (admin only): users and roles, effective-dated thresholds, the audit trail.

Every action is a callback that checks the admin role itself and calls ``metrics.records.thresholds`` inside one
write transaction, so the change and its audit event commit together. The tab is in the URL.
"""
from __future__ import annotations

import dash
from dash import Input, Output, State, ctx, dcc, html, no_update

from metrics.accounts import users as accounts, sessions
from metrics.records import thresholds as admin
from metrics.months import month_label
from metrics.rag import limits_for
from metrics.read.queries import all_thresholds

from dashboard.web.auth import allowed, callback_requires, clock, current_user
from dashboard.components.admin_views import (AUDIT_GROUPS, ROLES, access_grids, audit_grid,
                                              audit_rows, field, threshold_form, thresholds_grid,
                                              user_options, users_grid)
from dashboard.components.admin_views import threshold_rows as grid_rows
from dashboard.components import catalog_admin, notify_admin
from dashboard.components.message import message
from dashboard.components.tools import access_note, panel, tool_page
from dashboard.context import get_context

dash.register_page(__name__, path="/admin", name="Admin", title="OPSG service metrics — administration",
                   nav="tools", order=99, role="admin")

TABS = (("users", "Users and roles"), ("thresholds", "Thresholds"), ("audit", "Audit trail"),
        ("notifications", "Notifications"), ("catalog", "Catalog"))


def _tab(value) -> str:
    value = value[-1] if isinstance(value, (list, tuple)) else value
    return value if value in dict(TABS) else "users"


def layout(tab=None, **_query):
    if not allowed("admin"):
        return access_note("admin", "Administration", "admin")
    tab = _tab(tab)
    nav = html.Nav([dcc.Link(label, href=f"/admin?tab={key}", id=f"admin-tab-{key}",
                             className="admin-tab" + (" active" if key == tab else ""))
                    for key, label in TABS], className="admin-tabs", **{"aria-label": "Administration"})
    body = {"users": _users, "thresholds": _thresholds, "audit": _audit,
            "notifications": notify_admin.section, "catalog": catalog_admin.section}[tab]()
    return tool_page("admin", "Administration", "Users and roles, effective-dated thresholds and the "
                     "audit trail. Every change here is recorded in the audit trail.", [nav, body])


def _users():
    with get_context().store.read() as conn:
        users = accounts.list_users(conn)
    add = panel("Add a user", [
        field("User name", dcc.Input(id="admin-new-name", className="form-control", maxLength=80,
                                     autoComplete="off"), "admin-new-name"),
        field("Role", dcc.Dropdown(id="admin-new-role", options=ROLES, value="viewer", clearable=False),
              "admin-new-role", "A password is generated and shown once, here, to pass on securely."),
        html.Button("Add user", id="admin-add-user", n_clicks=0, className="btn btn-primary"),
    ], "admin-add-panel")
    change = panel("Change a user", [
        field("User", dcc.Dropdown(id="admin-user", options=user_options(users), clearable=False),
              "admin-user"),
        field("Role", dcc.Dropdown(id="admin-user-role", options=ROLES, value="viewer", clearable=False),
              "admin-user-role"),
        html.Div([html.Button("Change role", id="admin-set-role", n_clicks=0, className="btn btn-primary"),
                  html.Button("Disable", id="admin-disable", n_clicks=0, className="btn btn-outline-danger"),
                  html.Button("Enable", id="admin-enable", n_clicks=0, className="btn btn-outline-secondary")],
                 className="d-flex gap-2 flex-wrap"),
    ], "admin-change-panel")
    access = panel("Sessions and API tokens", [
        html.Div(id="admin-access-message", className="mb-3"),
        html.Div(access_grids(None), id="admin-access"),
        # each session and token is listed once, in its grid: clicking a row chooses it
        dcc.Store(id="admin-session"), dcc.Store(id="admin-token"),
        html.P("Click a session or a token to choose it.", className="form-text mt-3 mb-2"),
        html.Div([html.Button("End session", id="admin-end-session", n_clicks=0,
                              className="btn btn-outline-danger"),
                  html.Button("End all sessions", id="admin-end-sessions", n_clicks=0,
                              className="btn btn-outline-danger"),
                  html.Button("Revoke token", id="admin-revoke-token", n_clicks=0,
                              className="btn btn-outline-danger"),
                  html.Button("Revoke all tokens", id="admin-revoke-tokens", n_clicks=0,
                              className="btn btn-outline-danger")], className="d-flex gap-2 flex-wrap"),
    ], "admin-access-panel")
    return html.Div([
        html.Div([panel("Users", [html.Div(users_grid(users), id="admin-users-table")], "admin-users"), access],
                 className="tool-main"),
        html.Aside([html.Div(id="admin-users-message", className="mb-3"), add, change], className="tool-side"),
    ], className="tool-grid-2 admin-users-layout")


def _thresholds():
    context = get_context()
    with context.store.read() as conn:
        rows = admin.threshold_rows(conn, context.catalog)
        latest = max((admin.latest_month_with_figures(conn, context.catalog, m) or "")
                     for m in context.catalog.metrics) or None
    return html.Div([
        html.Div([panel("Thresholds in force and their history", [
            html.P("Catalog defaults, then every change an administrator made. A threshold applies from "
                   "its month until a later one replaces it; months before it keep their judgement.",
                   className="text-muted"),
            html.Div(thresholds_grid(rows, context.catalog), id="admin-thresholds-table")],
            "admin-thresholds")], className="tool-main"),
        html.Aside([panel("Set a threshold", [threshold_form(context.catalog, latest)], "admin-threshold-panel")],
                   className="tool-side"),
    ], className="tool-grid-2")


def _audit():
    with get_context().store.read() as conn:
        events = admin.audit_trail(conn, limit=1000)
    controls = html.Div([
        html.Div([html.Label("Show", className="control-label", htmlFor="admin-audit-action"),
                  dcc.Dropdown(id="admin-audit-action", value="", clearable=False, className="audit-filter",
                               options=[{"label": label, "value": value} for value, label in AUDIT_GROUPS])],
                 className="control"),
        html.A("Download CSV", href="/downloads/audit-trail.csv", className="btn btn-outline-secondary",
               id="admin-audit-download"),
    ], className="audit-controls")
    return panel("Audit trail", [
        html.P("Append-only: sign-ins, uploads, rollbacks, threshold, role and user changes, each written "
               "in the same transaction as the change. Nothing here can be edited or deleted.",
               className="text-muted"),
        controls, html.Div(audit_grid(events), id="admin-audit-table"),
    ], "admin-audit")


def _attempt(change) -> tuple[bool, str]:
    """Run ``change(conn, actor)`` in one write transaction; (ok, message or error)."""
    try:
        with get_context().store.write() as conn:
            return True, change(conn, current_user().name)
    except ValueError as exc:
        return False, str(exc)


def register_callbacks(app) -> None:
    notify_admin.register_callbacks(app)  # the Notifications tab
    catalog_admin.register_callbacks(app)  # the Catalog tab (SPEC §9)

    @app.callback(Output("admin-users-message", "children"), Output("admin-users-table", "children"),
                  Output("admin-user", "options"), Output("admin-new-name", "value"),
                  Input("admin-add-user", "n_clicks"), Input("admin-set-role", "n_clicks"),
                  Input("admin-disable", "n_clicks"), Input("admin-enable", "n_clicks"),
                  State("admin-new-name", "value"), State("admin-new-role", "value"),
                  State("admin-user", "value"), State("admin-user-role", "value"), prevent_initial_call=True)
    @callback_requires("admin")
    def change_users(_add, _role, _disable, _enable, new_name, new_role, name, role):
        action = ctx.triggered_id
        if not (ctx.triggered and ctx.triggered[0]["value"]):
            return (no_update,) * 4
        if action == "admin-add-user":
            def change(conn, actor):
                user, password = admin.add_user(conn, (new_name or "").strip(), new_role, actor)
                return (f"Added {user.name} ({user.role}). Their password is {password} — pass it on "
                        "securely; it is not shown again.")
        elif not name:
            return message("Choose a user first.", False), no_update, no_update, no_update
        elif action == "admin-set-role":
            def change(conn, actor):
                ended = admin.change_role(conn, name, role, actor)
                return f"{name} is now {role}." + (f" Their {ended} session{'s' * (ended != 1)} ended: "
                                                   "they sign in again." if ended else "")
        else:
            disable = action == "admin-disable"

            def change(conn, actor):
                admin.set_disabled(conn, name, disable, actor)
                return f"{name} is {'disabled: their sessions have ended and they cannot sign in or use API tokens' if disable else 'enabled'}."
        ok, text = _attempt(change)
        with get_context().store.read() as conn:
            users = accounts.list_users(conn)
        cleared = "" if ok and action == "admin-add-user" else no_update
        return message(text, ok), users_grid(users), user_options(users), cleared

    @app.callback(Output("admin-access-message", "children"), Output("admin-access", "children"),
                  Input("admin-user", "value"), Input("admin-end-session", "n_clicks"),
                  Input("admin-end-sessions", "n_clicks"), Input("admin-revoke-token", "n_clicks"),
                  Input("admin-revoke-tokens", "n_clicks"),
                  State("admin-session", "data"), State("admin-token", "data"), prevent_initial_call=True)
    @callback_requires("admin")
    def user_access(name, _end, _end_all, _revoke, _revoke_all, session_choice, token_choice):
        """Show the chosen user's sessions and tokens; end a session or revoke a token."""
        action, text, ok = ctx.triggered_id, None, True
        if not name:
            return None, access_grids(None)
        clicked = action != "admin-user" and ctx.triggered and ctx.triggered[0]["value"]
        if clicked:
            def change(conn, actor):
                if action in ("admin-end-session", "admin-revoke-token"):
                    chosen = session_choice if action == "admin-end-session" else token_choice
                    # a choice is {"user", "id"}: one made for another user's grid does not count
                    chosen = chosen.get("id") if isinstance(chosen, dict) and chosen.get("user") == name else None
                    if chosen in (None, ""):
                        raise ValueError(f"Choose a {'session' if action == 'admin-end-session' else 'token'} "
                                         "first: click its row.")
                    try:
                        chosen = int(chosen)
                    except (TypeError, ValueError):
                        raise ValueError(f"{chosen!r} is not a session or token number") from None
                else:
                    chosen = None
                if action in ("admin-end-session", "admin-end-sessions"):
                    count = admin.end_sessions(conn, name, actor, chosen)
                    return f"Ended {count} session{'s' * (count != 1)} of {name}."
                count = accounts.revoke_tokens(conn, name, actor, token_id=chosen, now=clock())
                return f"Revoked {count} API token{'s' * (count != 1)} of {name}."
            ok, text = _attempt(change)
        try:
            with get_context().store.read() as conn:
                access = admin.user_access(conn, name, sessions.Limits.from_settings(get_context().settings),
                                           clock())
        except ValueError as exc:
            return message(str(exc), False), access_grids(None)
        return (message(text, ok) if text else None), access_grids(access)

    # The session or token whose row is selected, and whose it is (the grid is the only list of them).
    # In the browser: choosing reads and changes nothing; the buttons' callback checks the role.
    for grid, store in (("admin-sessions-grid", "admin-session"), ("admin-tokens-grid", "admin-token")):
        app.clientside_callback(
            "function (rows, name) { return rows && rows.length ? {user: name, id: rows[0].id} : null; }",
            Output(store, "data"), Input(grid, "selectedRows"), State("admin-user", "value"))

    @app.callback(Output("admin-th-value", "options"), Output("admin-th-value", "value"),
                  Output("admin-th-current", "children"), Output("admin-th-target", "value"),
                  Output("admin-th-minimum", "value"), Input("admin-th-metric", "value"))
    @callback_requires("admin")
    def describe_metric(metric_id):
        context = get_context()
        metric = context.catalog.metrics.get(metric_id)
        if metric is None:
            return [], "", "", None, None
        options = [{"label": "Every value", "value": ""}]
        for dim in metric.dimensions:
            dimension = context.catalog.dimensions[dim]
            options += [{"label": f"{dimension.title}: {v}", "value": f"{dim}={v}"} for v in dimension.all_values]
        with context.store.read() as conn:
            latest = admin.latest_month_with_figures(conn, context.catalog, metric_id)
            now = limits_for(all_thresholds(conn, context.catalog)[metric_id], latest or "9999-12")
        row = grid_rows([{"metric": metric_id, "value": None, "target": now.target, "minimum": now.minimum,
                          "effective_from": now.effective_from, "set_by": "", "set_at": "", "reason": ""}],
                        context.catalog)[0] if now else None
        text = (f"In force now for every value: target {row['target']}, minimum {row['minimum']}, "
                f"from {month_label(now.effective_from)}." if row else "No threshold in force.")
        figures = f"Latest month with figures: {month_label(latest) if latest else 'none yet'}."
        return (options, "", [html.Span(text), html.Br(), html.Span(figures)],
                now.target if now else None, now.minimum if now else None)

    @app.callback(Output("admin-th-message", "children"), Output("admin-thresholds-table", "children"),
                  Input("admin-th-save", "n_clicks"),
                  State("admin-th-metric", "value"), State("admin-th-value", "value"),
                  State("admin-th-target", "value"), State("admin-th-minimum", "value"),
                  State("admin-th-from", "value"), State("admin-th-reason", "value"),
                  State("admin-th-restate", "value"), prevent_initial_call=True)
    @callback_requires("admin")
    def save_threshold(n_clicks, metric, applies, target, minimum, effective_from, reason, restate):
        if not n_clicks:
            return no_update, no_update
        context = get_context()
        dimension, _, value = (applies or "").partition("=")

        def change(conn, actor):
            return admin.set_threshold(conn, context.catalog, metric=metric, target=target, minimum=minimum,
                                       effective_from=effective_from, actor=actor, reason=reason,
                                       dimension=dimension or None, value=value or None,
                                       restate="restate" in (restate or [])).message
        ok, text = _attempt(change)
        with context.store.read() as conn:
            rows = admin.threshold_rows(conn, context.catalog)
        return message(text, ok), thresholds_grid(rows, context.catalog)

    @app.callback(Output("admin-audit-grid", "rowData"), Input("admin-audit-action", "value"),
                  prevent_initial_call=True)
    @callback_requires("admin")
    def filter_audit(action):
        with get_context().store.read() as conn:
            return audit_rows(admin.audit_trail(conn, limit=1000, action=action or None))
