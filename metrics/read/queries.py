"""Reading metrics: figures in force "as of" a moment, rolled up from counts, judged against thresholds.

Ratios are always computed from summed numerators and denominators (Central & South from Central +
South), never by averaging rates. Reads use the pre-aggregated ``rollups`` table except where a
high-cardinality dimension (alert code) is asked for, which decodes the stored rows of just the
months asked for.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, or_, select

from metrics.store import payload, schema
from metrics.catalog import Catalog, Metric
from metrics.errors import BadRequestError
from metrics.rag import judge, limits_for
from metrics.ingest.rollups import grain_covering

VALUE_COLUMNS = ["numerator", "denominator"]


def in_force(as_of: datetime | None = None) -> list:
    """Conditions on ``revisions`` selecting those in force at ``as_of`` (now when None)."""
    r = schema.revisions
    if as_of is None:
        return [r.c.superseded_at.is_(None)]
    return [r.c.created_at <= as_of, or_(r.c.superseded_at.is_(None), r.c.superseded_at > as_of)]


def revisions_in_force(dataset: str, as_of: datetime | None = None, start: str | None = None,
                       end: str | None = None):
    """Subquery (id, month, status) of the revisions in force at ``as_of`` (now when None)."""
    r = schema.revisions
    conds = [r.c.dataset == dataset, *in_force(as_of)]
    if start:
        conds.append(r.c.month >= start)
    if end:
        conds.append(r.c.month <= end)
    return select(r.c.id, r.c.month, r.c.status).where(*conds).subquery("rev")


def _check_filters(catalog: Catalog, metric: Metric, filters: dict[str, str], by) -> None:
    for dim in [*filters, *by]:
        if dim not in metric.dimensions:
            allowed = ", ".join(metric.dimensions) or "none"
            raise BadRequestError(f"{metric.id} has no dimension {dim!r} (dimensions: {allowed})")
    for dim, value in filters.items():
        dimension = catalog.dimensions[dim]
        if dimension.kind == "enum" and value not in dimension.all_values:
            raise BadRequestError(f"{value!r} is not a {dimension.title} "
                                  f"(expected one of {', '.join(dimension.all_values)})")


def _sums(conn: Connection, catalog: Catalog, dataset: str, groups: dict[str, tuple[str, ...]], *,
          filters: dict[str, tuple[str, ...]], by: tuple[str, ...], start, end, as_of) -> pd.DataFrame:
    """Per month (and ``by`` value): for each named group of columns the sum of their sums, and the
    month's worst status ('provisional' sorts after 'final'). One query whatever the groups."""
    ds = catalog.datasets[dataset]
    rev = revisions_in_force(dataset, as_of, start, end)
    grain = grain_covering(ds, [*filters, *by])
    if grain is None:
        frame = _sums_from_rows(conn, ds, rev, groups, filters, by)
    else:
        frame = _sums_from_rollup(conn, ds, rev, grain, groups, filters, by)
    if filters or by:  # unfiltered totals already have a row for every stored slice
        frame = _zero_unlisted(conn, ds, rev, groups, frame, by)
    return frame


def _zero_unlisted(conn: Connection, ds, rev, groups, frame: pd.DataFrame, by) -> pd.DataFrame:
    """SPEC §5 "Zero and No data": a stored slice that lists nothing for a filter (or a ``by``
    value seen in the window) has zero there, unless a column of the sum is absent from the whole
    slice (an optional column left out), which stays No data (NaN)."""
    table = schema.rollups
    measures = sorted({c for cols in groups.values() for c in cols})
    present = [table.c[ds.slots[c]].is_not(None).label(f"has_{c}") for c in measures]
    slices = conn.execute(select(rev.c.month, rev.c.status, *present).select_from(rev.join(
        table, and_(table.c.revision_id == rev.c.id, table.c.grain == "total")))).all()
    combos = list(dict.fromkeys(zip(*(frame[d] for d in by)))) if by else [()]
    listed = set(zip(frame["month"], *(frame[d] for d in by)))
    rows = []
    for s in slices:
        has = {c: bool(getattr(s, f"has_{c}")) for c in measures}
        for combo in combos:
            if (s.month, *combo) not in listed:
                rows.append({"month": s.month, **dict(zip(by, combo)), "status": s.status,
                             **{name: 0.0 if all(has[c] for c in cols) else np.nan
                                for name, cols in groups.items()}})
    if not rows:
        return frame
    filled = pd.concat([frame, pd.DataFrame(rows, columns=frame.columns)], ignore_index=True)
    return (filled.astype({name: "float64" for name in groups})
            .sort_values(["month", *by], kind="stable").reset_index(drop=True))


