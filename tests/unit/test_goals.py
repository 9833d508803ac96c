"""Goals with a deadline: the straight-line trajectory, on/off track, met/missed, and the catalog's
validation of ``[[goals]]``."""
from __future__ import annotations

import tomllib

import pytest

from metrics.catalog import DEFAULT_CATALOG_PATH, CatalogError, Goal, parse_catalog
from metrics.read.goals import MET, MISSED, NO_FIGURE, OFF_TRACK, ON_TRACK, assess, goals_for, trajectory

CSP_N = Goal("ota_success_rate", 99.0, "2020-01", "2020-03", "CSP N to reach Green", "csp_region", "North")


def test_gol001_trajectory_is_a_straight_line_to_the_goal():
    line = trajectory(CSP_N, 87.07)
    assert [m for m, _ in line] == ["2020-01", "2020-02", "2020-03"]
    assert [round(v, 3) for _, v in line] == [87.07, 93.035, 99.0]


@pytest.mark.parametrize("values, month, state", [
    ({"2020-01": 87.07}, "2020-01", ON_TRACK),                        # the month it was set
    ({"2020-01": 87.07, "2020-02": 98.40}, "2020-02", ON_TRACK),      # above the line
    ({"2020-01": 87.07, "2020-02": 93.03}, "2020-02", OFF_TRACK),     # just below 93.035 (93.04 shown)
    ({"2020-01": 87.07, "2020-02": 93.035}, "2020-02", ON_TRACK),     # on it, as displayed
    ({"2020-01": 87.07, "2020-03": 99.2}, "2020-03", MET),
    ({"2020-01": 87.07, "2020-03": 98.994}, "2020-03", MISSED),       # 98.99% shown: not 99
    ({"2020-01": 87.07, "2020-03": 98.995}, "2020-03", MET),          # 99.00% shown
    ({"2020-01": 87.07, "2020-03": 99.1, "2020-06": 80.0}, "2020-06", MET),  # judged on March
    ({"2020-01": 87.07}, "2020-02", NO_FIGURE),
    ({"2020-02": 95.0}, "2020-02", NO_FIGURE),                        # no starting figure
])
def test_gol002_on_track_off_track_met_missed(catalog, values, month, state):
    result = assess(CSP_N, catalog.metric("ota_success_rate"), values, month)
    assert result["state"] == state, result["sentence"]
    assert result["sentence"]


def test_gol003_before_it_was_set_there_is_nothing_to_say(catalog):
    assert assess(CSP_N, catalog.metric("ota_success_rate"), {"2019-12": 84.71}, "2019-12") is None


def test_gol004_lower_is_better_goals_run_downhill(catalog):
    goal = Goal("incidents_total", 6.0, "2020-01", "2020-04", "Back to 6 a month")
    metric = catalog.metric("incidents_total")
    assert assess(goal, metric, {"2020-01": 15, "2020-02": 12}, "2020-02")["state"] == ON_TRACK  # line: 12
    assert assess(goal, metric, {"2020-01": 15, "2020-02": 13}, "2020-02")["state"] == OFF_TRACK
    assert assess(goal, metric, {"2020-01": 15, "2020-04": 6}, "2020-05")["state"] == MET


def test_gol005_the_shipped_goals_are_the_minutes_promises(catalog):
    north = goals_for(catalog, "ota_success_rate", "North")
    assert [(g.target, g.set_in, g.by) for g in north] == [(99.0, "2020-01", "2020-03")]
    assert goals_for(catalog, "ota_success_rate", "Central & South")[0].by == "2020-02"
    assert goals_for(catalog, "ota_success_rate") == []


def raw():
    with open(DEFAULT_CATALOG_PATH, "rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize("change, message", [
    ({"metric": "ghost"}, "goals[0] (metric ghost): unknown metric 'ghost'"),
    ({"by": "2019-12"}, "by (2019-12) must be after set_in (2020-01)"),
    ({"by": "March 2020"}, "by 'March 2020' is not a month YYYY-MM"),
    ({"value": "Mars"}, "'Mars' is not a value of csp_region"),
    ({"dimension": "category"}, "'category' is not a dimension of ota_success_rate"),
    ({"target": "99%"}, "target must be a number"),
])
def test_gol006_a_broken_goal_names_its_entry(change, message):
    broken = raw()
    broken["goals"][0].update(change)
    with pytest.raises(CatalogError) as refused:
        parse_catalog(broken)
    assert message in str(refused.value)
    assert str(refused.value).startswith("catalog: goals[0]")
