"""Changing the action log: add, edit, close or reopen, and upsert an imported action.

Every change is kept in ``action_revisions`` (who, when, what changed, why) and in the audit
trail, in the same transaction.
"""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Connection, insert, update

from metrics.catalog import Catalog
from metrics.records.actions.reads import get_action
from metrics.records.actions.validate import CLOSED, EDITABLE, STATUSES, ActionError, clean_fields
from metrics.store import schema
from metrics.store.engine import audit, utcnow


def _stored(fields: dict) -> dict:
    out = dict(fields)
    if "metrics" in out:
        out["metrics"] = " ".join(out["metrics"])
    for key in ("notes",):
        if key in out and out[key] is None:
            out[key] = ""
    return out


def _record(conn, action_id: int, actor: str, kind: str, changes: dict, reason: str | None) -> None:
    conn.execute(insert(schema.action_revisions).values(
        action_id=action_id, at=utcnow(), actor=actor, kind=kind,
        changes=json.dumps(changes, sort_keys=True, default=list), reason=reason))


def add_action(conn: Connection, catalog: Catalog, raw: dict, actor: str, *,
               source: str = "", kind: str = "added", reason: str | None = None) -> dict:
    """Add a new action from text fields; raises ActionError (e.g. the id already exists)."""
    fields = clean_fields(catalog, raw)
    if get_action(conn, fields["ref"]) is not None:
        raise ActionError([("ref", fields["ref"], f"{fields['ref']} already exists; edit it instead")])
    values = _stored(fields)
    values.update(source=source, updated_at=utcnow(), updated_by=actor,
                  closed_on=date.today().isoformat() if fields["status"] == CLOSED else None)
    action_id = conn.execute(insert(schema.actions).values(**values)
                             .returning(schema.actions.c.id)).scalar_one()
    _record(conn, action_id, actor, kind, {k: [None, v] for k, v in fields.items() if v}, reason)
    audit(conn, actor, "action_added", fields["ref"], source=source or kind)
    return get_action(conn, fields["ref"])


def edit_action(conn: Connection, catalog: Catalog, ref: str, raw: dict, actor: str, *,
                reason: str | None = None, kind: str = "edited") -> dict:
    """Change an action's fields (those in ``raw``); the old values go to its history.

    Moving the target date needs a reason: the history of revised dates is what the group reads.
    """
    current = get_action(conn, ref)
    if current is None:
        raise ActionError([("ref", ref, f"no action {ref}")])
    raw = {k: v for k, v in raw.items() if k in EDITABLE}
    fields = clean_fields(catalog, {**raw, "_raised_on": current["raised_on"]}, partial=True)
    changes = {k: [current[k], v] for k, v in fields.items() if (current[k] or None) != (v or None)}
    if not changes:
        return current
    if {"target_on", "revised_on"} & set(changes) and not (reason or "").strip() and kind == "edited":
        raise ActionError([("revised_on", None, "give a reason when a target date moves "
                            "(it is kept in the action's history)")])
    values = _stored({k: new for k, (_, new) in changes.items()})
    conn.execute(update(schema.actions).where(schema.actions.c.id == current["id"])
                 .values(**values, updated_at=utcnow(), updated_by=actor))
    _record(conn, current["id"], actor, kind, changes, reason)
    audit(conn, actor, "action_edited", current["ref"], fields=sorted(changes), reason=reason)
    return get_action(conn, ref)


def set_status(conn: Connection, ref: str, status: str, actor: str, *, on: date | None = None,
               reason: str | None = None) -> dict:
    """Close (on a day, default today) or reopen an action."""
    current = get_action(conn, ref)
    if current is None:
        raise ActionError([("ref", ref, f"no action {ref}")])
    if status not in STATUSES:
        raise ActionError([("status", status, "expected open or closed")])
    if current["status"] == status:
        return current
    closed_on = (on or date.today()).isoformat() if status == CLOSED else None
    conn.execute(update(schema.actions).where(schema.actions.c.id == current["id"])
                 .values(status=status, closed_on=closed_on, updated_at=utcnow(), updated_by=actor))
    kind = "closed" if status == CLOSED else "reopened"
    _record(conn, current["id"], actor, kind,
            {"status": [current["status"], status], "closed_on": [current["closed_on"], closed_on]},
            reason)
    audit(conn, actor, f"action_{kind}", current["ref"], reason=reason)
    return get_action(conn, ref)


def upsert(conn: Connection, catalog: Catalog, fields: dict, actor: str, source: str,
           reason: str) -> str:
    """Write one imported action: 'added', 'updated' or 'unchanged' (so importing twice is safe)."""
    raw = {**fields, "metrics": list(fields.get("metrics") or ())}
    current = get_action(conn, fields["ref"])
    if current is None:
        add_action(conn, catalog, raw, actor, source=source, kind="imported", reason=reason)
        return "added"
    before = current
    after = edit_action(conn, catalog, fields["ref"], raw, actor, reason=reason, kind="imported")
    if fields.get("status") and fields["status"] != after["status"]:
        after = set_status(conn, fields["ref"], fields["status"], actor, reason=reason)
    return "unchanged" if after == before else "updated"
