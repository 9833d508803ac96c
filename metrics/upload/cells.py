"""Parsers for uploaded cell values: months, dates, counts, percentages and dimension values.

Scalar parsers read one cell's text. The column parsers apply them once per *distinct* value of a
column (``pandas.factorize``), so a 300,000-row upload costs a few thousand Python calls; plain
digit strings skip even that. XLSX cells are first turned into the text a CSV would hold
(``cell_text``): a percentage-formatted 0.8707 becomes '87.07%', a date cell '2020-01-31'.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from metrics.catalog import Dimension

MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_TEXT = 200  # dimension values and titles
MAX_DETAIL = 5000
MAX_COUNT = 10**12  # counts above are refused; every count up to it is exact in float64 (< 2**53)
MONTH_FORMS = "a month such as 2020-01, Jan-20, January 2020, 01/2020 or an Excel date"
DATE_FORMS = "a date such as 2020-01-31, 31/01/2020 or an Excel date (day first)"

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_MONTHS.update({name: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)})
_MONTHS["sept"] = 9

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?" + _TIME)
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})" + _TIME)
_MY = re.compile(r"(\d{1,2})[-/.](\d{4}|\d{2})")
_NAMED = re.compile(r"(?:(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+)?([a-z]+)\.?[\s\-/',]*(\d{4}|\d{2})")
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)?(\.\d*)?")
_WHOLE_FLOAT = re.compile(r"[+-]?\d+\.0*")
# C0/C1 control characters and bidi overrides; detail text may keep tabs and line breaks.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_IN_DETAIL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

OK, BLANK, BAD = 0, 1, 2


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _ymd(year: int, month: int, day: int | None) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day or 1)
    except ValueError:
        return None


def _parse_day_or_month(text) -> tuple[date | None, bool]:
    """(date, had a day) for any accepted month or date form; (None, False) if none fits."""
    text = str(text).strip().lower()
    if m := _YMD.fullmatch(text):
        return _ymd(int(m[1]), int(m[2]), m[3] and int(m[3])), bool(m[3])
    if m := _DMY.fullmatch(text):  # UK order: day first
        return _ymd(_year(m[3]), int(m[2]), int(m[1])), True
    if m := _MY.fullmatch(text):
        return _ymd(_year(m[2]), int(m[1]), None), False
    if (m := _NAMED.fullmatch(text)) and m[2] in _MONTHS:
        return _ymd(_year(m[3]), _MONTHS[m[2]], m[1] and int(m[1])), bool(m[1])
    return None, False


def parse_month(text) -> str | None:
    """'Jan-20', '01/2020', '2020-01-31', ... -> '2020-01'; None if it is not a month."""
    day, _ = _parse_day_or_month(text)
    return f"{day.year:04d}-{day.month:02d}" if day else None


def parse_date(text) -> str | None:
    """'2020-01-31', '31/01/2020' (day first), '31 Jan 2020', ... -> '2020-01-31'; else None."""
    day, had_day = _parse_day_or_month(text)
    return day.isoformat() if day and had_day else None


def _number_parts(text) -> tuple[int, bool, str, str, bool]:
    """(status, negative, whole digits, fraction digits, had a % sign) of '31,000', '(5)', '87.07%'.

    The digits are kept as text, so the value can be judged exactly however long it is.
    """
    t = str(text).strip()
    if not t:
        return BLANK, False, "", "", False
    percent = t.endswith("%")
    if percent:
        t = t[:-1].rstrip()
    negative = False
    if t[:1] == "(" and t[-1:] == ")":
        t, negative = t[1:-1].strip(), True
    elif t and t[0] in "+-\u2212":
        negative, t = t[0] != "+", t[1:].lstrip()
    m = _NUMBER.fullmatch(t)
    if not t or not m or not (m[1] or (m[2] and len(m[2]) > 1)):
        return BAD, negative, "", "", percent
    return OK, negative, (m[1] or "").replace(",", ""), (m[2] or ".")[1:], percent


def parse_number(text) -> tuple[float, int, bool]:
    """(value, status, had a % sign) for '31,000', ' 15 ', '87.07%', '(5)', '-5'.

    status is OK, BLANK (empty cell, value NaN) or BAD (not a number, value NaN).
    """
    status, negative, whole, fraction, percent = _number_parts(text)
    if status != OK:
        return math.nan, status, percent
    value = float(f"{whole or 0}.{fraction or 0}")
    return -value if negative else value, OK, percent


@dataclass(frozen=True)
class Count:
    """A count cell judged exactly, never through float64: its problem, or its value."""
    value: int | None  # None when there is a problem (or the cell is blank)
    problem: str | None  # 'percent' | 'negative' | 'fraction' | 'too_big' | 'bad' | None


def parse_count(text) -> Count:
    """A count: a whole number from 0 to MAX_COUNT, compared as digits (no float rounding)."""
    status, negative, whole, fraction, percent = _number_parts(text)
    if status == BLANK:
        return Count(None, None)
    if status == BAD:
        return Count(None, "bad")
    whole = whole.lstrip("0")
    nonzero = bool(whole) or bool(fraction.strip("0"))
    if percent:
        return Count(None, "percent")
    if negative and nonzero:
        return Count(None, "negative")
    if fraction.strip("0"):
        return Count(None, "fraction")
    if len(whole) > len(str(MAX_COUNT)) or int(whole or 0) > MAX_COUNT:
        return Count(None, "too_big")
    return Count(int(whole or 0), None)


def cell_text(value, number_format: str | None = None) -> str:
    """An XLSX cell value as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if number_format and "%" in re.sub(r'"[^"]*"|\\.', "", number_format):
            return f"{number_text(value * 100)}%"
        return number_text(value)
    return str(value)


