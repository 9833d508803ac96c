"""Read an uploaded CSV or XLSX into one canonical table per dataset, collecting every error.

``readers`` turns the file into sheets of text (and refuses unsafe workbooks); this module
recognises each sheet's dataset and validates every cell. Any error empties ``tables``: one
upload is one transaction. Row numbers are the
spreadsheet's: the header is row 1 unless title rows sit above it, and blank rows still count.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from metrics.catalog import Catalog, Dataset
from metrics.errors import ErrorLog, UploadError, did_you_mean, or_list, quoted
from metrics.upload.readers import (NOT_A_TABLE, OLE_MAGIC, ZIP_MAGIC, Match, Sheet, column_letter,
    header_key, match_header, megabytes, read_csv, read_xlsx)
from metrics.settings import DEFAULTS
from metrics.upload.cells import number_text
from metrics.upload.columns import check_columns


@dataclass
class ParsedUpload:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    errors: list[UploadError] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)  # dataset sheets with no data rows
    sheets: dict[str, str] = field(default_factory=dict)  # dataset -> sheet name (CSV: file name)
    warnings: list[str] = field(default_factory=list)  # notices shown with the result

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_upload(data: bytes, filename: str, catalog: Catalog, dataset: str | None = None,
                 max_bytes: int = DEFAULTS.max_upload_bytes) -> ParsedUpload:
    """Parse and validate one upload; see the module docstring."""
    name = PurePath(str(filename or "upload").replace("\\", "/")).name or "upload"
    out, log = ParsedUpload(), ErrorLog()
    sheets: list[Sheet] = []
    if dataset is not None and dataset not in catalog.datasets:
        log.add(name, None, None, dataset, f"unknown dataset '{dataset}' (expected "
                f"{or_list(catalog.datasets)})")
    elif len(data) > max_bytes:
        log.add(name, None, None, None, f"the file is {len(data):,} bytes, over the limit of "
                f"{max_bytes:,} bytes ({megabytes(max_bytes)}); split it, or upload one dataset at a "
                "time")
    elif not data.strip():
        log.add(name, None, None, None, "the file is empty")
    elif data[:4] == ZIP_MAGIC:
        _name_disagrees(name, ".xlsx", out.warnings)
        sheets = read_xlsx(data, name, catalog, dataset, max_bytes, out.ignored_sheets, log)
    elif data[:8] == OLE_MAGIC:
        log.add(name, None, None, None, f"{NOT_A_TABLE}: it looks like an old Excel .xls (or a "
                "password-protected) workbook; save it as .xlsx or CSV without a password")
    else:
        sheets = read_csv(data, name, catalog, dataset, log)
        if sheets:
            _name_disagrees(name, ".csv", out.warnings)
    empty: list[tuple[Sheet, Dataset]] = []
    for sheet in sheets:
        ds = _sheet_dataset(sheet, catalog, log)
        if ds is None:
            continue
        if ds.name in out.sheets:
            log.add(sheet.name, None, None, None, f"sheets '{out.sheets[ds.name]}' and "
                    f"'{sheet.name}' both hold {ds.name}; keep one")
            continue
        out.sheets[ds.name] = sheet.name
        table = _check_sheet(sheet, ds, catalog, match_header(sheet.header, ds), log, out.warnings)
        if table is EMPTY:
            empty.append((sheet, ds))
        elif table is not None:
            out.tables[ds.name] = table
    skip = bool(out.tables or log.total)  # other sheets hold figures (or errors): skip these
    for sheet, ds in empty:
        if skip:
            out.skipped_sheets.append(sheet.name)
            del out.sheets[ds.name]
            out.warnings.append(f"{sheet.name}: no data rows, so the sheet was skipped; the "
                                f"stored {ds.name} figures are untouched")
        else:  # nothing to store at all: say why, where
            log.add(sheet.name, sheet.header_row if sheet.header else None, None, None,
                    "there is a header row but no data rows below it" if sheet.header else
                    f"the sheet is empty (expected a header row with {', '.join(ds.required)}, "
                    "then one row per figure)")
    out.errors = log.finish([s.name for s in sheets], name)
    if out.errors:
        out.tables = {}
    return out


EMPTY = pd.DataFrame()  # _check_sheet's answer for a sheet with no data rows

_KINDS = {".xlsx": "an XLSX workbook", ".xlsm": "an XLSX workbook", ".csv": "CSV text",
          ".txt": "CSV text", ".tsv": "CSV text"}


def _name_disagrees(name: str, read_as: str, notices: list[str]) -> None:
    """A notice when the file's extension names another kind than its content (read by content)."""
    suffix = PurePath(name).suffix.lower()
    if suffix in _KINDS and _KINDS[suffix] != _KINDS[read_as]:
        notices.append(f"{name}: the name ends in {suffix} but the file holds "
                       f"{_KINDS[read_as]}; it was read as {_KINDS[read_as]}")


