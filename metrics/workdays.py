"""Working days in England and Wales, and the late-submission deadline for a month's figures.

A working day is Monday to Friday and not a bank holiday in England and Wales (the ``holidays``
library's ``UK(subdiv="ENG")``, which includes substitute days such as Boxing Day (observed) and
one-off days such as the 2022 Platinum Jubilee).
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


DEADLINE_WORKING_DAYS = 10  # figures for month M are due final by the 10th working day after it ends


@lru_cache(maxsize=1)
def _bank_holidays():
    import holidays  # a tenth of a second to import: only the late-figures rule needs it

    return holidays.UK(subdiv="ENG")  # expands to new years on demand


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays()


def add_working_days(day: date, n: int) -> date:
    """The ``n``th working day after ``day`` (``day`` itself never counts); n >= 1."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def month_end(month: str) -> date:
    """The last day of a 'YYYY-MM' month."""
    year, mon = int(month[:4]), int(month[5:7])
    first_of_next = date(year + mon // 12, mon % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def working_day_deadline(month: str, n: int = DEADLINE_WORKING_DAYS) -> date:
    """The day by which ``month``'s figures must be final: its ``n``th working day after month end.

    Figures still not final at the end of that day are late (flagged from the next day).
    """
    from .months import check_month

    return add_working_days(month_end(check_month(month)), n)
