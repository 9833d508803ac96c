"""Meeting packs off the request path: a job row any process can pick up, and the PDF it stores.

A pack is a pure function of its month, its as-at moment and the data and records in force, so a
pack row is keyed by (month, as_of, version). A request that finds no ready pack for its key
``request``s one (one row, however many ask) and answers at once; a builder (the scheduler's
``packs`` job, report/pack_jobs.py) ``claim``s queued rows one at a time with an atomic
``UPDATE ... WHERE state = 'queued'`` (or a build abandoned for ``STALE_AFTER``), reports
``progress`` and ``finish``es with the PDF, which every web process then serves from the database.
Printing lives in report/, which this module does not import.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from metrics.read.queries import data_version
from metrics.records import actions, overrides
from metrics.store import schema
from metrics.store.engine import Store

STALE_AFTER = timedelta(minutes=10)  # a build that has not finished by then is taken over
FAILED_RETRY_AFTER = timedelta(minutes=1)  # a failed pack is tried again when asked after this


@dataclass(frozen=True)
class PackState:
    id: int
    month: str
    as_of: str
    state: str  # queued | building | ready | failed
    progress: int
    stage: str
    error: str | None
    pages: int | None


def as_of_key(as_of: datetime | None) -> str:
    return as_of.isoformat(timespec="seconds") if as_of else ""


def pack_version(conn: Connection, today: date | None = None) -> str:
    """A fingerprint of everything a pack shows: figures, thresholds, actions, overrides, and the day
    (overdue flags turn over at midnight)."""
    parts = (*data_version(conn), *actions.log_version(conn), *overrides.log_version(conn),
             (today or date.today()).isoformat())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _state(row) -> PackState:
    return PackState(row.id, row.month, row.as_of, row.state, row.progress, row.stage, row.error, row.pages)


_COLUMNS = [schema.meeting_packs.c[n] for n in ("id", "month", "as_of", "state", "progress", "stage",
                                                 "error", "pages")]


def find(conn: Connection, month: str, as_of: str, version: str) -> PackState | None:
    p = schema.meeting_packs
    row = conn.execute(select(*_COLUMNS).where(p.c.month == month, p.c.as_of == as_of,
                                               p.c.version == version)).first()
    return _state(row) if row else None


def request(store: Store, month: str, as_of: str, version: str, user: str, now: datetime) -> PackState:
    """The pack row for this key, queued if there was none (or it failed a while ago)."""
    p = schema.meeting_packs
    with store.read() as conn:
        found = find(conn, month, as_of, version)
    if found is None:
        try:
            with store.engine.begin() as conn:
                conn.execute(insert(p).values(month=month, as_of=as_of, version=version, state="queued",
                                              progress=0, stage="waiting for a builder",
                                              requested_by=user, requested_at=now))
        except IntegrityError:
            pass  # another request queued it first
    elif found.state == "failed":
        with store.engine.begin() as conn:
            conn.execute(update(p).where(p.c.id == found.id, p.c.state == "failed",
                                         p.c.finished_at < now - FAILED_RETRY_AFTER)
                         .values(state="queued", progress=0, stage="waiting for a builder", error=None,
                                 requested_by=user, requested_at=now))
    with store.read() as conn:
        return find(conn, month, as_of, version)


def builder_running(conn: Connection, now: datetime) -> bool:
    """Whether a scheduler holds its lease now (so a queued pack will be picked up)."""
    lock = schema.scheduler_lock
    expires = conn.execute(select(lock.c.expires_at).where(lock.c.name == "scheduler")).scalar()
    return expires is not None and expires > now


def pdf_of(conn: Connection, pack_id: int) -> bytes | None:
    p = schema.meeting_packs
    data = conn.execute(select(p.c.pdf).where(p.c.id == pack_id, p.c.state == "ready")).scalar()
    return bytes(data) if data is not None else None


def claim(store: Store, holder: str, now: datetime) -> tuple[int, str, str] | None:
    """Take the oldest queued (or abandoned) pack to build: (id, month, as_of), or None."""
    p = schema.meeting_packs
    waiting = or_(p.c.state == "queued", and_(p.c.state == "building", p.c.started_at < now - STALE_AFTER))
    while True:
        with store.read() as conn:
            row = conn.execute(select(p.c.id, p.c.month, p.c.as_of, p.c.state, p.c.started_at).where(waiting)
                               .order_by(p.c.requested_at, p.c.id).limit(1)).first()
        if row is None:
            return None
        with store.engine.begin() as conn:
            won = conn.execute(update(p).where(p.c.id == row.id, p.c.state == row.state,
                                               (p.c.started_at.is_(None) if row.started_at is None
                                                else p.c.started_at == row.started_at))
                               .values(state="building", started_at=now, holder=holder, progress=1,
                                       stage="starting")).rowcount == 1
        if won:
            return row.id, row.month, row.as_of


def progress(store: Store, pack_id: int, percent: int, stage: str) -> None:
    p = schema.meeting_packs
    with store.engine.begin() as conn:
        conn.execute(update(p).where(p.c.id == pack_id, p.c.state == "building")
                     .values(progress=max(0, min(99, int(percent))), stage=stage[:80]))


def finish(store: Store, pack_id: int, now: datetime, *, pdf: bytes | None = None, pages: int | None = None,
           error: str | None = None) -> None:
    """Store the PDF (state ready) or the error (state failed); a ready pack replaces older ready
    packs of the same month and as-at moment (their data is no longer in force)."""
    p = schema.meeting_packs
    with store.engine.begin() as conn:
        if error is not None:
            conn.execute(update(p).where(p.c.id == pack_id).values(
                state="failed", error=error[:2000], finished_at=now, stage="failed"))
            return
        row = conn.execute(select(p.c.month, p.c.as_of).where(p.c.id == pack_id)).one()
        conn.execute(update(p).where(p.c.id == pack_id).values(
            state="ready", pdf=pdf, pages=pages, progress=100, stage="ready", finished_at=now, error=None))
        conn.execute(delete(p).where(p.c.month == row.month, p.c.as_of == row.as_of, p.c.id < pack_id,
                                     p.c.state.in_(("ready", "failed")), p.c.requested_at <= now))
