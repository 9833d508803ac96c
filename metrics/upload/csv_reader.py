"""Reading a CSV upload: text in UTF-8, UTF-16 or Windows-1252, its delimiter, its records
checked against the limits before any is materialised, then the body as columns of text."""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.errors import ErrorLog
from metrics.upload import limits
from metrics.upload.limits import Budget, Stop, column_letter, too_long, too_many_columns, too_many_rows
from metrics.upload.sheets import HEADER_SEARCH, NOT_A_TABLE, Sheet, candidates, find_header


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
    ``limits.LIMITS.row_chars``: the reader never holds more than that for one row."""

    def __init__(self, text: str):
        self._lines = (m.group() for m in _LINE.finditer(text))
        self.pending = 0  # characters handed out since the last record ended

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.pending += len(line)
        if self.pending > limits.LIMITS.row_chars:
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
    if len(bounds) - 1 > limits.LIMITS.rows or np.diff(bounds).max() > min(limits.LIMITS.row_chars,
                                                                     limits.LIMITS.cell_chars):
        return False
    seps = np.flatnonzero(raw == ord(delim))
    per_line = np.bincount(np.searchsorted(ends, seps), minlength=1)
    return (per_line.max() + 1 <= limits.LIMITS.columns
            and len(seps) + len(bounds) - 1 <= limits.LIMITS.cells)


def _scan_csv(text: str, delim: str, name: str, budget: Budget, log: ErrorLog,
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
            if number > limits.LIMITS.rows:
                too_many_rows(log, name, number)
            if len(fields) > limits.LIMITS.columns:
                too_many_columns(log, name, number, len(fields))
            longest = max(map(len, fields), default=0)
            if longest > limits.LIMITS.cell_chars:
                j = next(j for j, f in enumerate(fields) if len(f) == longest)
                too_long(log, name, number, column_letter(j), longest)
            budget.spend(len(fields), log, name, number)
            if len(records) < 1000 and nonblank < HEADER_SEARCH:
                records.append((number, fields))
                nonblank += any(c.strip() for c in fields)
            elif not full:
                break
    except _RowTooLong:
        log.add(name, number + 1, None, None, f"the row is longer than {limits.LIMITS.row_chars:,} "
                f"characters, the most that is read (at most {limits.LIMITS.columns} columns of "
                f"{limits.LIMITS.cell_chars:,} characters each) — is it really a CSV file?")
        raise Stop from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            log.add(name, number + 1, None, None, f"a cell holds more than "
                    f"{csv.field_size_limit():,} characters; at most {limits.LIMITS.cell_chars:,} are read")
        else:
            log.add(name, number + 1, None, None, f"the file cannot be read as CSV: {exc}")
        raise Stop from None
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
        records = _scan_csv(text, delim, name, Budget(), log, full=not fast)
    except Stop:
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
