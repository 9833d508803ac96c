"""Uploaded files waiting for Confirm: kept in the database under a random id, never sent back.

The upload page validates a dropped file (a dry run), keeps its bytes here and gives the browser
only the id; Confirm ingests exactly those bytes, on whichever web process or host it reaches.
Each upload belongs to the user who dropped it, expires after ``MAX_AGE`` and is claimed once: the
claim is one ``UPDATE ... WHERE claimed_at IS NULL``, so of two Confirms at once (a double click, or
two hosts) exactly one gets the bytes. Expired rows are purged whenever a new upload is kept.
Every function takes ``now`` (naive UTC) so that tests move time by hand.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from metrics.store import schema
from metrics.store.engine import Store

MAX_AGE = timedelta(hours=1)
ID_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Pending:
    id: str
    user: str
    filename: str
    data: bytes


def _valid(pending_id) -> bool:
    return isinstance(pending_id, str) and bool(ID_RE.match(pending_id))


def purge(store: Store, now: datetime) -> int:
    """Delete expired uploads (and any claimed row left behind); how many went."""
    p = schema.pending_uploads
    with store.engine.begin() as conn:
        return conn.execute(delete(p).where((p.c.expires_at <= now) | p.c.claimed_at.is_not(None))).rowcount


def keep(store: Store, user: str, filename: str, data: bytes, now: datetime) -> str:
    """Store an upload for ``user`` until ``now + MAX_AGE``; returns its id."""
    purge(store, now)
    pending_id = secrets.token_urlsafe(24)
    with store.engine.begin() as conn:
        conn.execute(insert(schema.pending_uploads).values(
            id=pending_id, owner=user, filename=filename[:255], data=data, created_at=now,
            expires_at=now + MAX_AGE))
    return pending_id


def _live(pending_id: str, user: str, now: datetime):
    p = schema.pending_uploads
    return (p.c.id == pending_id, p.c.owner == user, p.c.claimed_at.is_(None), p.c.expires_at > now)


def peek(store: Store, pending_id, user: str, now: datetime) -> Pending | None:
    """The upload, if it exists, is ``user``'s, unclaimed and unexpired (it stays pending)."""
    if not _valid(pending_id):
        return None
    p = schema.pending_uploads
    with store.read() as conn:
        row = conn.execute(select(p.c.filename, p.c.data).where(*_live(pending_id, user, now))).first()
    return None if row is None else Pending(pending_id, user, row.filename, bytes(row.data))


def claim(store: Store, pending_id, user: str, now: datetime) -> Pending | None:
    """Take the upload for ingest: the first caller gets it, any later one (anywhere) gets None."""
    if not _valid(pending_id):
        return None
    p = schema.pending_uploads
    with store.engine.begin() as conn:
        won = conn.execute(update(p).where(*_live(pending_id, user, now)).values(claimed_at=now)).rowcount == 1
        if not won:
            return None
        row = conn.execute(select(p.c.filename, p.c.data).where(p.c.id == pending_id)).one()
        conn.execute(delete(p).where(p.c.id == pending_id))
    return Pending(pending_id, user, row.filename, bytes(row.data))
