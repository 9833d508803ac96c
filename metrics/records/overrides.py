"""The chair's RAG override: an administrator's judgement for one cell (metric, region, month),
always with a justification, shown beside the computed RAG and never instead of it.

A cell is a metric's total (value None) or one of its headline dimension values (CSP N, CSP C&S)
for a month. Setting a new override withdraws the one in force; nothing is deleted, and every
change is audited in the same transaction.
"""
from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from metrics.store import schema
from metrics.catalog import Catalog
from metrics.months import check_month
from metrics.rag import AMBER, GREEN, NO_DATA, RAG_LABELS, RED
from metrics.store.engine import audit, utcnow
from metrics.read.summary import metric_points

RAGS = (GREEN, AMBER, RED)
MIN_JUSTIFICATION = 10


def cell_label(catalog: Catalog, metric_id: str, value: str | None, month: str) -> str:
    """'OTA firmware success · CSP North · 2020-01'."""
    metric = catalog.metric(metric_id)
    dim = metric.headline_dimension
    where = "All" if not value else catalog.dimensions[dim].label(value) if dim else value
    return f"{metric.title} · {where} · {month}"


def _cell(catalog: Catalog, metric_id: str, value: str | None) -> tuple[str, str | None]:
    """(dimension, canonical value) of a cell; raises ValueError for a cell the overview lacks."""
    metric = catalog.metric(metric_id)
    if not value:
        return "", None
    dim = metric.headline_dimension
    if dim is None:
        raise ValueError(f"{metric.title} is not split by region: override its total")
    canonical = catalog.dimensions[dim].canonical(value)
    if canonical not in catalog.dimensions[dim].headline:
        raise ValueError(f"{value!r} is not one of {', '.join(catalog.dimensions[dim].headline)}")
    return dim, canonical


def computed_rag(conn: Connection, catalog: Catalog, metric_id: str, value: str | None,
                 month: str) -> str:
    """The RAG the thresholds give the cell now."""
    points = metric_points(conn, catalog, metric_id, month, months=1)
    return points[value][-1]["rag"]


def set_override(conn: Connection, catalog: Catalog, *, metric: str, month: str, rag: str,
                 justification: str, actor: str, value: str | None = None) -> dict:
    """Record the chair's RAG for a cell, replacing any in force; raises ValueError if refused."""
    catalog.metric(metric)
    check_month(month)
    dim, value = _cell(catalog, metric, value)
    rag = str(rag or "").strip().lower()
    if rag not in RAGS:
        raise ValueError("the RAG must be green, amber or red")
    justification = str(justification or "").strip()
    if len(justification) < MIN_JUSTIFICATION:
        raise ValueError(f"a justification is required (at least {MIN_JUSTIFICATION} characters): "
                         "say why the computed RAG does not tell the story")
    computed = computed_rag(conn, catalog, metric, value, month)
    if computed == NO_DATA:
        raise ValueError("there is no figure for that month to override")
    if computed == rag:
        raise ValueError(f"the computed RAG is already {RAG_LABELS[rag]}")
    withdrawn = _withdraw(conn, metric, value, month, actor)
    now = utcnow()
    new_id = conn.execute(insert(schema.rag_overrides).values(
        metric=metric, dimension=dim, value=value or "", month=month, rag=rag,
        computed_rag=computed, justification=justification, created_at=now, created_by=actor,
    ).returning(schema.rag_overrides.c.id)).scalar_one()
    audit(conn, actor, "rag_override_set", cell_label(catalog, metric, value, month), rag=rag,
          computed_rag=computed, justification=justification, replaced=withdrawn)
    return {"id": new_id, "metric": metric, "value": value, "month": month, "rag": rag,
            "computed_rag": computed, "justification": justification, "by": actor, "at": now}


def _withdraw(conn: Connection, metric: str, value: str | None, month: str, actor: str) -> int | None:
    o = schema.rag_overrides
    current = conn.execute(select(o.c.id).where(o.c.metric == metric, o.c.value == (value or ""),
                                                o.c.month == month, o.c.withdrawn_at.is_(None))).scalar()
    if current is not None:
        conn.execute(update(o).where(o.c.id == current).values(withdrawn_at=utcnow(), withdrawn_by=actor))
    return current


def withdraw_override(conn: Connection, catalog: Catalog, *, metric: str, month: str, actor: str,
                      value: str | None = None, reason: str = "") -> bool:
    """Remove the override in force for a cell (kept, marked withdrawn); False if there was none."""
    _, value = _cell(catalog, metric, value)
    withdrawn = _withdraw(conn, metric, value, month, actor)
    if withdrawn is not None:
        audit(conn, actor, "rag_override_withdrawn", cell_label(catalog, metric, value, month),
              override=withdrawn, reason=reason)
    return withdrawn is not None


def overrides_in_force(conn: Connection, month: str | None = None) -> list[dict]:
    """The overrides in force (for one month), newest first."""
    o = schema.rag_overrides
    stmt = select(o).where(o.c.withdrawn_at.is_(None)).order_by(o.c.created_at.desc(), o.c.id.desc())
    if month:
        stmt = stmt.where(o.c.month == month)
    return [{**dict(r._mapping), "value": r.value or None} for r in conn.execute(stmt)]


def apply(entries: list[dict], overrides: list[dict]) -> list[dict]:
    """Summary entries with ``override`` set where the chair overrode the cell (RAG kept as computed)."""
    by_cell = {(o["metric"], o["value"], o["month"]): o for o in overrides}
    for entry in entries:
        found = by_cell.get((entry["metric"], entry.get("dimension_value"), entry["month"]))
        entry["override"] = None if found is None else {
            "rag": found["rag"], "justification": found["justification"],
            "by": found["created_by"], "at": found["created_at"], "computed_when_set": found["computed_rag"]}
    return entries


def shown_rag(entry: dict) -> str:
    """The RAG a reader sees first: the chair's where set, else the computed one."""
    return (entry.get("override") or {}).get("rag") or entry["rag"]


def override_sentence(entry: dict) -> str | None:
    """'Chair's RAG: Amber (computed Red) — justification.' or None."""
    override = entry.get("override")
    if not override:
        return None
    return (f"Chair's RAG: {RAG_LABELS[override['rag']]} (computed {RAG_LABELS[entry['rag']]}) — "
            f"{override['justification'].rstrip('.')}.")


def log_version(conn: Connection) -> tuple:
    """Changes whenever an override is set or withdrawn (for caches of pages that show them)."""
    o = schema.rag_overrides
    return tuple(conn.execute(select(func.max(o.c.id), func.max(o.c.withdrawn_at))).one())
