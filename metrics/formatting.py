"""How values are written, everywhere: tiles, tables, charts, sentences, messages and the pack.

One place, so that a tile, its chart's label and the sentence under it never disagree about
"87.07%" or "31,000". Pure functions of plain values.
"""
from __future__ import annotations

UNIT_SUFFIX = {"%": "%", "count": "", "rate": ""}


def format_value(value, unit: str, decimals: int) -> str:
    """87.07 -> '87.07%'; 31000 -> '31,000'; None -> '—'."""
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}{UNIT_SUFFIX.get(unit, '')}"


def threshold_decimals(value, decimals: int) -> int:
    """Whole thresholds are written whole ('99%', not '99.00%'); others to the metric's precision."""
    return 0 if value is None or float(value).is_integer() else decimals


def format_threshold(value, unit: str, decimals: int) -> str:
    """A target or minimum: '99%', '97.5%', '10,000'."""
    return format_value(value, unit, threshold_decimals(value, decimals))


def format_change(change, unit: str, decimals: int) -> str:
    """Signed change: '+2.36 pts', '−3', 'no change'."""
    if change is None:
        return "—"
    rounded = round(change, decimals)
    if rounded == 0:
        return "no change"
    sign = "+" if rounded > 0 else "−"
    text = f"{abs(rounded):,.{decimals}f}"
    return f"{sign}{text} pts" if unit == "%" else f"{sign}{text}"


def compact(value: float | None, unit: str, decimals: int, below: float = 10_000) -> str:
    """A point label short enough to sit above every month: 6.11M, 28.2k, 87.07%, 15.
    Counts from ``below`` on are shortened."""
    if value is None:
        return ""
    if unit == "%":
        return f"{value:.{decimals}f}%"
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:.2f}M"
    if size >= below:
        return f"{value / 1_000:.1f}k"
    return f"{value:,.{decimals}f}"


def format_cell(value) -> str:
    """A spreadsheet cell as a person reads it: 104484.0 -> '104,484'; None -> 'blank'."""
    if value is None:
        return "blank"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
