"""The action log's rules without a database: ids, overdue around month ends and revised dates, and
import validation that names the sheet, row, column and value of every problem."""
from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from metrics.records import actions
from metrics.records.actions import ActionError, clean_fields, is_overdue, normalise_ref, parse_actions

HEADER = "Action ID,Action,Owner,Date Raised,Last Target Date,Revised Target Date,Status,Metrics\n"


def action(target, revised=None, status="open"):
    return {"target_on": target, "revised_on": revised, "status": status}


@pytest.mark.parametrize("text, ref", [("OPSG 29/01", "OPSG 29/01"), ("opsg 29/1", "OPSG 29/01"),
                                       ("OPSG_24/02", "OPSG 24/02"), (" 29 / 22 ", "OPSG 29/22"),
                                       ("29-01", None), ("OPSG 29", None), ("", None)])
def test_act001_action_ids_as_the_minutes_write_them(text, ref):
    assert normalise_ref(text) == ref


@pytest.mark.parametrize("due, today, overdue", [
    ("2020-01-31", date(2020, 1, 31), False),   # due today: not yet overdue
    ("2020-01-31", date(2020, 2, 1), True),     # the day after a month end
    ("2020-02-29", date(2020, 2, 29), False),   # leap day ("by the end of February" 2020)
    ("2020-02-29", date(2020, 3, 1), True),
    ("2019-12-31", date(2020, 1, 1), True),     # across a year end
    ("2020-04-30", date(2020, 4, 30), False),
])
def test_act002_overdue_around_month_ends(due, today, overdue):
    assert is_overdue(action(due), today) is overdue
    assert actions.days_overdue(action(due), today) == (1 if overdue else 0)


def test_act003_a_revised_date_replaces_the_target_and_closed_is_never_overdue():
    minuted = action("2020-02-04", "2020-03-03")  # OPSG 24/02: last target 04/02, revised 03/03
    assert actions.due_on(minuted) == "2020-03-03"
    assert not is_overdue(minuted, date(2020, 2, 10))  # past the old target, before the revised
    assert not is_overdue(minuted, date(2020, 3, 3))
    assert is_overdue(minuted, date(2020, 3, 4))
    brought_forward = action("2020-03-31", "2020-02-29")
    assert is_overdue(brought_forward, date(2020, 3, 1))
    assert not is_overdue(action("2020-01-31", status="closed"), date(2021, 1, 1))


def test_act004_fields_are_cleaned_and_refused_with_reasons(catalog):
    fields = clean_fields(catalog, {"ref": "29/8", "text": " CSP N to update ", "owner": "CSP N",
                                    "raised_on": "04/02/2020", "target_on": "3 March 2020",
                                    "revised_on": "", "status": "Outstanding",
                                    "metrics": "OTA firmware success; alerts_total", "month": "Jan 2020"})
    assert fields == {"ref": "OPSG 29/08", "text": "CSP N to update", "owner": "CSP N",
                      "raised_on": "2020-02-04", "target_on": "2020-03-03", "revised_on": None,
                      "status": "open", "month": "2020-01",
                      "metrics": ("ota_success_rate", "alerts_total"), "notes": ""}
    with pytest.raises(ActionError) as refused:
        clean_fields(catalog, {"ref": "x", "text": "", "owner": "DCC", "raised_on": "04/02/2020",
                               "target_on": "01/02/2020", "status": "finished", "metrics": "ota"})
    problems = {field: message for field, _, message in refused.value.problems}
    assert set(problems) == {"ref", "text", "target_on", "status", "metrics"}
    assert "before the date raised, 04/02/2020" in problems["target_on"]
    assert "did you mean ota_success_rate" in problems["metrics"]


def located(errors):
    return [(e.sheet, e.row, e.column, e.value, e.message) for e in errors]


def test_act005_import_errors_name_sheet_row_column_and_value(catalog):
    data = (HEADER +
            "OPSG 29/01,Fine,DCC,04/02/2020,07/04/2020,,Open,\n"
            "29-02,Bad id,DCC,04/02/2020,03/03/2020,,Open,\n"
            "OPSG 29/03,Bad date,DCC,32/01/2020,03/03/2020,,Open,\n"
            "OPSG 29/04,Target before raised,DCC,04/02/2020,01/02/2020,,Open,\n"
            "OPSG 29/05,Unknown status,DCC,04/02/2020,03/03/2020,,Finished,\n"
            "OPSG 29/06,Unknown metric,DCC,04/02/2020,03/03/2020,,Open,alerts_totl\n"
            "OPSG 29/01,Again,DCC,04/02/2020,03/03/2020,,Open,\n").encode()
    rows, errors, _ = parse_actions(data, "log.csv", catalog)
    found = {(e.row, e.column): e for e in errors}
    assert [(e.sheet, e.row, e.column) for e in errors] == [
        ("log.csv", 3, "Action ID"), ("log.csv", 4, "Date Raised"), ("log.csv", 5, "Last Target Date"),
        ("log.csv", 6, "Status"), ("log.csv", 7, "Metrics"), ("log.csv", 8, "Action ID")]
    assert found[(3, "Action ID")].value == "29-02"
    assert "not an action id such as OPSG 29/01" in found[(3, "Action ID")].message
    assert found[(4, "Date Raised")].value == "32/01/2020"
    assert "day first" in found[(4, "Date Raised")].message
    assert "before the date raised, 04/02/2020" in found[(5, "Last Target Date")].message
    assert "expected Open or Closed" in found[(6, "Status")].message
    assert "did you mean alerts_total" in found[(7, "Metrics")].message
    assert "also on row 2" in found[(8, "Action ID")].message
    assert str(errors[0]) == "log.csv:3:Action ID: '29-02' is not an action id such as OPSG 29/01"


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"\x00\x01\x02binary\xff" * 20, "not a CSV or XLSX file"),
    (b"Action ID,Action,Owner\nOPSG 29/01,x,DCC\n", "missing column 'Date raised'"),
    (HEADER.encode(), "no actions below the header row"),
])
def test_act006_whole_file_problems_are_reported(catalog, data, message):
    rows, errors, _ = parse_actions(data, "log.csv", catalog)
    assert rows == [] and any(message in e.message for e in errors), located(errors)


