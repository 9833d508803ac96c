"""The scheduler: runs the jobs (``metrics.jobs.tasks``) on a timetable, in one process at a time.

Production runs it as its own process (``python -m metrics scheduler``); ``python app.py`` embeds it
(EMBED_SCHEDULER). Every scheduler process may start, but only the holder of the ``scheduler_lock``
row runs jobs: it renews a lease (heartbeat) and any other process stands by, taking the lock with
an atomic ``UPDATE ... WHERE expires_at < now`` once the holder has stopped renewing it. The jobs
are idempotent anyway, so a slow holder that loses the lock mid-job does no harm.

Lease times use each host's clock (UTC): keep scheduler hosts on NTP.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import socket
import threading
import uuid
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from metrics.jobs import tasks as jobs
from metrics.store import schema
from metrics.notify.mailer import deliver_due
from metrics.catalog import Catalog
from metrics.settings import Settings
from metrics.store.engine import Store, utcnow

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
JOB_RUNS_KEPT = timedelta(days=30)
JOBS = {
    "inbox": jobs.process_inbox,
    "late_submissions": jobs.check_late_submissions,
    "backup": jobs.nightly_backup,
    "notify": deliver_due,  # the outbox: e-mails and webhooks due (metrics/notify/mailer.py)
}
NOTIFY_EVERY_SECONDS = 60


def holder_id() -> str:
    """host:pid:random, unique per scheduler process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Lease:
    """The scheduler lock: held by one process at a time while it keeps renewing it."""

    def __init__(self, store: Store, holder: str, seconds: float):
        self.store, self.holder, self.seconds = store, holder, seconds
        self.held: bool | None = None  # unknown until the first hold()
        self.problem: str | None = None  # the last database error, logged once
        self._ensure_row()

    def _ensure_row(self) -> None:
        lock = schema.scheduler_lock
        with self.store.engine.begin() as conn:
            if conn.execute(select(lock.c.name).where(lock.c.name == LOCK_NAME)).first():
                return
        try:
            with self.store.engine.begin() as conn:
                conn.execute(insert(lock).values(name=LOCK_NAME, expires_at=datetime(2000, 1, 1)))
        except IntegrityError:
            pass  # another process inserted it

    def hold(self) -> bool:
        """Take or renew the lock if it is ours or has expired; True while we hold it."""
        lock, now = schema.scheduler_lock, utcnow()
        try:
            with self.store.engine.begin() as conn:
                taken = conn.execute(
                    update(lock)
                    .where(lock.c.name == LOCK_NAME,
                           or_(lock.c.holder == self.holder, lock.c.expires_at < now))
                    .values(holder=self.holder, expires_at=now + timedelta(seconds=self.seconds),
                            acquired_at=case((lock.c.holder == self.holder, lock.c.acquired_at),
                                             else_=now))
                ).rowcount == 1
        except Exception as exc:  # unreachable or read-only: say so once, keep trying
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            if problem != self.problem:
                log.warning("scheduler %s cannot take the scheduler lock, so runs no jobs: %s",
                            self.holder, problem)
            self.problem, self.held = problem, False
            return False
        self.problem = None
        if taken != self.held:
            if taken:
                log.info("scheduler %s is active (holds the scheduler lock)", self.holder)
            else:
                log.info("scheduler %s is standing by: %s", self.holder, self.describe())
        self.held = taken
        return taken

    def describe(self) -> str:
        lock = schema.scheduler_lock
        try:
            with self.store.read() as conn:
                row = conn.execute(select(lock.c.holder, lock.c.expires_at)
                                   .where(lock.c.name == LOCK_NAME)).first()
        except Exception:
            return "database unavailable"
        return f"lock held by {row.holder} until {row.expires_at:%H:%M:%S} UTC" if row else "no lock row"

    def release(self) -> None:
        """Let a standby take over at once (only if we still hold it)."""
        lock = schema.scheduler_lock
        try:
            with self.store.engine.begin() as conn:
                conn.execute(update(lock).where(lock.c.name == LOCK_NAME, lock.c.holder == self.holder)
                             .values(expires_at=utcnow() - timedelta(seconds=1)))
        except Exception:
            log.exception("scheduler lock: could not release")
        self.held = False


def _plain(value):
    if is_dataclass(value):
        return asdict(value)
    return str(value)


