"""A corpus of bad uploads, built by code, each with the located errors it must produce.

Plain module (no fixtures) so other suites can replay it through ingest and HTTP and check that
nothing is written: ``for bad in bad_files(catalog): ...``. Each ``expected`` entry is
(sheet, row, column, message substring); column None means the error names no column. The two
big ones (over the size limit, zip bomb) are built once per process and cached.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from metrics.settings import DEFAULTS

DEFAULT_MAX_BYTES = DEFAULTS.max_upload_bytes


@dataclass(frozen=True)
class BadFile:
    name: str
    filename: str
    data: bytes
    dataset: str | None
    expected: list[tuple[str, int | None, str | None, str]]

    def __repr__(self) -> str:  # keep pytest ids and failure output short
        return f"BadFile({self.name!r}, {self.filename!r}, {len(self.data):,} bytes)"


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_bytes(sheets: dict[str, list[list]],
               formats: dict[tuple[str, str], str] | None = None) -> bytes:
    """A workbook with the given sheets (rows of values); formats: {(sheet, 'B2'): '0.00%'}."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    for (title, ref), fmt in (formats or {}).items():
        book[title][ref].number_format = fmt
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def replace_member(data: bytes, member: str, content: bytes) -> bytes:
    """The same zip with one member's content replaced (or added when it is not there)."""
    return edit_members(data, {member: content})


def edit_members(data: bytes, members: dict[str, bytes]) -> bytes:
    """The same zip with the given members' contents replaced, and any new ones added."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, members.get(info.filename, src.read(info)))
        for name, content in members.items():
            if name not in src.namelist():
                dst.writestr(name, content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(rows: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN_NS
            + b'"><sheetData>' + rows + b"</sheetData></worksheet>")


@lru_cache(maxsize=1)
def xfd_xlsx() -> bytes:
    """A ~106 KB incidents workbook with one cell in column XFD (the last) on each of 20,000 rows:
    openpyxl's read-only reader pads every row to 16,384 cells (2.9 GB, then MemoryError)."""
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (i, i)
                    for i in range(1, 20_001))
    return replace_member(xlsx_bytes({"incidents": GOOD_INCIDENTS}), SHEET, sheet_xml(rows))


@lru_cache(maxsize=1)
def wide_csv() -> bytes:
    """A 5 MB incidents CSV whose one data row holds five million (mostly empty) fields: pandas
    makes a column of each."""
    return b"month,category,count\r\n2020-01,1,0" + b"," * 4_999_997 + b"\r\n"


def truncated_sheet_xlsx() -> bytes:
    """A real workbook whose incidents sheet XML ends early (cut inside row 3)."""
    book = xlsx_bytes({"incidents": GOOD_INCIDENTS})
    xml = zipfile.ZipFile(io.BytesIO(book)).read(SHEET)
    return replace_member(book, SHEET, xml[: xml.index(b'<row r="3"') + 20])


def dangling_shared_string_xlsx() -> bytes:
    """A real workbook given a shared-string table, with a cell pointing at string 99 of 4."""
    book = xlsx_bytes({"incidents": GOOD_INCIDENTS})
    src = zipfile.ZipFile(io.BytesIO(book))
    strings = b"".join(b"<si><t>%s</t></si>" % t for t in (b"month", b"category", b"count",
                                                          b"2020-01"))
    rel = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/>')
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    rows = (b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
            b'<c r="C1" t="s"><v>2</v></c></row>'
            b'<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>1</v></c><c r="C2"><v>0</v></c></row>'
            b'<row r="3"><c r="A3" t="s"><v>99</v></c><c r="B3"><v>2</v></c><c r="C3"><v>3</v></c></row>')
    return edit_members(book, {
        SHEET: sheet_xml(rows),
        "xl/sharedStrings.xml": b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN_NS
        + b'" count="4" uniqueCount="4">' + strings + b"</sst>",
        "xl/_rels/workbook.xml.rels": src.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>", rel + b"</Relationships>"),
        "[Content_Types].xml": src.read("[Content_Types].xml").replace(b"</Types>",
                                                                       override + b"</Types>"),
    })


GOOD_INCIDENTS = [["month", "category", "count"], ["2020-01", 1, 0], ["2020-01", 2, 3]]
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10))
    + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>")


