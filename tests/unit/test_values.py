"""Cell value parsers: every month, date, number and dimension form of SPEC §3, and the errors."""
from datetime import date, datetime

import numpy as np
import pytest

from metrics.errors import ErrorLog, UploadError, did_you_mean
from metrics.upload.cells import (canonical_value, cell_text, map_column, number_column, parse_date,
    parse_month, parse_number)


@pytest.mark.parametrize("text", [
    "2020-01", "2020-01-31", "Jan-20", "Jan 2020", "January 2020", "01/2020", "1/2020",
    " jan-2020 ", "JANUARY 2020", "31/01/2020", "2020-01-31 00:00:00", "2020/01", "Jan-2020",
    "31 Jan 2020", "31-Jan-20",
])
def test_val001_month_forms(text):
    assert parse_month(text) == "2020-01"


def test_val002_month_forms_other_months():
    assert parse_month("Sept 2021") == "2021-09"
    assert parse_month("Dec-19") == "2019-12"
    assert parse_month("12/2019") == "2019-12"


@pytest.mark.parametrize("text", ["", "2020", "2020-13", "13/2020", "Jnauary 2020", "Foo-20",
                                  "31/02/2020", "1899-01", "2020-00", "next month", "43831"])
def test_val003_month_rejects(text):
    assert parse_month(text) is None


