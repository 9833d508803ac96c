"""Ingest an upload: validate, plan what changes per (dataset, month) slice (plan.py), write it as
revisions.

One upload is one transaction under the database write lock: either every slice is written or none.
An upload replaces each (dataset, month) slice it contains; the replaced revision is kept.
Every attempt (accepted, unchanged or rejected) is recorded in ``uploads`` with an audit event.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

import orjson
import pandas as pd
from sqlalchemy import Connection, func, insert, select, update

from metrics.store import payload, schema
from metrics.catalog import Catalog, Dataset
from metrics.errors import UploadError
from metrics.notify.events import UploadWatch
from metrics.upload.validate import parse_upload
from metrics.ingest.rollups import rollup_frames
from metrics.ingest.plan import SliceChange, categorised, content_columns, plan_dataset, slice_digests
from metrics.settings import DEFAULTS
from metrics.store.engine import Store, audit

STATUSES = ("provisional", "final")
# Sources whose uploads may carry the moment they were received (``received_at``) rather than
# now: only the demo loader, which stamps each synthetic month when the DCC would have sent it.
RECEIVED_AT_SOURCES = ("demo",)
NEW_MONTHS_SUMMARISED = 6  # a dry run summarises at most the latest this many months it adds


@dataclass
class IngestReport:
    outcome: str  # accepted | unchanged | rejected
    filename: str
    sha256: str
    dry_run: bool = False
    upload_id: int | None = None
    changes: list[SliceChange] = field(default_factory=list)
    errors: list[UploadError] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # With ``summarise``: for each month the upload adds figures to, the month's summary as the
    # overview will give it once the upload is stored (``metrics.read.summary.month_summary`` entries).
    new_months: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def message(self) -> str:
        if self.outcome == "rejected":
            return f"{self.filename}: rejected with {len(self.errors)} error(s); nothing was written."
        kinds = {k: sum(c.kind == k for c in self.changes) for k in ("added", "changed", "unchanged")}
        counts = ", ".join(f"{n} {k}" for k, n in kinds.items() if n)
        if self.outcome == "unchanged":
            return f"{self.filename}: unchanged — the same figures are already stored ({counts})."
        verb = "would be written (dry run)" if self.dry_run else "accepted"
        return f"{self.filename}: {verb}: {counts} month slice(s)."

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome, "dry_run": self.dry_run, "upload_id": self.upload_id,
            "filename": self.filename, "sha256": self.sha256, "message": self.message,
            "changes": [asdict(c) for c in self.changes],
            "errors": [e.as_dict() for e in self.errors],
            "ignored_sheets": self.ignored_sheets, "warnings": self.warnings,
            **({"new_months": self.new_months} if self.new_months else {}),
        }


def ingest(store: Store, catalog: Catalog, data: bytes, filename: str, *, user: str = "cli",
           source: str = "cli", dataset: str | None = None, dry_run: bool = False,
           status: str = "provisional", reason: str | None = None,
           max_bytes: int = DEFAULTS.max_upload_bytes, received_at: datetime | None = None,
           summarise: bool = False) -> IngestReport:
    """Validate ``data`` and, unless ``dry_run``, write its slices as new revisions.

    ``received_at`` (naive UTC; sources in RECEIVED_AT_SOURCES only) stamps the upload and its
    revisions with the moment the file was received instead of now; it is recorded in the audit
    event, and may not be earlier than the revisions it replaces. A dry run with ``summarise``
    also fills ``report.new_months`` (see ``rehearse_new_months``).
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    if received_at is not None and source not in RECEIVED_AT_SOURCES:
        raise ValueError(f"received_at is only for {', '.join(RECEIVED_AT_SOURCES)} uploads, "
                         f"not {source!r} ones: other uploads are stamped when they arrive")
    reason = (reason or "").strip() or None
    sha = hashlib.sha256(data).hexdigest()
    report = IngestReport("rejected", filename, sha, dry_run=dry_run)
    parsed = parse_upload(data, filename, catalog, dataset=dataset, max_bytes=max_bytes)
    report.ignored_sheets, report.warnings = list(parsed.ignored_sheets), list(parsed.warnings)
    report.errors = list(parsed.errors)
    if not report.errors and not parsed.tables:
        report.errors.append(UploadError(filename, None, None, None,
                                         "the file holds no dataset with figures to store"))
    if report.errors:
        if not dry_run:
            with store.write() as conn:
                _record_upload(conn, report, user, source, status, reason, len(data), store.clock.now())
        return report

    tables = {name: categorised(catalog.datasets[name], table) for name, table in parsed.tables.items()}
    digests = {name: slice_digests(catalog.datasets[name], table) for name, table in tables.items()}
    statuses = {name: month_statuses(table, status) for name, table in tables.items()}
    with (store.read() if dry_run else store.write()) as conn:
        plans = {name: plan_dataset(conn, catalog.datasets[name], table, statuses[name],
                                     digests[name])
                 for name, table in tables.items()}
        report.changes = [c for changes in plans.values() for c in changes]
        unencodable = encoding_problem(report)
        if unencodable:  # checked before anything is written, so the audit trail always reads
            report.changes, plans = [], {}
            report.errors.append(UploadError(filename, None, None, None, "the upload's report "
                                             f"cannot be recorded ({unencodable}); nothing was "
                                             "written"))
        changing = [c for c in report.changes if c.kind == "changed"]
        if changing and not reason:
            first = changing[0]
            report.errors.append(UploadError(
                parsed.sheets.get(first.dataset, filename), None, None, None,
                f"this upload changes figures already stored ({len(changing)} month slice(s), e.g. "
                f"{first.dataset} {first.month}); give a reason for the correction"))
        touched = {name: [c.month for c in changes if c.kind != "unchanged"]
                   for name, changes in plans.items()}
        if report.errors:
            report.outcome = "rejected"
        else:
            report.outcome = "accepted" if any(touched.values()) else "unchanged"
        if not dry_run:
            if received_at is not None and report.outcome == "accepted":
                _check_received_at(conn, received_at, touched)
            upload_id = _record_upload(conn, report, user, source, status, reason, len(data),
                                       received_at or store.clock.now(), received_at)
            if report.outcome == "accepted":
                watch = UploadWatch.before(conn, catalog, touched)  # notifications (SPEC §7)
                _write_touched(conn, catalog, tables, touched, upload_id, statuses, reason, digests,
                               received_at or store.clock.now())
                watch.after(conn, upload_id, filename=filename, user=user, reason=reason)
    if dry_run and summarise and report.outcome == "accepted":
        report.new_months = rehearse_new_months(store, catalog, report, tables, touched, statuses,
                                                digests)
    return report


