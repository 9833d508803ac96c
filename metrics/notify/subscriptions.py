"""Who is told what (SPEC §7): users' e-mail addresses, their subscriptions, and webhooks.

A subscription is (event, metric or '') for a user; a webhook has its own events and a secret.
Every change is audited in the same transaction.
"""
from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select, update

from metrics.catalog import Catalog
from metrics.notify.events import EVENTS, MONTH_EVENTS
from metrics.store import schema
from metrics.store.engine import audit, utcnow


# -- addresses ------------------------------------------------------------------------------

def check_email(address: str | None) -> str | None:
    """The address normalised (domain lower-cased), None for blank; ValueError saying what is wrong."""
    from email_validator import EmailNotValidError, validate_email

    address = (address or "").strip()
    if not address:
        return None
    if len(address) > 254:
        raise ValueError("an e-mail address is at most 254 characters")
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{address!r} is not a valid e-mail address: {exc}") from None


def set_email(conn: Connection, name: str, address: str | None, actor: str = "cli") -> str | None:
    """Set (or, with a blank address, clear) a user's e-mail address."""
    email = check_email(address)
    u = schema.users
    if not conn.execute(update(u).where(u.c.name == name).values(email=email)).rowcount:
        raise ValueError(f"no user {name!r}")
    audit(conn, actor, "email_set" if email else "email_cleared", name)
    return email


def email_of(conn: Connection, name: str) -> str | None:
    u = schema.users
    return conn.execute(select(u.c.email).where(u.c.name == name)).scalar()


# -- subscriptions --------------------------------------------------------------------------

def parse_events(text) -> list[str]:
    """'red,rag' (or a list) -> ['red', 'rag']; ValueError naming an unknown event."""
    items = text if isinstance(text, (list, tuple)) else str(text or "").replace(" ", ",").split(",")
    events = []
    for item in (str(i).strip().lower() for i in items):
        if not item:
            continue
        if item not in EVENTS:
            raise ValueError(f"unknown event {item!r}; events are {', '.join(EVENTS)}")
        if item not in events:
            events.append(item)
    if not events:
        raise ValueError(f"name at least one event: {', '.join(EVENTS)}")
    return events


def _user_id(conn: Connection, name: str) -> int:
    u = schema.users
    uid = conn.execute(select(u.c.id).where(u.c.name == name)).scalar()
    if uid is None:
        raise ValueError(f"no user {name!r}")
    return uid


def subscribe(conn: Connection, catalog: Catalog, name: str, events, metrics=(), actor: str = "cli"
              ) -> list[tuple[str, str]]:
    """Subscribe ``name`` to ``events`` (for every metric, or only ``metrics``); the (event, metric)
    pairs added. Subscribing to an event for every metric replaces its per-metric subscriptions."""
    events = parse_events(events)
    metrics = [m.strip() for m in metrics or () if m and m.strip()]
    for metric in metrics:
        if metric not in catalog.metrics:
            raise ValueError(f"unknown metric {metric!r}; metrics are {', '.join(catalog.metrics)}")
    uid, s = _user_id(conn, name), schema.subscriptions
    current = {(r.event, r.metric) for r in conn.execute(
        select(s.c.event, s.c.metric).where(s.c.user_id == uid))}
    added, now = [], utcnow()
    for event in events:
        if (event, "") in current:
            continue  # already every metric
        if not metrics or event in MONTH_EVENTS:
            conn.execute(delete(s).where(s.c.user_id == uid, s.c.event == event))
        for metric in metrics if metrics and event not in MONTH_EVENTS else [""]:
            if (event, metric) not in current:
                conn.execute(insert(s).values(user_id=uid, event=event, metric=metric, created_at=now))
                added.append((event, metric))
    if added:
        audit(conn, actor, "subscribed", name, subscriptions=[f"{e}:{m or '*'}" for e, m in added])
    return added


def unsubscribe(conn: Connection, name: str, events=None, actor: str = "cli") -> int:
    """Remove ``name``'s subscriptions to ``events`` (all of them when None); how many went."""
    uid, s = _user_id(conn, name), schema.subscriptions
    stmt = delete(s).where(s.c.user_id == uid)
    if events is not None:
        stmt = stmt.where(s.c.event.in_(parse_events(events)))
    removed = conn.execute(stmt).rowcount
    if removed:
        audit(conn, actor, "unsubscribed", name, events=events or "all", removed=removed)
    return removed


