"""The time, injectable: domain code asks a ``Clock`` rather than the system, so tests move time by
hand instead of sleeping.

Every moment is naive UTC, the form stored in every DateTime column. ``SystemClock`` is the
default everywhere; ``ManualClock`` stands still until a test advances it.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Now, naive UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


class ManualClock:
    """A clock that moves only when told: ``clock.advance(minutes=5)``."""

    def __init__(self, start: datetime | None = None):
        self.moment = start or SystemClock().now()

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> datetime:
        """Move forward by ``timedelta(**delta)``; the new now."""
        self.moment += timedelta(**delta)
        return self.moment


SYSTEM = SystemClock()
