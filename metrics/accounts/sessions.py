"""Signed-in sessions kept in the database, so that signing out (or an administrator) really ends one.

The browser's cookie carries a random key; the table holds only its SHA-256, with the user, when the
session began, when it was last seen, when it must end (``SESSION_MAX_HOURS`` after sign-in), and the
address and browser it came from. A session ends when its row is deleted: at sign-out, by an
administrator, when the user is disabled or their password or role changes, after
``SESSION_IDLE_MINUTES`` without a request, or at its absolute end. Any web process on any host can
check a key, so nothing about a session lives in one process.

``last_seen_at`` is written at most once every ``SEEN_RESOLUTION``, not on every request.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, or_, select, update

from metrics.store import schema
from metrics.settings import Settings
from metrics.store.engine import utcnow

SEEN_RESOLUTION = timedelta(seconds=60)
OK, UNKNOWN, IDLE, LIFETIME = "ok", "unknown", "idle", "lifetime"


@dataclass(frozen=True)
class Limits:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(idle=timedelta(minutes=settings.session_idle_minutes),
                   lifetime=timedelta(hours=settings.session_max_hours))


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str

    def state(self, limits: Limits, now: datetime | None = None) -> str:
        """OK, or why the session is over: IDLE (no request for too long) or LIFETIME."""
        now = now or utcnow()
        if now >= self.expires_at:
            return LIFETIME
        if now - self.last_seen_at > limits.idle:
            return IDLE
        return OK

    def needs_touch(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.last_seen_at >= SEEN_RESOLUTION


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _session(row) -> Session:
    return Session(row.id, row.user_id, row.created_at, row.last_seen_at, row.expires_at, row.ip,
                   row.user_agent)


def create(conn: Connection, user_id: int, limits: Limits, *, ip: str = "", user_agent: str = "",
           now: datetime | None = None, id_token: str | None = None) -> str:
    """Start a session for ``user_id``; returns the key for the cookie (only its hash is stored).

    Sessions that are already over are deleted on the way, so the table holds live ones only."""
    now = now or utcnow()
    prune(conn, limits, now)
    key = secrets.token_urlsafe(32)
    conn.execute(insert(schema.sessions).values(
        key_hash=_hash(key), user_id=user_id, created_at=now, last_seen_at=now,
        expires_at=now + limits.lifetime, ip=(ip or "")[:45], user_agent=(user_agent or "")[:200],
        id_token=id_token))
    return key


def id_token_of(conn: Connection, key: str | None) -> str | None:
    """The ID token a single sign-on session began with (None for a password sign-in)."""
    if not key or not isinstance(key, str):
        return None
    s = schema.sessions
    return conn.execute(select(s.c.id_token).where(s.c.key_hash == _hash(key))).scalar()


def find(conn: Connection, key: str | None) -> Session | None:
    """The session a cookie's key names (live or not: see ``Session.state``), or None."""
    if not key or not isinstance(key, str):
        return None
    s = schema.sessions
    row = conn.execute(select(s).where(s.c.key_hash == _hash(key))).first()
    return _session(row) if row else None


def touch(conn: Connection, session_id: int, now: datetime | None = None) -> None:
    """Record a request; a no-op when another worker already did within ``SEEN_RESOLUTION``."""
    now = now or utcnow()
    s = schema.sessions
    conn.execute(update(s).where(s.c.id == session_id, s.c.last_seen_at <= now - SEEN_RESOLUTION)
                 .values(last_seen_at=now))


def end(conn: Connection, session_id: int, user_id: int | None = None) -> bool:
    """End one session (of ``user_id``, when given); False when there was no such live session."""
    s = schema.sessions
    stmt = delete(s).where(s.c.id == session_id)
    if user_id is not None:
        stmt = stmt.where(s.c.user_id == user_id)
    return bool(conn.execute(stmt).rowcount)


def end_key(conn: Connection, key: str | None) -> bool:
    """End the session a cookie's key names (sign-out)."""
    found = find(conn, key)
    return end(conn, found.id) if found else False


def end_all(conn: Connection, user_id: int) -> int:
    """End every session of a user; returns how many there were."""
    s = schema.sessions
    return conn.execute(delete(s).where(s.c.user_id == user_id)).rowcount


def prune(conn: Connection, limits: Limits, now: datetime | None = None) -> int:
    """Delete the sessions that are over (idle too long or past their end)."""
    now = now or utcnow()
    s = schema.sessions
    return conn.execute(delete(s).where(or_(s.c.expires_at <= now,
                                            s.c.last_seen_at < now - limits.idle))).rowcount


def active(conn: Connection, user_id: int, limits: Limits, now: datetime | None = None) -> list[Session]:
    """A user's live sessions, newest first."""
    now = now or utcnow()
    s = schema.sessions
    rows = conn.execute(select(s).where(s.c.user_id == user_id, s.c.expires_at > now,
                                        s.c.last_seen_at >= now - limits.idle)
                        .order_by(s.c.created_at.desc(), s.c.id.desc()))
    return [_session(r) for r in rows]