def number_text(value: float, grouped: bool = False) -> str:
    """12.0 -> '12', 0.1 + 0.2 -> '0.3' (to 9 decimals; no exponent); grouped: '31,000'."""
    if isinstance(value, int) or (math.isfinite(value) and float(value).is_integer()):
        return f"{int(value):,}" if grouped else str(int(value))
    if not math.isfinite(value):
        return str(value)
    return f"{value:.9f}".rstrip("0").rstrip(".")


def canonical_value(dim: Dimension, raw) -> str | None:
    """The dimension's canonical value for a cell (category 2.0 -> '2', '0x8f3e' -> '8F3E')."""
    text = str(raw).strip()
    if not text:
        return None
    if dim.kind == "hex":
        return dim.canonical(text[2:] if text[:2].lower() == "0x" else text)
    if dim.kind == "text":
        return text if len(text) <= MAX_TEXT and not CONTROL.search(text) else None
    found = dim.canonical(text)
    if found is None and _WHOLE_FLOAT.fullmatch(text):
        found = dim.canonical(text.split(".")[0])
    return found


@dataclass
class ParsedColumn:
    """One parsed column: canonical values, and which cells were blank or could not be read."""
    values: np.ndarray  # object (str or None) or float64 (NaN where blank/bad)
    blank: np.ndarray  # bool
    bad: np.ndarray  # bool: not blank and not a value of the expected kind
    percent_sign: np.ndarray | None = None  # numbers: the cell ended with '%'
    codes: np.ndarray | None = None  # text-like: an int per distinct canonical value, -1 for none
    problem: np.ndarray | None = None  # counts: index into COUNT_PROBLEMS (0: none)