def _sheet_dataset(sheet: Sheet, catalog: Catalog, log: ErrorLog) -> Dataset | None:
    """The sheet's dataset, recognised from its headers when its name did not say."""
    if sheet.dataset:
        return catalog.datasets[sheet.dataset]
    matches = {ds.name: match_header(sheet.header, ds) for ds in catalog.datasets.values()}
    fits = [(len(m.positions), -len(catalog.datasets[d].columns), d)
            for d, m in matches.items() if not m.missing]
    if fits:
        return catalog.datasets[max(fits)[2]]
    given = ", ".join(f"'{h}'" for h in sheet.header if str(h).strip()) or "none"
    needs = "; ".join(f"{ds.name} needs {', '.join(ds.required)}"
                      for ds in catalog.datasets.values())
    near, m = max(matches.items(), key=lambda kv: (len(kv[1].positions), -len(kv[1].missing)))
    closest = (f" The closest is {near}, which also needs {', '.join(m.missing)}."
               if len(m.positions) >= 2 else "")
    log.add(sheet.name, sheet.header_row, None, None, f"the columns ({given}) fit no dataset."
            f"{closest} Each dataset needs these columns: {needs} (name a sheet after its "
            "dataset, or choose the dataset when uploading)")
    return None


# ------------------------------------------------------------------------------------ checks
def _check_sheet(sheet: Sheet, ds: Dataset, catalog: Catalog, match: Match, log: ErrorLog,
                 warnings: list[str]) -> pd.DataFrame | None:
    """The sheet's canonical table, or None after logging why it cannot be one."""
    start, header, n = log.total, sheet.header, len(sheet.rows)
    if not header:
        return EMPTY
    for col, first, again in match.duplicates:
        log.add(sheet.name, sheet.header_row, header[again], header[again], f"columns "
                f"'{header[first]}' and '{header[again]}' both give {col}; keep one")
    unknown = {header_key(header[p]): header[p] for p in match.unknown}
    for col in match.missing:
        names = (col, *ds.column(col).aliases)
        guess = next(filter(None, (did_you_mean(a, unknown) for a in names)), None)
        log.add(sheet.name, sheet.header_row, col, None, f"missing required column {col} "
                f"(accepted headers: {', '.join(names)})"
                + (f"; did you mean the column '{guess}'?" if guess else ""))
    if log.total > start:
        return None
    status_at = next((p for p in match.unknown if header_key(header[p]) == "status"), None)
    for p in match.unknown:
        if p != status_at:
            warnings.append(f"{sheet.name}: column '{header[p]}' is not part of {ds.name}; ignored")
    for j, column in enumerate(sheet.columns):
        if (j >= len(header) or not header_key(header[j])) and any(
                str(v).strip() for v in column[column != ""]):
            warnings.append(f"{sheet.name}: column {column_letter(j)} has values but no header; ignored")
    raw = {c: sheet.columns[p] if p < len(sheet.columns) else np.full(n, "", dtype=object)
           for c, p in match.positions.items()}
    headers = {c: header[p] for c, p in match.positions.items()}
    values, codes, keep = check_columns(ds, catalog, raw, headers, sheet.rows, sheet.name, log)
    if not keep.any():
        return EMPTY
    _cross_checks(sheet, ds, catalog, values, codes, raw, headers, keep, log)
    if log.total > start:
        return None
    statuses = None if status_at is None else _month_statuses(
        sheet, ds, values, keep, sheet.columns[status_at] if status_at < len(sheet.columns)
        else np.full(n, "", dtype=object), header[status_at], log)
    if log.total > start:
        return None
    data = {c.name: values[c.name][keep] for c in ds.columns}
    if ds.notes:
        dates = data.pop("date")
        data = {"date": dates, "month": np.array([d[:7] for d in dates], dtype=object), **data}
    else:
        data = {"month": data["month"], **{d: data[d] for d in ds.dimensions},
                **{m: data[m].astype(np.float64) for m in ds.measures}}
    frame = pd.DataFrame({**data, "_row": sheet.rows[keep]})
    return frame if statuses is None else frame.assign(_status=statuses)


STATUS_WORDS = ("provisional", "final")


def _month_statuses(sheet: Sheet, ds: Dataset, values: dict, keep: np.ndarray, column: np.ndarray,
                    header: str, log: ErrorLog) -> np.ndarray:
    """The optional ``status`` column (as ``export`` writes it): provisional or final, one per
    month; a blank cell takes the status chosen for the upload (returned as ''). Errors are logged
    at the cell."""
    words = np.array([str(v).strip().lower() for v in column], dtype=object)
    months = values["date"] if ds.notes else values["month"]
    months = np.array([str(m)[:7] for m in months], dtype=object)
    seen: dict[str, str] = {}
    for j in np.flatnonzero(keep):
        word = words[j]
        if word and word not in STATUS_WORDS:
            log.add(sheet.name, int(sheet.rows[j]), header, column[j],
                    f"status must be {' or '.join(STATUS_WORDS)} (or left blank)")
        elif word and seen.setdefault(months[j], word) != word:
            log.add(sheet.name, int(sheet.rows[j]), header, column[j],
                    f"month {months[j]} is {seen[months[j]]} in an earlier row; a month has one status")
    return words[keep]


