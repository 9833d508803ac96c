"""Reading the action log: actions judged on a day, one action, owners, histories."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Connection, func, select

from metrics.records.actions.validate import OPEN, days_overdue, due_on, is_overdue, normalise_ref, ref_key
from metrics.store import schema


def _row(row) -> dict:
    data = dict(row._mapping)
    data["metrics"] = tuple(data["metrics"].split()) if data.get("metrics") else ()
    return data


def list_actions(conn: Connection, *, today: date, status: str | None = None,
                 owner: str | None = None, metric: str | None = None) -> list[dict]:
    """Actions judged on ``today`` (the day being viewed: see ``judgement_day``), filtered, each
    with ``due_on``, ``overdue`` and ``days_overdue``. Actions raised after that day are left out.

    Ordered as a chair reads them: open before closed, overdue first, then by due date and id.
    """
    a = schema.actions
    stmt = select(a).where(a.c.raised_on <= today.isoformat())
    if status:
        stmt = stmt.where(a.c.status == status)
    if owner:
        stmt = stmt.where(a.c.owner == owner)
    out = []
    for row in conn.execute(stmt):
        action = _row(row)
        if metric and metric not in action["metrics"]:
            continue
        action.update(due_on=due_on(action), overdue=is_overdue(action, today),
                      days_overdue=days_overdue(action, today))
        out.append(action)
    out.sort(key=lambda x: (x["status"] != OPEN, not x["overdue"], x["due_on"], ref_key(x["ref"])))
    return out


def get_action(conn: Connection, ref: str) -> dict | None:
    row = conn.execute(select(schema.actions).where(schema.actions.c.ref == normalise_ref(ref))).first()
    return _row(row) if row else None


def owners(conn: Connection) -> list[str]:
    a = schema.actions
    return list(conn.execute(select(a.c.owner).distinct().order_by(a.c.owner)).scalars())


def open_by_metric(conn: Connection, today: date) -> dict[str, list[dict]]:
    """{metric id: its open actions}, for badges on the metric's rows and slides."""
    out: dict[str, list[dict]] = {}
    for action in list_actions(conn, status=OPEN, today=today):
        for metric in action["metrics"]:
            out.setdefault(metric, []).append(action)
    return out


def history(conn: Connection, ref: str) -> list[dict]:
    """Every change to an action, oldest first: at, actor, kind, changes {field: [old, new]}, reason."""
    a, r = schema.actions, schema.action_revisions
    rows = conn.execute(select(r.c.at, r.c.actor, r.c.kind, r.c.changes, r.c.reason)
                        .join(a, a.c.id == r.c.action_id).where(a.c.ref == normalise_ref(ref))
                        .order_by(r.c.at, r.c.id))
    return [{**dict(row._mapping), "changes": json.loads(row.changes)} for row in rows]


def histories(conn: Connection) -> dict[str, list[dict]]:
    """{ref: its history, oldest first} for every action, in one query (for the action log page)."""
    a, r = schema.actions, schema.action_revisions
    out: dict[str, list[dict]] = {}
    for row in conn.execute(select(a.c.ref, r.c.at, r.c.actor, r.c.kind, r.c.changes, r.c.reason)
                            .join(a, a.c.id == r.c.action_id).order_by(r.c.at, r.c.id)):
        entry = dict(row._mapping)
        entry["changes"] = json.loads(entry["changes"])
        out.setdefault(entry.pop("ref"), []).append(entry)
    return out


def log_version(conn: Connection) -> tuple:
    """Changes whenever an action changes (for caches of pages that show actions)."""
    return tuple(conn.execute(select(func.max(schema.action_revisions.c.id))).one())