def _write_touched(conn, catalog, tables, touched, upload_id, statuses, reason, digests, now) -> None:
    for name, months in touched.items():
        table = tables[name]
        write_slices(conn, catalog.datasets[name], table[table["month"].isin(months)],
                     upload_id, statuses[name], now, reason, digests[name])


def month_statuses(table: pd.DataFrame, default: str) -> dict[str, str]:
    """{month: status}: the file's own ``status`` column where it gives one (as ``export`` writes
    it), else the status chosen for the upload."""
    months = table["month"].astype(str)
    given = (table["_status"] if "_status" in table else pd.Series("", index=table.index))
    named = given[given != ""].groupby(months[given != ""]).first().to_dict()
    return {m: named.get(m, default) for m in months.unique()}


def encoding_problem(report: IngestReport) -> str | None:
    """Why the report (which becomes the upload's audit entry) cannot be encoded as the API
    encodes it — e.g. an integer past 64 bits — or None."""
    try:
        orjson.dumps(report.as_dict(), option=orjson.OPT_SERIALIZE_NUMPY)
    except (orjson.JSONEncodeError, TypeError) as exc:
        return str(exc)
    return None


def _check_received_at(conn: Connection, received_at: datetime, touched: dict) -> None:
    """A backdated upload may not replace figures received after it (history stays in order)."""
    r = schema.revisions
    for name, months in touched.items():
        latest = conn.execute(select(func.max(r.c.created_at)).where(
            r.c.dataset == name, r.c.month.in_(months), r.c.superseded_at.is_(None))).scalar()
        if latest is not None and latest > received_at:
            raise ValueError(f"received_at {received_at} is before {name} figures received at "
                             f"{latest}, which it would replace")


class _Rehearsed(Exception):
    """Raised to leave a rehearsal's transaction: it is rolled back, so nothing is kept."""


