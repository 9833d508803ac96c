"""Pre-aggregation at ingest: sums per combination ("grain") of low-cardinality dimensions."""
from __future__ import annotations

from itertools import combinations
from typing import Iterator

import pandas as pd

from .catalog import Dataset


def grain_name(dimensions) -> str:
    """'csp_region,smets_generation'; 'total' for the grain with no dimensions."""
    return ",".join(dimensions) or "total"


def grains(ds: Dataset) -> list[tuple[str, ...]]:
    """Every subset of the rollup dimensions, in dataset order, the empty one (totals) first."""
    dims = ds.rollup_dimensions
    return [combo for size in range(len(dims) + 1) for combo in combinations(dims, size)]


def grain_covering(ds: Dataset, needed) -> str | None:
    """The grain to read for a query needing these dimensions, or None to read raw rows."""
    needed = set(needed)
    if not needed <= set(ds.rollup_dimensions):
        return None
    return grain_name(d for d in ds.rollup_dimensions if d in needed)


def rollup_frames(ds: Dataset, frame: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (grain name, sums per month and grain values). All-blank sums stay blank (NaN)."""
    measures = list(ds.measures)
    for combo in grains(ds):
        agg = frame.groupby(["month", *combo], sort=False)[measures].sum(min_count=1).reset_index()
        yield grain_name(combo), agg
