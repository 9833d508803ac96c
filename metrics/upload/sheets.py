"""The sheets readers hand to validation, and how a header row is recognised for a dataset."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from metrics.catalog import Catalog, Dataset, normalise_name

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SEARCH = 10  # a header may sit below up to 9 title rows
NOT_A_TABLE = "not a CSV or XLSX file"
DAMAGED = "the file is damaged ({}); save it again from Excel"


@dataclass
class Sheet:
    """A sheet's cells as text: the header, then one object array per column of the rows below."""
    name: str
    dataset: str | None  # from the sheet name or the caller; None: recognise from the header
    header: list[str]
    header_row: int
    columns: list[np.ndarray]
    rows: np.ndarray  # spreadsheet row number of each body row


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
