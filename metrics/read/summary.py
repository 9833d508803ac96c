"""The month's summary: every metric (and its headline dimension values) with RAG and trend facts."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection

from metrics.catalog import Catalog, Metric
from metrics.months import add_months, month_range
from metrics.read.queries import all_thresholds, metric_frame, thresholds_for
from metrics.rag import NO_DATA, judge, limits_for, months_not_green, months_since_green

HISTORY_MONTHS = 24  # how far back runs of "not Green" are counted
SPARK_MONTHS = 12


def headline_values(catalog: Catalog, metric: Metric) -> list[str | None]:
    """None (the total) then each headline value of the metric's headline dimension."""
    dim = metric.headline_dimension
    return [None] if dim is None else [None, *catalog.dimensions[dim].headline]


def _sum(values) -> float | None:
    """SQL's SUM: blanks are skipped, and a sum of nothing but blanks is blank."""
    present = [v for v in values if v is not None and v == v]
    return float(sum(present)) if present else None


def _metric_value(metric: Metric, numerator, denominator) -> float | None:
    if numerator is None:
        return None
    if not metric.is_ratio:
        return numerator * metric.scale
    return None if not denominator else metric.scale * numerator / denominator


def metric_points(conn: Connection, catalog: Catalog, metric_id: str, month: str,
                  as_of: datetime | None = None, thresholds: list | None = None,
                  months: int = HISTORY_MONTHS) -> dict:
    """{None (total) or headline value: judged points for each of ``months`` months to ``month``}.

    One query split by the headline dimension; the total and roll-ups (Central & South) are summed
    from its counts. Plain Python: these frames are tiny, and pandas' per-call cost dominated.
    """
    metric = catalog.metric(metric_id)
    dim = metric.headline_dimension
    start = add_months(month, -(months - 1))
    if thresholds is None:
        thresholds = thresholds_for(conn, catalog, metric_id, as_of)
    frame = metric_frame(conn, catalog, metric_id, start=start, end=month, as_of=as_of,
                         by=(dim,) if dim else ())
    rows = frame.to_dict("records")
    stored: dict[str, list] = {}  # every month with a slice stored, whatever its values
    for row in rows:
        stored.setdefault(row["month"], []).append(row)
    out = {}
    for value in headline_values(catalog, metric):
        members = None if value is None else set(catalog.dimensions[dim].members(value))
        by_month: dict[str, list] = {}
        for row in rows:
            if members is None or row[dim] in members:
                by_month.setdefault(row["month"], []).append(row)
        points = []
        for m in month_range(start, month):
            found = by_month.get(m, [])
            if not found and m in stored:  # the slice lists nothing for this value: zero
                found = [_unlisted(stored[m])]
            number = _metric_value(metric, _sum(r["numerator"] for r in found),
                                   _sum(r["denominator"] for r in found))
            limits = limits_for(thresholds, m, {dim: value} if value is not None else {})
            target, minimum = (limits.target, limits.minimum) if limits else (None, None)
            points.append({
                "month": m, "value": number, "target": target, "minimum": minimum,
                "status": max((r["status"] for r in found), default=None),
                "rag": judge(number, target, minimum, higher_is_better=metric.higher_is_better,
                             decimals=metric.decimals)})
        out[value] = points
    return out


def _unlisted(rows: list[dict]) -> dict:
    """A zero row for a value a stored slice does not list (SPEC §5 "Zero and No data"); a measure
    the slice has no figure for at all stays blank."""
    return {"numerator": None if _sum(r["numerator"] for r in rows) is None else 0.0,
            "denominator": None if _sum(r["denominator"] for r in rows) is None else 0.0,
            "status": max(r["status"] for r in rows)}


def _number(value):
    return None if value is None or pd.isna(value) else float(value)


def summary_entry(metric: Metric, dim: str | None, value: str | None, points) -> dict:
    """One row of the summary from judged monthly points (dicts, or a judged frame) ending at the
    summary month."""
    if isinstance(points, pd.DataFrame):
        points = points.to_dict("records")
    last = points[-1]
    prev = points[-2] if len(points) > 1 else None
    current = _number(last["value"])
    previous = _number(prev["value"]) if prev is not None else None
    rags = [p["rag"] for p in points]
    status = last.get("status")
    return {
        "metric": metric.id, "title": metric.title, "unit": metric.unit,
        "decimals": metric.decimals, "direction": metric.direction,
        "dimension": dim if value is not None else None, "dimension_value": value,
        "month": last["month"], "value": current, "rag": last["rag"],
        "target": _number(last["target"]), "minimum": _number(last["minimum"]),
        "status": None if status is None or status != status else status,
        "previous_month": prev["month"] if prev is not None else None,
        "previous_value": previous,
        "change": None if current is None or previous is None else current - previous,
        "months_not_green": months_not_green(rags), "history_months": len(rags),
        "months_since_green": months_since_green(rags) if any(r != NO_DATA for r in rags) else None,
        "spark": [{"month": p["month"], "value": _number(p["value"]), "rag": p["rag"]}
                  for p in points[-SPARK_MONTHS:]],
    }


def month_summary(conn: Connection, catalog: Catalog, month: str, as_of: datetime | None = None,
                  metric_ids: list[str] | None = None) -> list[dict]:
    """Every metric (or those named) for ``month``: value, RAG, previous value, change, runs."""
    entries = []
    thresholds = all_thresholds(conn, catalog, as_of)
    for metric_id in metric_ids or list(catalog.metrics):
        metric = catalog.metric(metric_id)
        history = metric_points(conn, catalog, metric_id, month, as_of, thresholds[metric_id])
        for value, points in history.items():
            entries.append(summary_entry(metric, metric.headline_dimension, value, points))
    return entries
