"""The Admin page's Notifications tab: users' e-mail addresses, everyone's subscriptions, webhooks
and the delivery log. Each change checks the admin role in its callback and is written with its
audit event in one transaction (``metrics.notify.events``)."""
from __future__ import annotations

from dash import Input, Output, State, ctx, dcc, html, no_update

from metrics.accounts import users as accounts
from metrics.notify import events as notify
from metrics.notify import subscriptions

from dashboard.web.auth import callback_requires, current_user
from ..context import get_context
from .admin_views import field, user_options
from .message import message
from .notify_views import (chosen, delivery_grid, event_options, subscription_form, subscriptions_grid,
                           webhooks_grid)
from .tools import panel


def _hook_options(hooks: list[dict]) -> list[dict]:
    return [{"label": f"{h['id']}: {h['url']}", "value": h["id"]} for h in hooks]


def section() -> html.Div:
    context = get_context()
    with context.store.read() as conn:
        users = accounts.list_users(conn)
        subs = subscriptions.subscriptions(conn)
        hooks = subscriptions.list_webhooks(conn)
        log = notify.delivery_log(conn)
    smtp = context.settings.smtp_host
    status = (f"E-mail goes out through {smtp}:{context.settings.smtp_port}; "
              "`python -m metrics notify` runs every minute under the scheduler."
              if smtp else "SMTP_HOST is not set: e-mails wait in the outbox until it is.")
    main = html.Div([
        panel("Delivery log", [html.P(["Newest first: one row per message and recipient. Failures are "
                                       "retried after 1, 2, 4 … minutes (at most 6 hours apart), "
                                       "10 tries in all. ", status], className="text-muted"),
                               html.Div(delivery_grid(log), id="ntf-log")], "ntf-log-panel"),
        panel("Subscriptions", [html.Div(subscriptions_grid("ntf-subs-grid", subs, context.catalog),
                                         id="ntf-subs")], "ntf-subs-panel"),
        panel("Webhooks", [html.P("JSON POSTs signed with X-OPSG-Signature: sha256=HMAC-SHA256(body). "
                                  "http(s) only, 5-second time-out, redirects not followed, never to "
                                  "loopback, link-local or reserved addresses.", className="text-muted"),
                           html.Div(webhooks_grid(hooks), id="ntf-webhooks")], "ntf-webhooks-panel"),
    ], className="tool-main")
    side = html.Aside([
        html.Div(id="ntf-message", className="mb-3"),
        panel("E-mail address", [
            field("User", dcc.Dropdown(id="ntf-user", options=user_options(users), clearable=False),
                  "ntf-user"),
            field("Address", dcc.Input(id="ntf-email", type="text", className="form-control",
                                       maxLength=254, autoComplete="off"), "ntf-email",
                  "Leave empty to remove it."),
            html.Button("Save address", id="ntf-email-save", n_clicks=0, className="btn btn-primary"),
        ], "ntf-email-panel"),
        panel("Their notifications", subscription_form("ntf", context.catalog, [], [],
                                                       "Save their notifications"), "ntf-subs-form"),
        panel("Add a webhook", [
            field("URL", dcc.Input(id="ntf-hook-url", type="text", className="form-control",
                                   maxLength=2000, autoComplete="off", placeholder="https://…"), "ntf-hook-url"),
            field("Events", dcc.Checklist(id="ntf-hook-events", options=event_options(), value=["red"],
                                          inputClassName="form-check-input me-1",
                                          labelClassName="form-check d-block"), "ntf-hook-events"),
            html.Div([html.Button("Add webhook", id="ntf-hook-add", n_clicks=0, className="btn btn-primary"),
                      dcc.Dropdown(id="ntf-hook-remove-id", options=_hook_options(hooks),
                                   placeholder="Webhook to remove", className="flex-grow-1"),
                      html.Button("Remove", id="ntf-hook-remove", n_clicks=0,
                                  className="btn btn-outline-danger")], className="d-flex gap-2 flex-wrap"),
        ], "ntf-hook-panel"),
    ], className="tool-side")
    return html.Div([main, side], className="tool-grid-2")


def register_callbacks(app) -> None:
    @app.callback(Output("ntf-email", "value"), Output("ntf-events", "value"),
                  Output("ntf-metrics", "value"), Input("ntf-user", "value"), prevent_initial_call=True)
    @callback_requires("admin")
    def show_user(name):
        if not name:
            return "", [], []
        with get_context().store.read() as conn:
            email = subscriptions.email_of(conn, name)
            events, metrics = chosen(subscriptions.subscriptions(conn, name))
        return email or "", events, metrics

    @app.callback(Output("ntf-message", "children"), Output("ntf-subs", "children"),
                  Output("ntf-webhooks", "children"), Output("ntf-hook-remove-id", "options"),
                  Output("ntf-hook-url", "value"),
                  Input("ntf-email-save", "n_clicks"), Input("ntf-save", "n_clicks"),
                  Input("ntf-hook-add", "n_clicks"), Input("ntf-hook-remove", "n_clicks"),
                  State("ntf-user", "value"), State("ntf-email", "value"), State("ntf-events", "value"),
                  State("ntf-metrics", "value"), State("ntf-hook-url", "value"),
                  State("ntf-hook-events", "value"), State("ntf-hook-remove-id", "value"),
                  prevent_initial_call=True)
    @callback_requires("admin")
    def change(_email, _subs, _add, _remove, name, email, events, metrics, url, hook_events, hook_id):
        if not (ctx.triggered and ctx.triggered[0]["value"]):
            return (no_update,) * 5
        context, actor, action = get_context(), current_user().name, ctx.triggered_id
        cleared = no_update
        try:
            with context.store.write() as conn:
                if action == "ntf-hook-add":
                    hook = subscriptions.add_webhook(conn, url or "", hook_events or [], actor,
                                              allow_loopback=bool(context.settings.webhook_allow_loopback))
                    text = (f"Added webhook {hook['id']}. Its signing secret, shown once: {hook['secret']}")
                    cleared = ""
                elif action == "ntf-hook-remove":
                    if not hook_id:
                        raise ValueError("choose a webhook to remove")
                    subscriptions.remove_webhook(conn, hook_id, actor)
                    text = f"Removed webhook {hook_id}."
                elif not name:
                    raise ValueError("choose a user first")
                elif action == "ntf-email-save":
                    saved = subscriptions.set_email(conn, name, email, actor)
                    text = f"{name}'s address is now {saved}." if saved else f"{name} has no address now."
                else:
                    subscriptions.set_subscriptions(conn, context.catalog, name, events or [], metrics or [], actor)
                    text = f"Saved {name}'s notifications."
        except ValueError as exc:
            return message(str(exc), False), no_update, no_update, no_update, no_update
        with context.store.read() as conn:
            subs, hooks = subscriptions.subscriptions(conn), subscriptions.list_webhooks(conn)
        return (message(text), subscriptions_grid("ntf-subs-grid", subs, context.catalog),
                webhooks_grid(hooks), _hook_options(hooks), cleared)
