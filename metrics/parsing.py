"""Read an uploaded CSV or XLSX into one canonical table per dataset, collecting every error.

The file type comes from the content, not the name. XLSX is checked before openpyxl sees it:
a DOCTYPE/ENTITY anywhere in its XML, or an unpacked size over 20x ``max_bytes`` (200 MB at most),
rejects it. Any error empties ``tables``: one upload is one transaction. Row numbers are the
spreadsheet's: the header is row 1 unless title rows sit above it, and blank rows still count.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

import numpy as np
import pandas as pd

from .catalog import Catalog, Dataset, normalise_name
from .errors import ErrorLog, UploadError, did_you_mean, or_list, quoted
from .values import cell_text, check_columns, number_text

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 200_000_000
HEADER_SEARCH = 10  # a header may sit below up to 9 title rows
_XML_BOMBS = tuple(p.encode(enc) for p in ("<!doctype", "<!entity")
                   for enc in ("ascii", "utf-16-le", "utf-16-be"))
NOT_A_TABLE = "not a CSV or XLSX file"


@dataclass
class ParsedUpload:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    errors: list[UploadError] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    sheets: dict[str, str] = field(default_factory=dict)  # dataset -> sheet name (CSV: file name)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Sheet:
    """A sheet's cells as text: the header, then one object array per column of the rows below."""
    name: str
    dataset: str | None  # from the sheet name or the caller; None: recognise from the header
    header: list[str]
    header_row: int
    columns: list[np.ndarray]
    rows: np.ndarray  # spreadsheet row number of each body row


def parse_upload(data: bytes, filename: str, catalog: Catalog, dataset: str | None = None,
                 max_bytes: int = 20_000_000) -> ParsedUpload:
    """Parse and validate one upload; see the module docstring."""
    name = PurePath(str(filename or "upload").replace("\\", "/")).name or "upload"
    out, log = ParsedUpload(), ErrorLog()
    sheets: list[Sheet] = []
    if dataset is not None and dataset not in catalog.datasets:
        log.add(name, None, None, dataset, f"unknown dataset '{dataset}' (expected "
                f"{or_list(catalog.datasets)})")
    elif len(data) > max_bytes:
        log.add(name, None, None, None, f"the file is {len(data):,} bytes, over the limit of "
                f"{max_bytes:,} bytes ({_mb(max_bytes)}); split it, or upload one dataset at a "
                "time")
    elif not data.strip():
        log.add(name, None, None, None, "the file is empty")
    elif data[:4] == ZIP_MAGIC:
        sheets = _read_xlsx(data, name, catalog, dataset, max_bytes, out, log)
    elif data[:8] == OLE_MAGIC:
        log.add(name, None, None, None, f"{NOT_A_TABLE}: it looks like an old Excel .xls (or a "
                "password-protected) workbook; save it as .xlsx or CSV without a password")
    else:
        sheets = _read_csv(data, name, catalog, dataset, log)
    for sheet in sheets:
        ds = _sheet_dataset(sheet, catalog, log)
        if ds is None:
            continue
        if ds.name in out.sheets:
            log.add(sheet.name, None, None, None, f"sheets '{out.sheets[ds.name]}' and "
                    f"'{sheet.name}' both hold {ds.name}; keep one")
            continue
        out.sheets[ds.name] = sheet.name
        table = _check_sheet(sheet, ds, catalog, _match(sheet.header, ds), log, out.warnings)
        if table is not None:
            out.tables[ds.name] = table
    out.errors = log.finish([s.name for s in sheets], name)
    if out.errors:
        out.tables = {}
    return out


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


# ----------------------------------------------------------------------------------- headers
@dataclass
class Match:
    positions: dict[str, int]  # column name -> position in the header
    unknown: list[int]  # positions of headers this dataset does not use
    duplicates: list[tuple[str, int, int]]  # (column, first position, repeated position)
    missing: list[str]  # required columns not found


def header_key(text) -> str:
    """How headers are compared: 'Success %' -> 'successpercent', 'CSP_Region' -> 'cspregion'."""
    return normalise_name(str(text).replace("%", " percent "))


@lru_cache(maxsize=64)
def _lookup(ds: Dataset) -> dict[str, str]:
    return {header_key(alias): col.name for col in ds.columns for alias in (*col.aliases, col.name)}


def _match(header: list[str], ds: Dataset) -> Match:
    lookup, positions, unknown, duplicates = _lookup(ds), {}, [], []
    for pos, text in enumerate(header):
        key = header_key(text)
        if not key:
            continue
        col = lookup.get(key)
        if col is None:
            unknown.append(pos)
        elif col in positions:
            duplicates.append((col, positions[col], pos))
        else:
            positions[col] = pos
    return Match(positions, unknown, duplicates, [c for c in ds.required if c not in positions])


