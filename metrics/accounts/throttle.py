"""Sign-in throttling: too many failures for one user name, or from one address, lock it for a while.

The attempts live in the database (``login_attempts``), so a limit holds across every web worker
and process. A lock starts when the latest ``max_failures`` failures all fall within ``window`` and
lasts ``window`` from the last of them; attempts refused while locked are recorded but do not
extend it. A successful sign-in starts a user name's count again (not an address's: anyone could
reset their address's count by signing in to their own account).

To stop parallel guesses all passing the check before any is recorded, ``begin`` records the
attempt as ``pending`` (counted as a failure) under the database write lock, before the password
is checked; ``finish`` then sets the outcome.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from metrics.store import schema
from metrics.settings import Settings
from metrics.store.engine import utcnow

FAILED = ("pending", "failure")
KEEP = timedelta(days=7)


@dataclass(frozen=True)
class Limits:
    max_failures: int = 5          # per user name
    max_failures_per_ip: int = 20  # per client address
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(settings.login_max_failures, settings.login_max_failures_per_ip,
                   timedelta(minutes=settings.login_lockout_minutes))


@dataclass(frozen=True)
class Lock:
    scope: str  # "user" | "ip"
    until: datetime

    def minutes_left(self, now: datetime | None = None) -> int:
        seconds = (self.until - (now or utcnow())).total_seconds()
        return max(1, -(-int(seconds) // 60))


def normalise(name: str) -> str:
    """The key a name is counted under: case and surrounding spaces don't make a new name."""
    return (name or "").strip().lower()[:80]


def _lock_from(times: list[datetime], limit: int, window: timedelta, now: datetime) -> datetime | None:
    """``times`` newest first: the end of the lock they impose, if it is still running."""
    if limit < 1 or len(times) < limit:
        return None
    latest, oldest = times[0], times[limit - 1]
    if latest - oldest > window:
        return None
    until = latest + window
    return until if until > now else None


def locked(conn: Connection, name: str, ip: str, limits: Limits, now: datetime | None = None
           ) -> Lock | None:
    """The lock on this user name or address, if any (the one lasting longer)."""
    a = schema.login_attempts
    now = now or utcnow()
    name = normalise(name)
    since = now - 2 * limits.window
    last_ok = conn.execute(select(a.c.at).where(a.c.user_name == name, a.c.outcome == "success")
                           .order_by(a.c.at.desc()).limit(1)).scalar()
    conds = [a.c.user_name == name, a.c.outcome.in_(FAILED), a.c.at >= since]
    if last_ok is not None:
        conds.append(a.c.at > last_ok)
    by_name = list(conn.execute(select(a.c.at).where(*conds).order_by(a.c.at.desc())
                                .limit(max(limits.max_failures, 1))).scalars())
    by_ip = list(conn.execute(select(a.c.at).where(a.c.ip == ip, a.c.outcome.in_(FAILED), a.c.at >= since)
                              .order_by(a.c.at.desc()).limit(max(limits.max_failures_per_ip, 1))).scalars())
    locks = [Lock(scope, until) for scope, until in (
        ("user", _lock_from(by_name, limits.max_failures, limits.window, now)),
        ("ip", _lock_from(by_ip, limits.max_failures_per_ip, limits.window, now))) if until]
    return max(locks, key=lambda lock: lock.until) if locks else None


def begin(conn: Connection, name: str, ip: str, limits: Limits, now: datetime | None = None
          ) -> tuple[int, Lock | None]:
    """Record an attempt: (attempt id, None) to go on and check the password, or (id, lock) refused.

    Call inside ``Store.write()`` so concurrent attempts are counted one after another.
    """
    now = now or utcnow()
    lock = locked(conn, name, ip, limits, now)
    a = schema.login_attempts
    conn.execute(delete(a).where(a.c.at < now - KEEP))
    attempt = conn.execute(insert(a).values(at=now, user_name=normalise(name), ip=ip[:45],
                                            outcome="locked" if lock else "pending")
                           .returning(a.c.id)).scalar_one()
    return attempt, lock


def finish(conn: Connection, attempt_id: int, success: bool) -> None:
    a = schema.login_attempts
    conn.execute(update(a).where(a.c.id == attempt_id)
                 .values(outcome="success" if success else "failure"))
