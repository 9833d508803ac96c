"""Delivering the outbox (``python -m metrics notify``): e-mail through SMTP and signed webhooks.

``deliver_due`` claims the due rows with one atomic ``UPDATE … WHERE state = 'pending' AND due``
(PostgreSQL re-checks the condition on rows another process just claimed, SQLite serialises
writers), so two notify processes never take the same row. Each claimed recipient is checked
again (still enabled, still has an address, still subscribed) and gets one message listing every
group due for it (a digest). A row is marked sent after the server accepted it; a failure puts it
back with exponential back-off, and after MAX_ATTEMPTS it is marked failed. Only a process that
dies between the server accepting a message and the commit can send it twice; the Message-ID is
fixed per outbox row, so a mail client shows such a copy once.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Iterable

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select, update

from metrics.store import schema
from metrics.catalog import Catalog
from metrics.months import month_label
from metrics.notify.events import EVENT_HELP, concerns, due_filter, user_subscriptions, webhook_subscriptions
from metrics.notify.subscriptions import check_webhook_url
from metrics.rag import RAG_LABELS
from metrics.settings import DATA_DIR, Settings
from metrics.store.engine import Store, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)  # then 2, 4, 8 … minutes
LONGEST_RETRY = timedelta(hours=6)
CLAIM_FOR = timedelta(minutes=10)  # longer than any send can take (SMTP and webhook time-outs)
SMTP_TIMEOUT = 30
WEBHOOK_TIMEOUT = (3, 5)  # connect, read (seconds)
ATTACH_LIMIT = 10 * 1024 * 1024  # a pack over 10 MB is linked, not attached
SIGNATURE_HEADER = "X-OPSG-Signature"
TEMPLATES = Path(__file__).resolve().parent / "mail_templates"


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_RETRY)


# -- unsubscribe links ----------------------------------------------------------------------

def signing_key(settings: Settings) -> str:
    """SECRET_KEY, or the development key the web app generated under data/ (the same key)."""
    key = settings.secret_key
    path = DATA_DIR / "secret_key"
    if not key and path.is_file():
        key = path.read_text().strip()
    if not key:
        raise RuntimeError("SECRET_KEY is not set (it signs unsubscribe links); set it, or start the "
                           "dashboard once in development so that it generates one")
    return key


def _serializer(key: str):
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(key, salt="opsg-unsubscribe")


def unsubscribe_token(key: str, user_id: int, events: Iterable[str]) -> str:
    return _serializer(key).dumps({"u": int(user_id), "e": sorted(set(events))})


def read_unsubscribe_token(key: str, token: str) -> tuple[int, list[str]] | None:
    """(user id, events) from a token this app signed; None for anything else."""
    from itsdangerous import BadSignature

    try:
        data = _serializer(key).loads(token)
        return int(data["u"]), [str(e) for e in data["e"]]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


# -- the message ----------------------------------------------------------------------------

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), trim_blocks=True, lstrip_blocks=True,
                   autoescape=select_autoescape(["html"], default_for_string=False), keep_trailing_newline=True)


def _one_line(text) -> str:
    """Upload-supplied text on one line (no line breaks to fake a message's structure), at most 300."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= 300 else text[:299] + "…"


def _month_link(base: str, month: str) -> str:
    return f"{base}/?month={month}"


def message_groups(rows: list[dict], base: str, files: dict[str, dict]) -> list[dict]:
    """Outbox rows -> what the templates show, one group per row (an upload, a late run, a pack)."""
    groups = []
    for row in rows:
        payload = row["payload"]
        context = {k: _one_line(v) for k, v in payload.get("context", {}).items() if v is not None}
        cells, seen, finals, late, packs = [], set(), [], [], []
        for e in payload["events"]:
            link = _month_link(base, e["month"])
            common = {"month_label": month_label(e["month"]), "link": link}
            if e["kind"] in ("red", "rag"):
                key = (e["metric"], e.get("region"), e["month"])
                if key not in seen:
                    seen.add(key)
                    cells.append({**e, **common, "rag_words": RAG_LABELS.get(e["rag"], e["rag"]),
                                  "previous_words": RAG_LABELS.get(e["previous"], e["previous"])})
            elif e["kind"] == "final":
                finals.append({**e, **common})
            elif e["kind"] == "late":
                late.append({**e, **common})
            elif e["kind"] == "pack":
                stored = files.get(row["group_key"])
                attached = stored is not None and len(stored["content"]) <= ATTACH_LIMIT
                packs.append({**e, **common, "attached": attached,
                              "filename": stored["filename"] if stored else "",
                              "link": f"{base}/meeting/pack.pdf?month={e['month']}"})
        groups.append({"context": context, "cells": cells, "finals": finals, "late": late,
                       "packs": packs, "group_key": row["group_key"]})
    return groups


def subject_for(groups: list[dict]) -> str:
    cells = [c for g in groups for c in g["cells"]]
    red = sum(c["rag"] == "red" for c in cells)
    parts = []
    if red:
        parts.append(f"{red} figure{'s' if red != 1 else ''} turned Red")
    if len(cells) > red:
        parts.append(f"{len(cells) - red} other RAG change{'s' if len(cells) - red != 1 else ''}")
    finals = sorted({f["month_label"] for g in groups for f in g["finals"]})
    if finals:
        parts.append("figures final for " + ", ".join(finals))
    late = [x for g in groups for x in g["late"]]
    if late:
        parts.append(f"{len(late)} late submission{'s' if len(late) != 1 else ''}")
    packs = sorted({p["month_label"] for g in groups for p in g["packs"]})
    if packs:
        parts.append("meeting pack ready for " + ", ".join(packs))
    return "OPSG: " + "; ".join(parts or ["notification"])


def build_email(settings: Settings, to: str, user_id: int, rows: list[dict], files: dict[str, dict],
                key: str) -> EmailMessage:
    """One message (plain text and HTML) for one recipient's due rows, with RFC 8058 headers."""
    base = settings.base_url.rstrip("/")
    groups = message_groups(rows, base, files)
    kinds = sorted({e["kind"] for r in rows for e in r["payload"]["events"]})
    unsubscribe = f"{base}/unsubscribe?t={unsubscribe_token(key, user_id, kinds)}"
    values = {"groups": groups, "subject": subject_for(groups), "account_link": f"{base}/account",
              "unsubscribe_link": unsubscribe,
              "subscribed": "; ".join(f"{k} ({EVENT_HELP[k]})" for k in kinds)}
    msg = EmailMessage()
    msg["Subject"] = values["subject"]
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    ids = "-".join(str(r["id"]) for r in rows)
    msg["Message-ID"] = f"<opsg-outbox-{ids}@{domain}>" if len(ids) < 200 else make_msgid("opsg", domain)
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_env.get_template("notification.txt").render(values))
    msg.add_alternative(_env.get_template("notification.html").render(values), subtype="html")
    for group in groups:
        for pack in group["packs"]:
            if pack["attached"]:
                stored = files[group["group_key"]]
                msg.add_attachment(stored["content"], maintype="application", subtype="pdf",
                                   filename=stored["filename"])
    return msg