def _find_header(records: list[tuple[int, list[str]]], candidates: list[Dataset]) -> int | None:
    """Index of the header record: the first of the first few non-blank rows that fits a dataset."""
    nonblank = [i for i, (_, cells) in enumerate(records) if any(str(c).strip() for c in cells)]
    for i in nonblank[:HEADER_SEARCH]:
        if any(not _match(records[i][1], ds).missing for ds in candidates):
            return i
    return nonblank[0] if nonblank else None


def _candidates(catalog: Catalog, dataset: str | None) -> list[Dataset]:
    return [catalog.datasets[dataset]] if dataset else list(catalog.datasets.values())


def _sheet_dataset(sheet: Sheet, catalog: Catalog, log: ErrorLog) -> Dataset | None:
    """The sheet's dataset, recognised from its headers when its name did not say."""
    if sheet.dataset:
        return catalog.datasets[sheet.dataset]
    matches = {ds.name: _match(sheet.header, ds) for ds in catalog.datasets.values()}
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
        log.add(sheet.name, None, None, None, f"the sheet is empty (expected a header row with "
                f"{', '.join(ds.required)}, then one row per figure)")
        return None
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
    for p in match.unknown:
        warnings.append(f"{sheet.name}: column '{header[p]}' is not part of {ds.name}; ignored")
    for j, column in enumerate(sheet.columns):
        if (j >= len(header) or not header_key(header[j])) and any(
                str(v).strip() for v in column[column != ""]):
            warnings.append(f"{sheet.name}: column {_letter(j)} has values but no header; ignored")
    raw = {c: sheet.columns[p] if p < len(sheet.columns) else np.full(n, "", dtype=object)
           for c, p in match.positions.items()}
    headers = {c: header[p] for c, p in match.positions.items()}
    values, codes, keep = check_columns(ds, catalog, raw, headers, sheet.rows, sheet.name, log)
    if not keep.any():
        log.add(sheet.name, sheet.header_row, None, None, "there is a header row but no data "
                "rows below it")
        return None
    _cross_checks(sheet, ds, catalog, values, codes, raw, headers, keep, log)
    if log.total > start:
        return None
    data = {c.name: values[c.name][keep] for c in ds.columns}
    if ds.notes:
        dates = data.pop("date")
        data = {"date": dates, "month": np.array([d[:7] for d in dates], dtype=object), **data}
    else:
        data = {"month": data["month"], **{d: data[d] for d in ds.dimensions},
                **{m: data[m].astype(np.float64) for m in ds.measures}}
    return pd.DataFrame({**data, "_row": sheet.rows[keep]})


def _letter(j: int) -> str:
    """0 -> 'A', 26 -> 'AA': the spreadsheet's name for a column position."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


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


# --------------------------------------------------------------------------------------- CSV
def _decode(data: bytes) -> tuple[str | None, str]:
    """(text, encoding): UTF-8 (BOM or not), UTF-16 with BOM or Windows-1252; None if binary."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf-16":
                raise
            encoding, text = "cp1252", data.decode("cp1252")
    except UnicodeDecodeError:
        return None, encoding
    sample = text[:4096]
    controls = sum(ch < " " and ch not in "\t\r\n" for ch in sample)
    if "\x00" in text or controls > max(3, len(sample) / 20):
        return None, encoding  # binary; a stray control character in text is reported where it is
    return text, encoding


def _delimiter(text: str) -> str:
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    return max(",;\t", key=lambda d: (first.count(d), d == ","))


def _read_csv(data: bytes, name: str, catalog: Catalog, dataset: str | None,
              log: ErrorLog) -> list[Sheet]:
    text, encoding = _decode(data)
    if text is None:
        log.add(name, None, None, None, f"{NOT_A_TABLE}: it is neither a workbook nor text; "
                "upload an .xlsx workbook or a CSV file")
        return []
    delim = _delimiter(text)
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""), delimiter=delim)
    records: list[tuple[int, list[str]]] = []  # (row number, fields) of the first rows
    nonblank = 0
    try:
        for fields in reader:
            records.append((len(records) + 1, fields))
            nonblank += any(c.strip() for c in fields)
            if nonblank >= HEADER_SEARCH or len(records) >= 1000:
                break
    except csv.Error as exc:
        log.add(name, len(records) + 1, None, None, f"the file cannot be read as CSV: {exc}")
        return []
    index = _find_header(records, _candidates(catalog, dataset))
    if index is None:
        log.add(name, None, None, None, "the file is empty")
        return []
    header_row, header = records[index]
    try:
        source = io.BytesIO(data) if encoding == "utf-8-sig" else io.StringIO(text, newline="")
        # skiprows counts records (a quoted line break stays inside its row), as Excel numbers them
        frame = pd.read_csv(source, header=None, skiprows=header_row, sep=delim, dtype=object,
                            na_filter=False, skip_blank_lines=False, encoding="utf-8-sig")
        columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
        count = len(frame)
    except pd.errors.EmptyDataError:
        columns, count = [], 0
    except (pd.errors.ParserError, ValueError):  # ragged rows: the csv module copes
        body = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))[header_row:]
        width = max((len(r) for r in body), default=0)
        columns = [np.array([r[j] if j < len(r) else "" for r in body], dtype=object)
                   for j in range(width)]
        count = len(body)
    rows = header_row + 1 + np.arange(count, dtype=np.int64)
    return [Sheet(name, dataset, [h.strip() for h in header], header_row, columns, rows)]


