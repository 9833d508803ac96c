"""RAG rules (SPEC §2): boundaries, rounding at displayed precision, direction, effective dating."""
import pytest

from metrics.catalog import Threshold
from metrics.rag import (AMBER, GREEN, NO_DATA, RED, display_round, judge, limits_for, month_on_month,
                         months_not_green, months_since_green)


@pytest.mark.parametrize("value, expected", [
    (99.0, GREEN), (100.0, GREEN), (98.99, AMBER), (95.0, AMBER), (94.99, RED), (0.0, RED),
])
def test_rag001_higher_is_better_boundaries(value, expected):
    assert judge(value, 99, 95, higher_is_better=True, decimals=2) == expected


@pytest.mark.parametrize("value, expected", [
    (0, GREEN), (8, GREEN), (9, AMBER), (12, AMBER), (13, RED),
])
def test_rag002_lower_is_better_boundaries(value, expected):
    assert judge(value, 8, 12, higher_is_better=False, decimals=0) == expected


def test_rag003_judged_on_displayed_value():
    # 98.996 shows as "99.00%", so it must be Green, not Amber next to 99.00%.
    assert judge(98.996, 99, 95, higher_is_better=True, decimals=2) == GREEN
    assert judge(98.994, 99, 95, higher_is_better=True, decimals=2) == AMBER
    # 12.5 incidents cannot happen, but a count shown as 13 is Red.
    assert judge(12.5, 8, 12, higher_is_better=False, decimals=0) == RED


def test_rag004_rounding_is_half_up_not_bankers():
    assert display_round(2.345, 2) == 2.35
    assert display_round(0.5, 0) == 1.0
    assert display_round(94.995, 2) == 95.0


def test_rag005_missing_is_no_data_but_zero_is_a_figure():
    assert judge(None, 8, 12, higher_is_better=False, decimals=0) == NO_DATA
    assert judge(float("nan"), 8, 12, higher_is_better=False, decimals=0) == NO_DATA
    assert judge(0, 8, 12, higher_is_better=False, decimals=0) == GREEN
    assert judge(0, 99, 95, higher_is_better=True, decimals=2) == RED


def test_rag006_effective_dating_never_recolours_earlier_months():
    ts = [Threshold("m", 99, 95, "2018-01"), Threshold("m", 99.5, 97, "2020-06")]
    assert limits_for(ts, "2020-05").target == 99
    assert limits_for(ts, "2020-06").target == 99.5
    assert limits_for(ts, "2021-01").minimum == 97
    assert limits_for(ts, "2017-12") is None


def test_rag007_dimension_specific_threshold_beats_general():
    ts = [Threshold("m", 99, 95, "2018-01"),
          Threshold("m", 97, 90, "2019-01", "csp_region", "North"),
          Threshold("m", 99.5, 96, "2020-01")]
    assert limits_for(ts, "2020-03", {"csp_region": "North"}).target == 97
    assert limits_for(ts, "2020-03", {"csp_region": "South"}).target == 99.5
    assert limits_for(ts, "2018-06", {"csp_region": "North"}).target == 99
    assert limits_for(ts, "2020-03").target == 99.5


def test_rag008_runs_and_changes():
    assert months_not_green([GREEN, RED, AMBER, RED]) == 3
    assert months_not_green([RED, GREEN]) == 0
    assert months_not_green([RED, NO_DATA, RED]) == 1
    assert months_since_green([GREEN, RED, AMBER]) == 2
    assert months_since_green([RED, RED]) is None
    assert months_since_green([RED, GREEN]) == 0
    assert month_on_month([1.0, None, 3.0, 5.0]) == [None, None, None, 2.0]


def test_rag009_same_month_later_threshold_wins():
    """An administrator's threshold from the same month as the catalog default replaces it."""
    ts = [Threshold("m", 99, 95, "2018-01"), Threshold("m", 97, 90, "2018-01")]
    assert limits_for(ts, "2020-01").target == 97
    ts = [Threshold("m", 99, 95, "2018-01", "csp_region", "North"),
          Threshold("m", 98, 94, "2018-01", "csp_region", "North")]
    assert limits_for(ts, "2020-01", {"csp_region": "North"}).minimum == 94
