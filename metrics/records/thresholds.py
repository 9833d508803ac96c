"""Administration: users and roles, effective-dated thresholds, and reading the audit trail.

Each change takes the caller's write transaction and appends its audit event in it, so a change and
its record commit or roll back together. The rules that protect the committee's view live here, not
in the page: a threshold never silently recolours months already reported, and the last active
administrator cannot be demoted or disabled.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from metrics.accounts import users as accounts, sessions
from metrics.store import schema
from metrics.catalog import Catalog
from metrics.months import check_month, month_label
from metrics.read.queries import all_thresholds, in_force
from metrics.rag import limits_for
from metrics.store.engine import audit, utcnow


# Users -------------------------------------------------------------------------------------------

def _active_admins(conn: Connection) -> list[str]:
    u = schema.users
    return list(conn.execute(select(u.c.name).where(u.c.role == "admin", u.c.disabled.is_(False))).scalars())


def add_user(conn: Connection, name: str, role: str, actor: str) -> tuple[accounts.User, str]:
    """Add a user with a generated password; returns (user, password) — show the password once."""
    password = accounts.generate_password()
    return accounts.add_user(conn, name, role, password, actor=actor), password


def change_role(conn: Connection, name: str, role: str, actor: str) -> int:
    if role != "admin" and _active_admins(conn) == [name]:
        raise ValueError(f"{name} is the only active administrator; make someone else an "
                         "administrator first")
    return accounts.set_role(conn, name, role, actor)


def set_disabled(conn: Connection, name: str, disabled: bool, actor: str) -> None:
    if disabled and name == actor:
        raise ValueError("you cannot disable your own account")
    if disabled and _active_admins(conn) == [name]:
        raise ValueError(f"{name} is the only active administrator and cannot be disabled")
    accounts.set_disabled(conn, name, disabled, actor)


def user_access(conn: Connection, name: str, limits: sessions.Limits, now=None) -> dict:
    """A user's live sessions and their API tokens, for an administrator to review."""
    user_id = accounts.user_id_of(conn, name)
    return {"sessions": sessions.active(conn, user_id, limits, now),
            "tokens": accounts.list_tokens(conn, name, now)}


def end_sessions(conn: Connection, name: str, actor: str, session_id: int | None = None) -> int:
    """End one of a user's sessions (``session_id``) or all of them; audited as session_ended."""
    user_id = accounts.user_id_of(conn, name)
    if session_id is None:
        count = sessions.end_all(conn, user_id)
    elif sessions.end(conn, int(session_id), user_id):
        count = 1
    else:
        raise ValueError(f"{name} has no session {session_id} (it may have ended already)")
    audit(conn, actor, "session_ended", name, session_id=session_id or "all", ended=count)
    return count


# Thresholds --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThresholdChange:
    id: int
    metric: str
    effective_from: str
    latest_with_figures: str | None
    recolours: list[str]  # months with figures on or after effective_from (their RAG may change)

    @property
    def message(self) -> str:
        text = f"Threshold for {self.metric} saved, in force from {month_label(self.effective_from)}."
        if self.recolours:
            first, last = self.recolours[0], self.recolours[-1]
            span = month_label(first) if first == last else f"{month_label(first)} to {month_label(last)}"
            text += f" Months already reported that it now judges: {span}."
        return text


def latest_month_with_figures(conn: Connection, catalog: Catalog, metric_id: str) -> str | None:
    """The latest month with figures in force for the metric's dataset(s)."""
    metric = catalog.metric(metric_id)
    r = schema.revisions
    datasets = {metric.dataset, metric.denominator_dataset or metric.dataset}
    return conn.execute(select(func.max(r.c.month)).where(r.c.dataset.in_(datasets), *in_force())).scalar()


