"""The one parser of request parameters (metrics.params, SPEC §6) and month arithmetic on integers:
a table of hostile values, and Hypothesis properties over arbitrary text."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import params
from metrics.catalog import load_catalog
from metrics.months import add_months, month_range, parse_as_of
from metrics.params import ParameterError

LONG = "2020-01" * 3000
# (parser, value): each must be refused with a ParameterError naming the parameter.
HOSTILE = [
    *[("month", v) for v in ("9999-12", "0000-01", "1999-12", "2100-01", "2020-13", "2020-1", "2020-00",
                             "20-01", LONG, "２０２０-０１", "٢٠٢٠-٠١", "2020-01\x00", "2020\x00-01",
                             "2020-01-01", "-2020-01", "+2020-01", "2020–01", "2020-01\n2020-02")],
    *[("as_of", v) for v in ("0001-01-01", "9999-12-31", "9999-12-31T23:59:59", "2100-01-02",
                             "1999-12-31", "1999-12-31T23:59:59", "2100-01-02T00:00:00",
                             "2000-01-01T09:00:00+10:00", "2100-01-01T23:00:00-05:00",
                             "9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+14:00", "yesterday",
                             "2020-02-30", "2020-13-01", LONG, "２０２０-０１-０１", "2020-01-01\x00",
                             "2020-01-01T25:00:00", "99999-01-01")],
    *[("limit", v) for v in ("-1", "0", "1001", "abc", "1e3", "1.5", str(2**63), str(2**64), "١٠",
                             "10\x00", LONG)],
    *[("identifier", v) for v in (str(2**63), str(2**64), "-1", "0", "abc", "1.0", "0x10", "١",
                                  "1\x00", "9" * 5000, LONG)],
]
VALID = [("month", "2000-01", "2000-01"), ("month", "2099-12", "2099-12"), ("month", " 2020-01 ", "2020-01"),
         ("as_of", "2000-01-01", datetime(2000, 1, 1, 23, 59, 59, 999999)),
         ("as_of", "2100-01-01", datetime(2100, 1, 1, 23, 59, 59, 999999)),
         ("as_of", "2020-01-31T12:00:00Z", datetime(2020, 1, 31, 12)),
         ("as_of", "2020-01-31T12:00:00+01:00", datetime(2020, 1, 31, 11)),
         ("limit", "1", 1), ("limit", "1000", 1000), ("limit", "", 100),
         ("identifier", "1", 1), ("identifier", str(2**63 - 1), 2**63 - 1)]


def answers_within(seconds: float, call):
    """``call()``'s result or exception, failing the test if it has not returned in ``seconds``."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"no answer within {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.parametrize("parser, value", HOSTILE, ids=lambda v: repr(v)[:30])
def test_prm001_hostile_values_are_refused_naming_the_parameter(parser, value):
    with pytest.raises(ParameterError) as refused:
        answers_within(10, lambda: getattr(params, parser)(value, "the_param"))
    assert refused.value.name == "the_param" and str(refused.value).startswith("the_param ")
    assert len(str(refused.value)) < 300, "the message quotes a long value cut short"


@pytest.mark.parametrize("parser, value, expected", VALID, ids=lambda v: repr(v)[:30])
def test_prm002_valid_values(parser, value, expected):
    assert getattr(params, parser)(value, "p") == expected


def test_prm003_query_checks_every_known_parameter_and_the_span():
    assert params.query({"month": "2020-01", "from": "2020-01", "to": "2020-03", "limit": "5",
                         "other": "left alone"}) == {"month": "2020-01", "from": "2020-01",
                                                     "to": "2020-03", "limit": 5}
    with pytest.raises(ParameterError, match="^from .*must not be after to") as refused:
        params.query({"from": "2020-02", "to": "2020-01"})
    assert refused.value.name == "from"
    for name in ("month", "from", "to", "as_of", "limit"):
        with pytest.raises(ParameterError) as refused:
            params.query({name: "9999-99-99"})
        assert refused.value.name == name


def test_prm004_dimension_values_are_checked_against_the_catalog():
    region = load_catalog().dimensions["csp_region"]
    assert params.dimension_value(region, "csp n", "csp_region") == "North"
    for value in ("Mars", "North\x00", "N" * 500, "No\nrth"):
        with pytest.raises(ParameterError, match="^csp_region "):
            params.dimension_value(region, value, "csp_region")


def test_prm005_month_arithmetic_is_on_integers_and_never_leaves_the_calendar():
    """Today's bug: '9999-12' + 1 month was '10000-01', which sorts before '9999-12' as text, so
    month_range('9990-01', '9999-12') never ended."""
    assert answers_within(10, lambda: len(month_range("9990-01", "9999-12"))) == 120
    assert month_range("2020-03", "2020-01") == []
    assert add_months("2020-12", 1) == "2021-01" and add_months("2000-01", -24) == "1998-01"
    with pytest.raises(ValueError, match="left the calendar"):
        add_months("9999-12", 1)
    with pytest.raises(ValueError):
        month_range("2020-01", "10000-01")


def test_prm006_parse_as_of_is_the_parameter_parser():
    with pytest.raises(ParameterError, match="^as_of "):
        parse_as_of("9999-12-31")
    assert parse_as_of("") is None and parse_as_of(None) is None


PARSERS = {"month": params.month, "as_of": params.as_of, "limit": params.limit,
           "identifier": params.identifier}


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(PARSERS)), text=st.text(max_size=60) | st.from_regex(
    r"\A[0-9]{1,5}-[0-9]{1,2}(-[0-9]{1,2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?)?)?\Z"))
def test_prm007_any_text_gives_a_valid_value_or_the_one_error_naming_the_parameter(name, text):
    try:
        value = PARSERS[name](text, name)
    except ParameterError as exc:
        assert exc.name == name and str(exc).startswith(f"{name} ")
        return
    if value is None:
        assert text.strip() == ""
    elif name == "month":
        assert "2000-01" <= value <= "2099-12" and params.MONTH_RE.fullmatch(value)
    elif name == "as_of":
        assert datetime(2000, 1, 1) <= value < datetime(2100, 1, 2)
    elif name == "limit":
        assert 1 <= value <= 1000
    else:
        assert 1 <= value <= 2**63 - 1


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["month", "from", "to", "as_of", "limit", "x"]),
                       st.text(max_size=20) | st.sampled_from(["2020-01", "2099-12", "2000-01-01", "5"])))
def test_prm008_query_of_any_mapping_parses_or_names_a_parameter(args):
    try:
        out = params.query(args)
    except ParameterError as exc:
        assert exc.name in args
        return
    assert set(out) <= set(args) - {"x"}


def test_prm009_the_openapi_document_states_the_ranges_and_the_400s():
    from dashboard.web.openapi import openapi_document

    doc = openapi_document(load_catalog())
    listing = doc["paths"]["/api/v1/uploads"]["get"]
    assert listing["parameters"][0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000,
                                                  "default": 100}
    for path in ("/api/v1/metrics/{id}/series", "/api/v1/summary", "/api/v1/uploads/{id}"):
        assert "400" in doc["paths"][path]["get"]["responses"], path
    summary = doc["paths"]["/api/v1/summary"]["get"]["parameters"]
    assert "2000-01 to 2099-12" in summary[0]["schema"]["description"]
    assert "2000-01-01 to 2100-01-01" in summary[1]["description"]
