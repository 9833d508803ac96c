"""parse_upload: CSV and XLSX into canonical tables, and every bad input located (SPEC §3)."""
from datetime import datetime

import numpy as np
import pytest

from metrics.upload.validate import parse_upload
from tests.badfiles import bad_files, csv_bytes, xlsx_bytes


def parse(catalog, data, filename="upload.csv", **kw):
    return parse_upload(data, filename, catalog, **kw)


def messages(result):
    return [str(e) for e in result.errors]


def test_par001_csv_bom_crlf_quoted_thousands(catalog):
    data = b"\xef\xbb\xbf" + csv_bytes("Month,CSP Region,Attempted,Succeeded,Success rate",
                                       '2020-01,CSP N,"120,000","104,484",87.07%',
                                       'Jan-20,CSP C&S," 95,000 ",94050,99.00')
    result = parse(catalog, data, "ota.csv")
    assert result.ok, messages(result)
    table = result.tables["ota_firmware"]
    assert list(table.columns) == ["month", "csp_region", "attempted", "succeeded", "_row"]
    assert table["month"].tolist() == ["2020-01", "2020-01"]
    assert table["csp_region"].tolist() == ["North", "Central & South"]
    assert table["attempted"].tolist() == [120000.0, 95000.0]
    assert table["attempted"].dtype == np.float64
    assert table["_row"].tolist() == [2, 3]
    assert result.sheets == {"ota_firmware": "ota.csv"}


def test_par002_csv_dataset_recognised_or_named(catalog):
    alerts = csv_bytes("month,csp_region,smets_generation,alert_code,count", "2020-01,N,S2,8f3e,5")
    assert list(parse(catalog, alerts).tables) == ["alerts"]
    installs = csv_bytes("Period,Region,Installs", "2020-01,South,10")
    assert list(parse(catalog, installs).tables) == ["ch_installs"]
    assert list(parse(catalog, installs, dataset="ch_installs").tables) == ["ch_installs"]
    wrong = parse(catalog, installs, dataset="incidents")
    assert not wrong.tables and any("missing required column category" in m for m in messages(wrong))


def test_par023_unrecognised_columns_name_the_closest_dataset(catalog):
    result = parse(catalog, csv_bytes("Month,CSP Region,Atempted,Succeeded", "2020-01,North,1,1"))
    assert "The closest is ota_firmware, which also needs attempted." in result.errors[0].message
    named = parse(catalog, csv_bytes("Month,CSP Region,Atempted,Succeeded", "2020-01,North,1,1"),
                  dataset="ota_firmware")
    assert "did you mean the column 'Atempted'?" in named.errors[0].message


def test_par003_headers_case_space_punctuation_aliases(catalog):
    data = csv_bytes("REPORTING_MONTH, csp-region ,OTA attempted,successful,Success %",
                     "2020-02,north,10,9,90%")
    result = parse(catalog, data)
    assert result.ok, messages(result)
    assert result.tables["ota_firmware"].iloc[0]["succeeded"] == 9


def test_par004_blank_rows_skipped_row_numbers_kept(catalog):
    data = csv_bytes("Incidents, January 2020", "", "month,category,count", "2020-01,1,0", "",
                     " , , ", "2020-01,2,-1")
    result = parse(catalog, data, "inc.csv")
    assert messages(result) == ["inc.csv:7:count: '-1' is negative; count must be 0 or more"]


def test_par024_quoted_line_breaks_keep_row_numbers(catalog):
    data = csv_bytes("OTA firmware", "", 'month,csp_region,attempted,succeeded,"Success\nrate"',
                     '2020-01,North,10,9,90%', '2020-02,"North\n",10,9,91%')
    result = parse(catalog, data, "ota.csv")
    assert [(e.row, e.column) for e in result.errors] == [(5, "Success\nrate")]
    ok = parse(catalog, data.replace(b"91%", b"90%"), "ota.csv")
    assert ok.tables["ota_firmware"]["_row"].tolist() == [4, 5]


def test_par005_optional_columns_defaults_and_nan(catalog):
    aged = parse(catalog, csv_bytes("month,reason,count,assigned_to", "2020-01,Credentials,5,",
                                    "2020-01,Awaiting visit,3,DCC"))
    assert aged.tables["aged_incidents"]["assigned_to"].tolist() == ["Not stated", "DCC"]
    smets1 = parse(catalog, csv_bytes("month,migrated", "2020-01,31000"))
    table = smets1.tables["smets1_migration"]
    assert table["device_model"].tolist() == ["All models"]
    assert np.isnan(table["failed"].iloc[0])
    blank = parse(catalog, csv_bytes("month,category,count,change_related", "2020-01,1,4,"))
    assert np.isnan(blank.tables["incidents"]["change_related"].iloc[0])