class JobScheduler:
    """APScheduler (background thread) running each job only while this process holds the lease."""

    def __init__(self, store: Store, catalog: Catalog, settings: Settings, holder: str | None = None,
                 extra_jobs: dict | None = None):
        """``extra_jobs``: {name: (job, every seconds)} added by the wiring, e.g. report/'s packs job
        (metrics/ imports nothing from report/)."""
        self.store, self.catalog, self.settings = store, catalog, settings
        self.extra = dict(extra_jobs or {})
        self.lease = Lease(store, holder or holder_id(), settings.scheduler_lease_seconds)
        self.aps = BackgroundScheduler(timezone=jobs.UK, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})

    @property
    def jobs(self) -> dict:
        """Every job this scheduler runs, by name: the built-in ones and the extras."""
        return {**JOBS, **{name: job for name, (job, _) in self.extra.items()}}

    @property
    def holder(self) -> str:
        return self.lease.holder

    def heartbeat(self) -> bool:
        """Renew (or take) the lease; on taking it, close the runs a stopped holder left open."""
        was_active = bool(self.lease.held)
        active = self.lease.hold()
        if active and not was_active:
            runs = schema.job_runs
            with self.store.engine.begin() as conn:
                conn.execute(update(runs).where(runs.c.outcome == "running", runs.c.holder != self.holder)
                             .values(outcome="abandoned", finished_at=utcnow()))
        return active

    def run_job(self, name: str) -> str | None:
        """Run one job if we hold the lease, recording it in ``job_runs``; its outcome or None."""
        if not self.heartbeat():
            return None
        runs = schema.job_runs
        with self.store.engine.begin() as conn:
            run_id = conn.execute(insert(runs).values(
                job=name, holder=self.holder, started_at=utcnow(), outcome="running")
                .returning(runs.c.id)).scalar_one()
        try:
            # a LiveCatalog: the revision in force now, so a catalog apply needs no restart
            catalog = self.catalog.fresh() if hasattr(self.catalog, "fresh") else self.catalog
            result = self.jobs[name](self.store, catalog, self.settings)
            outcome, detail = "ok", result
        except Exception as exc:
            log.exception("job %s failed", name)
            outcome, detail = "failed", {"error": f"{type(exc).__name__}: {exc}"}
        now = utcnow()
        with self.store.engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(
                finished_at=now, outcome=outcome, detail=json.dumps(detail, default=_plain)))
            conn.execute(delete(runs).where(runs.c.job == name,
                                            runs.c.started_at < now - JOB_RUNS_KEPT))
        return outcome

    def start(self) -> None:
        """Try for the lease, then schedule: inbox every INBOX_POLL_SECONDS, notify every minute,
        late submissions at 06:00 and backup at BACKUP_TIME (UK time), each also once at start."""
        self.heartbeat()
        settings, now = self.settings, datetime.now(jobs.UK)
        beat = max(0.5, self.lease.seconds / 3)
        hour, minute = (int(part) for part in settings.backup_time.split(":"))
        self.aps.add_job(self.heartbeat, IntervalTrigger(seconds=beat), id="heartbeat")
        self.aps.add_job(self.run_job, IntervalTrigger(seconds=settings.inbox_poll_seconds),
                         args=["inbox"], id="inbox", next_run_time=now)
        self.aps.add_job(self.run_job, IntervalTrigger(seconds=NOTIFY_EVERY_SECONDS),
                         args=["notify"], id="notify", next_run_time=now)
        for name, (_, seconds) in self.extra.items():
            self.aps.add_job(self.run_job, IntervalTrigger(seconds=max(1, int(seconds))), args=[name],
                             id=name, next_run_time=now)
        daily = {"late_submissions": (6, 0), "backup": (hour, minute)}
        for name, (at_hour, at_minute) in daily.items():
            self.aps.add_job(self.run_job, CronTrigger(hour=at_hour, minute=at_minute, timezone=jobs.UK),
                             args=[name], id=name, next_run_time=now)
        self.aps.start()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=True)
        self.lease.release()


def start_embedded(store: Store, catalog: Catalog, settings: Settings, extra_jobs: dict | None = None
                   ) -> JobScheduler | None:
    """The factory's ``start_scheduler`` hook for ``python app.py``: starts the scheduler in this
    process unless EMBED_SCHEDULER is false (production runs ``python -m metrics scheduler``)."""
    if not settings.embed_scheduler:
        return None
    scheduler = JobScheduler(store, catalog, settings, extra_jobs=extra_jobs)
    scheduler.start()
    atexit.register(scheduler.shutdown)
    return scheduler


def run_forever(store: Store, catalog: Catalog, settings: Settings, extra_jobs: dict | None = None) -> None:
    """``python -m metrics scheduler``: run until SIGTERM or Ctrl-C, then hand the lock over."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = JobScheduler(store, catalog, settings, extra_jobs=extra_jobs)
    log.info("scheduler %s starting (inbox %s, backups %s)", scheduler.holder,
             Path(settings.inbox_dir), Path(settings.backup_dir))
    scheduler.start()
    try:
        while not stop.wait(1):
            pass
    finally:
        log.info("scheduler %s stopping", scheduler.holder)
        scheduler.shutdown()


def run_once(store: Store, catalog: Catalog, settings: Settings, extra_jobs: dict | None = None
             ) -> dict[str, str | None]:
    """Run every job once now (if no other scheduler holds the lock); each job's outcome."""
    scheduler = JobScheduler(store, catalog, settings, extra_jobs=extra_jobs)
    try:
        return {name: scheduler.run_job(name) for name in scheduler.jobs}
    finally:
        scheduler.lease.release()
