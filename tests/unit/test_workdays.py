"""Late-submission deadlines: the 10th working day after month end, England and Wales bank holidays."""
from datetime import date

import pytest

from metrics.workdays import add_working_days, is_working_day, month_end, working_day_deadline


@pytest.mark.parametrize("month, deadline", [
    ("2024-01", date(2024, 2, 14)),  # no holiday in the window
    ("2024-02", date(2024, 3, 14)),  # leap-year February ends on the 29th
    ("2023-02", date(2023, 3, 14)),
    ("2024-05", date(2024, 6, 14)),  # month ends on a Friday
    ("2021-12", date(2022, 1, 17)),  # New Year's Day on a Saturday: Monday 3 January substituted
    ("2022-12", date(2023, 1, 16)),  # New Year's Day on a Sunday: Monday 2 January substituted
    ("2020-12", date(2021, 1, 15)),
    ("2024-03", date(2024, 4, 15)),  # Easter Monday 1 April
    ("2015-03", date(2015, 4, 16)),  # Good Friday and Easter Monday both in the window
    ("2020-04", date(2020, 5, 15)),  # early May bank holiday moved to Friday 8 May (VE Day)
    ("2022-05", date(2022, 6, 16)),  # Spring bank holiday and Platinum Jubilee, 2-3 June
])
def test_wday001_deadline_is_tenth_working_day_after_month_end(month, deadline):
    assert working_day_deadline(month) == deadline


@pytest.mark.parametrize("day, expected", [
    (date(2020, 12, 24), date(2020, 12, 29)),  # Christmas Fri, Boxing Day (Sat) observed Mon 28th
    (date(2021, 12, 24), date(2021, 12, 29)),  # both on a weekend: Mon 27 and Tue 28 substituted
    (date(2024, 3, 28), date(2024, 4, 2)),  # Good Friday to Easter Monday
    (date(2024, 6, 7), date(2024, 6, 10)),  # Friday to Monday
])
def test_wday002_next_working_day_skips_christmas_easter_weekends(day, expected):
    assert add_working_days(day, 1) == expected


def test_wday003_working_day_basics():
    assert is_working_day(date(2024, 4, 2))
    assert not is_working_day(date(2024, 4, 1))  # Easter Monday
    assert not is_working_day(date(2024, 4, 6))  # Saturday
    assert not is_working_day(date(2023, 12, 25))
    assert is_working_day(date(2022, 9, 20)) and not is_working_day(date(2022, 9, 19))  # state funeral
    assert month_end("2024-02") == date(2024, 2, 29) and month_end("2023-12") == date(2023, 12, 31)


def test_wday004_rejects_bad_input():
    with pytest.raises(ValueError):
        working_day_deadline("2024-13")
    with pytest.raises(ValueError):
        add_working_days(date(2024, 1, 1), 0)
    assert working_day_deadline("2024-03", n=1) == date(2024, 4, 2)
