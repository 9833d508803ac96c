"""The scheduled jobs: the upload inbox, late-submission flags and the nightly backup.

Each job is a plain function of ``(store, catalog, settings)`` that is safe to run twice, or in two
processes at once: the inbox ingests through the same code path as any upload (the same file again
is "unchanged") and a file already moved is skipped; late flags are one row per (dataset, month),
audited only when raised or resolved; the backup is one file per day. ``metrics.jobs.scheduler`` runs
them on a timetable.
"""
from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from metrics.store import schema
from metrics.catalog import Catalog
from metrics.months import add_months, month_range
from metrics.notify.events import record_late
from metrics.settings import Settings
from metrics.store.engine import Store, audit, utcnow
from metrics.workdays import working_day_deadline

log = logging.getLogger(__name__)

UK = ZoneInfo("Europe/London")
JOB_USER = "scheduler"  # the actor in audit events written by jobs

# -- inbox -------------------------------------------------------------------------------------

INBOX_USER = "inbox"
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")
FINAL_STEM = re.compile(r"[._ -]final$", re.IGNORECASE)  # 'ota_2024-03.final.csv' is final


@dataclass
class InboxResult:
    name: str
    outcome: str  # accepted | unchanged | rejected
    moved_to: Path | None  # None when another run moved it first
    errors: int = 0


def inbox_files(inbox: Path, settle_seconds: float, now: float | None = None) -> list[Path]:
    """Files ready to ingest: not hidden, not partial (.part/.tmp, Excel's ~$ lock files), and
    not modified in the last ``settle_seconds`` (a copy may still be in progress)."""
    now = time.time() if now is None else now
    ready = []
    for path in sorted(inbox.iterdir()) if inbox.is_dir() else []:
        name = path.name
        if name.startswith((".", "~$")) or name.lower().endswith(PARTIAL_SUFFIXES):
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if path.is_file() and abs(now - stat.st_mtime) >= settle_seconds:
            ready.append(path)
    return ready


def process_inbox(store: Store, catalog: Catalog, settings: Settings, *,
                  now: datetime | None = None) -> list[InboxResult]:
    """Ingest each ready file in INBOX_DIR; move it to archive/YYYY-MM/ or to rejected/ with
    NAME.errors.txt (one ``SHEET:ROW:COLUMN: message`` per line). A name ending ``.final``
    (before the extension) is stored as final figures, any other as provisional."""
    from metrics.ingest.write import ingest

    inbox = Path(settings.inbox_dir)
    inbox.mkdir(parents=True, exist_ok=True)
    limit = settings.max_upload_bytes
    month = (now or datetime.now(UK)).strftime("%Y-%m")
    results = []
    for path in inbox_files(inbox, settings.inbox_settle_seconds):
        try:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
        except FileNotFoundError:
            continue  # another run took it
        status = "final" if FINAL_STEM.search(path.stem) else "provisional"
        report = ingest(store, catalog, data, path.name, user=INBOX_USER, source="inbox",
                        status=status, reason=f"inbox file {path.name}", max_bytes=limit)
        if report.outcome == "rejected":
            moved = _move(path, inbox / "rejected")
            if moved is not None:
                text = "".join(f"{error}\n" for error in report.errors)
                moved.with_name(moved.name + ".errors.txt").write_text(text, encoding="utf-8")
        else:
            moved = _move(path, inbox / "archive" / month)
        log.info("inbox: %s %s -> %s", path.name, report.outcome, moved)
        results.append(InboxResult(path.name, report.outcome, moved, len(report.errors)))
    return results


