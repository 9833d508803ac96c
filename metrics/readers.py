"""Reading an upload's sheets: CSV or XLSX cells as text, with the spreadsheet's row numbers.

The file type comes from the content, not the name. XLSX is checked before openpyxl sees it: a
DOCTYPE/ENTITY anywhere in its XML, or an unpacked size over 20x ``max_bytes`` (200 MB at most),
rejects it. Validation of the cells is ``parsing``'s job.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .catalog import Catalog, Dataset, normalise_name
from .errors import ErrorLog, or_list
from .values import cell_text

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 200_000_000
HEADER_SEARCH = 10  # a header may sit below up to 9 title rows
_XML_BOMBS = tuple(p.encode(enc) for p in ("<!doctype", "<!entity")
                   for enc in ("ascii", "utf-16-le", "utf-16-be"))
NOT_A_TABLE = "not a CSV or XLSX file"

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


def read_csv(data: bytes, name: str, catalog: Catalog, dataset: str | None,
             log: ErrorLog) -> list[Sheet]:
    """The CSV as one sheet named after the file (none if it is not text or has no header)."""
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
        book = _openpyxl().load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a zip that is not a workbook
        log.add(name, None, None, None, f"{NOT_A_TABLE}: the zip could not be read as an XLSX "
                f"workbook ({type(exc).__name__}); save it again from Excel as .xlsx")
        return []
    try:
        chosen = _choose_sheets(book, name, catalog, dataset, log)
        ignored.extend(s for s in book.sheetnames if s not in chosen)
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
