"""Reading an upload's sheets: CSV or XLSX cells as text, with the spreadsheet's row numbers.

The file type comes from the content, not the name. XLSX is checked before openpyxl sees it: a
DOCTYPE/ENTITY anywhere in its XML, or an unpacked size over 20x ``max_bytes`` (200 MB at most),
rejects it. The work is bounded before anything is materialised (``Limits``): an XLSX sheet is read
element by element, only the cells it really has, and a CSV through a reader that stops at the
first row, column, cell or row length over a limit, each with a located error. A workbook that
cannot be read (truncated XML, a shared string that does not exist, a bad zip member) is a located
"damaged" error, never an exception. Validation of the cells is ``parsing``'s job.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from metrics.catalog import Catalog, Dataset, normalise_name
from metrics.errors import ErrorLog, or_list
from metrics.upload.cells import cell_text

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 200_000_000
HEADER_SEARCH = 10  # a header may sit below up to 9 title rows
_XML_BOMBS = tuple(p.encode(enc) for p in ("<!doctype", "<!entity")
                   for enc in ("ascii", "utf-16-le", "utf-16-be"))
NOT_A_TABLE = "not a CSV or XLSX file"
DAMAGED = "the file is damaged ({}); save it again from Excel"


@dataclass(frozen=True)
class Limits:
    """How much of an upload is read at most; past any of these the upload is refused where it is.

    ``cells`` counts, per upload, every cell of a row up to its last value plus every empty cell
    element an XLSX lists, so that what is held in memory never exceeds it.
    """
    rows: int = 1_000_000  # per sheet (or CSV file), by row number
    columns: int = 200  # per sheet: the last column holding a value, at most column GR
    cells: int = 5_000_000  # per upload
    cell_chars: int = 32_767  # per cell: Excel's own limit
    row_chars: int = 1_000_000  # per CSV row, separators and quotes included


LIMITS = Limits()


class _Stop(Exception):
    """A limit was reached or the file cannot be read; the located error is already logged."""


@dataclass
class _Budget:
    """The cells an upload may still use (shared by its sheets)."""
    cells: int = field(default_factory=lambda: LIMITS.cells)

    def spend(self, n: int, log: "ErrorLog", sheet: str, row: int) -> None:
        self.cells -= n
        if self.cells < 0:
            log.add(sheet, row, None, None, f"the upload holds more than {LIMITS.cells:,} cells "
                    "(counting each row up to its last value); split it, or upload one dataset "
                    "at a time")
            raise _Stop

@dataclass
class Sheet:
    """A sheet's cells as text: the header, then one object array per column of the rows below."""
    name: str
    dataset: str | None  # from the sheet name or the caller; None: recognise from the header
    header: list[str]
    header_row: int
    columns: list[np.ndarray]
    rows: np.ndarray  # spreadsheet row number of each body row


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def column_letter(j: int) -> str:
    """0 -> 'A', 26 -> 'AA': the spreadsheet's name for a column position."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def _too_many_columns(log: "ErrorLog", sheet: str, row: int, last: int) -> None:
    log.add(sheet, row, column_letter(last - 1), None, f"row {row} uses column "
            f"{column_letter(last - 1)}; at most {LIMITS.columns} columns (A to "
            f"{column_letter(LIMITS.columns - 1)}) are read — delete the columns beyond")
    raise _Stop


def _too_long(log: "ErrorLog", sheet: str, row: int, column: str | None, size: int) -> None:
    log.add(sheet, row, column, None, f"the cell holds {size:,} characters; at most "
            f"{LIMITS.cell_chars:,} are read")
    raise _Stop


def _too_many_rows(log: "ErrorLog", sheet: str, row: int) -> None:
    log.add(sheet, row, None, None, f"the sheet goes on past row {LIMITS.rows:,}, the most that "
            "is read; split it into several uploads")
    raise _Stop


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


def match_header(header: list[str], ds: Dataset) -> Match:
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


def find_header(records: list[tuple[int, list[str]]], candidates: list[Dataset]) -> int | None:
    """Index of the header record: the first of the first few non-blank rows that fits a dataset."""
    nonblank = [i for i, (_, cells) in enumerate(records) if any(str(c).strip() for c in cells)]
    for i in nonblank[:HEADER_SEARCH]:
        if any(not match_header(records[i][1], ds).missing for ds in candidates):
            return i
    return nonblank[0] if nonblank else None


def candidates(catalog: Catalog, dataset: str | None) -> list[Dataset]:
    return [catalog.datasets[dataset]] if dataset else list(catalog.datasets.values())


# --------------------------------------------------------------------------------------- CSV
def decode_text(data: bytes) -> tuple[str | None, str]:
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


def delimiter_of(text: str) -> str:
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    return max(",;\t", key=lambda d: (first.count(d), d == ","))


class _Lines:
    """The text's physical lines (ends kept), refusing to hand ``csv`` a record longer than
    ``LIMITS.row_chars``: the reader never holds more than that for one row."""

    def __init__(self, text: str):
        self._lines = (m.group() for m in _LINE.finditer(text))
        self.pending = 0  # characters handed out since the last record ended

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.pending += len(line)
        if self.pending > LIMITS.row_chars:
            raise _RowTooLong
        return line


class _RowTooLong(Exception):
    pass


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _surely_within_limits(data: bytes, delim: str) -> bool:
    """True when an unquoted UTF-8 CSV is within every limit, judged in bulk from upper bounds
    (physical lines, separators per line, bytes per line); False means: scan it record by record.
    """
    if b'"' in data or len(delim.encode()) != 1:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero((raw == 10) | (raw == 13))
    bounds = np.concatenate(([-1], ends, [len(raw)]))
    if len(bounds) - 1 > LIMITS.rows or np.diff(bounds).max() > min(LIMITS.row_chars,
                                                                     LIMITS.cell_chars):
        return False
    seps = np.flatnonzero(raw == ord(delim))
    per_line = np.bincount(np.searchsorted(ends, seps), minlength=1)
    return (per_line.max() + 1 <= LIMITS.columns
            and len(seps) + len(bounds) - 1 <= LIMITS.cells)


def _scan_csv(text: str, delim: str, name: str, budget: _Budget, log: ErrorLog,
              full: bool = True) -> list[tuple[int, list[str]]]:
    """Every record checked against the limits (only the first few when not ``full``); the first
    ones are kept for finding the header."""
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delim)
    records: list[tuple[int, list[str]]] = []
    number = nonblank = 0
    try:
        for fields in reader:
            number += 1
            lines.pending = 0
            if number > LIMITS.rows:
                _too_many_rows(log, name, number)
            if len(fields) > LIMITS.columns:
                _too_many_columns(log, name, number, len(fields))
            longest = max(map(len, fields), default=0)
            if longest > LIMITS.cell_chars:
                j = next(j for j, f in enumerate(fields) if len(f) == longest)
                _too_long(log, name, number, column_letter(j), longest)
            budget.spend(len(fields), log, name, number)
            if len(records) < 1000 and nonblank < HEADER_SEARCH:
                records.append((number, fields))
                nonblank += any(c.strip() for c in fields)
            elif not full:
                break
    except _RowTooLong:
        log.add(name, number + 1, None, None, f"the row is longer than {LIMITS.row_chars:,} "
                f"characters, the most that is read (at most {LIMITS.columns} columns of "
                f"{LIMITS.cell_chars:,} characters each) — is it really a CSV file?")
        raise _Stop from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            log.add(name, number + 1, None, None, f"a cell holds more than "
                    f"{csv.field_size_limit():,} characters; at most {LIMITS.cell_chars:,} are read")
        else:
            log.add(name, number + 1, None, None, f"the file cannot be read as CSV: {exc}")
        raise _Stop from None
    return records


def read_csv(data: bytes, name: str, catalog: Catalog, dataset: str | None,
             log: ErrorLog) -> list[Sheet]:
    """The CSV as one sheet named after the file (none if it is not text, has no header or goes
    past a limit)."""
    text, encoding = decode_text(data)
    if text is None:
        log.add(name, None, None, None, f"{NOT_A_TABLE}: it is neither a workbook nor text; "
                "upload an .xlsx workbook or a CSV file")
        return []
    delim = delimiter_of(text)
    try:
        fast = encoding == "utf-8-sig" and _surely_within_limits(data, delim)
        records = _scan_csv(text, delim, name, _Budget(), log, full=not fast)
    except _Stop:
        return []
    index = find_header(records, candidates(catalog, dataset))
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
                return (f"the workbook unpacks to {megabytes(total)} in {len(infos):,} parts (limit "
                        f"{megabytes(limit)}); refused as a possible zip bomb — save it again as .xlsx")
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
    """openpyxl, with the standard library's XML parsers defused first (once)."""
    global _DEFUSED
    if not _DEFUSED:
        import defusedxml

        with warnings.catch_warnings():  # it imports its own deprecated cElementTree
            warnings.simplefilter("ignore", DeprecationWarning)
            defusedxml.defuse_stdlib()
        _DEFUSED = True
    import openpyxl

    return openpyxl


