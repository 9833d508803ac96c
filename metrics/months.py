"""Month arithmetic on 'YYYY-MM' strings, done on integers (year * 12 + month - 1), and parsing of
"as of" moments (``metrics.params``: the one parser of request parameters)."""
from __future__ import annotations

from datetime import datetime

from .params import MONTH_RE, month_number
from .params import as_of as _as_of


def is_month(text) -> bool:
    """A well-formed month YYYY-MM (any four-digit year; request parameters use ``params.month``)."""
    return isinstance(text, str) and bool(MONTH_RE.fullmatch(text))


def check_month(text: str, label: str = "month") -> str:
    if not is_month(text):
        raise ValueError(f"{label} must be a month YYYY-MM, not {text!r}")
    return text


def month_of_number(number: int) -> str:
    """The inverse of ``month_number``; refuses to carry past year 9999 (or before year 1)."""
    year, index = divmod(number, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"month arithmetic left the calendar (year {year})")
    return f"{year:04d}-{index + 1:02d}"


def add_months(month: str, n: int) -> str:
    return month_of_number(month_number(check_month(month)) + n)


def month_range(start: str, end: str) -> list[str]:
    """Every month from start to end inclusive (empty when start is after end)."""
    first, last = month_number(check_month(start, "start")), month_number(check_month(end, "end"))
    return [month_of_number(n) for n in range(first, last + 1)]


def month_label(month: str, style: str = "long") -> str:
    """'2020-01' -> 'January 2020' (long) or 'Jan 2020' (short)."""
    dt = datetime(int(month[:4]), int(month[5:7]), 1)
    return dt.strftime("%B %Y" if style == "long" else "%b %Y")


def parse_as_of(text: str | None) -> datetime | None:
    """An "as of" moment as naive UTC (None when absent): a date means the end of that day; ISO 8601
    timestamps too; from 2000-01-01 to 2100-01-01. Raises ``ParameterError`` (a ValueError)."""
    return _as_of(text if text is None or isinstance(text, str) else str(text))