def unsubscribe_user_id(conn: Connection, user_id: int, events) -> int:
    """The one-click unsubscribe: drop a user's subscriptions to ``events``."""
    name = conn.execute(select(schema.users.c.name).where(schema.users.c.id == user_id)).scalar()
    return 0 if name is None else unsubscribe(conn, name, events, actor=name)


def subscriptions(conn: Connection, name: str | None = None) -> list[dict]:
    """Subscriptions (of one user, or everyone's): user, email, event, metric ('' = every metric)."""
    s, u = schema.subscriptions, schema.users
    stmt = (select(u.c.name.label("user"), u.c.email, s.c.event, s.c.metric, s.c.created_at)
            .join(u, u.c.id == s.c.user_id).order_by(u.c.name, s.c.event, s.c.metric))
    if name is not None:
        stmt = stmt.where(u.c.name == name)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def set_subscriptions(conn: Connection, catalog: Catalog, name: str, events, metrics=(),
                      actor: str = "cli") -> None:
    """Replace ``name``'s subscriptions with exactly ``events`` (for ``metrics``, or all)."""
    unsubscribe(conn, name, None, actor=actor)
    if events:
        subscribe(conn, catalog, name, events, metrics, actor=actor)


# -- webhooks -------------------------------------------------------------------------------

def _blocked_address(ip: ipaddress._BaseAddress) -> bool:
    return (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast
            or ip.is_reserved or (ip.version == 6 and ip.ipv4_mapped is not None
                                  and _blocked_address(ip.ipv4_mapped)))


def check_webhook_url(url: str, *, allow_loopback: bool = False, resolve: bool = True) -> str:
    """An http(s) URL whose host is not this machine (loopback), link-local (cloud metadata),
    unspecified, multicast or reserved, by name and by every address it resolves to; ValueError
    otherwise. ``allow_loopback`` (WEBHOOK_ALLOW_LOOPBACK) lifts the address rule, for tests."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a webhook URL must start with http:// or https:// and name a host, not {url!r}")
    if parts.username or parts.password:
        raise ValueError("a webhook URL must not carry a user name or password")
    if len(url) > 2000:
        raise ValueError("a webhook URL is at most 2000 characters")
    if allow_loopback:
        return url
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise ValueError(f"a webhook may not target this machine ({host})")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = []
        if resolve:
            try:
                infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                           proto=socket.IPPROTO_TCP)
            except socket.gaierror as exc:
                raise ValueError(f"the webhook host {host!r} does not resolve: {exc.strerror}") from None
            addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for ip in addresses:
        if _blocked_address(ip):
            raise ValueError(f"a webhook may not target a loopback, link-local or reserved address "
                             f"({host} is {ip})")
    return url


def add_webhook(conn: Connection, url: str, events, actor: str = "cli", *,
                allow_loopback: bool = False) -> dict:
    """Add a webhook; its id and the secret that signs its POSTs (shown once, to the admin)."""
    url = check_webhook_url(url, allow_loopback=allow_loopback)
    events = parse_events(events)
    secret = secrets.token_hex(32)
    wid = conn.execute(insert(schema.webhooks).values(
        url=url, events=" ".join(events), secret=secret, created_at=utcnow(), created_by=actor)
        .returning(schema.webhooks.c.id)).scalar_one()
    audit(conn, actor, "webhook_added", url[:200], webhook_id=wid, events=events)
    return {"id": wid, "url": url, "events": events, "secret": secret}


def list_webhooks(conn: Connection) -> list[dict]:
    w = schema.webhooks
    return [dict(r._mapping) for r in conn.execute(
        select(w.c.id, w.c.url, w.c.events, w.c.created_at, w.c.created_by)
        .where(w.c.removed_at.is_(None)).order_by(w.c.id))]


def remove_webhook(conn: Connection, webhook_id: int, actor: str = "cli") -> None:
    w = schema.webhooks
    if not conn.execute(update(w).where(w.c.id == int(webhook_id), w.c.removed_at.is_(None))
                        .values(removed_at=utcnow())).rowcount:
        raise ValueError(f"no webhook {webhook_id}")
    audit(conn, actor, "webhook_removed", str(webhook_id), webhook_id=int(webhook_id))