def read_xlsx(data: bytes, name: str, catalog: Catalog, dataset: str | None, max_bytes: int,
              ignored: list[str], log: ErrorLog) -> list[Sheet]:
    """The workbook's dataset sheets; the names of the sheets left out are added to ``ignored``."""
    problem = xlsx_problem(data, max_bytes)
    if problem:
        log.add(name, None, None, None, problem)
        return []
    try:
        book = open_workbook(data)
    except Exception as exc:  # openpyxl raises many kinds for a zip that is not a workbook
        log.add(name, None, None, None, f"{NOT_A_TABLE}: the zip could not be read as an XLSX "
                f"workbook; {DAMAGED.format(type(exc).__name__)} as .xlsx")
        return []
    try:
        chosen = _choose_sheets(book, name, catalog, dataset, log)
        ignored.extend(s for s in book.sheetnames if s not in chosen)
        budget, sheets = _Budget(), []
        for title, ds in chosen.items():
            try:
                sheets.append(_sheet_from(book[title], ds, catalog, budget, log))
            except _Stop:
                pass
            except Exception as exc:  # truncated XML, a bad zip member, a value openpyxl rejects
                log.add(title, None, None, None, DAMAGED.format(_damage(exc)))
        return sheets
    finally:
        book.close()


def _damage(exc: Exception) -> str:
    """What went wrong reading a sheet, in a few words."""
    kind = type(exc).__name__
    if "ParseError" in kind or "XMLSyntax" in kind:
        return f"its XML is cut short or invalid: {str(exc)[:80]}"
    if isinstance(exc, zipfile.BadZipFile):
        return f"a part of the zip is corrupt: {str(exc)[:80]}"
    return f"{kind}: {str(exc)[:80]}" if str(exc) else kind


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


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _DATA = _NS + "row", _NS + "c", _NS + "sheetData"


