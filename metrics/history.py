"""The audit trail of uploads: every attempt and the revisions each one wrote."""
from __future__ import annotations

import json

from sqlalchemy import Connection, select

from . import schema


def _upload_row(row) -> dict:
    out = dict(row._mapping)
    out["uploaded_at"] = out["uploaded_at"].isoformat(timespec="seconds")
    return out


def uploads(conn: Connection, limit: int = 100) -> list[dict]:
    """Newest first: who, when, file, sha256, outcome."""
    u = schema.uploads
    cols = [u.c.id, u.c.filename, u.c.sha256, u.c.size_bytes, u.c.uploaded_by, u.c.uploaded_at,
            u.c.source, u.c.status, u.c.reason, u.c.outcome]
    return [_upload_row(r) for r in conn.execute(select(*cols).order_by(u.c.id.desc()).limit(limit))]


def upload_detail(conn: Connection, upload_id: int) -> dict | None:
    """One upload with its summary (changes or errors) and the revisions it wrote."""
    u, r = schema.uploads, schema.revisions
    row = conn.execute(select(u).where(u.c.id == upload_id)).first()
    if row is None:
        return None
    out = _upload_row(row)
    out["summary"] = json.loads(out["summary"])
    out["revisions"] = [
        {"id": rev.id, "dataset": rev.dataset, "month": rev.month, "status": rev.status,
         "rows": rev.row_count, "created_at": rev.created_at.isoformat(timespec="seconds"),
         "superseded_at": rev.superseded_at.isoformat(timespec="seconds") if rev.superseded_at else None}
        for rev in conn.execute(select(r).where(r.c.upload_id == upload_id).order_by(r.c.dataset, r.c.month))]
    return out


def slice_revisions(conn: Connection, dataset: str, month: str) -> list[dict]:
    """Every revision of one (dataset, month) slice, newest first, with who and why."""
    r, u = schema.revisions, schema.uploads
    rows = conn.execute(
        select(r.c.id, r.c.status, r.c.row_count, r.c.created_at, r.c.superseded_at, r.c.reason,
               u.c.id.label("upload_id"), u.c.filename, u.c.uploaded_by, u.c.source)
        .join(u, u.c.id == r.c.upload_id)
        .where(r.c.dataset == dataset, r.c.month == month).order_by(r.c.created_at.desc(), r.c.id.desc()))
    return [dict(x._mapping) for x in rows]
