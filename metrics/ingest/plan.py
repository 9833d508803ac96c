"""Planning an upload: what it does to each (dataset, month) slice, before anything is written.

A slice's digest is independent of row order and of the file, so an upload of the same figures is
"unchanged"; a changed slice is diffed against the revision in force (rows added, removed and
changed, with a few old -> new examples).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, select

from metrics.catalog import Dataset
from metrics.store import payload, schema

MAX_EXAMPLES = 5


@dataclass
class SliceChange:
    """What an upload does to one (dataset, month) slice."""
    dataset: str
    month: str
    kind: str  # added | changed | unchanged
    rows: int
    status: str
    previous_status: str | None = None
    rows_added: int = 0
    rows_removed: int = 0
    rows_changed: int = 0
    examples: list[dict] = field(default_factory=list)  # {"key", "column", "old", "new"}


def content_columns(ds: Dataset) -> list[str]:
    if ds.notes:
        return ["date", "title", "detail", "metric", "csp_region"]
    return [*ds.dimensions, *ds.measures]


def _key_columns(ds: Dataset) -> list[str]:
    return ["date", "title"] if ds.notes else list(ds.dimensions)


def categorised(ds: Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """Month and dimensions as categoricals: every later group-by then skips re-hashing strings."""
    keys = ["month"] if ds.notes else ["month", *ds.dimensions]
    return table.astype({k: "category" for k in keys})


def slice_digests(ds: Dataset, table: pd.DataFrame) -> dict[str, str]:
    """A digest per month of the slice's figures, independent of row order and of the file.

    Row hashes are summed (mod 2**64), which is order-independent, then bound with the row count.
    """
    cols = content_columns(ds)
    # Hash text as text, so a digest never depends on whether a column was categorical.
    plain = table[cols].astype({c: object for c in cols if table[c].dtype == "category"})
    row_hash = pd.util.hash_pandas_object(plain, index=False)
    grouped = row_hash.groupby(table["month"], observed=True)
    sums, counts = grouped.sum(), grouped.size()
    header = ",".join(cols)
    return {m: hashlib.sha256(f"{header}|{int(counts[m])}|{int(sums[m])}".encode()).hexdigest()
            for m in sums.index}


def _current_revisions(conn: Connection, dataset: str, months) -> dict:
    r = schema.revisions
    rows = conn.execute(select(r.c.id, r.c.month, r.c.status, r.c.content_sha).where(
        r.c.dataset == dataset, r.c.month.in_(list(months)), r.c.superseded_at.is_(None)))
    return {row.month: row for row in rows}


def plan_dataset(conn: Connection, ds: Dataset, table: pd.DataFrame, statuses: dict[str, str],
                  digests: dict[str, str]) -> list[SliceChange]:
    """What the upload does to each month slice of one dataset, with old -> new examples."""
    sizes = table.groupby("month", observed=True).size()
    current = _current_revisions(conn, ds.name, digests)
    changes = []
    for month in sorted(digests):
        status = statuses[month]
        change = SliceChange(ds.name, month, "added", int(sizes[month]), status)
        old = current.get(month)
        if old is None:
            change.rows_added = change.rows
        else:
            change.previous_status = old.status
            if old.content_sha == digests[month] and old.status == status:
                change.kind = "unchanged"
            else:
                change.kind = "changed"
                diff_into(change, ds, read_revision_frame(conn, ds, old.id),
                           table[table["month"] == month])
        changes.append(change)
    return changes


def diff_into(change: SliceChange, ds: Dataset, old: pd.DataFrame, new: pd.DataFrame) -> None:
    """Fill ``change`` with rows added, removed and changed from ``old`` to ``new`` (one month's
    rows each, keyed by the dataset's dimensions), and up to MAX_EXAMPLES old -> new examples."""
    key = _key_columns(ds)
    values = [c for c in content_columns(ds) if c not in key]
    new = new.astype({c: object for c in new.columns if new[c].dtype == "category"})
    if not key:  # a dataset with no dimensions has one row per month
        old, new = old.assign(_k=0), new.assign(_k=0)
        key = ["_k"]
    merged = old[key + values].merge(new[key + values], on=key, how="outer",
                                     suffixes=("_old", "_new"), indicator=True)
    change.rows_added = int((merged["_merge"] == "right_only").sum())
    change.rows_removed = int((merged["_merge"] == "left_only").sum())
    both = merged[merged["_merge"] == "both"]
    changed_mask = pd.Series(False, index=both.index)
    for col in values:
        o, n = both[f"{col}_old"], both[f"{col}_new"]
        differs = ~((o == n) | (o.isna() & n.isna()))
        changed_mask |= differs
        for idx in both.index[differs][: MAX_EXAMPLES - len(change.examples)]:
            change.examples.append({
                "key": {k: str(both.at[idx, k]) for k in key if k != "_k"}, "column": col,
                "old": _plain(both.at[idx, f"{col}_old"]), "new": _plain(both.at[idx, f"{col}_new"])})
    change.rows_changed = int(changed_mask.sum())


def _plain(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # larger ones stay floats: a JSON integer past 64 bits cannot be read
    return value.item() if hasattr(value, "item") else value


def read_revision_frame(conn: Connection, ds: Dataset, revision_id: int) -> pd.DataFrame:
    """A stored revision's rows with the dataset's column names."""
    if ds.notes:
        n = schema.notes
        rows = conn.execute(select(n.c.date, n.c.title, n.c.detail, n.c.metric, n.c.csp_region)
                            .where(n.c.revision_id == revision_id)).all()
        return pd.DataFrame(rows, columns=content_columns(ds))
    rr = schema.revision_rows
    data = conn.execute(select(rr.c.payload).where(rr.c.revision_id == revision_id)).scalar_one()
    return payload.decode(data, numeric=ds.measures)
