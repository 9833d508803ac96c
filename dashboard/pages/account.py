"""Your account `/account` (any signed-in user): your e-mail address and the notifications you get.

Each member chooses their own events (and, optionally, only some metrics); the change is saved by
a callback that acts only on the signed-in user, in one write transaction with its audit event.
Administrators manage everyone's on the Admin page (Notifications tab).
"""
from __future__ import annotations

import dash
from dash import Input, Output, State, html, no_update

from metrics.notify import events as notify
from metrics.notify import subscriptions

from dashboard.web.auth import allowed, callback_requires, current_user
from dashboard.components.message import message
from dashboard.components.notify_views import chosen, subscription_form, subscriptions_grid
from dashboard.components.tools import access_note, panel, tool_page
from dashboard.context import get_context

dash.register_page(__name__, path="/account", name="Account", title="OPSG service metrics — your account",
                   nav="tools", order=98, role="viewer")


def layout(**_query):
    if not allowed("viewer"):
        return access_note("account", "Your account", "viewer")
    context, user = get_context(), current_user()
    with context.store.read() as conn:
        email = subscriptions.email_of(conn, user.name)
        subs = subscriptions.subscriptions(conn, user.name)
    events, metrics = chosen(subs)
    address = [html.P(["Notifications go to ", html.Strong(email, id="account-email"), "."])] if email else [
        html.Div("You have no e-mail address yet, so no notification can reach you. Ask a SECAS "
                 "administrator to add one on the Admin page.", className="alert alert-warning",
                 id="account-email-missing")]
    about = panel("You", [
        html.P(["Signed in as ", html.Strong(user.name), f" ({user.role})."]), *address,
        html.P("Every message has an unsubscribe link; messages carry figures, never passwords or tokens.",
               className="text-muted"),
    ], "account-about")
    form = panel("Your notifications", [
        html.Div(id="account-message", className="mb-3"),
        *subscription_form("account", context.catalog, events, metrics),
    ], "account-form-panel")
    grid = subscriptions_grid("account-subs-grid", subs, context.catalog, own=True)
    current = panel("What you get now", [html.Div(grid, id="account-subs")], "account-subs-panel")
    return tool_page("account", "Your account", "Choose which events you hear about by e-mail: "
                     "one message per upload, listing every figure it concerns.", [
                         html.Div([html.Div([form, current], className="tool-main"),
                                   html.Aside([about], className="tool-side")], className="tool-grid-2")])


def register_callbacks(app) -> None:
    @app.callback(Output("account-message", "children"), Output("account-subs", "children"),
                  Input("account-save", "n_clicks"), State("account-events", "value"),
                  State("account-metrics", "value"), prevent_initial_call=True)
    @callback_requires("viewer")
    def save(n_clicks, events, metrics):
        if not n_clicks:
            return no_update, no_update
        context, user = get_context(), current_user()
        try:
            with context.store.write() as conn:
                subscriptions.set_subscriptions(conn, context.catalog, user.name, events or [], metrics or [],
                                         actor=user.name)
        except ValueError as exc:
            return message(str(exc), False), no_update
        with context.store.read() as conn:
            subs = subscriptions.subscriptions(conn, user.name)
        text = (f"Saved: {', '.join(e for e in notify.EVENTS if e in (events or []))}."
                if events else "Saved: you get no notifications.")
        return message(text), subscriptions_grid("account-subs-grid", subs, context.catalog, own=True)
