"""Pre-aggregation at ingest: sums per combination ("grain") of low-cardinality dimensions."""
from __future__ import annotations

from itertools import combinations
from typing import Iterator

import pandas as pd

from .catalog import Dataset


def grain_name(dimensions) -> str:
    return ",".join(dimensions)


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
    """Yield (grain name, aggregated frame) for one revision's rows. All-blank sums stay blank."""
    measures = list(ds.measures)
    for combo in grains(ds):
        if combo:
            agg = frame.groupby(list(combo), sort=False)[measures].sum(min_count=1).reset_index()
        else:
            agg = frame[measures].sum(min_count=1).to_frame().T
        yield grain_name(combo), agg
