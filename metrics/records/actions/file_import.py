"""Importing an action log from CSV or XLSX, validated like a figures upload: every error names
the sheet, row, column and value, all are reported together, and nothing is written unless the
whole file is valid. The file is read through metrics/upload/readers.py, as figure uploads are.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field as dc_field

from metrics.catalog import Catalog, normalise_name
from metrics.errors import ErrorLog, UploadError, or_list
from metrics.records.actions.reads import get_action
from metrics.records.actions.validate import LABELS, ActionError, clean_fields
from metrics.records.actions.writes import upsert
from metrics.settings import DEFAULTS
from metrics.store.engine import audit
from metrics.upload import readers

# Header names as the minutes' table and a secretary's spreadsheet write them (matched ignoring
# case, spaces and punctuation).
IMPORT_COLUMNS = {
    "ref": ("Action ID", "ID", "Action ref", "Ref", "Reference", "Action number", "Action no"),
    "text": ("Action", "Action text", "Description", "Actions"),
    "owner": ("Owner", "Action owner", "Responsible", "Who"),
    "raised_on": ("Date raised", "Raised", "Raised on", "Date"),
    "target_on": ("Last target date", "Target date", "Target", "Due", "Due date", "Deadline"),
    "revised_on": ("Revised target date", "Revised target", "Revised date", "Revised"),
    "status": ("Status", "Action status", "State"),
    "month": ("Month", "Reporting month"),
    "metrics": ("Metrics", "Linked metrics", "Metric", "Metric ids"),
    "notes": ("Notes", "Update", "Updates", "Comments", "Progress"),
}
REQUIRED = ("ref", "text", "owner", "raised_on", "target_on")
HEADER_SEARCH = 10
_ALIASES = {normalise_name(alias): field for field, names in IMPORT_COLUMNS.items()
            for alias in (field, *names)}


@dataclass
class ImportReport:
    outcome: str  # accepted | unchanged | rejected
    errors: list = dc_field(default_factory=list)  # UploadError, located
    added: list = dc_field(default_factory=list)
    updated: list = dc_field(default_factory=list)
    unchanged: list = dc_field(default_factory=list)
    ignored_columns: list = dc_field(default_factory=list)

    @property
    def message(self) -> str:
        if self.outcome == "rejected":
            return f"rejected: {len(self.errors)} error(s); nothing was written"
        parts = [f"{len(x)} {w}" for x, w in ((self.added, "added"), (self.updated, "updated"),
                                               (self.unchanged, "unchanged")) if x]
        return f"{self.outcome}: " + (", ".join(parts) or "no actions")


def _records(data: bytes, filename: str, max_bytes: int, log: ErrorLog) -> tuple[str, list]:
    """(sheet name, [(row number, [cell text])]) of the CSV, or of the workbook's action sheet."""
    if len(data) > max_bytes:
        log.add(filename, None, None, None, f"the file is {len(data):,} bytes; the limit is "
                f"{max_bytes:,}")
        return filename, []
    if data[:4] == readers.ZIP_MAGIC:
        problem = readers.xlsx_problem(data, max_bytes)
        if problem:
            log.add(filename, None, None, None, problem)
            return filename, []
        try:
            book = readers.open_workbook(data)
        except Exception as exc:  # openpyxl raises many kinds for a zip that is not a workbook
            log.add(filename, None, None, None, f"not a CSV or XLSX file: the workbook could not "
                    f"be read ({type(exc).__name__}); save it again from Excel as .xlsx")
            return filename, []
        try:
            sheets = sorted(book.worksheets, key=lambda ws: "action" not in ws.title.lower())
            for ws in sheets:
                rows = readers.sheet_rows(ws, log)
                if rows is None:
                    return ws.title, []
                if _header_index(rows) is not None or ws is sheets[-1]:
                    return ws.title, rows
        finally:
            book.close()
    text, _ = readers.decode_text(data)
    if text is None:
        log.add(filename, None, None, None, "not a CSV or XLSX file: upload the action log as a "
                "CSV file or an .xlsx workbook")
        return filename, []
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=readers.delimiter_of(text)))
    except csv.Error as exc:
        log.add(filename, None, None, None, f"the file cannot be read as CSV: {exc}")
        return filename, []
    return filename, list(enumerate(rows, start=1))