@lru_cache(maxsize=1)
def oversized_csv() -> bytes:
    """A valid incidents CSV just over the default 20 MB limit."""
    line = b"2020-01,3,12\r\n"
    return b"month,category,count\r\n" + line * (DEFAULT_MAX_BYTES // len(line) + 1)


@lru_cache(maxsize=1)
def zip_bomb_xlsx() -> bytes:
    """A ~1 MB workbook whose sheet XML unpacks to ~218 MB (over the 200 MB ceiling)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main">')
            chunk = b" " * (8 << 20)
            for _ in range(26):
                fh.write(chunk)
            fh.write(b"</worksheet>")
    return buf.getvalue()


def bad_files(catalog=None) -> list[BadFile]:
    """Every bad-input kind the parser must reject, with the errors it must locate.

    ``catalog`` is accepted for callers' convenience; the corpus uses the shipped catalog's names.
    """
    ota_head = "Month,CSP Region,Attempted,Succeeded,Success rate"
    half_valid = xlsx_bytes({"incidents": GOOD_INCIDENTS, "OTA Firmware": [
        ["month", "csp_region", "attempted", "succeeded"],
        ["2020-01", "North", 100, 90], ["2020-01", "Sotuh", 100, 90]]})
    template_like = xlsx_bytes({"incidents": GOOD_INCIDENTS})
    return [
        BadFile("unknown_region", "ota.csv", csv_bytes(
            ota_head, '2020-01,North,"120,000","104,484",87.07%', "2020-01,Nroth,100,90,"),
            None, [("ota.csv", 3, "CSP Region", "'Nroth' is not a CSP region"),
                   ("ota.csv", 3, "CSP Region", "did you mean North?")]),
        BadFile("negative_count", "incidents.csv", csv_bytes(
            "month,category,count", "2020-01,1,0", "2020-01,2,-3"),
            None, [("incidents.csv", 3, "count", "'-3' is negative")]),
        BadFile("rate_above_100", "ota.csv", csv_bytes(ota_head, "2020-01,North,100,100,101%"),
                None, [("ota.csv", 2, "Success rate", "above 100%")]),
        BadFile("succeeded_over_attempted", "ota.csv",
                csv_bytes(ota_head, "2020-01,South,100,105,"), None,
                [("ota.csv", 2, "Succeeded", "succeeded (105) is more than attempted (100)")]),
        BadFile("duplicate_key", "alerts.csv", csv_bytes(
            "month,csp_region,smets_generation,alert_code,count",
            "2020-01,North,SMETS2,8F3E,10", "2020-01,South,SMETS2,8F3E,4",
            "Jan-20,CSP N,S2,8f3e,12"),
            None, [("alerts.csv", 4, "month", "row 4 repeats row 2")]),
        BadFile("unparseable_month", "incidents.csv", csv_bytes(
            "month,category,count", "Jnauary 2020,1,0"),
            None, [("incidents.csv", 2, "month", "'Jnauary 2020' is not a month")]),
        BadFile("missing_required_column", "ota.csv", csv_bytes(
            "Month,CSP Region,Attempted", "2020-01,North,100"),
            "ota_firmware", [("ota.csv", 1, "succeeded", "missing required column succeeded")]),
        BadFile("empty_file", "empty.csv", b"", None,
                [("empty.csv", None, None, "the file is empty")]),
        BadFile("blank_lines_only", "blank.csv", b"\r\n \r\n", None,
                [("blank.csv", None, None, "the file is empty")]),
        BadFile("header_only", "incidents.csv", csv_bytes("month,category,count"),
                None, [("incidents.csv", 1, None, "no data rows")]),
        BadFile("png_not_a_table", "chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
                None, [("chart.png", None, None, "not a CSV or XLSX file")]),
        BadFile("old_xls", "figures.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
                None, [("figures.xls", None, None, "old Excel .xls")]),
        BadFile("over_size_limit", "big.csv", oversized_csv(),
                None, [("big.csv", None, None, "over the limit of 20,000,000 bytes")]),
        BadFile("success_rate_disagrees", "ota.csv", csv_bytes(
            ota_head, '2020-01,North,"120,000","104,484",87.10%'),
            None, [("ota.csv", 2, "Success rate",
                    "does not agree with 100 × succeeded ÷ attempted")]),
        BadFile("non_whole_count", "incidents.csv", csv_bytes(
            "month,category,count", "2020-01,2,2.5"),
            None, [("incidents.csv", 2, "count", "'2.5' is not a whole number")]),
        BadFile("unrecognised_columns", "mystery.csv", csv_bytes("Foo,Bar,Baz", "1,2,3"),
                None, [("mystery.csv", 1, None, "fit no dataset")]),
        BadFile("missing_value", "alerts.csv", csv_bytes(
            "month,csp_region,smets_generation,alert_code,count", "2020-01,,SMETS2,8F3E,10"),
            None, [("alerts.csv", 2, "csp_region", "csp_region is missing")]),
        BadFile("rollup_and_part", "ch_installs.csv", csv_bytes(
            "month,csp_region,installed", "2020-01,Central & South,100", "2020-01,Central,40"),
            None, [("ch_installs.csv", 3, "csp_region", "Central and Central & South (row 2)")]),
        BadFile("duplicate_header", "incidents.csv", csv_bytes(
            "month,category,count,Volume", "2020-01,1,0,0"),
            None, [("incidents.csv", 1, "Volume", "both give count")]),
        BadFile("control_character", "annotations.csv", csv_bytes(
            "date,title", "2020-01-31,Fibre\x07 cut"),
            None, [("annotations.csv", 2, "title", "control")]),
        BadFile("unknown_metric", "annotations.csv", csv_bytes(
            "date,title,metric", "2020-01-31,Fibre cut,incidents_totl"),
            None, [("annotations.csv", 2, "metric", "did you mean incidents_total?")]),
        BadFile("half_valid_workbook", "monthly.xlsx", half_valid,
                None, [("OTA Firmware", 3, "csp_region", "did you mean South?")]),
        BadFile("entity_expansion_xlsx", "lol.xlsx",
                replace_member(template_like, "xl/worksheets/sheet1.xml", BILLION_LAUGHS),
                None, [("lol.xlsx", None, None, "entity-expansion")]),
        BadFile("zip_bomb_xlsx", "bomb.xlsx", zip_bomb_xlsx(),
                None, [("bomb.xlsx", None, None, "zip bomb")]),
        BadFile("damaged_zip", "broken.xlsx", template_like[:200],
                None, [("broken.xlsx", None, None, "damaged")]),
        BadFile("xlsx_cell_in_column_xfd", "xfd.xlsx", xfd_xlsx(),
                None, [("incidents", 1, "XFD", "uses column XFD; at most 200 columns")]),
        BadFile("csv_one_row_of_five_million_fields", "wide.csv", wide_csv(),
                None, [("wide.csv", 2, None, "longer than 1,000,000 characters")]),
        BadFile("csv_too_many_columns", "incidents.csv", csv_bytes(
            "month,category,count", "2020-01,1,0" + ",1" * 300),
            None, [("incidents.csv", 2, "KQ", "at most 200 columns")]),
        BadFile("csv_cell_too_long", "annotations.csv", csv_bytes(
            "date,title,detail", "2020-01-31,Fibre cut," + "x" * 40_000),
            None, [("annotations.csv", 2, "C", "holds 40,000 characters; at most 32,767")]),
        BadFile("count_above_10_to_the_12", "incidents.csv", csv_bytes(
            "month,category,count", "2020-01,1,99999999999999999999999999999",
            "2020-01,2,9007199254740993", "2020-01,3,1000000000001"),
            None, [("incidents.csv", 2, "count", "'99999999999999999999999999999' is more than "
                    "1,000,000,000,000"),
                   ("incidents.csv", 3, "count", "'9007199254740993' is more than"),
                   ("incidents.csv", 4, "count", "'1000000000001' is more than")]),
        BadFile("count_not_whole_past_float_precision", "incidents.csv", csv_bytes(
            "month,category,count", "2020-01,1,1.0000000000000000001"),
            None, [("incidents.csv", 2, "count", "is not a whole number")]),
        BadFile("xlsx_sheet_xml_ends_early", "cut.xlsx", truncated_sheet_xlsx(),
                None, [("incidents", None, None, "the file is damaged")]),
        BadFile("xlsx_shared_string_points_nowhere", "dangling.xlsx", dangling_shared_string_xlsx(),
                None, [("incidents", 3, "A", "the file is damaged")]),
        BadFile("unknown_dataset_named", "ota.csv", csv_bytes(ota_head, "2020-01,North,100,90,90%"),
                "ota", [("ota.csv", None, None, "unknown dataset 'ota'")]),
    ]
