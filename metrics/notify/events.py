"""Notifications (SPEC §7): the events and the outbox (addresses, subscriptions and webhooks are
metrics/notify/subscriptions.py's).

An event (``red``, ``rag``, ``late``, ``final``, ``pack``) is written to ``outbox`` in the same
transaction as the change that causes it: the upload's commit (``UploadWatch``), the late-submission
job (``record_late``) or a pack announced by ``python -m metrics pack --notify`` (``record_pack``).
Each outbox row is one message for one recipient (a user's e-mail or a webhook) about one group of
events (everything one upload did, one late-submission run, one pack), listing only the events that
recipient subscribed to; ``(group_key, channel, recipient_id)`` is unique, so a group reaches a
recipient at most once. ``metrics.notify.mailer`` delivers the rows (``deliver_due``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, and_, exists, insert, or_, select

from metrics.store import schema
from metrics.catalog import Catalog
from metrics.months import month_range
from metrics.formatting import format_threshold, format_value
from metrics.rag import RED
from metrics.store.engine import utcnow

EVENTS = ("red", "rag", "late", "final", "pack")
EVENT_HELP = {
    "red": "a headline figure turns Red",
    "rag": "a headline figure's RAG changes (either way)",
    "late": "a dataset's figures are late (the 10th working day rule)",
    "final": "all of a month's figures are final",
    "pack": "the meeting pack for a month is ready",
}
CELL_EVENTS = ("red", "rag")  # events about one headline cell (metric, region, month)
MONTH_EVENTS = ("final", "pack")  # about a whole month: a metric filter does not apply


# -- who an event concerns ------------------------------------------------------------------

def _datasets_of(catalog: Catalog, metric_id: str) -> set[str]:
    metric = catalog.metrics.get(metric_id)
    return set() if metric is None else {metric.dataset, metric.denominator_dataset or metric.dataset}


def concerns(subs: list[tuple[str, str]], event: dict, catalog: Catalog) -> bool:
    """Does a recipient with subscriptions ``subs`` [(event, metric or '')] want ``event``?"""
    for kind, metric in subs:
        if kind != event["kind"]:
            continue
        if not metric or kind in ("final", "pack"):
            return True
        if kind in CELL_EVENTS and event["metric"] == metric:
            return True
        if kind == "late" and event["dataset"] in _datasets_of(catalog, metric):
            return True
    return False


def user_subscriptions(conn: Connection, user_ids=None) -> dict[int, list[tuple[str, str]]]:
    """{user id: [(event, metric)]} for enabled users with an e-mail address."""
    s, u = schema.subscriptions, schema.users
    stmt = (select(s.c.user_id, s.c.event, s.c.metric).join(u, u.c.id == s.c.user_id)
            .where(u.c.disabled.is_(False), u.c.email.is_not(None), u.c.email != ""))
    if user_ids is not None:
        stmt = stmt.where(s.c.user_id.in_(list(user_ids)))
    out: dict[int, list] = {}
    for row in conn.execute(stmt):
        out.setdefault(row.user_id, []).append((row.event, row.metric))
    return out


def webhook_subscriptions(conn: Connection, webhook_ids=None) -> dict[int, list[tuple[str, str]]]:
    w = schema.webhooks
    stmt = select(w.c.id, w.c.events).where(w.c.removed_at.is_(None))
    if webhook_ids is not None:
        stmt = stmt.where(w.c.id.in_(list(webhook_ids)))
    return {row.id: [(e, "") for e in row.events.split()] for row in conn.execute(stmt)}


def listening(conn: Connection, kinds=EVENTS) -> bool:
    """Is anyone subscribed to any of ``kinds``? (Uploads skip the RAG comparison when not.)"""
    s, w = schema.subscriptions, schema.webhooks
    if conn.execute(select(exists().where(s.c.event.in_(list(kinds))))).scalar():
        return True
    return bool(conn.execute(select(exists().where(w.c.removed_at.is_(None)))).scalar())


def enqueue(conn: Connection, catalog: Catalog, group_key: str, events: list[dict],
            context: dict | None = None) -> int:
    """Write one outbox row per recipient that wants any of ``events`` (inside the caller's
    transaction); how many. A group already queued is not queued again."""
    if not events:
        return 0
    o = schema.outbox
    if conn.execute(select(exists().where(o.c.group_key == group_key))).scalar():
        return 0
    now, rows = utcnow(), []
    for channel, recipients in (("email", user_subscriptions(conn)),
                                ("webhook", webhook_subscriptions(conn))):
        for rid, subs in sorted(recipients.items()):
            wanted = [e for e in events if concerns(subs, e, catalog)]
            if wanted:
                rows.append(dict(group_key=group_key, channel=channel, recipient_id=rid,
                                 events=json.dumps({"context": context or {}, "events": wanted}),
                                 created_at=now, state="pending", attempts=0, next_attempt_at=now))
    if rows:
        conn.execute(insert(o), rows)
    return len(rows)


# -- events from an upload ------------------------------------------------------------------

def _target_text(value, unit: str) -> str | None:
    if value is None:
        return None
    return format_threshold(value, unit, 2)


def headline_cells(conn: Connection, catalog: Catalog, spans: dict[str, set[str]]) -> dict:
    """{(metric, headline value or '', month): judged point} for each metric's months in ``spans``,
    judged by ``metrics.read.summary`` exactly as the overview judges them."""
    from metrics.read.summary import metric_points

    cells = {}
    for metric_id, months in spans.items():
        first, last = min(months), max(months)
        history = metric_points(conn, catalog, metric_id, last,
                                months=len(month_range(first, last)))
        for value, points in history.items():
            for point in points:
                if point["month"] in months:
                    cells[(metric_id, value or "", point["month"])] = point
    return cells


def final_months(conn: Connection, catalog: Catalog, months) -> set[str]:
    """Those of ``months`` whose figures are all final: every monthly dataset that has any figures
    at all has a final revision in force for the month."""
    r = schema.revisions
    monthly = [n for n, ds in catalog.datasets.items() if not ds.notes]
    in_use = set(conn.execute(select(r.c.dataset).where(r.c.superseded_at.is_(None),
                                                        r.c.dataset.in_(monthly)).distinct()).scalars())
    status: dict[str, dict[str, str]] = {}
    for row in conn.execute(select(r.c.dataset, r.c.month, r.c.status).where(
            r.c.superseded_at.is_(None), r.c.month.in_(list(months)), r.c.dataset.in_(monthly))):
        status.setdefault(row.month, {})[row.dataset] = row.status
    return {m for m in months if in_use and all(status.get(m, {}).get(d) == "final" for d in in_use)}


@dataclass
class UploadWatch:
    """The headline RAG and finality of the months an upload touches, before it writes, so that
    ``after`` (in the same transaction) can queue what changed. Costs nothing when nobody listens."""
    catalog: Catalog
    spans: dict[str, set[str]] = field(default_factory=dict)
    months: set[str] = field(default_factory=set)
    cells: dict = field(default_factory=dict)
    finals: set[str] = field(default_factory=set)
    active: bool = False

    @classmethod
    def before(cls, conn: Connection, catalog: Catalog, touched: dict[str, list[str]]) -> "UploadWatch":
        watch = cls(catalog)
        watch.months = {m for months in touched.values() for m in months}
        if not watch.months or not listening(conn):
            return watch
        watch.active = True
        for metric_id in catalog.metrics:
            months = set().union(*(set(touched.get(d, ())) for d in _datasets_of(catalog, metric_id)))
            if months:
                watch.spans[metric_id] = months
        watch.cells = headline_cells(conn, catalog, watch.spans)
        watch.finals = final_months(conn, catalog, watch.months)
        return watch

    def after(self, conn: Connection, upload_id: int, *, filename: str, user: str,
              reason: str | None) -> int:
        """Queue the upload's events; how many outbox rows were written."""
        if not self.active:
            return 0
        events = []
        for key, point in sorted(headline_cells(conn, self.catalog, self.spans).items(),
                                 key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
            old = self.cells.get(key)
            before = old["rag"] if old else "no_data"
            if point["rag"] == before:
                continue
            metric = self.catalog.metric(key[0])
            cell = {"metric": metric.id, "title": metric.title, "region": key[1] or None,
                    "dimension": metric.headline_dimension if key[1] else None, "month": key[2],
                    "value": format_value(point["value"], metric.unit, metric.decimals),
                    "target": _target_text(point["target"], metric.unit),
                    "rag": point["rag"], "previous": before}
            events.append({"kind": "rag", **cell})
            if point["rag"] == RED:
                events.append({"kind": "red", **cell})
        for month in sorted(final_months(conn, self.catalog, self.months) - self.finals):
            events.append({"kind": "final", "month": month})
        context = {"upload_id": upload_id, "filename": filename, "user": user, "reason": reason}
        return enqueue(conn, self.catalog, f"upload:{upload_id}", events, context)


def record_late(conn: Connection, catalog: Catalog, raised: list[dict], group_key: str) -> int:
    """Queue ``late`` events for flags just raised (dataset, month, deadline, state)."""
    events = [{"kind": "late", "dataset": f["dataset"],
               "dataset_title": catalog.datasets[f["dataset"]].title if f["dataset"] in catalog.datasets
               else f["dataset"], "month": f["month"], "deadline": f["deadline"], "state": f["state"]}
              for f in raised]
    return enqueue(conn, catalog, group_key, events)


def record_pack(conn: Connection, catalog: Catalog, month: str, pdf: bytes, filename: str,
                digest: str) -> int:
    """Queue a ``pack`` event with the PDF kept for attaching; the same pack again queues nothing."""
    key = f"pack:{month}:{digest[:16]}"
    if conn.execute(select(exists().where(schema.outbox_files.c.group_key == key))).scalar():
        return 0
    conn.execute(insert(schema.outbox_files).values(group_key=key, filename=filename, content=pdf))
    return enqueue(conn, catalog, key, [{"kind": "pack", "month": month, "bytes": len(pdf)}])


# -- the delivery log -----------------------------------------------------------------------

def delivery_log(conn: Connection, limit: int = 200) -> list[dict]:
    """The newest outbox messages with their recipient, state, attempts and last error."""
    o, u, w = schema.outbox, schema.users, schema.webhooks
    rows = conn.execute(
        select(o.c.id, o.c.group_key, o.c.channel, o.c.recipient_id, o.c.state, o.c.attempts,
               o.c.created_at, o.c.next_attempt_at, o.c.sent_at, o.c.last_error, o.c.events,
               u.c.name.label("user"), u.c.email, w.c.url)
        .outerjoin(u, and_(o.c.channel == "email", u.c.id == o.c.recipient_id))
        .outerjoin(w, and_(o.c.channel == "webhook", w.c.id == o.c.recipient_id))
        .order_by(o.c.id.desc()).limit(limit))
    out = []
    for row in rows:
        item = dict(row._mapping)
        events = json.loads(item.pop("events"))["events"]
        item["recipient"] = (f"{row.user} <{row.email}>" if row.email else row.user) \
            if row.channel == "email" else row.url
        for key in ("url", "user", "email"):
            item.pop(key, None)
        item["events"] = ", ".join(sorted({e["kind"] for e in events}))
        out.append(item)
    return out


def due_filter(o, now: datetime, channels):
    return and_(o.c.channel.in_(list(channels)), or_(
        and_(o.c.state == "pending", o.c.next_attempt_at <= now),
        and_(o.c.state == "sending", o.c.claimed_until < now)))
