"""The scheduler's ``packs`` job: print the meeting packs that are wanted, off the request path.

Each run first wants the latest month's pack for the data in force (so after any data change the
next run prints it before anyone asks), then builds every queued pack, claimed one at a time
(``metrics.meeting.packs.claim``, atomic), so any number of schedulers or hosts may run it at once.
It lives in report/ because it prints; ``scheduled(settings)`` is how the scheduler's wiring (the
command line, app.py) adds it to the timetable, as metrics/ imports nothing from report/.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import Callable

from metrics.meeting import packs
from metrics.months import parse_as_of
from metrics.read.queries import latest_month
from metrics.settings import Settings
from metrics.store.engine import Store, utcnow
from report.pack import build_pack

log = logging.getLogger(__name__)
JOB_USER = "scheduler"


def build_packs(store: Store, catalog, settings: Settings, *, now: Callable[[], datetime] = utcnow,
                holder: str | None = None, latest: bool = True) -> dict:
    """Queue the latest month's pack (when ``latest``) and build all queued packs; what was done."""
    holder = holder or f"{socket.gethostname()}:{os.getpid()}"
    if latest:
        with store.read() as conn:
            month, version = latest_month(conn, None), packs.pack_version(conn)
        if month:
            packs.request(store, month, "", version, JOB_USER, now())
    built, failed = [], []
    while (job := packs.claim(store, holder, now())) is not None:
        pack_id, month, as_of = job
        label = f"{month}" + (f" as at {as_of}" if as_of else "")
        try:
            pdf, facts = build_pack(store, catalog, settings, month, parse_as_of(as_of) if as_of else None,
                                    progress=lambda percent, stage: packs.progress(store, pack_id, percent, stage))
        except Exception as exc:  # recorded on the row; the page says so and offers to try again
            log.exception("meeting pack %s failed", label)
            packs.finish(store, pack_id, now(), error=f"{type(exc).__name__}: {exc}")
            failed.append(label)
            continue
        packs.finish(store, pack_id, now(), pdf=pdf, pages=facts["pages"])
        log.info("meeting pack %s printed: %s pages in %s s", label, facts["pages"], facts["seconds"])
        built.append(label)
    return {"built": built, "failed": failed}


def scheduled(settings: Settings) -> dict:
    """The jobs report/ adds to the scheduler: {name: (job, every seconds)}."""
    return {"packs": (build_packs, settings.pack_poll_seconds)}