def _move(path: Path, folder: Path) -> Path | None:
    """Move ``path`` into ``folder`` without overwriting (name-2.csv, name-3.csv, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists() or target.with_name(target.name + ".errors.txt").exists():
        n += 1
        target = folder / f"{path.stem}-{n}{path.suffix}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


# -- late submissions ----------------------------------------------------------------------------

LATE_LOOKBACK_MONTHS = 12  # a missing month older than this is history, not a late submission


def uk_today() -> date:
    return datetime.now(UK).date()


def latest_due_month(today: date) -> str:
    """The latest month whose deadline has passed (its figures are late if not final today)."""
    month = add_months(today.strftime("%Y-%m"), -1)
    while working_day_deadline(month) >= today:
        month = add_months(month, -1)
    return month


def check_late_submissions(store: Store, catalog: Catalog, settings: Settings | None = None, *,
                           today: date | None = None) -> dict:
    """Flag each (dataset, month) not final by its deadline; resolve flags whose figures are final.

    Checked for every monthly dataset that has figures: months in force but still provisional
    past their deadline, and months missing since the dataset's latest upload (at most the last
    twelve due). Each flag is raised, resolved or reopened once, with an audit event.
    """
    today = today or uk_today()
    due = latest_due_month(today)
    monthly = [name for name, ds in catalog.datasets.items() if not ds.notes]
    r, lf = schema.revisions, schema.late_flags
    raised, resolved = [], []
    with store.write() as conn:
        status = {(d, m): s for d, m, s in conn.execute(
            select(r.c.dataset, r.c.month, r.c.status)
            .where(r.c.superseded_at.is_(None), r.c.dataset.in_(monthly)))}
        flags = {(f.dataset, f.month): f for f in conn.execute(select(lf))}
        late = {}
        for dataset in monthly:
            months = sorted(m for d, m in status if d == dataset)
            if not months:
                continue
            for month in months:
                if month <= due and status[dataset, month] != "final":
                    late[dataset, month] = "provisional"
            start = max(add_months(months[-1], 1), add_months(due, 1 - LATE_LOOKBACK_MONTHS))
            for month in month_range(start, due):
                late[dataset, month] = "missing"
        now, newly_late = utcnow(), []
        for (dataset, month), state in sorted(late.items()):
            flag = flags.get((dataset, month))
            deadline = working_day_deadline(month).isoformat()
            if flag is None:
                conn.execute(insert(lf).values(dataset=dataset, month=month, deadline=deadline,
                                               state=state, raised_at=now))
            elif flag.resolved_at is not None:
                conn.execute(update(lf).where(lf.c.id == flag.id)
                             .values(state=state, raised_at=now, resolved_at=None))
            else:
                if flag.state != state:
                    conn.execute(update(lf).where(lf.c.id == flag.id).values(state=state))
                continue
            audit(conn, JOB_USER, "late_flag_raised", f"{dataset} {month}", dataset=dataset,
                  month=month, deadline=deadline, state=state)
            raised.append((dataset, month))
            newly_late.append({"dataset": dataset, "month": month, "deadline": deadline, "state": state})
        for (dataset, month), flag in sorted(flags.items()):
            if flag.resolved_at is None and status.get((dataset, month)) == "final":
                conn.execute(update(lf).where(lf.c.id == flag.id).values(resolved_at=now))
                audit(conn, JOB_USER, "late_flag_resolved", f"{dataset} {month}", dataset=dataset,
                      month=month)
                resolved.append((dataset, month))
        record_late(conn, catalog, newly_late, f"late:{now.isoformat()}")  # notifications, same transaction
    return {"due_month": due, "raised": raised, "resolved": resolved, "open": len(late)}


def late_flags(conn: Connection, month: str | None = None, *, include_resolved: bool = False
               ) -> list[dict]:
    """Late-submission flags (open ones unless ``include_resolved``), newest month first.

    Each: dataset, month, deadline (YYYY-MM-DD), state ('missing' or 'provisional'), raised_at,
    resolved_at.
    """
    lf = schema.late_flags
    stmt = select(lf.c.dataset, lf.c.month, lf.c.deadline, lf.c.state, lf.c.raised_at,
                  lf.c.resolved_at).order_by(lf.c.month.desc(), lf.c.dataset)
    if month is not None:
        stmt = stmt.where(lf.c.month == month)
    if not include_resolved:
        stmt = stmt.where(lf.c.resolved_at.is_(None))
    return [dict(row._mapping) for row in conn.execute(stmt)]


# -- nightly backup ------------------------------------------------------------------------------

BACKUP_NAME = re.compile(r"^opsg-\d{4}-\d{2}-\d{2}\.(sqlite|dump)$")


def nightly_backups(folder: Path) -> list[Path]:
    """The nightly backups in ``folder``, newest first (other files there are left alone)."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if BACKUP_NAME.match(p.name)), reverse=True)


def nightly_backup(store: Store, catalog: Catalog | None, settings: Settings, *,
                   today: date | None = None) -> dict:
    """Write today's backup (once a day: a second run finds it and skips), keep the newest
    BACKUP_RETENTION and delete older ones."""
    from metrics.store.backup import backup

    folder = Path(settings.backup_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"opsg-{(today or uk_today()).isoformat()}"
    done = [p for p in nightly_backups(folder) if p.stem == stem]
    written = None
    if not done:
        written = backup(store, folder / stem)
        with store.write() as conn:
            audit(conn, JOB_USER, "backup_written", written.name, bytes=written.stat().st_size)
    keep = max(1, settings.backup_retention)
    removed = []
    for old in nightly_backups(folder)[keep:]:
        old.unlink(missing_ok=True)
        removed.append(old.name)
    return {"written": written.name if written else None, "skipped": bool(done), "removed": removed}