def test_par006_blank_default_and_explicit_default_collide(catalog):
    data = csv_bytes("month,reason,count,assigned_to", "2020-01,Credentials,5,",
                     "2020-01,Credentials,3,Not stated")
    result = parse(catalog, data, "aged.csv")
    assert any("row 3 repeats row 2" in m for m in messages(result))


def test_par007_xlsx_date_cells_percent_cells_sheet_names(catalog):
    data = xlsx_bytes({
        "Summary": [["Read me"]],
        "OTA Firmware": [["Month", "CSP", "Attempted", "Succeeded", "Success rate"],
                         [datetime(2020, 1, 31), "North", 120000, 104484, 0.8707],
                         [datetime(2020, 1, 1), "South", 100, 90, 0.9]],
        "CH exceptions": [["month", "region", "exception", "volume"],
                          ["Jan-20", "C&S", "No or incomplete address", 31000.0]],
        "Incidents": [["month", "category", "count"], ["2020-01", 2, 3], ["2020-01", 3.0, 4]],
    }, formats={("OTA Firmware", "E2"): "0.00%", ("OTA Firmware", "E3"): "0%",
                ("OTA Firmware", "A2"): "mmm-yy"})
    result = parse(catalog, data, "monthly.xlsx")
    assert result.ok, messages(result)
    assert result.ignored_sheets == ["Summary"]
    assert result.sheets == {"ota_firmware": "OTA Firmware", "ch_exceptions": "CH exceptions",
                             "incidents": "Incidents"}
    assert result.tables["ota_firmware"]["month"].tolist() == ["2020-01", "2020-01"]
    assert result.tables["ch_exceptions"]["csp_region"].tolist() == ["Central & South"]
    assert result.tables["incidents"]["category"].tolist() == ["2", "3"]


def test_par008_xlsx_percent_cell_checked_against_counts(catalog):
    data = xlsx_bytes({"ota_firmware": [["month", "csp_region", "attempted", "succeeded", "success_rate"],
                                        ["2020-01", "North", 120000, 104484, 0.8710]]},
                      formats={("ota_firmware", "E2"): "0.00%"})
    result = parse(catalog, data, "ota.xlsx")
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.sheet, error.row, error.column, error.value) == ("ota_firmware", 2, "success_rate", "87.1%")
    assert "87.07%" in error.message


def test_par009_xlsx_real_row_numbers(catalog):
    data = xlsx_bytes({"incidents": [["OPSG incidents"], [], ["month", "category", "count"],
                                     ["2020-01", 1, 0], [], [None, None, None], ["2020-01", 9, 2]]})
    result = parse(catalog, data, "inc.xlsx")
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("incidents", 7, "category")]
    assert "expected 1, 2, 3, 4 or 5" in result.errors[0].message


def test_par010_xlsx_one_sheet_named_by_caller_or_recognised(catalog):
    sheet = [["month", "csp_region", "installed"], ["2020-01", "North", 5]]
    assert list(parse(catalog, xlsx_bytes({"Sheet1": sheet}), "x.xlsx", dataset="ch_installs").tables) == [
        "ch_installs"]
    recognised = parse(catalog, xlsx_bytes({"Sheet1": sheet}), "x.xlsx")
    assert list(recognised.tables) == ["ch_installs"] and recognised.sheets == {"ch_installs": "Sheet1"}
    two = parse(catalog, xlsx_bytes({"Sheet1": sheet, "Sheet2": sheet}), "x.xlsx")
    assert "no sheet is named after a dataset" in two.errors[0].message


def test_par011_duplicate_sheets_for_one_dataset(catalog):
    sheet = [["month", "csp_region", "installed"], ["2020-01", "North", 5]]
    result = parse(catalog, xlsx_bytes({"CH installs": sheet, "ch_installs": sheet}), "x.xlsx")
    assert any("both hold ch_installs" in m for m in messages(result)) and not result.tables


def test_par012_unknown_columns_are_warnings(catalog):
    data = csv_bytes("month,category,count,Comment,", "2020-01,1,2,quiet month,", "2020-01,2,3,,x")
    result = parse(catalog, data, "inc.csv")
    assert result.ok, messages(result)
    assert result.warnings == ["inc.csv: column 'Comment' is not part of incidents; ignored",
                               "inc.csv: column E has values but no header; ignored"]


def test_par013_all_errors_collected_in_row_order(catalog):
    data = csv_bytes("month,csp_region,attempted,succeeded,success_rate",
                     "2020-13,North,10,5,", "2020-01,Nowhere,10,5,", "2020-01,South,-1,5,",
                     "2020-01,Central,10,11,", "2020-01,North,10,5,50%", "2020-01,North,10,5,")
    result = parse(catalog, data, "ota.csv")
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "month"), (3, "csp_region"), (4, "attempted"), (5, "succeeded"), (7, "month")]
    assert "row 7 repeats row 6" in result.errors[-1].message
    assert not result.tables


