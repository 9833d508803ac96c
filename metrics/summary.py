"""The month's summary: every metric (and its headline dimension values) with RAG and trend facts."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection

from .catalog import Catalog, Metric
from .months import add_months, month_range
from .queries import judge_frame, metric_frame, roll_up, thresholds_for
from .rag import NO_DATA, months_not_green, months_since_green

HISTORY_MONTHS = 24  # how far back runs of "not Green" are counted
SPARK_MONTHS = 12


def headline_values(catalog: Catalog, metric: Metric) -> list[str | None]:
    """None (the total) then each headline value of the metric's headline dimension."""
    dim = metric.headline_dimension
    return [None] if dim is None else [None, *catalog.dimensions[dim].headline]


def metric_history(conn: Connection, catalog: Catalog, metric_id: str, month: str,
                   as_of: datetime | None = None, months: int = HISTORY_MONTHS) -> dict:
    """{headline value or None: judged frame over ``months`` months to ``month``, gaps as No data}."""
    metric = catalog.metric(metric_id)
    dim = metric.headline_dimension
    start = add_months(month, -(months - 1))
    by = (dim,) if dim else ()
    split = metric_frame(conn, catalog, metric_id, start=start, end=month, as_of=as_of, by=by)
    total = metric_frame(conn, catalog, metric_id, start=start, end=month, as_of=as_of)
    thresholds = thresholds_for(conn, catalog, metric_id, as_of)
    calendar = pd.DataFrame({"month": month_range(start, month)})
    out = {}
    for value in headline_values(catalog, metric):
        if value is None:
            frame = total
        else:
            dimension = catalog.dimensions[dim]
            frame = (roll_up(split, metric, dim, value, dimension.members(value))
                     if value in dimension.rollups else split[split[dim] == value])
            frame = frame.drop(columns=[dim])
        frame = calendar.merge(frame, on="month", how="left")
        if value is not None:
            frame[dim] = value
        out[value] = judge_frame(frame, metric, thresholds, dim if value is not None else None)
    return out


def _number(value):
    return None if value is None or pd.isna(value) else float(value)


def summary_entry(metric: Metric, dim: str | None, value: str | None, frame: pd.DataFrame) -> dict:
    """One row of the summary from a judged monthly frame ending at the summary month."""
    last = frame.iloc[-1]
    prev = frame.iloc[-2] if len(frame) > 1 else None
    current, previous = _number(last["value"]), _number(prev["value"]) if prev is not None else None
    rags = list(frame["rag"])
    spark = frame.tail(SPARK_MONTHS)
    return {
        "metric": metric.id, "title": metric.title, "unit": metric.unit,
        "decimals": metric.decimals, "direction": metric.direction,
        "dimension": dim if value is not None else None, "dimension_value": value,
        "month": last["month"], "value": current, "rag": last["rag"],
        "target": _number(last["target"]), "minimum": _number(last["minimum"]),
        "status": None if pd.isna(last["status"]) else last["status"],
        "previous_month": prev["month"] if prev is not None else None,
        "previous_value": previous,
        "change": None if current is None or previous is None else current - previous,
        "months_not_green": months_not_green(rags), "history_months": len(rags),
        "months_since_green": months_since_green(rags) if any(r != NO_DATA for r in rags) else None,
        "spark": [{"month": m, "value": _number(v), "rag": r}
                  for m, v, r in zip(spark["month"], spark["value"], spark["rag"])],
    }


def month_summary(conn: Connection, catalog: Catalog, month: str, as_of: datetime | None = None,
                  metric_ids: list[str] | None = None) -> list[dict]:
    """Every metric (or those named) for ``month``: value, RAG, previous value, change, runs."""
    entries = []
    for metric_id in metric_ids or list(catalog.metrics):
        metric = catalog.metric(metric_id)
        for value, frame in metric_history(conn, catalog, metric_id, month, as_of).items():
            entries.append(summary_entry(metric, metric.headline_dimension, value, frame))
    return entries