def _sheet_records(ws, budget: _Budget, log: ErrorLog):
    """(row number, cell texts) of each row holding a value, reading only the cells the sheet
    XML really has (openpyxl's own reader pads every row to its widest column) and stopping at the
    first limit reached. Cell values are decoded by openpyxl's parser, one cell at a time."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    book, title = ws.parent, ws.title
    shared = ws._shared_strings
    formats: dict[int, str] = {}

    def number_format(style_id: int) -> str:
        if style_id not in formats:
            formats[style_id] = ReadOnlyCell(ws, 0, 0, None, "n", style_id).number_format
        return formats[style_id]

    with ws._get_source() as src:
        parser = WorkSheetParser(src, shared, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        stack: list = []  # the open elements, root first
        in_cell = row_elements = number = 0
        cells: dict[int, str] = {}
        for event, el in iterparse(src, events=("start", "end")):
            if event == "start":
                stack.append(el)
                if el.tag == _CELL or in_cell:
                    in_cell += 1
                elif el.tag == _ROW:
                    row_elements += 1
                    number = int(el.get("r") or parser.row_counter + 1)
                    parser.row_counter, parser.col_counter, cells = number, 0, {}
                    if row_elements > LIMITS.rows or number > LIMITS.rows:
                        _too_many_rows(log, title, number)
                continue
            stack.pop()
            if in_cell:
                in_cell -= 1
                if in_cell:
                    continue  # a cell's value: read with the cell
            if el.tag == _CELL:
                _read_cell(el, parser, cells, number, title, budget, log, number_format)
            elif el.tag == _ROW and cells:
                width = max(cells)
                budget.spend(width, log, title, number)
                texts = [""] * width
                for column, text in cells.items():
                    texts[column - 1] = text
                if any(t.strip() for t in texts):
                    yield number, texts
            if stack:
                stack[-1].clear()  # drop what was read: memory stays flat whatever the XML holds


def _read_cell(el, parser, cells: dict[int, str], number: int, title: str, budget: _Budget,
               log: ErrorLog, number_format) -> None:
    """One cell element into ``cells`` ({column: text}), checked against the limits."""
    shared = parser.shared_strings
    if el.get("t") == "s":
        index = (el.findtext(_NS + "v") or "").strip()
        if index and not (index.isdigit() and int(index) < len(shared)):
            ref = el.get("r") or ""
            log.add(title, number, ref.rstrip("0123456789") or None, index, DAMAGED.format(
                f"cell {ref} points to shared string {index}, which does not exist"))
            raise _Stop
    cell = parser.parse_cell(el)
    value, column = cell["value"], cell["column"]
    if value is None or value == "":
        budget.spend(1, log, title, number)
        return
    if column > LIMITS.columns:
        _too_many_columns(log, title, number, column)
    text = cell_text(value, number_format(cell["style_id"]) if type(value) in (int, float) else None)
    if len(text) > LIMITS.cell_chars:
        _too_long(log, title, number, column_letter(column - 1), len(text))
    cells[column] = text


def _sheet_from(ws, dataset: str | None, catalog: Catalog, budget: _Budget,
                log: ErrorLog) -> Sheet:
    """A worksheet's non-blank rows as text, with their real row numbers."""
    records = list(_sheet_records(ws, budget, log))
    index = find_header(records, candidates(catalog, dataset))
    if index is None:
        return Sheet(ws.title, dataset, [], 1, [], np.zeros(0, dtype=np.int64))
    header_row, header = records[index]
    body = records[index + 1:]
    width = max([len(header), *(len(cells) for _, cells in body)])
    columns = [np.array([cells[j] if j < len(cells) else "" for _, cells in body], dtype=object)
               for j in range(width)]
    rows = np.array([n for n, _ in body], dtype=np.int64)
    return Sheet(ws.title, dataset, [h.strip() for h in header], header_row, columns, rows)


def open_workbook(data: bytes):
    """The workbook read-only with values only (openpyxl, XML defused). Check ``xlsx_problem``
    first; openpyxl raises many kinds of exception for a zip that is not a workbook."""
    return _openpyxl().load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def sheet_rows(ws, log: ErrorLog) -> list[tuple[int, list[str]]] | None:
    """(row number, cell texts) of each row of ``ws`` holding a value, read within ``Limits``
    like a figures upload's sheet; None when it could not be read (the located error is logged)."""
    try:
        return list(_sheet_records(ws, _Budget(), log))
    except _Stop:
        return None
    except Exception as exc:  # truncated XML, a bad zip member, a value openpyxl rejects
        log.add(ws.title, None, None, None, DAMAGED.format(_damage(exc)))
        return None
