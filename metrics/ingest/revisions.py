"""Revisions of one (dataset, month) slice: their differences, and an administrator's rollback.

A rollback never deletes or edits a revision: it writes a NEW revision that copies an earlier one's
rows (and its status and content digest), recorded as an upload with source ``rollback``, a
mandatory reason and an audit event, all in one transaction.
"""
from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy import Connection, func, insert, select

from metrics.store import schema
from metrics.catalog import Catalog
from metrics.ingest.plan import SliceChange, categorised, diff_into, read_revision_frame
from metrics.ingest.write import write_slices
from metrics.store.engine import Store, audit


def slices(conn: Connection, dataset: str) -> list[dict]:
    """Each month of a dataset with figures: how many revisions it has, newest month first."""
    r = schema.revisions
    rows = conn.execute(select(r.c.month, func.count(r.c.id).label("revisions"))
                        .where(r.c.dataset == dataset).group_by(r.c.month).order_by(r.c.month.desc()))
    return [{"month": row.month, "revisions": row.revisions} for row in rows]


def _revisions(conn: Connection, dataset: str, month: str) -> list:
    r, u = schema.revisions, schema.uploads
    return conn.execute(
        select(r.c.id, r.c.status, r.c.row_count, r.c.created_at, r.c.superseded_at, r.c.reason,
               r.c.content_sha, u.c.id.label("upload_id"), u.c.filename, u.c.uploaded_by, u.c.source)
        .join(u, u.c.id == r.c.upload_id)
        .where(r.c.dataset == dataset, r.c.month == month)
        .order_by(r.c.created_at, r.c.id)).all()


def slice_history(conn: Connection, catalog: Catalog, dataset: str, month: str) -> list[dict]:
    """Every revision of the slice, newest first, each with what changed from the one before it."""
    ds = catalog.datasets[dataset]
    out, previous, previous_frame = [], None, None
    for rev in _revisions(conn, dataset, month):
        frame = read_revision_frame(conn, ds, rev.id)
        change = SliceChange(dataset, month, "added", rev.row_count, rev.status)
        if previous is None:
            change.rows_added = rev.row_count
        else:
            change.previous_status = previous.status
            same = rev.content_sha == previous.content_sha
            change.kind = "unchanged" if same and rev.status == previous.status else "changed"
            if not same:
                diff_into(change, ds, previous_frame, frame)
        out.append({
            "id": rev.id, "status": rev.status, "rows": rev.row_count,
            "created_at": rev.created_at.isoformat(sep=" ", timespec="seconds"),
            "in_force": rev.superseded_at is None,
            "superseded_at": rev.superseded_at.isoformat(sep=" ", timespec="seconds")
            if rev.superseded_at else None,
            "reason": rev.reason, "upload_id": rev.upload_id, "filename": rev.filename,
            "uploaded_by": rev.uploaded_by, "source": rev.source, "change": asdict(change),
        })
        previous, previous_frame = rev, frame
    return out[::-1]


def rollback(store: Store, catalog: Catalog, dataset: str, month: str, revision_id: int, *,
             actor: str, reason: str) -> dict:
    """Put revision ``revision_id``'s rows back in force for the slice, as a new revision.

    Returns {"revision_id", "upload_id", "change"}. Raises ValueError when the reason is missing,
    the revision is not of this slice, or it is already the one in force.
    """
    reason = str(reason or "").strip()
    if not reason:
        raise ValueError("give a reason for the rollback (it is kept with the new revision)")
    if dataset not in catalog.datasets:
        raise ValueError(f"unknown dataset {dataset!r}")
    ds = catalog.datasets[dataset]
    r = schema.revisions
    with store.write() as conn:
        target = conn.execute(select(r).where(r.c.id == int(revision_id))).first()
        if target is None or (target.dataset, target.month) != (dataset, month):
            raise ValueError(f"revision {revision_id} is not a revision of {dataset} {month}")
        current = conn.execute(select(r).where(r.c.dataset == dataset, r.c.month == month,
                                               r.c.superseded_at.is_(None))).first()
        if current is not None and current.id == target.id:
            raise ValueError(f"revision {revision_id} is already the one in force")
        rows = read_revision_frame(conn, ds, target.id).assign(month=month)
        change = SliceChange(dataset, month, "changed", target.row_count, target.status,
                             previous_status=current.status if current is not None else None)
        if current is None:
            change.kind, change.rows_added = "added", target.row_count
        elif current.content_sha != target.content_sha:
            diff_into(change, ds, read_revision_frame(conn, ds, current.id), rows)
        now = store.clock.now()
        u = schema.uploads
        filename = f"rollback of {dataset} {month} to revision {target.id}"
        upload_id = conn.execute(insert(u).values(
            sha256=target.content_sha, filename=filename, size_bytes=0, uploaded_by=actor,
            uploaded_at=now, source="rollback", status=target.status, reason=reason,
            outcome="accepted",
            summary=json.dumps({"changes": [asdict(change)], "rollback_to_revision": target.id,
                                "replaced_revision": current.id if current is not None else None},
                               default=str),
        ).returning(u.c.id)).scalar_one()
        ids = write_slices(conn, ds, categorised(ds, rows), upload_id, target.status, now, reason,
                           {month: target.content_sha})
        audit(conn, actor, "rollback", f"{dataset} {month}", upload_id=upload_id,
              to_revision=target.id, new_revision=ids[month],
              replaced_revision=current.id if current is not None else None, reason=reason)
    return {"revision_id": ids[month], "upload_id": upload_id, "change": asdict(change)}