def map_column(raw: np.ndarray, fn) -> ParsedColumn:
    """Apply ``fn`` (text -> canonical str or None) once per distinct value of ``raw``."""
    codes, uniques = pd.factorize(raw)
    mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
    blank_u = np.array([not str(u).strip() for u in uniques] + [True], dtype=bool)
    canon_codes, _ = pd.factorize(mapped)
    rows = canon_codes[codes]
    blank = blank_u[codes]
    return ParsedColumn(mapped[codes], blank, ~blank & (rows < 0), codes=rows)


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def number_column(raw: np.ndarray) -> ParsedColumn:
    """Numbers of a column: all plain digits in one go; else once per distinct value."""
    n = len(raw)
    try:
        joined = "".join(raw)  # every cell non-empty ASCII digits: convert in bulk
    except TypeError:
        joined = ""
    if joined.isdecimal() and joined.isascii() and all(raw):
        none = np.zeros(n, dtype=bool)
        return ParsedColumn(raw.astype(np.float64), none, none, none)
    codes, uniques = pd.factorize(raw)
    uniques = np.asarray(uniques, dtype=object)
    m = len(uniques)
    values = np.full(m + 1, np.nan)
    status = np.full(m + 1, BLANK, dtype=np.int8)
    percent = np.zeros(m + 1, dtype=bool)
    for i, text in enumerate(uniques):
        if text.isdecimal() and text.isascii():
            values[i], status[i] = float(text), OK
        elif _THOUSANDS.fullmatch(text):
            values[i], status[i] = float(text.replace(",", "")), OK
        else:
            values[i], status[i], percent[i] = parse_number(text)
    status, percent = status[codes], percent[codes]
    return ParsedColumn(values[codes], status == BLANK, status == BAD, percent)


COUNT_PROBLEMS = (None, "percent", "negative", "fraction", "too_big")


def count_column(raw: np.ndarray) -> ParsedColumn:
    """Counts of a column, judged exactly (``parse_count``) once per distinct value; a column of
    plain digit strings all below MAX_COUNT (so exact in float64) in one go."""
    n = len(raw)
    try:
        joined = "".join(raw)
    except TypeError:
        joined = ""
    if joined.isdecimal() and joined.isascii() and all(raw):
        values = raw.astype(np.float64)
        # Rounding is monotonic, so every value under MAX_COUNT (< 2**53) here was converted
        # exactly; any other goes through parse_count below, digit by digit.
        if values.max(initial=0) < MAX_COUNT:
            none = np.zeros(n, dtype=bool)
            return ParsedColumn(values, none, none, none, problem=np.zeros(n, dtype=np.int8))
    codes, uniques = pd.factorize(raw)
    m = len(uniques)
    values = np.full(m + 1, np.nan)
    blank = np.zeros(m + 1, dtype=bool)
    bad = np.zeros(m + 1, dtype=bool)
    problem = np.zeros(m + 1, dtype=np.int8)
    blank[m] = True
    for i, text in enumerate(uniques):
        count = parse_count(text)
        if count.value is not None:
            values[i] = count.value  # at most MAX_COUNT: exact
        elif count.problem == "bad":
            bad[i] = True
        elif count.problem:
            problem[i] = COUNT_PROBLEMS.index(count.problem)
        else:
            blank[i] = True
    return ParsedColumn(values[codes], blank[codes], bad[codes], None, problem=problem[codes])


def month_column(raw: np.ndarray) -> ParsedColumn:
    return map_column(raw, parse_month)


def date_column(raw: np.ndarray) -> ParsedColumn:
    return map_column(raw, parse_date)


def dimension_column(dim: Dimension, raw: np.ndarray) -> ParsedColumn:
    return map_column(raw, lambda text: canonical_value(dim, text))


def text_column(raw: np.ndarray, limit: int = MAX_TEXT, detail: bool = False) -> ParsedColumn:
    """Free text kept as written (stripped); control characters or over-long text are bad."""
    control = CONTROL_IN_DETAIL if detail else CONTROL

    def check(text):
        text = str(text).strip()
        return text if text and len(text) <= limit and not control.search(text) else None
    return map_column(raw, check)


def text_problem(text, limit: int = MAX_TEXT) -> str:
    """Why a free-text value was refused."""
    text = str(text).strip()
    if len(text) > limit:
        return f"is {len(text):,} characters long (at most {limit:,})"
    return "contains a control or invisible formatting character (plain text only)"
