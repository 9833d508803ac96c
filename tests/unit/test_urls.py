"""View state in the URL: parsing, cleaning and building query strings."""
from __future__ import annotations

from dashboard.state.urls import ViewState, href, parse_search, parse_state, to_search

REGIONS = {"north": "North", "csp n": "North", "central & south": "Central & South",
           "csp c&s": "Central & South", "south": "South"}


def canonical(text):
    return REGIONS.get(text.strip().lower())


def test_url001_round_trip():
    state = ViewState(month="2020-01", region="Central & South", generation="SMETS1", as_of="2020-02-04")
    search = state.search()
    assert search == "?month=2020-01&region=Central%20%26%20South&generation=SMETS1&as_of=2020-02-04"
    again = parse_state(parse_search(search), canonical_region=canonical)
    assert again == state and again.problems == ()


def test_url002_defaults_are_left_out():
    assert ViewState().search() == ""
    assert to_search({"month": "2020-01", "region": "", "as_of": None}) == "?month=2020-01"
    assert href("/alerts", ViewState(month="2020-01"), region="North") == "/alerts?month=2020-01&region=North"


def test_url003_bad_values_are_dropped_and_reported():
    state = parse_state({"month": "Jan-20", "region": "Mars", "generation": "SMETS9",
                         "as_of": "yesterday"}, canonical_region=canonical)
    assert state == ViewState()
    assert len(state.problems) == 4
    assert any("Mars" in p for p in state.problems)


def test_url004_aliases_and_all_are_understood():
    state = parse_state({"region": "CSP N", "generation": "smets 2"}, canonical_region=canonical)
    assert (state.region, state.generation) == ("North", "SMETS2")
    assert parse_state({"region": "All", "generation": "both"}) == ViewState()


def test_url005_repeated_parameter_takes_the_last():
    assert parse_state({"month": ["2019-12", "2020-01"]}).month == "2020-01"
    assert parse_search("?month=2019-12&month=2020-01")["month"] == "2020-01"


def test_url006_as_of_accepts_dates_and_timestamps():
    assert parse_state({"as_of": "2020-02-04"}).as_of == "2020-02-04"
    assert parse_state({"as_of": "2020-02-04T10:30:00Z"}).as_of == "2020-02-04T10:30:00Z"


def test_url007_changes_override_and_clear():
    state = ViewState(month="2020-01", region="North")
    assert state.search(region="") == "?month=2020-01"
    assert state.search(month="2020-02") == "?month=2020-02&region=North"


def test_url008_unknown_parameters_are_ignored():
    assert parse_state({"month": "2020-01", "utm_source": "mail"}) == ViewState(month="2020-01")