@pytest.mark.parametrize("text, expected", [
    ("2020-01-31", "2020-01-31"), ("31/01/2020", "2020-01-31"), ("31-01-2020", "2020-01-31"),
    ("31 Jan 2020", "2020-01-31"), ("31 January 2020", "2020-01-31"),
    ("2020-01-31 00:00:00", "2020-01-31"), ("02/01/2020", "2020-01-02"),  # UK: day first
])
def test_val004_date_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2020-01", "Jan 2020", "31/02/2020", "01/31/2020", "", "tomorrow"])
def test_val005_date_rejects(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("text, value, percent", [
    ("31,000", 31000, False), (" 15 ", 15, False), ("87.07%", 87.07, True), ("87.07", 87.07, False),
    ("-5", -5, False), ("(5)", -5, False), ("1,000.5", 1000.5, False), (".5", 0.5, False),
    ("0", 0, False), ("1,234,567", 1234567, False), ("100 %", 100, True),
])
def test_val006_number_forms(text, value, percent):
    got, status, pct = parse_number(text)
    assert (got, status, pct) == (pytest.approx(value), 0, percent)


@pytest.mark.parametrize("text", ["1,00", "abc", "1e3", "12 345", "%", "N/A", "1.2.3", "--5", "."])
def test_val007_number_rejects(text):
    assert parse_number(text)[1] == 2


def test_val008_number_blank():
    value, status, _ = parse_number("   ")
    assert np.isnan(value) and status == 1


@pytest.mark.parametrize("value, fmt, text", [
    (None, None, ""), (True, None, "TRUE"), (datetime(2020, 1, 31), "mmm-yy", "2020-01-31"),
    (date(2020, 1, 31), None, "2020-01-31"), (datetime(2020, 1, 31, 9, 30), None, "2020-01-31 09:30:00"),
    (0.8707, "0.00%", "87.07%"), (0.8707, "0%", "87.07%"), (2.0, "General", "2"), (31000, "#,##0", "31000"),
    (0.1 + 0.2, "General", "0.3"), (12.5, None, "12.5"), (87.07, '0.00"%"', "87.07"), ("North ", None, "North "),
])
def test_val009_cell_text(value, fmt, text):
    assert cell_text(value, fmt) == text


def test_val010_dimension_aliases(catalog):
    region, smets = catalog.dimensions["csp_region"], catalog.dimensions["smets_generation"]
    for raw, want in [("CSP N", "North"), ("N", "North"), ("n", "North"), ("CSP North", "North"),
                      ("CSP C&S", "Central & South"), ("C&S", "Central & South"),
                      ("Central and South", "Central & South"), (" South ", "South"),
                      ("Central", "Central")]:
        assert canonical_value(region, raw) == want
    for raw, want in [("S1", "SMETS1"), ("SMETS 2", "SMETS2"), ("smets-1", "SMETS1")]:
        assert canonical_value(smets, raw) == want
    assert canonical_value(region, "Nroth") is None
    assert canonical_value(region, "") is None


def test_val011_category_from_excel_numbers(catalog):
    category = catalog.dimensions["category"]
    for raw in (2, 2.0, "2", "2.0", "Cat 2", "P2", cell_text(2.0)):
        assert canonical_value(category, raw) == "2"
    assert canonical_value(category, "7") is None


def test_val012_alert_codes_hex_upper(catalog):
    code = catalog.dimensions["alert_code"]
    assert canonical_value(code, "8f3e") == "8F3E"
    assert canonical_value(code, "0x8f3e") == "8F3E"
    assert canonical_value(code, 1234) == "1234"
    assert canonical_value(code, "XYZ") is None


def test_val013_text_dimension_as_written(catalog):
    reason = catalog.dimensions["reason"]
    assert canonical_value(reason, "  Incorrect or no credentials ") == "Incorrect or no credentials"
    assert canonical_value(reason, "<b>bold</b>") == "<b>bold</b>"  # text, rendered as text
    assert canonical_value(reason, "bell\x07") is None
    assert canonical_value(reason, "x" * 201) is None


def test_val014_number_column_vectorised():
    raw = np.array(["12", "31,000", "", " 15 ", "87%", "abc", "12", "-3"], dtype=object)
    col = number_column(raw)
    assert list(col.values[[0, 1, 3, 4, 6, 7]]) == [12, 31000, 15, 87, 12, -3]
    assert list(col.blank) == [False, False, True, False, False, False, False, False]
    assert list(col.bad) == [False, False, False, False, False, True, False, False]
    assert list(col.percent_sign) == [False, False, False, False, True, False, False, False]


def test_val015_map_column_shares_codes_between_aliases(catalog):
    region = catalog.dimensions["csp_region"]
    raw = np.array(["North", "CSP N", "", "Nroth", "South"], dtype=object)
    col = map_column(raw, lambda t: canonical_value(region, t))
    assert list(col.values) == ["North", "North", None, None, "South"]
    assert col.codes[0] == col.codes[1] != col.codes[4]
    assert list(col.blank) == [False, False, True, False, False]
    assert list(col.bad) == [False, False, False, True, False]


def test_val016_upload_error_str_and_dict():
    empty = UploadError("alerts.csv", None, None, None, "the file is empty")
    assert str(empty) == "alerts.csv::: the file is empty"
    located = UploadError("OTA", 7, "CSP Region", "Nroth", "'Nroth' is not a CSP region")
    assert str(located) == "OTA:7:CSP Region: 'Nroth' is not a CSP region"
    assert located.as_dict() == {"sheet": "OTA", "row": 7, "column": "CSP Region",
                                 "value": "Nroth", "message": "'Nroth' is not a CSP region"}


def test_val017_did_you_mean(catalog):
    aliases = catalog.dimensions["csp_region"].aliases
    assert did_you_mean("Nroth", aliases) == "North"
    assert did_you_mean("Centrl & South", aliases) == "Central & South"
    assert did_you_mean("Zzzz", aliases) is None
    assert did_you_mean("incidents_totl", ["incidents_total", "alerts_total"]) == "incidents_total"


def test_val018_error_log_caps_and_counts():
    log = ErrorLog(cap=3)
    log.add_many("s.csv", [5, 2, 9, 4, 7], "count", ["a", "b", "c", "d", "e"], lambda j: f"bad {j}")
    errors = log.finish(["s.csv"], "s.csv")
    assert [e.row for e in errors[:3]] == [2, 5, 9]  # sorted by row
    assert len(errors) == 4 and "2 more error(s)" in errors[-1].message
