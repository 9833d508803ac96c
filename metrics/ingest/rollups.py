"""Pre-aggregation at ingest: sums per combination ("grain") of low-cardinality dimensions."""
from __future__ import annotations

from itertools import combinations
from typing import Iterator

import pandas as pd

from metrics.catalog import Dataset


def grain_name(dimensions) -> str:
    """'csp_region,smets_generation'; 'total' for the grain with no dimensions."""
    return ",".join(dimensions) or "total"


def grains(ds: Dataset) -> list[tuple[str, ...]]:
    """Every subset of the low-cardinality dimensions, the empty one (totals) first.

    High-cardinality dimensions (alert code) are left out: pre-aggregating them would cost as
    much as storing the rows again, so reads by alert code decode only the months they ask for.
    """
    dims = ds.rollup_dimensions
    return [combo for size in range(len(dims) + 1) for combo in combinations(dims, size)]


def grain_covering(ds: Dataset, needed) -> str | None:
    """The grain to read for a query needing these dimensions, or None to read the raw rows."""
    needed = set(needed)
    return next((grain_name(combo) for combo in grains(ds) if set(combo) == needed), None)


def rollup_frames(ds: Dataset, frame: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (grain name, sums per month and grain values). All-blank sums stay blank (NaN)."""
    measures = list(ds.measures)
    for combo in grains(ds):
        agg = frame.groupby(["month", *combo], sort=False, observed=True)[measures].sum(min_count=1).reset_index()
        yield grain_name(combo), agg
