"""The one-click unsubscribe link every notification carries (RFC 8058).

``/unsubscribe?t=TOKEN``: GET shows a confirmation page with a button (link scanners and previews
fetch GETs, so a GET changes nothing); POST, from that button or from a mail client's
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, removes the subscriptions the token names.
The token is signed with SECRET_KEY (``metrics.notify.mailer``) and needs no sign-in.
"""
from __future__ import annotations

from flask import current_app, render_template, request
from sqlalchemy import select

from metrics.store import schema
from metrics.notify.mailer import read_unsubscribe_token
from metrics.notify.events import EVENTS
from metrics.notify.subscriptions import unsubscribe_user_id

from dashboard.context import get_context
from dashboard.web.security import csrf_token


def unsubscribe():
    token = request.args.get("t", "")
    found = read_unsubscribe_token(current_app.secret_key, token) if token else None
    events = [e for e in (found[1] if found else []) if e in EVENTS]
    if not found or not events:
        return render_template("unsubscribe.html", state="invalid"), 400
    store = get_context().store
    with store.read() as conn:
        name = conn.execute(select(schema.users.c.name).where(schema.users.c.id == found[0])).scalar()
    page = {"token": token, "name": name, "events_text": ", ".join(events), "csrf_token": csrf_token()}
    if request.method == "GET":
        return render_template("unsubscribe.html", state="confirm", **page)
    with store.write() as conn:
        unsubscribe_user_id(conn, found[0], events)
    return render_template("unsubscribe.html", state="done", **page)


def install(app) -> None:
    app.server.add_url_rule("/unsubscribe", "unsubscribe", unsubscribe, methods=["GET", "POST"])