def _number(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number")
    return number


def set_threshold(conn: Connection, catalog: Catalog, *, metric: str, target, minimum,
                  effective_from: str, actor: str, reason: str, dimension: str | None = None,
                  value: str | None = None, restate: bool = False) -> ThresholdChange:
    """Record a new target and minimum for a metric (or one dimension value of it) from a month.

    Refused when ``effective_from`` is earlier than the latest month with figures, unless
    ``restate`` says the committee means to re-judge months already reported. A reason is required.
    """
    if metric not in catalog.metrics:
        raise ValueError(f"unknown metric {metric!r}")
    m = catalog.metric(metric)
    reason = str(reason or "").strip()
    if not reason:
        raise ValueError("give a reason for the change (it is kept in the audit trail)")
    effective_from = check_month(str(effective_from or "").strip(), "effective from")
    target, minimum = _number(target, "target"), _number(minimum, "minimum")
    if m.higher_is_better and target < minimum:
        raise ValueError(f"{m.title} is better higher: the target must be at least the minimum")
    if not m.higher_is_better and target > minimum:
        raise ValueError(f"{m.title} is better lower: the target must be at most the minimum")
    if m.unit == "%" and not (0 <= minimum <= 100 and 0 <= target <= 100):
        raise ValueError("a percentage threshold must be between 0 and 100")
    if min(target, minimum) < 0:
        raise ValueError("a threshold cannot be negative")
    if dimension or value:
        if dimension not in m.dimensions:
            raise ValueError(f"{metric} has no dimension {dimension!r}")
        allowed = catalog.dimensions[dimension].all_values
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    else:
        dimension = value = None
    latest = latest_month_with_figures(conn, catalog, metric)
    if latest and effective_from < latest and not restate:
        raise ValueError(
            f"figures up to {month_label(latest)} have already been reported: a threshold from "
            f"{month_label(effective_from)} would recolour them. Choose {month_label(latest)} or "
            "later, or tick 'restate history' to re-judge the earlier months on purpose")
    previous = limits_for(all_thresholds(conn, catalog)[metric], effective_from,
                          {dimension: value} if dimension else {})
    t = schema.thresholds
    new_id = conn.execute(insert(t).values(
        metric=metric, dimension=dimension, value=value, target=target, minimum=minimum,
        effective_from=effective_from, created_at=utcnow(), created_by=actor, reason=reason,
    ).returning(t.c.id)).scalar_one()
    recolours = _months_with_figures(conn, catalog, metric, effective_from)
    audit(conn, actor, "threshold_set", metric, threshold_id=new_id, dimension=dimension, value=value,
          target=target, minimum=minimum, effective_from=effective_from, restate=bool(restate),
          reason=reason, recolours=len(recolours),
          previous={"target": previous.target, "minimum": previous.minimum,
                    "effective_from": previous.effective_from} if previous else None)
    return ThresholdChange(new_id, metric, effective_from, latest, recolours)


def _months_with_figures(conn: Connection, catalog: Catalog, metric_id: str, start: str) -> list[str]:
    r = schema.revisions
    dataset = catalog.metric(metric_id).dataset
    return list(conn.execute(select(r.c.month).where(r.c.dataset == dataset, r.c.month >= start,
                                                     *in_force()).order_by(r.c.month)).scalars())


def threshold_rows(conn: Connection, catalog: Catalog) -> list[dict]:
    """Every threshold, catalog defaults and administrators' changes, by metric then date."""
    t = schema.thresholds
    rows = [{"metric": th.metric, "dimension": th.dimension, "value": th.value, "target": th.target,
             "minimum": th.minimum, "effective_from": th.effective_from, "set_by": "catalog default",
             "set_at": None, "reason": None} for th in catalog.thresholds]
    for r in conn.execute(select(t).order_by(t.c.created_at, t.c.id)):
        rows.append({"metric": r.metric, "dimension": r.dimension, "value": r.value, "target": r.target,
                     "minimum": r.minimum, "effective_from": r.effective_from, "set_by": r.created_by,
                     "set_at": r.created_at.isoformat(sep=" ", timespec="minutes"), "reason": r.reason})
    order = {m: i for i, m in enumerate(catalog.metrics)}
    return sorted(rows, key=lambda x: (order.get(x["metric"], 99), x["value"] or "", x["effective_from"]))


# Audit trail -------------------------------------------------------------------------------------

def audit_trail(conn: Connection, *, limit: int = 500, action: str | None = None,
                actor: str | None = None) -> list[dict]:
    """Newest first: when, who, what, of what, and the details."""
    a = schema.audit_events
    stmt = select(a).order_by(a.c.id.desc()).limit(min(int(limit), 5000))
    if action:
        stmt = stmt.where(a.c.action.like(f"{action}%"))
    if actor:
        stmt = stmt.where(a.c.actor == actor)
    out = []
    for row in conn.execute(stmt):
        detail = json.loads(row.detail or "{}")
        out.append({"id": row.id, "at": row.at.isoformat(sep=" ", timespec="seconds"),
                    "actor": row.actor, "action": row.action, "subject": row.subject,
                    "detail": detail})
    return out


def audit_actions(conn: Connection) -> list[str]:
    a = schema.audit_events
    return list(conn.execute(select(a.c.action).distinct().order_by(a.c.action)).scalars())