def _sums_from_rollup(conn: Connection, ds, rev, grain, groups, filters, by) -> pd.DataFrame:
    """The sums from one rollup grain."""
    table = schema.rollups
    conds = [table.c.revision_id == rev.c.id, table.c.grain == grain]
    for dim, values in filters.items():
        conds.append(table.c[ds.slots[dim]].in_(values))
    by_cols = [table.c[ds.slots[d]].label(d) for d in by]
    sums = []
    for name, columns in groups.items():
        total = None
        for col in columns:
            part = func.sum(table.c[ds.slots[col]])
            total = part if total is None else total + part
        sums.append(total.label(name))
    stmt = (select(rev.c.month, *by_cols, *sums, func.max(rev.c.status).label("status"))
            .select_from(rev.join(table, and_(*conds)))
            .group_by(rev.c.month, *by_cols).order_by(rev.c.month, *by_cols))
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=["month", *by, *groups, "status"])
    return frame.astype({name: "float64" for name in groups})


def _sums_from_rows(conn: Connection, ds, rev, groups, filters, by) -> pd.DataFrame:
    """The same sums from the revisions' stored rows, for combinations no rollup holds."""
    rr = schema.revision_rows
    parts = []
    for month, status, data in conn.execute(
            select(rev.c.month, rev.c.status, rr.c.payload).join(rr, rr.c.revision_id == rev.c.id)):
        frame = payload.decode(data, numeric=ds.measures)
        for dim, values in filters.items():
            frame = frame[frame[dim].isin(values)]
        if not frame.empty:
            parts.append(frame.assign(month=month, status=status))
    if not parts:
        return pd.DataFrame({"month": [], **{d: [] for d in by},
                             **{g: pd.Series(dtype="float64") for g in groups}, "status": []})
    rows = pd.concat(parts, ignore_index=True)
    grouped = rows.groupby(["month", *by], sort=True)
    out = pd.DataFrame({"status": grouped["status"].max()})
    for name, columns in groups.items():
        # SQL semantics: a sum over only blanks is blank, and blank + anything is blank.
        out[name] = sum(grouped[col].sum(min_count=1) for col in columns)
    return out.reset_index()[["month", *by, *groups, "status"]]


def metric_frame(conn: Connection, catalog: Catalog, metric_id: str, *, start: str | None = None,
                 end: str | None = None, as_of: datetime | None = None,
                 filters: dict[str, str] | None = None, by: tuple[str, ...] | list[str] = ()
                 ) -> pd.DataFrame:
    """Columns month, *by, numerator, denominator, value, status: one row per month (and by value).

    A filter value may be a roll-up ("Central & South"), which matches its parts and itself.
    Months with no figures are absent; a month with figures but a blank measure has value NaN.
    """
    metric = catalog.metric(metric_id)
    filters, by = dict(filters or {}), tuple(by)
    _check_filters(catalog, metric, filters, by)
    sql_filters = {d: catalog.dimensions[d].members(v) for d, v in filters.items()}
    for dim, values in metric.where.items():
        sql_filters[dim] = tuple(v for v in values if dim not in sql_filters or v in sql_filters[dim])
    window = dict(start=start, end=end, as_of=as_of, by=by)
    den_ds = metric.denominator_dataset or metric.dataset
    groups = {"numerator": metric.numerator}
    if metric.is_ratio and den_ds == metric.dataset:
        groups["denominator"] = metric.denominator
    frame = _sums(conn, catalog, metric.dataset, groups, filters=sql_filters, **window)
    if not metric.is_ratio:
        frame["denominator"] = np.nan
        frame["value"] = frame["numerator"] * metric.scale
        return frame[["month", *by, *VALUE_COLUMNS, "value", "status"]]
    if den_ds != metric.dataset:
        den_filters = {d: v for d, v in sql_filters.items() if d in catalog.datasets[den_ds].dimensions}
        den = _sums(conn, catalog, den_ds, {"denominator": metric.denominator},
                    filters=den_filters, **window).rename(columns={"status": "den_status"})
        frame = frame.merge(den, on=["month", *by], how="outer" if by else "left")
        if by:  # a value only the denominator lists is zero in a month the numerator has figures
            stored = frame.groupby("month")["numerator"].transform(lambda s: s.notna().any())
            frame.loc[frame["numerator"].isna() & stored, "numerator"] = 0.0
            frame = frame.sort_values(["month", *by], kind="stable").reset_index(drop=True)
        frame["status"] = frame[["status", "den_status"]].max(axis=1)
    return _with_ratio(frame, metric)[["month", *by, *VALUE_COLUMNS, "value", "status"]]