def test_act007_xlsx_with_title_rows_and_date_cells_keeps_spreadsheet_row_numbers(catalog):
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Read me"])
    sheet = book.create_sheet("Action log")
    sheet.append(["OPSG actions outstanding"])
    sheet.append([])
    sheet.append(["Action ID", "Action", "Date Raised", "Last Target Date", "Revised Target Date", "Owner"])
    sheet.append(["OPSG 24/02", "The DCC to review the traffic", datetime(2019, 9, 3), datetime(2020, 2, 4),
                  datetime(2020, 3, 3), "DCC"])
    sheet.append(["OPSG 27/14", "CSPs to clarify the measurement points", "03/12/2019", "not known", None, "DCC"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows, errors, _ = parse_actions(buffer.getvalue(), "log.xlsx", catalog)
    assert located(errors) == [("Action log", 5, "Last Target Date", "not known",
                                "'not known' is not a date such as 04/02/2020 (day first, as in the minutes)")]
    assert rows[0]["revised_on"] == "2020-03-03" and rows[0]["raised_on"] == "2019-09-03"


def test_act008_the_minutes_table_imports_as_written(catalog):
    """The columns of the OPSG_29 'Actions Outstanding' table, status left blank (open)."""
    data = ("Action ID\tAction\tDate Raised\tLast Target Date\tRevised Target Date\tOwner\n"
            "OPSG 24/02\tThe DCC to review and analyse the traffic generated on the network caused by "
            "the power disruption and subsequent reconnections.\t03/09/2019\t04/02/2020\t03/03/2020\tDCC\n"
            ).encode()
    rows, errors, ignored = parse_actions(data, "minutes.tsv", catalog)
    assert errors == [] and ignored == []
    assert rows[0]["ref"] == "OPSG 24/02" and rows[0]["status"] == "open"
    assert actions.due_on(rows[0]) == "2020-03-03"


def test_act009_the_seed_is_the_minutes_action_list(catalog):
    from metrics.demo.minutes import OPSG29_SOURCE, opsg29_actions

    seed = opsg29_actions(catalog)
    refs = [a["ref"] for a in seed]
    assert refs == ["OPSG 24/02", "OPSG 27/14"] + [f"OPSG 29/{n:02d}" for n in range(1, 23)]
    owners = {a["owner"] for a in seed}
    assert owners == {"DCC", "SECAS", "CSP N", "CSP C&S", "CSP N and CSP C&S", "OPSG members"}
    outstanding = seed[0]
    assert (outstanding["raised_on"], outstanding["target_on"], outstanding["revised_on"]) == (
        "2019-09-03", "2020-02-04", "2020-03-03")  # as minuted
    assert all(a["raised_on"] == "2020-02-04" for a in seed[2:])  # raised at OPSG_29
    assert all(a["status"] == "open" for a in seed) and seed[9]["metrics"] == ("ota_success_rate",)
    assert "\u201cCancelled Internal\u2019 SKU2 (Mesh) hubs\u201d" in seed[10]["text"]  # text as minuted
    assert "OPSG_29" in OPSG29_SOURCE and "public" in OPSG29_SOURCE


def test_act_judgement_day_is_the_moment_viewed():
    from datetime import date, datetime

    from metrics.records.actions import judgement_day

    today = date(2026, 12, 1)
    assert judgement_day("2020-01", None, today) == date(2020, 2, 29)  # the meeting: end of Feb
    assert judgement_day("2020-12", None, today) == date(2021, 1, 31)
    assert judgement_day("2026-12", None, today) == today  # the current month
    assert judgement_day("2026-11", None, today) == today  # its meeting is not yet: never later
    assert judgement_day("2020-01", datetime(2020, 2, 4, 10), today) == date(2020, 2, 4)
    assert judgement_day("2020-01", datetime(2026, 11, 1), today) == date(2020, 2, 29)  # as_of: then
    assert judgement_day(None, None, today) == today
