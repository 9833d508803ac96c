"""Upload templates: a CSV per dataset, and one XLSX workbook with a sheet per dataset, Examples
and Notes.

A template holds no rows that could be stored: uploaded unchanged, it changes nothing. The CSV is
the header only (every row of a CSV is data, so an example row there would be stored over real
figures). In the workbook each dataset sheet is the header with its cells formatted (months as
text, counts as numbers, rates as percentages, dates as dates); the example rows are on the
Examples sheet, which is not named after a dataset and so is ignored on upload, as Notes is.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from metrics.catalog import Catalog, Dataset
from metrics.errors import UnknownDataset

# Realistic example rows per dataset; a column a row does not give takes the catalog example.
EXAMPLES: dict[str, list[dict[str, str]]] = {
    "incidents": [
        {"month": "2020-01", "category": "1", "count": "0", "change_related": "0"},
        {"month": "2020-01", "category": "2", "count": "3", "change_related": "1"},
        {"month": "2020-01", "category": "3", "count": "12", "change_related": "2"},
    ],
    "ota_firmware": [
        {"month": "2020-01", "csp_region": "North", "attempted": "120,000",
         "succeeded": "104,484", "success_rate": "87.07%"},
        {"month": "2020-01", "csp_region": "Central", "attempted": "95,000",
         "succeeded": "94,050", "success_rate": "99.00%"},
        {"month": "2020-01", "csp_region": "South", "attempted": "88,000",
         "succeeded": "86,240", "success_rate": "98.00%"},
    ],
    "alerts": [
        {"month": "2020-01", "csp_region": "North", "smets_generation": "SMETS2",
         "alert_code": "8F3E", "count": "31,000", "superfluous": "3,100"},
        {"month": "2020-01", "csp_region": "North", "smets_generation": "SMETS1",
         "alert_code": "8F0A", "count": "12,450", "superfluous": "900"},
        {"month": "2020-01", "csp_region": "Central", "smets_generation": "SMETS2",
         "alert_code": "8F3E", "count": "27,800", "superfluous": "2,050"},
    ],
    "ch_exceptions": [
        {"month": "2020-01", "csp_region": "North", "exception_type": "No or incomplete address",
         "count": "1,250"},
        {"month": "2020-01", "csp_region": "Central", "exception_type": "No WAN coverage",
         "count": "2,310"},
        {"month": "2020-01", "csp_region": "South", "exception_type": "No WAN coverage",
         "count": "480"},
    ],
    "aged_incidents": [
        {"month": "2020-01", "reason": "Incorrect or no credentials", "count": "120",
         "assigned_to": "Service Users"},
        {"month": "2020-01", "reason": "Awaiting CSP investigation", "count": "85",
         "assigned_to": "DCC"},
    ],
    "ch_returns": [
        {"month": "2020-01", "csp_region": "North", "returned": "160", "triaged": "120",
         "no_fault_found": "40", "far_issued": "90"},
        {"month": "2020-01", "csp_region": "Central & South", "returned": "210", "triaged": "150",
         "no_fault_found": "55", "far_issued": "120"},
    ],
    "smets1_migration": [
        {"month": "2020-01", "device_model": "Elster", "migrated": "31,000", "failed": "450"},
        {"month": "2020-01", "device_model": "Itron", "migrated": "12,500", "failed": "180"},
    ],
    "ch_installs": [
        {"month": "2020-01", "csp_region": "North", "installed": "82,000",
         "commissioned_total": "3,150,000"},
        {"month": "2020-01", "csp_region": "Central", "installed": "95,500",
         "commissioned_total": "3,620,000"},
        {"month": "2020-01", "csp_region": "South", "installed": "71,200",
         "commissioned_total": "2,730,000"},
    ],
    "annotations": [
        {"date": "2020-01-31", "title": "Fibre cable incident", "detail":
         "Latency rose; DCC infrastructure stayed up.", "metric": "incidents_total",
         "csp_region": "North"},
        {"date": "2020-02-14", "title": "Firmware release to SMETS2 CHs", "detail": "",
         "metric": "ota_success_rate", "csp_region": ""},
    ],
}


def example_rows(catalog: Catalog, dataset: str) -> list[dict[str, str]]:
    """The template's example rows for a dataset, as text keyed by canonical column name."""
    ds = catalog.datasets[dataset]
    rows = EXAMPLES.get(dataset) or [{}]
    return [{c.name: row.get(c.name, c.example) for c in ds.columns} for row in rows]


