"""RAG rules (SPEC §2): pure functions, no database.

Judgement is made on the value rounded to the metric's displayed precision, so a tile never shows
"99.00%" next to Amber. Thresholds are effective-dated and may be specific to a dimension value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

GREEN, AMBER, RED, NO_DATA = "green", "amber", "red", "no_data"
RAG_LABELS = {GREEN: "Green", AMBER: "Amber", RED: "Red", NO_DATA: "No data"}


def display_round(value: float, decimals: int) -> float:
    """Round half away from zero, as a person reading the figure expects (2.345 -> 2.35)."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def judge(value, target: float | None, minimum: float | None, *, higher_is_better: bool,
          decimals: int) -> str:
    """Green / Amber / Red for one value; "no_data" when the value is missing. Zero is a value."""
    if is_missing(value):
        return NO_DATA
    if target is None or minimum is None:
        return NO_DATA
    shown = display_round(float(value), decimals)
    if higher_is_better:
        if shown >= target:
            return GREEN
        return AMBER if shown >= minimum else RED
    if shown <= target:
        return GREEN
    return AMBER if shown <= minimum else RED


@dataclass(frozen=True)
class Limits:
    target: float
    minimum: float
    effective_from: str
    dimension: str | None = None
    value: str | None = None


def limits_for(thresholds: Iterable, month: str, dimension_values: dict[str, str] | None = None
               ) -> Limits | None:
    """The threshold in force for ``month``: latest effective_from not after it, most specific first.

    ``thresholds`` are objects with target, minimum, effective_from, dimension and value for one
    metric. A threshold for the row's dimension value (e.g. csp_region=North) beats a general one
    whatever their dates; among equals the latest effective month wins, and for the same month the
    one listed last (so an administrator's restatement beats the catalog default).
    """
    dimension_values = dimension_values or {}
    best = None
    best_key = None
    for t in thresholds:
        if t.effective_from > month:
            continue
        if t.dimension is not None and dimension_values.get(t.dimension) != t.value:
            continue
        key = (t.dimension is not None, t.effective_from)
        if best_key is None or key >= best_key:
            best, best_key = t, key
    if best is None:
        return None
    return Limits(best.target, best.minimum, best.effective_from, best.dimension, best.value)


def month_on_month(values: Sequence) -> list[float | None]:
    """Change from the previous value in a monthly series (None where either is missing)."""
    out: list[float | None] = [None]
    for prev, cur in zip(values, values[1:]):
        out.append(None if is_missing(prev) or is_missing(cur) else cur - prev)
    return out[: len(values)]


def months_not_green(rags: Sequence[str]) -> int:
    """Consecutive months, ending with the last, that were not Green (No data breaks the run)."""
    run = 0
    for rag in reversed(rags):
        if rag in (AMBER, RED):
            run += 1
        else:
            break
    return run


def months_since_green(rags: Sequence[str]) -> int | None:
    """Months since the last Green (0 if the last is Green; None if never Green)."""
    for back, rag in enumerate(reversed(rags)):
        if rag == GREEN:
            return back
    return None
