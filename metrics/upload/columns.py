"""A dataset's columns checked cell by cell: each column parsed by its type (metrics/upload/cells.py),
every bad cell reported with a located message saying what it should hold."""
from __future__ import annotations

import numpy as np

from metrics.catalog import normalise_name
from metrics.errors import ErrorLog, did_you_mean, or_list, quoted, with_article
from metrics.upload.cells import (DATE_FORMS, MAX_COUNT, MAX_DETAIL, MAX_TEXT, MONTH_FORMS,
                                  ParsedColumn, count_column, date_column, dimension_column, map_column,
                                  month_column, number_column, text_column, text_problem)


def expected(col, catalog) -> str:
    """What a cell of this column should hold, for messages."""
    dim = catalog.dimensions.get(col.name)
    if col.type == "month":
        return MONTH_FORMS
    if col.type == "date":
        return DATE_FORMS
    if col.type == "count":
        return "a whole number, 0 or more, such as 31,000"
    if col.type == "percent":
        return "a percentage from 0 to 100, such as 87.07% or 87.07"
    if col.type == "dimension" and dim is not None and dim.kind == "enum":
        return or_list(dim.all_values)
    if col.type == "dimension" and dim is not None and dim.kind == "hex":
        return f"a hexadecimal {dim.title.lower()} such as {col.example or '8F3E'}"
    if col.name == "metric":
        return "a metric id such as " + ", ".join(list(catalog.metrics)[:3])
    return col.description[:1].lower() + col.description[1:].rstrip(".")


def _bad_message(col, catalog, value) -> str:
    q, dim = quoted(value), catalog.dimensions.get(col.name)
    if col.type in ("month", "date"):
        return f"{q} is not a {col.type} (expected {expected(col, catalog)})"
    if col.type == "count" and str(value).strip().endswith("%"):
        return f"{q} is a percentage; {col.name} must be {expected(col, catalog)}"
    if col.type in ("count", "percent"):
        return (f"{q} is not a number (expected {expected(col, catalog)}; leave the cell empty "
                "if there is no figure)")
    if col.name == "metric":
        guess = did_you_mean(value, list(catalog.metrics))
        return (f"{q} is not a metric id (expected one of {or_list(catalog.metrics)}"
                + (f"; did you mean {guess}?)" if guess else ")"))
    if dim is not None and dim.kind == "enum":
        guess = did_you_mean(value, dim.aliases)
        return (f"{q} is not {with_article(dim.title)} (expected {or_list(dim.all_values)}"
                + (f"; did you mean {guess}?)" if guess else ")"))
    if dim is not None and dim.kind == "hex":
        return f"{q} is not {with_article(dim.title)} (expected {expected(col, catalog)})"
    limit = MAX_DETAIL if col.name in LONG_TEXT else MAX_TEXT
    return f"{q} {text_problem(value, limit)}"


LONG_TEXT = {"detail"}


def _count_messages(col, catalog) -> list:
    """A message for each of COUNT_PROBLEMS (by position), given the cell's text."""
    return [None,
            lambda v: _bad_message(col, catalog, v),
            lambda v: f"{quoted(v)} is negative; {col.name} must be 0 or more",
            lambda v: f"{quoted(v)} is not a whole number (expected {expected(col, catalog)})",
            lambda v: f"{quoted(v)} is more than {MAX_COUNT:,}, the largest {col.name} accepted "
                      "(a count must be a whole number from 0 to 10^12)"]


def _metric_id(catalog):
    names = {normalise_name(m): m for m in catalog.metrics}
    names.update({normalise_name(m.title): m.id for m in catalog.metrics.values()})
    return lambda text: names.get(normalise_name(text)) if str(text).strip() else None


def _parse(col, catalog, raw: np.ndarray) -> ParsedColumn:
    dim = catalog.dimensions.get(col.name)
    if col.type == "month":
        return month_column(raw)
    if col.type == "date":
        return date_column(raw)
    if col.type == "count":
        return count_column(raw)
    if col.type == "percent":
        return number_column(raw)
    if col.type == "dimension" and dim is not None:
        return dimension_column(dim, raw)
    if col.name == "metric":
        return map_column(raw, _metric_id(catalog))
    long = col.name in LONG_TEXT
    return text_column(raw, MAX_DETAIL if long else MAX_TEXT, detail=long)


def check_columns(ds, catalog, raw: dict, headers: dict, rows: np.ndarray, sheet: str,
                  log: ErrorLog) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Parse a sheet's columns, logging every bad cell: ({column: values}, {column: codes}, keep).

    Values cover every row, blank ones too: canonical str (None where bad) for text-like columns,
    float64 for numbers (NaN where bad). Codes number the distinct values of text-like columns
    (-1: none); keep marks the non-blank rows. An optional dimension left blank or absent takes
    its catalog default (annotations: ''); other optional blanks are '' or NaN.
    """
    n = len(rows)
    parsed = {c.name: _parse(c, catalog, raw[c.name]) for c in ds.columns if c.name in raw}
    keep = (~np.logical_and.reduce([p.blank for p in parsed.values()]) if parsed
            else np.zeros(n, dtype=bool))
    out: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    for col in ds.columns:
        p, header = parsed.get(col.name), headers.get(col.name, col.name)
        dim = catalog.dimensions.get(col.name) if col.type == "dimension" else None
        numeric = col.type in ("count", "percent")
        fill = (dim.default if dim is not None and dim.default and not ds.notes
                else (np.nan if numeric else ""))
        if p is None:
            out[col.name] = np.full(n, fill, dtype=np.float64 if numeric else object)
            codes[col.name] = np.zeros(n, dtype=np.int64)
            continue

        def report(mask, message, col=col, header=header):
            idx = np.flatnonzero(mask & keep)
            if len(idx):
                cells = raw[col.name][idx]
                log.add_many(sheet, rows[idx], header, cells, lambda j: message(cells[j]))

        report(p.bad, lambda v, col=col: _bad_message(col, catalog, v))
        values = p.values.copy()
        if col.name in ds.required or (dim is not None and fill == "" and not ds.notes):
            report(p.blank, lambda v, col=col: f"{col.name} is missing (expected "
                   f"{expected(col, catalog)})")
        else:
            values[p.blank] = fill
            if p.codes is not None and p.blank.any():
                same = np.flatnonzero((values == fill) & ~p.blank)
                p.codes[p.blank] = p.codes[same[0]] if len(same) else p.codes.max() + 1
        if p.codes is not None:
            codes[col.name] = p.codes
        if col.type == "count":
            for code, message in enumerate(_count_messages(col, catalog)):
                if code:
                    report(p.problem == code, message)
        elif col.type == "percent":
            high, low = values > 100, values < 0
            report(high, lambda v, col=col: f"{quoted(v)} is above 100%; {col.name} is "
                   "a percentage from 0 to 100")
            report(low, lambda v, col=col: f"{quoted(v)} is below 0%; {col.name} is a "
                   "percentage from 0 to 100")
            values[high | low] = np.nan
        out[col.name] = values
    return out, codes, keep