class SmtpSender:
    """One SMTP connection per notify run, opened on first use."""

    def __init__(self, settings: Settings):
        self.settings, self.conn = settings, None

    def send(self, msg: EmailMessage) -> None:
        if self.conn is None:
            s = self.settings
            host, port, mode = s.smtp_host, s.smtp_port, s.smtp_tls.strip().lower()
            if mode not in ("none", "starttls", "ssl"):
                raise ValueError(f"SMTP_TLS must be none, starttls or ssl, not {mode!r}")
            context = ssl.create_default_context()
            if mode == "ssl":
                conn = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
            else:
                conn = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
                if mode == "starttls":
                    conn.starttls(context=context)
            if s.smtp_user:
                conn.login(s.smtp_user, s.smtp_password)
            self.conn = conn
        self.conn.send_message(msg)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.conn = None


def post_webhook(url: str, secret: str, body: bytes, settings: Settings) -> None:
    """POST ``body`` signed with HMAC-SHA256; no redirects, a short time-out; raises on failure."""
    import requests

    check_webhook_url(url, allow_loopback=settings.webhook_allow_loopback)
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = requests.post(url, data=body, timeout=WEBHOOK_TIMEOUT, allow_redirects=False,
                             headers={"Content-Type": "application/json",
                                      SIGNATURE_HEADER: f"sha256={signature}",
                                      "User-Agent": "opsg-dashboard-notify"})
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"the webhook answered HTTP {response.status_code}"
                           + (" (redirects are not followed)" if 300 <= response.status_code < 400 else ""))