def _header_index(rows: list) -> int | None:
    """The first of the first few non-blank rows holding every required column."""
    nonblank = [i for i, (_, cells) in enumerate(rows) if any(str(c).strip() for c in cells)]
    for i in nonblank[:HEADER_SEARCH]:
        found = {_ALIASES.get(normalise_name(c)) for c in rows[i][1]}
        if set(REQUIRED) <= found:
            return i
    return None


def parse_actions(data: bytes, filename: str, catalog: Catalog, *,
                  max_bytes: int = DEFAULTS.max_upload_bytes) -> tuple[list[dict], list[UploadError], list[str]]:
    """(clean actions, located errors, ignored column headers) from a CSV or XLSX action log."""
    log = ErrorLog()
    sheet, rows = _records(data, filename, max_bytes, log)
    if log.total:
        return [], log.finish([sheet], filename), []
    if not any(any(str(c).strip() for c in cells) for _, cells in rows):
        log.add(sheet, None, None, None, "the file is empty")
        return [], log.finish([sheet], filename), []
    index = _header_index(rows)
    if index is None:
        first = next((n, cells) for n, cells in rows if any(str(c).strip() for c in cells))
        found = {_ALIASES.get(normalise_name(c)) for c in first[1]}
        for col in REQUIRED:
            if col not in found:
                log.add(sheet, first[0], LABELS[col], None,
                        f"missing column {LABELS[col]!r} (also accepted: "
                        f"{or_list(IMPORT_COLUMNS[col][:4])})")
        return [], log.finish([sheet], filename), []
    header_row, header = rows[index]
    positions, ignored = {}, []
    for pos, name in enumerate(header):
        key = _ALIASES.get(normalise_name(name))
        if key and key not in positions:
            positions[key] = pos
        elif str(name).strip():
            ignored.append(str(name).strip())
    titles = {f: str(header[p]).strip() for f, p in positions.items()}
    out, seen = [], {}
    for number, cells in rows[index + 1:]:
        if not any(str(c).strip() for c in cells):
            continue
        raw = {f: (cells[p] if p < len(cells) else "") for f, p in positions.items()}
        try:
            fields = clean_fields(catalog, raw)
        except ActionError as exc:
            for fld, value, message in exc.problems:
                log.add(sheet, number, titles.get(fld, LABELS[fld]), value, message)
            continue
        if fields["ref"] in seen:
            log.add(sheet, number, titles["ref"], raw["ref"],
                    f"{fields['ref']} is also on row {seen[fields['ref']]}; each action once")
            continue
        seen[fields["ref"]] = number
        out.append(fields)
    if not out and not log.total:
        log.add(sheet, header_row, None, None, "no actions below the header row")
    return out, log.finish([sheet], filename), ignored


def import_actions(store, catalog: Catalog, data: bytes, filename: str, *, actor: str,
                   dry_run: bool = False, max_bytes: int = DEFAULTS.max_upload_bytes,
                   source: str | None = None) -> ImportReport:
    """Validate the whole file, then add new actions and update changed ones in one transaction."""
    rows, errors, ignored = parse_actions(data, filename, catalog, max_bytes=max_bytes)
    if errors:
        return ImportReport("rejected", errors, ignored_columns=ignored)
    report = ImportReport("accepted", ignored_columns=ignored)
    with store.write() as conn:
        for fields in rows:
            if dry_run:
                current = get_action(conn, fields["ref"])
                kind = "added" if current is None else "updated"
            else:
                kind = upsert(conn, catalog, fields, actor, source or f"import {filename}",
                              f"imported from {filename}")
            getattr(report, kind).append(fields["ref"])
        if not dry_run:
            audit(conn, actor, "actions_imported", filename, added=len(report.added),
                  updated=len(report.updated), unchanged=len(report.unchanged))
    if not report.added and not report.updated:
        report.outcome = "unchanged"
    return report
