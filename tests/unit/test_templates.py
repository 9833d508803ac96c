"""Upload templates: realistic examples that parse back cleanly, and a workbook with Notes."""
import io

import pytest
from openpyxl import load_workbook

from metrics.parsing import parse_upload
from metrics.templates import template_csv, template_xlsx


@pytest.mark.parametrize("dataset", ["incidents", "ota_firmware", "alerts", "ch_exceptions",
                                     "aged_incidents", "ch_returns", "smets1_migration",
                                     "ch_installs", "annotations"])
def test_tpl001_csv_template_parses_back_and_is_recognised(catalog, dataset):
    data = template_csv(catalog, dataset)
    lines = data.decode().splitlines()
    assert lines[0] == ",".join(c.name for c in catalog.datasets[dataset].columns)
    assert 3 <= len(lines) <= 4
    result = parse_upload(data, f"{dataset}.csv", catalog)
    assert result.ok, [str(e) for e in result.errors]
    assert list(result.tables) == [dataset] and not result.warnings


def test_tpl002_xlsx_template_parses_back_with_no_errors(catalog):
    result = parse_upload(template_xlsx(catalog), "template.xlsx", catalog)
    assert result.ok, [str(e) for e in result.errors]
    assert set(result.tables) == set(catalog.datasets)
    assert result.ignored_sheets == ["Notes"] and not result.warnings
    ota = result.tables["ota_firmware"].iloc[0]
    assert (ota["month"], ota["attempted"], ota["succeeded"]) == ("2020-01", 120000, 104484)


def test_tpl003_xlsx_layout(catalog):
    book = load_workbook(io.BytesIO(template_xlsx(catalog)))
    assert book.sheetnames == [*catalog.datasets, "Notes"]
    ota = book["ota_firmware"]
    assert [c.value for c in ota[1]] == ["month", "csp_region", "attempted", "succeeded", "success_rate"]
    assert all(c.font.bold for c in ota[1])
    assert ota["A2"].value == "2020-01" and ota["A2"].number_format == "@"
    assert ota["E2"].value == pytest.approx(0.8707) and "%" in ota["E2"].number_format
    assert ota.column_dimensions["B"].width >= 12
    notes = book["Notes"]
    rows = [[c.value for c in row] for row in notes.iter_rows(min_row=3)]
    assert rows[0] == ["dataset", "column", "required", "description", "accepted headers", "example"]
    region = next(r for r in rows if r[:2] == ["ota_firmware", "csp_region"])
    assert region[2] == "required" and "CSP Region" in region[4] and region[5] == "North"
    assert sum(1 for r in rows[1:] if r[0]) == sum(len(d.columns) for d in catalog.datasets.values())


def test_tpl004_xlsx_template_for_some_datasets(catalog):
    data = template_xlsx(catalog, ["ota_firmware", "annotations"])
    assert load_workbook(io.BytesIO(data)).sheetnames == ["ota_firmware", "annotations", "Notes"]
    result = parse_upload(data, "t.xlsx", catalog)
    assert result.ok and set(result.tables) == {"ota_firmware", "annotations"}
    with pytest.raises(KeyError):
        template_xlsx(catalog, ["nope"])
