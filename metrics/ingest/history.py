"""The audit trail of uploads: every attempt and the revisions each one wrote."""
from __future__ import annotations

import json

from sqlalchemy import Connection, func, select

from metrics.store import schema


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


def _what_it_did(summary: dict) -> str:
    if "error_count" in summary:
        n = summary["error_count"]
        return f"{n:,} error{'s' * (n != 1)}"
    changes = summary.get("changes", [])
    counts = {k: sum(c.get("kind") == k for c in changes) for k in ("added", "changed", "unchanged")}
    return ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing"


def attempts(conn: Connection, limit: int = 500) -> list[dict]:
    """Every upload attempt, newest first, as ``uploads`` gives them plus what each did in a few
    words ('2 added, 1 changed', '14 errors')."""
    u = schema.uploads
    rows = conn.execute(select(u.c.id, u.c.summary).order_by(u.c.id.desc()).limit(limit)).all()
    did = {r.id: _what_it_did(json.loads(r.summary or "{}")) for r in rows}
    return [{**row, "did": did.get(row["id"], "")} for row in uploads(conn, limit)]


def latest_corrected_slice(conn: Connection) -> tuple[str, str] | None:
    """The (dataset, month) most recently revised that has more than one revision, else the most
    recently written one: what the History page shows when no slice is chosen."""
    r = schema.revisions
    counts = (select(r.c.dataset, r.c.month, func.count(r.c.id).label("n"), func.max(r.c.id).label("last"))
              .group_by(r.c.dataset, r.c.month).subquery())
    row = conn.execute(select(counts.c.dataset, counts.c.month)
                       .order_by((counts.c.n > 1).desc(), counts.c.last.desc()).limit(1)).first()
    return (row.dataset, row.month) if row else None
