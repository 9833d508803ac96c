"""Reading is bounded before anything is materialised (issue 9.4), and damaged workbooks are located
errors (9.5): each limit of ``limits.Limits`` gives an error naming its sheet, row and column."""
from __future__ import annotations

import pytest

from metrics.upload import limits
from metrics.upload.validate import parse_upload
from metrics.upload.limits import LIMITS, Limits
from tests.badfiles import (GOOD_INCIDENTS, SHEET, csv_bytes, dangling_shared_string_xlsx,
                            replace_member, sheet_xml, truncated_sheet_xlsx, xlsx_bytes)


def located(result):
    return [(e.sheet, e.row, e.column, e.message) for e in result.errors]


def test_lim001_xlsx_rows_are_read_only_to_the_cells_they_have(catalog):
    """A far cell that holds nothing (a formatted blank, as Excel writes) costs nothing; a value in
    the last allowed column is read; one column further is refused where it is."""
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>month</t></is></c>'
            b'<c r="B1" t="inlineStr"><is><t>category</t></is></c>'
            b'<c r="C1" t="inlineStr"><is><t>count</t></is></c><c r="XFD1" s="0"/></row>'
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>2020-01</t></is></c><c r="B2"><v>1</v></c>'
            b'<c r="C2"><v>4</v></c><c r="GR2" t="inlineStr"><is><t>note</t></is></c></row>')
    book = replace_member(xlsx_bytes({"incidents": GOOD_INCIDENTS}), SHEET, sheet_xml(rows))
    result = parse_upload(book, "x.xlsx", catalog)
    assert result.ok, located(result)
    assert result.tables["incidents"]["count"].tolist() == [4.0]
    assert any("column GR has values but no header" in w for w in result.warnings)
    far = replace_member(book, SHEET, sheet_xml(rows.replace(b"GR2", b"GS2")))
    assert located(parse_upload(far, "x.xlsx", catalog)) == [
        ("incidents", 2, "GS", "row 2 uses column GS; at most 200 columns (A to GR) are read — "
                               "delete the columns beyond")]


def test_lim002_rows_past_the_limit_are_refused_where_they_start(catalog, monkeypatch):
    rows = b'<row r="1000001"><c r="A1000001"><v>1</v></c></row>'
    book = replace_member(xlsx_bytes({"incidents": GOOD_INCIDENTS}), SHEET, sheet_xml(rows))
    assert located(parse_upload(book, "x.xlsx", catalog)) == [
        ("incidents", 1_000_001, None, "the sheet goes on past row 1,000,000, the most that is "
                                       "read; split it into several uploads")]
    monkeypatch.setattr(limits, "LIMITS", Limits(rows=5))
    text = csv_bytes("month,category,count", *[f"2020-0{m},1,1" for m in range(1, 6)])
    assert [(s, r) for s, r, _, _ in located(parse_upload(text, "i.csv", catalog))] == [("i.csv", 6)]
    assert parse_upload(text[:-len("2020-05,1,1\r\n")], "i.csv", catalog).ok


def test_lim003_cells_per_upload(catalog, monkeypatch):
    monkeypatch.setattr(limits, "LIMITS", Limits(cells=30))
    rows = [["month", "category", "count"]] + [["2020-01", c, c] for c in range(1, 6)]
    assert parse_upload(xlsx_bytes({"incidents": rows}), "x.xlsx", catalog).ok  # 18 cells
    data = xlsx_bytes({"incidents": rows + [[f"2020-{m:02d}", 1, 1] for m in range(2, 7)]})
    errors = located(parse_upload(data, "x.xlsx", catalog))
    assert errors == [("incidents", 11, None, "the upload holds more than 30 cells (counting each "
                       "row up to its last value); split it, or upload one dataset at a time")]
    text = csv_bytes("month,category,count", *[f"2020-01,{c},{c}" for c in range(1, 11)])
    assert [(s, r) for s, r, _, _ in located(parse_upload(text, "i.csv", catalog))] == [("i.csv", 11)]


def test_lim004_characters_per_cell_and_per_csv_row(catalog):
    # openpyxl cuts what it writes to Excel's limit, so the long cell is written by hand
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>date</t></is></c>'
            b'<c r="B1" t="inlineStr"><is><t>title</t></is></c></row>'
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>2020-01-31</t></is></c>'
            b'<c r="B2" t="inlineStr"><is><t>' + b"x" * (LIMITS.cell_chars + 1) + b"</t></is></c></row>")
    book = replace_member(xlsx_bytes({"annotations": [["date"]]}), SHEET, sheet_xml(rows))
    assert located(parse_upload(book, "x.xlsx", catalog)) == [
        ("annotations", 2, "B", "the cell holds 32,768 characters; at most 32,767 are read")]
    huge = csv_bytes("date,title,detail", '2020-01-31,Cut,"' + "y" * 200_000 + '"')
    assert [(s, r) for s, r, _, m in located(parse_upload(huge, "n.csv", catalog))
            if "characters" in m] == [("n.csv", 2)]
    row = csv_bytes("month,category,count", "2020-01,1," + "1" * (LIMITS.row_chars + 10))
    assert [(s, r, c) for s, r, c, m in located(parse_upload(row, "i.csv", catalog))
            if "longer than 1,000,000 characters" in m] == [("i.csv", 2, None)]


def test_lim005_a_quoted_line_break_does_not_hide_a_long_row(catalog):
    """A record spread over many physical lines by quoted line breaks still counts as one row."""
    spread = "2020-01,1,1," + '"a\n",' * 300_000
    errors = located(parse_upload(csv_bytes("month,category,count", spread), "i.csv", catalog))
    assert [(s, r) for s, r, _, m in errors if "longer than" in m] == [("i.csv", 2)]


@pytest.mark.parametrize("build, where", [
    (truncated_sheet_xlsx, ("incidents", None, None)),
    (dangling_shared_string_xlsx, ("incidents", 3, "A")),
])
def test_lim006_damaged_workbooks_are_located_errors(catalog, build, where):
    result = parse_upload(build(), "monthly.xlsx", catalog)
    assert [(s, r, c) for s, r, c, _ in located(result)] == [where]
    message = result.errors[0].message
    assert message.startswith("the file is damaged (") and message.endswith(
        "); save it again from Excel")


def test_lim007_a_negative_shared_string_index_is_damage_not_another_string(catalog):
    book = dangling_shared_string_xlsx().replace(b"<v>99</v>", b"<v>-1</v>")
    assert [(s, r, c) for s, r, c, _ in located(parse_upload(book, "m.xlsx", catalog))] == [
        ("incidents", 3, "A")]