def template_csv(catalog: Catalog, dataset: str) -> bytes:
    """A CSV template: the canonical header only (UTF-8, CRLF like Excel). No example rows: any
    row of a CSV is data, and an example month would replace that month's stored figures."""
    ds = catalog.datasets[dataset]
    buf = io.StringIO()
    csv.writer(buf).writerow([c.name for c in ds.columns])
    return buf.getvalue().encode("utf-8")


def _cell(ctype: str, text: str, enum: bool = False):
    """(value, number format) for an example value in the workbook."""
    if not text:
        return None, None
    if enum and text.isdigit():  # incident category 2: a number, as a user would type it
        return int(text), "0"
    if ctype == "count":
        return int(text.replace(",", "")), "#,##0"
    if ctype == "percent":
        return round(float(text.rstrip("%")) / 100, 10), "0.00%"
    if ctype == "date":
        return date.fromisoformat(text), "yyyy-mm-dd"
    return text, "@"


def _sheet(book, catalog: Catalog, ds: Dataset, bold) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = book.create_sheet(ds.name)
    ws.append([c.name for c in ds.columns])
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    rows = example_rows(catalog, ds.name)
    for j, col in enumerate(ds.columns, start=1):
        letter = get_column_letter(j)
        width = max([len(col.name), *(len(row[col.name]) for row in rows)])
        ws.column_dimensions[letter].width = min(max(width + 3, 12), 60)
        dim = catalog.dimensions.get(col.name)
        _, fmt = _cell(col.type, rows[0][col.name] or "0", dim is not None and dim.kind == "enum")
        if col.type in ("month", "dimension", "text") and col.name != "category":
            fmt = "@"  # typed months stay text
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
        dim = catalog.dimensions.get(col.name)
        if col.type == "dimension" and dim is not None and dim.kind == "enum":
            choices = ",".join(dim.all_values)
            if len(choices) < 250:
                check = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                       showErrorMessage=False)
                check.add(f"{letter}2:{letter}5000")
                ws.add_data_validation(check)


EXAMPLES_SHEET = "Examples"


def _examples(book, catalog: Catalog, names: list[str], bold, italic) -> None:
    """One block per dataset: its name, the header and the example rows, in the forms a
    spreadsheet user types them (this sheet is ignored on upload)."""
    ws = book.create_sheet(EXAMPLES_SHEET)
    ws.append(["Example rows, to show the forms each column takes. This sheet is ignored on upload: "
               "type your figures on the sheet named after the dataset."])
    ws["A1"].font = italic
    for name in names:
        ds = catalog.datasets[name]
        ws.append([])
        ws.append([f"{name} — {ds.title}"])
        ws.cell(row=ws.max_row, column=1).font = bold
        ws.append([c.name for c in ds.columns])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for row in example_rows(catalog, name):
            ws.append([None] * len(ds.columns))
            for j, col in enumerate(ds.columns, start=1):
                dim = catalog.dimensions.get(col.name)
                value, fmt = _cell(col.type, row[col.name], dim is not None and dim.kind == "enum")
                cell = ws.cell(row=ws.max_row, column=j, value=value)
                if fmt:
                    cell.number_format = fmt
    for j in range(1, 7):
        ws.column_dimensions[chr(64 + j)].width = 22


def template_xlsx(catalog: Catalog, datasets: list[str] | None = None) -> bytes:
    """A workbook with one sheet per dataset (the header, cells formatted, no rows), an Examples
    sheet and a Notes sheet (both ignored on upload)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    names = list(datasets or catalog.datasets)
    for name in names:
        if name not in catalog.datasets:
            raise UnknownDataset(name)
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name in names:
        _sheet(book, catalog, catalog.datasets[name], bold)
    _examples(book, catalog, names, bold, Font(italic=True))
    notes = book.create_sheet("Notes")
    notes.append(["One sheet per dataset, named after it. Header names may be any of the accepted "
                  "headers below; the first row of each sheet is the header. Optional columns may "
                  "be left out or left empty. A sheet left empty changes nothing. The Examples and "
                  "Notes sheets are ignored on upload."])
    notes["A1"].font = Font(italic=True)
    notes.append([])
    notes.append(["dataset", "column", "required", "description", "accepted headers", "example"])
    for cell in notes[3]:
        cell.font = bold
    for name in names:
        ds = catalog.datasets[name]
        for col in ds.columns:
            notes.append([name, col.name, "required" if col.name in ds.required else "optional",
                          col.description, ", ".join((col.name, *col.aliases)), col.example])
    for letter, width in zip("ABCDEF", (18, 20, 10, 70, 60, 28)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=4, min_col=4, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for sheet in book.worksheets:  # catalog text stays text: "=…" in a title is no formula
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