def _combine(codes: list[np.ndarray], n: int) -> np.ndarray:
    """One int per row for the combination of per-column codes (all >= 0 where used)."""
    key = np.zeros(n, dtype=np.int64)
    for c in codes:
        key, _ = pd.factorize(key * (int(c.max(initial=0)) + 2) + c + 1)
    return key


def _cross_checks(sheet: Sheet, ds: Dataset, catalog: Catalog, values: dict, codes: dict,
                  raw: dict, headers: dict, keep: np.ndarray, log: ErrorLog) -> None:
    """Checks across a row's cells (a <= b, rates) and across rows (duplicate keys, roll-ups)."""
    rows, name = sheet.rows, sheet.name

    def report(idx, col, message):
        log.add_many(name, rows[idx], headers.get(col, col), raw[col][idx] if col in raw
                     else [""] * len(idx), lambda j: message(idx[j]))

    for a, b in ds.not_greater:
        if a in raw and b in raw:
            va, vb = values[a], values[b]
            report(np.flatnonzero(keep & (va > vb)), a, lambda i: f"{a} "
                   f"({number_text(va[i], True)}) is more than {b} ({number_text(vb[i], True)}); "
                   f"{a} cannot exceed {b}")
    for rate, num, den in ds.rate_checks:
        if rate not in raw:
            continue
        r, top, bottom = values[rate], values[num], values[den]
        dec = next((m.decimals for m in catalog.metrics.values() if m.dataset == ds.name
                    and m.numerator == (num,) and m.denominator == (den,)), 2)
        given = keep & ~np.isnan(r) & ~np.isnan(top) & ~np.isnan(bottom)
        report(np.flatnonzero(given & (bottom == 0)), rate, lambda i: f"{rate} is given but "
               f"{den} is 0, so there is no rate; leave {rate} empty")
        with np.errstate(divide="ignore", invalid="ignore"):
            want = 100 * top / bottom
        tol = 0.5 * 10 ** -dec + 1e-9
        off = np.flatnonzero(given & (bottom > 0) & ~(np.abs(r - want) <= tol))

        def disagree(i):
            hint = (f"; {quoted(raw[rate][i])} looks like a fraction: write {want[i]:.{dec}f}% "
                    f"or {want[i]:.{dec}f}" if abs(100 * r[i] - want[i]) <= tol else "")
            return (f"{rate} {quoted(raw[rate][i])} does not agree with 100 × {num} ÷ {den} = "
                    f"100 × {number_text(top[i], True)} ÷ {number_text(bottom[i], True)} = "
                    f"{want[i]:.{dec}f}% (to {dec} decimal places){hint}")
        report(off, rate, disagree)
    key = ([c.name for c in ds.columns] if ds.notes else list(ds.key))
    valid = keep & np.logical_and.reduce([codes[k] >= 0 for k in key])
    idx = np.flatnonzero(valid)
    if len(idx) < 2:
        return
    combined = _combine([codes[k][idx] for k in key], len(idx))
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    firsts = idx[first[inverse]]
    dup = np.flatnonzero(firsts != idx)
    shown = [k for k in key if k in raw or not ds.notes]
    report(idx[dup], key[0], lambda i: (
        f"row {rows[i]} repeats row {rows[firsts[np.searchsorted(idx, i)]]}: the same "
        f"{or_list(shown, 'and')} ({', '.join(str(values[k][i]) for k in shown)}) may appear "
        "only once in an upload; add the figures together or remove one row"))
    _rollup_conflicts(ds, catalog, values, codes, keep, rows, report)


def _rollup_conflicts(ds: Dataset, catalog: Catalog, values: dict, codes: dict,
                      keep: np.ndarray, rows: np.ndarray, report) -> None:
    """A roll-up value ('Central & South') given alongside one of its parts for the same key."""
    for d in ds.dimensions if not ds.notes else ():
        for rolled, parts in catalog.dimensions[d].rollups.items():
            v = values[d]
            whole = keep & (v == rolled)
            part = keep & np.logical_or.reduce([v == p for p in parts])
            if not whole.any() or not part.any():
                continue
            others = _combine([codes[k] for k in ds.key if k != d], len(v))
            first_whole = {}
            for i in np.flatnonzero(whole)[::-1]:
                first_whole[others[i]] = i
            clash = np.array([i for i in np.flatnonzero(part) if others[i] in first_whole],
                             dtype=np.int64)
            report(clash, d, lambda i: (
                f"{v[i]} and {rolled} (row {rows[first_whole[others[i]]]}) are both given "
                f"for the same {', '.join(k for k in ds.key if k != d)}; {rolled} is the sum of "
                f"{or_list(parts, 'and')}, so give either the combined figure or the separate "
                "ones"))