# -- the run --------------------------------------------------------------------------------

def _claim(store: Store, now: datetime, channels: list[str], run: str) -> list[dict]:
    o = schema.outbox
    with store.engine.begin() as conn:
        conn.execute(update(o).where(due_filter(o, now, channels))
                     .values(state="sending", claimed_by=run, claimed_until=now + CLAIM_FOR))
    with store.read() as conn:
        rows = conn.execute(select(o).where(o.c.claimed_by == run, o.c.state == "sending")
                            .order_by(o.c.id)).all()
    return [{**row._mapping, "payload": json.loads(row.events)} for row in rows]


def _finish(store: Store, rows: list[dict], run: str, now: datetime, outcome: str,
            detail: str = "") -> None:
    """Record the outcome of ``rows``: sent, cancelled, or a failure (retried with back-off)."""
    o, log_table = schema.outbox, schema.delivery_attempts
    with store.engine.begin() as conn:
        for row in rows:
            attempts = row["attempts"] + (outcome in ("sent", "error"))
            values = {"claimed_by": None, "claimed_until": None, "attempts": attempts}
            state = outcome
            if outcome == "sent":
                values.update(sent_at=now, last_error=None)
            elif outcome == "error":
                state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
                values.update(last_error=detail[:2000], next_attempt_at=now + retry_delay(attempts))
            conn.execute(update(o).where(o.c.id == row["id"], o.c.claimed_by == run)
                         .values(state=state, **values))
            logged = {"error": "failed" if state == "failed" else "retry"}.get(outcome, outcome)
            conn.execute(log_table.insert().values(outbox_id=row["id"], at=now, outcome=logged,
                                                   detail=detail[:2000]))


def _error_text(exc: Exception) -> str:
    """One line, at most 200 characters: what the delivery log shows."""
    text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()
    return text if len(text) <= 200 else text[:199] + "…"


def deliver_due(store: Store, catalog: Catalog, settings: Settings, *, now: datetime | None = None
                ) -> dict[str, int]:
    """Deliver every due outbox row once; counts of sent, retry, failed and cancelled rows."""
    now = now or utcnow()
    channels = ["webhook"] + (["email"] if settings.smtp_host else [])
    run = f"notify-{uuid.uuid4().hex}"
    rows = _claim(store, now, channels, run)
    counts = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
    if not rows:
        return counts
    emails = [r for r in rows if r["channel"] == "email"]
    hooks = [r for r in rows if r["channel"] == "webhook"]
    _deliver_emails(store, catalog, settings, emails, run, now, counts)
    _deliver_webhooks(store, catalog, settings, hooks, run, now, counts)
    return counts


def _still_wanted(rows: list[dict], subs, catalog: Catalog) -> tuple[list[dict], list[dict]]:
    """(rows with only the events the recipient still wants, rows left with none)."""
    keep, drop = [], []
    for row in rows:
        events = [e for e in row["payload"]["events"] if subs and concerns(subs, e, catalog)]
        if events:
            keep.append({**row, "payload": {**row["payload"], "events": events}})
        else:
            drop.append(row)
    return keep, drop