def _with_ratio(frame: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    den = frame["denominator"].where(frame["denominator"] != 0)
    frame["value"] = metric.scale * frame["numerator"] / den
    return frame


def all_thresholds(conn: Connection, catalog: Catalog, as_of: datetime | None = None) -> dict:
    """{metric id: catalog defaults, then administrator thresholds recorded by ``as_of``}.

    Later rows win ties in ``limits_for``, so an administrator's change beats the default.
    """
    t = schema.thresholds
    stmt = select(t.c.metric, t.c.target, t.c.minimum, t.c.effective_from, t.c.dimension, t.c.value
                  ).order_by(t.c.created_at, t.c.id)
    if as_of is not None:
        stmt = stmt.where(t.c.created_at <= as_of)
    out: dict[str, list] = {m: [] for m in catalog.metrics}
    for row in (*catalog.thresholds, *conn.execute(stmt).all()):
        out.setdefault(row.metric, []).append(row)
    return out


def thresholds_for(conn: Connection, catalog: Catalog, metric_id: str, as_of: datetime | None = None):
    """The thresholds of one metric (see ``all_thresholds``)."""
    return all_thresholds(conn, catalog, as_of)[metric_id]


def judge_frame(frame: pd.DataFrame, metric: Metric, thresholds, dims=None) -> pd.DataFrame:
    """Add target, minimum and rag columns, using the thresholds in force for each row's month.

    ``dims``: the dimension column(s) of ``frame`` whose values select value-specific thresholds.
    """
    dims = [dims] if isinstance(dims, str) else list(dims or ())
    keys = list(zip(frame["month"], *(frame[d] for d in dims)))
    cache: dict = {}
    targets, minimums, rags = [], [], []
    for key, value in zip(keys, frame["value"]):
        if key not in cache:
            cache[key] = limits_for(thresholds, key[0], dict(zip(dims, key[1:])))
        limits = cache[key]
        target, minimum = (limits.target, limits.minimum) if limits else (None, None)
        targets.append(target)
        minimums.append(minimum)
        rags.append(judge(value, target, minimum, higher_is_better=metric.higher_is_better,
                          decimals=metric.decimals))
    return frame.assign(target=targets, minimum=minimums, rag=rags)


def series(conn: Connection, catalog: Catalog, metric_id: str, *, start: str | None = None,
           end: str | None = None, as_of: datetime | None = None,
           filters: dict[str, str] | None = None, by: str | None = None) -> list[dict]:
    """The API's points: month, [by value], value, rag, target, minimum, status."""
    metric = catalog.metric(metric_id)
    frame = metric_frame(conn, catalog, metric_id, start=start, end=end, as_of=as_of,
                         filters=filters, by=(by,) if by else ())
    thresholds = thresholds_for(conn, catalog, metric_id, as_of)
    filters = filters or {}
    for dim, value in filters.items():
        frame[dim] = value
    judged = judge_frame(frame, metric, thresholds, [*filters, *([by] if by else [])])
    points = []
    for row in judged.itertuples(index=False):
        point = {"month": row.month}
        if by:
            point[by] = getattr(row, by)
        point.update(value=None if pd.isna(row.value) else float(row.value), rag=row.rag,
                     target=row.target, minimum=row.minimum, status=row.status)
        points.append(point)
    return points


def latest_month(conn: Connection, as_of: datetime | None = None) -> str | None:
    """The latest month with figures in any monthly dataset."""
    r = schema.revisions
    stmt = select(func.max(r.c.month)).where(r.c.dataset != "annotations", *in_force(as_of))
    return conn.execute(stmt).scalar()


def first_received(conn: Connection) -> datetime | None:
    """When the first monthly figures were received (the earliest revision ever stored)."""
    r = schema.revisions
    return conn.execute(select(func.min(r.c.created_at)).where(r.c.dataset != "annotations")).scalar()


def nearest_month(months: list[str] | tuple[str, ...], month: str) -> str | None:
    """The month with figures nearest to ``month`` outside their span (None when inside it)."""
    if not months or months[0] <= month <= months[-1]:
        return None
    return months[0] if month < months[0] else months[-1]


def months_with_figures(conn: Connection, as_of: datetime | None = None) -> list[str]:
    """Every month with figures in any monthly dataset, oldest first."""
    r = schema.revisions
    stmt = (select(r.c.month).where(r.c.dataset != "annotations", *in_force(as_of))
            .distinct().order_by(r.c.month))
    return list(conn.execute(stmt).scalars())


def annotations(conn: Connection, *, start: str | None = None, end: str | None = None,
                as_of: datetime | None = None, metric: str | None = None) -> list[dict]:
    """Annotations in force, oldest first; with ``metric``, those for it or for every metric."""
    n = schema.notes
    rev = revisions_in_force("annotations", as_of, start, end)
    stmt = select(n.c.date, n.c.title, n.c.detail, n.c.metric, n.c.csp_region).join(
        rev, n.c.revision_id == rev.c.id).order_by(n.c.date, n.c.title)
    if metric:
        stmt = stmt.where(n.c.metric.in_([metric, ""]))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def completeness(conn: Connection, catalog: Catalog, month: str, as_of: datetime | None = None
                 ) -> list[dict]:
    """For each monthly dataset: missing, provisional or final for ``month``, when stored, and
    the deadline it missed if the late-submission job has flagged it."""
    r, u = schema.revisions, schema.uploads
    conds = [r.c.month == month, *in_force(as_of)]
    rows = {row.dataset: row for row in conn.execute(
        select(r.c.dataset, r.c.status, r.c.created_at, u.c.uploaded_by, r.c.row_count)
        .join(u, u.c.id == r.c.upload_id).where(*conds))}
    lf = schema.late_flags
    late = {row.dataset: row for row in conn.execute(
        select(lf.c.dataset, lf.c.deadline, lf.c.state).where(lf.c.month == month,
                                                             lf.c.resolved_at.is_(None)))}
    out = []
    for name, ds in catalog.monthly_datasets.items():
        row, flag = rows.get(name), late.get(name)
        out.append({"dataset": name, "title": ds.title,
                    "status": row.status if row else "missing",
                    "stored_at": row.created_at.isoformat(timespec="seconds") if row else None,
                    "rows": row.row_count if row else 0,
                    # raised by the late-submission job: not final by the 10th working day
                    "late_since": flag.deadline if flag else None})
    return out


def data_version(conn: Connection) -> tuple:
    """A fingerprint that changes whenever figures, revisions, thresholds, late flags or the
    catalog (a new catalog revision) change.

    Anything computed from the figures in force can be cached under it; one small query.
    """
    u, r, t, lf = schema.uploads, schema.revisions, schema.thresholds, schema.late_flags
    c = schema.catalog_revisions
    return tuple(conn.execute(select(
        select(func.max(u.c.id)).scalar_subquery(),
        select(func.count(r.c.id)).scalar_subquery(),
        select(func.max(r.c.superseded_at)).scalar_subquery(),
        select(func.max(t.c.id)).scalar_subquery(),
        select(func.count(t.c.id)).scalar_subquery(),
        select(func.max(lf.c.id)).scalar_subquery(),
        select(func.count(lf.c.resolved_at)).scalar_subquery(),
        select(func.max(c.c.id)).scalar_subquery(),
    )).one())
