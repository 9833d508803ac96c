"""Upload templates: no rows that could be stored, example rows on an ignored Examples sheet that
parse back cleanly once copied onto the dataset sheets, and a workbook with Notes."""
import io

import pytest
from openpyxl import load_workbook

from metrics.upload.validate import parse_upload
from metrics.upload.templates import EXAMPLES_SHEET, example_rows, template_csv, template_xlsx


def filled_in(data: bytes) -> bytes:
    """The workbook with each Examples block copied onto its dataset sheet (values and formats),
    as a user following the examples would type them."""
    book = load_workbook(io.BytesIO(data))
    examples = list(book[EXAMPLES_SHEET].iter_rows())
    target = None
    for row in examples[1:]:
        first = row[0].value
        if first is None:
            target = None
        elif isinstance(first, str) and " — " in first:
            target, header = book[first.split(" — ")[0]], True
        elif target is not None and header:
            header = False  # the block's header row, the same as the sheet's
        elif target is not None:
            r = target.max_row + 1
            for j, cell in enumerate(row[:target.max_column], start=1):
                copy = target.cell(row=r, column=j, value=cell.value)
                copy.number_format = cell.number_format
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("dataset", ["incidents", "ota_firmware", "alerts", "ch_exceptions",
                                     "aged_incidents", "ch_returns", "smets1_migration",
                                     "ch_installs", "annotations"])
def test_tpl001_csv_template_is_the_header_only_and_is_recognised(catalog, dataset):
    data = template_csv(catalog, dataset)
    columns = [c.name for c in catalog.datasets[dataset].columns]
    assert data.decode().splitlines() == [",".join(columns)]  # no row that could be stored
    assert not parse_upload(data, f"{dataset}.csv", catalog).tables
    example = "\r\n".join('"' + '","'.join(row[c] for c in columns) + '"'
                           for row in example_rows(catalog, dataset))
    result = parse_upload(data + example.encode(), f"{dataset}.csv", catalog)
    assert result.ok, [str(e) for e in result.errors]
    assert list(result.tables) == [dataset] and not result.warnings


def test_tpl002_xlsx_template_holds_no_rows_and_its_examples_parse_back(catalog):
    result = parse_upload(template_xlsx(catalog), "template.xlsx", catalog)
    assert not any(len(t) for t in result.tables.values())  # nothing that could be stored
    assert result.ignored_sheets == [EXAMPLES_SHEET, "Notes"]
    assert all("no data rows" in e.message for e in result.errors)
    result = parse_upload(filled_in(template_xlsx(catalog)), "template.xlsx", catalog)
    assert result.ok, [str(e) for e in result.errors]
    assert set(result.tables) == set(catalog.datasets) and not result.warnings
    ota = result.tables["ota_firmware"].iloc[0]
    assert (ota["month"], ota["attempted"], ota["succeeded"]) == ("2020-01", 120000, 104484)


def test_tpl003_xlsx_layout(catalog):
    book = load_workbook(io.BytesIO(template_xlsx(catalog)))
    assert book.sheetnames == [*catalog.datasets, EXAMPLES_SHEET, "Notes"]
    ota = book["ota_firmware"]
    assert [c.value for c in ota[1]] == ["month", "csp_region", "attempted", "succeeded", "success_rate"]
    assert all(c.font.bold for c in ota[1]) and ota.max_row == 1
    assert ota.column_dimensions["A"].number_format == "@"  # a typed month stays text
    assert "%" in ota.column_dimensions["E"].number_format
    assert ota.column_dimensions["B"].width >= 12
    examples = [[c.value for c in row] for row in book[EXAMPLES_SHEET].iter_rows()]
    at = next(i for i, r in enumerate(examples) if str(r[0]).startswith("ota_firmware — "))
    assert examples[at + 1][:5] == ["month", "csp_region", "attempted", "succeeded", "success_rate"]
    assert examples[at + 2][0] == "2020-01" and examples[at + 2][4] == pytest.approx(0.8707)
    assert "%" in book[EXAMPLES_SHEET].cell(row=at + 3, column=5).number_format
    notes = book["Notes"]
    rows = [[c.value for c in row] for row in notes.iter_rows(min_row=3)]
    assert rows[0] == ["dataset", "column", "required", "description", "accepted headers", "example"]
    region = next(r for r in rows if r[:2] == ["ota_firmware", "csp_region"])
    assert region[2] == "required" and "CSP Region" in region[4] and region[5] == "North"
    assert sum(1 for r in rows[1:] if r[0]) == sum(len(d.columns) for d in catalog.datasets.values())


def test_tpl004_xlsx_template_for_some_datasets(catalog):
    data = template_xlsx(catalog, ["ota_firmware", "annotations"])
    assert load_workbook(io.BytesIO(data)).sheetnames == ["ota_firmware", "annotations", EXAMPLES_SHEET,
                                                          "Notes"]
    result = parse_upload(filled_in(data), "t.xlsx", catalog)
    assert result.ok and set(result.tables) == {"ota_firmware", "annotations"}
    with pytest.raises(KeyError):
        template_xlsx(catalog, ["nope"])