def _count(counts: dict, rows: list[dict], outcome: str) -> None:
    if outcome == "error":
        for row in rows:
            counts["failed" if row["attempts"] + 1 >= MAX_ATTEMPTS else "retry"] += 1
    else:
        counts[outcome] += len(rows)


def _deliver_emails(store, catalog, settings, rows, run, now, counts) -> None:
    if not rows:
        return
    by_user: dict[int, list[dict]] = {}
    for row in rows:
        by_user.setdefault(row["recipient_id"], []).append(row)
    u = schema.users
    with store.read() as conn:
        subs = user_subscriptions(conn, by_user)
        addresses = {r.id: r.email for r in conn.execute(
            select(u.c.id, u.c.email).where(u.c.id.in_(list(by_user)), u.c.disabled.is_(False)))}
        keys = {r["group_key"] for r in rows if r["group_key"].startswith("pack:")}
        f = schema.outbox_files
        files = {r.group_key: dict(r._mapping) for r in conn.execute(
            select(f).where(f.c.group_key.in_(list(keys))))} if keys else {}
    key = signing_key(settings)
    sender = SmtpSender(settings)
    broken: str | None = None  # once the server fails, the rest of this run waits for the next
    try:
        for user_id, user_rows in sorted(by_user.items()):
            keep, drop = _still_wanted(user_rows, subs.get(user_id) if addresses.get(user_id) else None,
                                       catalog)
            if drop:
                _finish(store, drop, run, now, "cancelled",
                        "the recipient was removed, disabled, has no address or unsubscribed")
                _count(counts, drop, "cancelled")
            if not keep:
                continue
            if broken is not None:
                _finish(store, keep, run, now, "error", broken)
                _count(counts, keep, "error")
                continue
            try:
                sender.send(build_email(settings, addresses[user_id], user_id, keep, files, key))
            except smtplib.SMTPRecipientsRefused as exc:  # this address only
                _finish(store, keep, run, now, "error", _error_text(exc))
                _count(counts, keep, "error")
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                broken = _error_text(exc)
                sender.close()
                _finish(store, keep, run, now, "error", broken)
                _count(counts, keep, "error")
            else:
                _finish(store, keep, run, now, "sent", f"to {addresses[user_id]}")
                _count(counts, keep, "sent")
    finally:
        sender.close()
    if broken:
        log.warning("notify: e-mail delivery failed, will retry: %s", broken)


def _deliver_webhooks(store, catalog, settings, rows, run, now, counts) -> None:
    if not rows:
        return
    w = schema.webhooks
    with store.read() as conn:
        subs = webhook_subscriptions(conn, {r["recipient_id"] for r in rows})
        hooks = {r.id: r for r in conn.execute(select(w.c.id, w.c.url, w.c.secret).where(
            w.c.id.in_([r["recipient_id"] for r in rows]), w.c.removed_at.is_(None)))}
    base = settings.base_url.rstrip("/")
    for row in rows:
        keep, drop = _still_wanted([row], subs.get(row["recipient_id"]), catalog)
        if drop:
            _finish(store, drop, run, now, "cancelled", "the webhook was removed or no longer wants these")
            _count(counts, drop, "cancelled")
            continue
        hook = hooks[row["recipient_id"]]
        payload = keep[0]["payload"]
        body = json.dumps({
            "id": row["id"], "group": row["group_key"], "created_at": row["created_at"].isoformat() + "Z",
            "context": payload.get("context", {}),
            "events": [{**e, "link": _month_link(base, e["month"])} for e in payload["events"]],
        }, sort_keys=True).encode()
        try:
            post_webhook(hook.url, hook.secret, body, settings)
        except Exception as exc:  # refused, timed out, redirected, 5xx, now pointing somewhere refused
            _finish(store, [row], run, now, "error", _error_text(exc))
            _count(counts, [row], "error")
        else:
            _finish(store, [row], run, now, "sent", f"to {hook.url}")
            _count(counts, [row], "sent")