# -------------------------------------------------------------------------------------- XLSX
def xlsx_problem(data: bytes, max_bytes: int) -> str | None:
    """Why a zip is refused before parsing (damaged, bomb-sized, DOCTYPE/ENTITY), or None."""
    limit = min(20 * max_bytes, MAX_UNPACKED)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > limit or len(infos) > 10_000:
                return (f"the workbook unpacks to {_mb(total)} in {len(infos):,} parts (limit "
                        f"{_mb(limit)}); refused as a possible zip bomb — save it again as .xlsx")
            for info in infos:
                xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
                if xml and _has_dtd(zf, info):
                    return (f"the workbook part {info.filename} declares a DOCTYPE or ENTITY, "
                            "which spreadsheets never need; refused as a possible "
                            "entity-expansion attack")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError,
            NotImplementedError, EOFError) as exc:
        return f"the file looks like an XLSX workbook but is damaged ({exc}); save it again"
    return None


def _has_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            window = tail + chunk.lower()
            if any(p in window for p in _XML_BOMBS):
                return True
            tail = window[-24:]
    return False


_DEFUSED = False


def _openpyxl():
    global _DEFUSED
    if not _DEFUSED:
        import defusedxml

        with warnings.catch_warnings():  # it imports its own deprecated cElementTree
            warnings.simplefilter("ignore", DeprecationWarning)
            defusedxml.defuse_stdlib()
        _DEFUSED = True
    import openpyxl

    return openpyxl


def _read_xlsx(data: bytes, name: str, catalog: Catalog, dataset: str | None, max_bytes: int,
               out: ParsedUpload, log: ErrorLog) -> list[Sheet]:
    problem = xlsx_problem(data, max_bytes)
    if problem:
        log.add(name, None, None, None, problem)
        return []
    try:
        book = _openpyxl().load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a zip that is not a workbook
        log.add(name, None, None, None, f"{NOT_A_TABLE}: the zip could not be read as an XLSX "
                f"workbook ({type(exc).__name__}); save it again from Excel as .xlsx")
        return []
    try:
        chosen = _choose_sheets(book, name, catalog, dataset, log)
        out.ignored_sheets.extend(s for s in book.sheetnames if s not in chosen)
        return [_sheet_from(book[title], ds, catalog) for title, ds in chosen.items()]
    finally:
        book.close()


def _choose_sheets(book, name: str, catalog: Catalog, dataset: str | None,
                   log: ErrorLog) -> dict[str, str | None]:
    """Sheet title -> dataset (None: recognise it from the header row)."""
    titles = [ws.title for ws in book.worksheets]
    by_name = {}
    for ds in catalog.datasets.values():
        by_name.setdefault(normalise_name(ds.title), ds.name)
        by_name[normalise_name(ds.name)] = ds.name
    if dataset and len(titles) == 1:
        return {titles[0]: dataset}
    chosen = {t: by_name[normalise_name(t)] for t in titles if normalise_name(t) in by_name}
    if dataset:
        chosen = {t: d for t, d in chosen.items() if d == dataset}
    if not chosen and len(titles) == 1 and not dataset:
        return {titles[0]: None}
    if not chosen:
        wanted = f"'{dataset}'" if dataset else f"a dataset ({or_list(catalog.datasets)})"
        log.add(name, None, None, None, f"no sheet is named after {wanted}; the sheets are "
                f"{or_list([repr(t) for t in titles], 'and')}. Name each sheet after its dataset")
    return chosen


def _sheet_from(ws, dataset: str | None, catalog: Catalog) -> Sheet:
    """A worksheet's non-blank rows as text, with their real row numbers."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # the stored dimension may be wrong; read every row
    records = []
    for number, row in enumerate(ws.iter_rows(), start=1):
        texts = [cell_text(c.value, c.number_format if type(c.value) in (int, float) else None)
                 for c in row]
        while texts and not texts[-1].strip():
            texts.pop()
        if texts and any(t.strip() for t in texts):
            records.append((number, texts))
    index = _find_header(records, _candidates(catalog, dataset))
    if index is None:
        return Sheet(ws.title, dataset, [], 1, [], np.zeros(0, dtype=np.int64))
    header_row, header = records[index]
    body = records[index + 1:]
    width = max([len(header), *(len(cells) for _, cells in body)])
    columns = [np.array([cells[j] if j < len(cells) else "" for _, cells in body], dtype=object)
               for j in range(width)]
    rows = np.array([n for n, _ in body], dtype=np.int64)
    return Sheet(ws.title, dataset, [h.strip() for h in header], header_row, columns, rows)