def test_par014_error_list_capped(catalog):
    lines = ["month,category,count"] + [
        f"{2000 + i // 60}-{i // 5 % 12 + 1:02d},{1 + i % 5},-{i + 1}" for i in range(1500)]
    result = parse(catalog, csv_bytes(*lines), "inc.csv")
    assert len(result.errors) == 1001
    assert "500 more error(s)" in result.errors[-1].message
    assert [e.row for e in result.errors[:3]] == [2, 3, 4]


def test_par015_rate_tolerance_is_half_a_displayed_unit(catalog):
    head = "month,csp_region,attempted,succeeded,success_rate"
    assert parse(catalog, csv_bytes(head, "2020-01,North,3,1,33.33%")).ok
    assert parse(catalog, csv_bytes(head, "2020-01,North,3,1,33.334")).ok
    assert not parse(catalog, csv_bytes(head, "2020-01,North,3,1,33.3%")).ok
    fraction = parse(catalog, csv_bytes(head, "2020-01,North,3,1,0.3333"))
    assert "looks like a fraction" in fraction.errors[0].message
    zero = parse(catalog, csv_bytes(head, "2020-01,North,0,0,0%"))
    assert "attempted is 0" in zero.errors[0].message


def test_par016_annotations_table(catalog):
    data = csv_bytes("Event date,Headline,Details,Metric id,CSP",
                     '31/01/2020,Fibre cable incident,"Latency rose;\nDCC stayed up.",Incidents,CSP N',
                     "2020-02-14,<script>alert(1)</script>,,,")
    result = parse(catalog, data, "notes.csv")
    assert result.ok, messages(result)
    table = result.tables["annotations"]
    assert list(table.columns) == ["date", "month", "title", "detail", "metric", "csp_region", "_row"]
    first, second = table.iloc[0], table.iloc[1]
    assert (first["date"], first["month"], first["metric"], first["csp_region"]) == (
        "2020-01-31", "2020-01", "incidents_total", "North")
    assert first["detail"] == "Latency rose;\nDCC stayed up."
    assert (second["title"], second["detail"], second["metric"], second["csp_region"]) == (
        "<script>alert(1)</script>", "", "", "")
    assert table["_row"].tolist() == [2, 3]


def test_par017_other_encodings_and_delimiters(catalog):
    semicolon = "month;reason;count\r\n2020-01;Credentials;5\r\n".encode()
    assert parse(catalog, semicolon).tables["aged_incidents"]["count"].tolist() == [5.0]
    cp1252 = "month,reason,count\r\n2020-01,Café – visit,5\r\n".encode("cp1252")
    assert parse(catalog, cp1252).tables["aged_incidents"]["reason"].tolist() == ["Café – visit"]
    utf16 = "month\treason\tcount\r\n2020-01\tCredentials\t5\r\n".encode("utf-16")
    assert parse(catalog, utf16).ok


def test_par018_ragged_rows(catalog):
    data = csv_bytes("month,category,count", "2020-01,1", "2020-01,2,3,extra")
    result = parse(catalog, data, "inc.csv")
    assert messages(result) == ["inc.csv:2:count: count is missing (expected a whole number, 0 or more, "
                                "such as 31,000)"]


def test_par019_alert_codes_canonical(catalog):
    data = xlsx_bytes({"alerts": [["month", "csp_region", "smets_generation", "alert_code", "count"],
                                  ["2020-01", "North", "SMETS2", "0x8f3e", 1],
                                  ["2020-01", "North", "SMETS2", 1234, 2]]})
    result = parse(catalog, data, "a.xlsx")
    assert result.tables["alerts"]["alert_code"].tolist() == ["8F3E", "1234"]


def test_par020_empty_sheet_and_header_only_sheet(catalog):
    data = xlsx_bytes({"incidents": [], "alerts": [["month", "csp_region", "smets_generation",
                                                    "alert_code", "count"]]})
    result = parse(catalog, data, "x.xlsx")
    located = {(e.sheet, e.row) for e in result.errors}
    assert ("alerts", 1) in located
    assert ("incidents", None) in located and "the sheet is empty" in result.errors[0].message


@pytest.mark.parametrize("bad", bad_files(), ids=lambda b: b.name)
def test_par021_bad_input_corpus(catalog, bad):
    result = parse_upload(bad.data, bad.filename, catalog, dataset=bad.dataset)
    assert result.errors and not result.tables
    found = [(e.sheet, e.row, e.column, e.message) for e in result.errors]
    for sheet, row, column, text in bad.expected:
        assert any((s, r, c) == (sheet, row, column) and text in m for s, r, c, m in found), found


def test_par022_corpus_is_big_enough():
    assert len(bad_files()) >= 15