def rehearse_new_months(store: Store, catalog: Catalog, report: IngestReport, tables, touched,
                        statuses, digests) -> dict[str, list[dict]]:
    """{month: summary entries} for the latest months the upload adds figures to, as the overview
    will show them once it is stored: the slices are written in a transaction that is always
    rolled back, and each month is summarised there by ``metrics.read.summary.month_summary``, the
    overview's own code (so the preview cannot disagree with the page)."""
    from metrics.read.summary import month_summary

    added = sorted({c.month for c in report.changes
                    if c.kind == "added" and not catalog.datasets[c.dataset].notes})
    if not added:
        return {}
    shown = added[-NEW_MONTHS_SUMMARISED:]
    result: dict[str, list[dict]] = {}
    try:
        with store.write() as conn:  # the write lock: the rehearsal sees no half-written upload
            upload_id = conn.execute(insert(schema.uploads).values(
                sha256=report.sha256, filename=report.filename[:255], size_bytes=0, uploaded_by="preview",
                uploaded_at=store.clock.now(), source="web", status="provisional", outcome="accepted",
                summary="{}").returning(schema.uploads.c.id)).scalar_one()
            _write_touched(conn, catalog, tables, touched, upload_id, statuses, None, digests,
                           store.clock.now())
            result = {month: month_summary(conn, catalog, month) for month in shown}
            raise _Rehearsed
    except _Rehearsed:
        pass
    return result


def write_slices(conn: Connection, ds: Dataset, table: pd.DataFrame, upload_id: int,
                 status: str | dict[str, str], now, reason: str | None,
                 digests: dict[str, str] | None = None) -> dict[str, int]:
    """Store each month of ``table`` as a new revision superseding the current one; {month: id}.
    ``status`` is one for every month, or {month: status}."""
    r = schema.revisions
    months = sorted(str(m) for m in table["month"].unique())
    digests = digests or slice_digests(ds, table)
    sizes = table.groupby("month", observed=True).size()
    conn.execute(update(r).where(r.c.dataset == ds.name, r.c.month.in_(months),
                                 r.c.superseded_at.is_(None)).values(superseded_at=now))
    ids = {}
    for month in months:
        ids[month] = conn.execute(insert(r).values(
            dataset=ds.name, month=month, upload_id=upload_id,
            status=status if isinstance(status, str) else status[month],
            row_count=int(sizes[month]), content_sha=digests[month], created_at=now, reason=reason
        ).returning(r.c.id)).scalar_one()
    if ds.notes:
        rows = table[content_columns(ds)].assign(
            revision_id=table["month"].astype(str).map(ids).to_numpy())
        bulk_insert(conn, "notes", rows)
        return ids
    columns = content_columns(ds)
    conn.execute(insert(schema.revision_rows), [
        {"revision_id": ids[month], "payload": payload.encode(frame, columns)}
        for month, frame in table.groupby("month", sort=False, observed=True)])
    for grain, agg in rollup_frames(ds, table):
        agg = agg.rename(columns=ds.slots)
        agg["revision_id"] = agg.pop("month").astype(str).map(ids).astype("int64")
        bulk_insert(conn, "rollups", agg.assign(grain=grain))
    return ids


def bulk_insert(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame fast: COPY on PostgreSQL, one executemany on SQLite. NaN is stored as NULL."""
    if frame.empty:
        return
    cols = list(frame.columns)
    if conn.dialect.name == "postgresql":
        import csv
        import io

        # Text is quoted (so '' stays an empty string); blank numbers become NULL via FORCE_NULL.
        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False, na_rep="", quoting=csv.QUOTE_NONNUMERIC)
        numeric = [c for c in cols if frame[c].dtype.kind == "f"]
        options = f", FORCE_NULL ({', '.join(numeric)})" if numeric else ""
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv{options})") as copy:
                copy.write(buf.getvalue())
        return
    # sqlite3 binds NaN as NULL; tolist() gives plain Python values, the fastest form to bind.
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.exec_driver_sql(sql, list(zip(*(frame[c].tolist() for c in cols))))


def _record_upload(conn: Connection, report: IngestReport, user: str, source: str, status: str,
                   reason: str | None, size: int, uploaded_at: datetime,
                   received_at: datetime | None = None) -> int:
    summary = ({"errors": [e.as_dict() for e in report.errors[:200]], "error_count": len(report.errors)}
               if report.outcome == "rejected" else {"changes": [asdict(c) for c in report.changes]})
    upload_id = conn.execute(insert(schema.uploads).values(
        sha256=report.sha256, filename=report.filename[:255], size_bytes=size, uploaded_by=user,
        uploaded_at=uploaded_at, source=source, status=status, reason=reason, outcome=report.outcome,
        summary=json.dumps(summary, default=str)).returning(schema.uploads.c.id)).scalar_one()
    report.upload_id = upload_id
    audit(conn, user, f"upload_{report.outcome}", report.filename[:200], upload_id=upload_id,
          source=source, sha256=report.sha256, errors=len(report.errors),
          slices=sum(c.kind != "unchanged" for c in report.changes),
          **({"received_at": received_at} if received_at is not None else {}))
    return upload_id
