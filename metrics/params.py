"""Request parameters, checked before any work is done (SPEC §6).

Each parser takes the raw text of one parameter and returns a clean value (None when absent) or
raises ``ParameterError``, whose message names the parameter. Months run from 2000-01 to 2099-12
(as in uploads); ``as_of`` from 2000-01-01 to 2100-01-01 (a date means the end of that day, UTC);
``from`` is not after ``to``; ``limit`` is 1 to 1000; ids are positive 64-bit integers. Only ASCII
digits count as digits. Every route, page and callback of the dashboard parses through here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from .errors import BadRequestError

FIRST_MONTH, LAST_MONTH = "2000-01", "2099-12"
FIRST_AS_OF, LAST_AS_OF = "2000-01-01", "2100-01-01"
MAX_LIMIT = 1000
MAX_ID = 2**63 - 1  # the largest id a database integer column holds
MAX_LENGTH = 100  # longer text is refused without being looked at
MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
TIMESTAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.,+\-Z]+", re.ASCII)
INTEGER_RE = re.compile(r"[0-9]{1,19}", re.ASCII)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

_AS_OF_START = datetime(2000, 1, 1)
_AS_OF_END = datetime(2100, 1, 2)  # exclusive: as_of 2100-01-01 is the end of that day


class ParameterError(BadRequestError):
    """A request parameter that cannot be used; ``name`` says which."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name} {message}")
        self.name = name


def shown(value) -> str:
    """A value for an error message: quoted, and cut short if long."""
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _text(value, name: str) -> str | None:
    """The stripped text of a parameter (the last value of a repeated one); None when blank."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParameterError(name, f"must be text, not {type(value).__name__}")
    if len(value) > MAX_LENGTH:
        raise ParameterError(name, f"is too long ({len(value):,} characters; at most {MAX_LENGTH})")
    value = value.strip()
    if CONTROL_RE.search(value):
        raise ParameterError(name, f"must not hold control characters (such as NUL or a line break): "
                                   f"{shown(value)}")
    return value or None


def month_number(month: str) -> int:
    """'2020-01' -> 2020 * 12 + 0: months as integers, so arithmetic and order are exact."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month(value, name: str = "month") -> str | None:
    """A month YYYY-MM from 2000-01 to 2099-12, or None when absent."""
    text = _text(value, name)
    if text is None:
        return None
    if not MONTH_RE.fullmatch(text) or not (
            month_number(FIRST_MONTH) <= month_number(text) <= month_number(LAST_MONTH)):
        raise ParameterError(name, f"must be a month YYYY-MM from {FIRST_MONTH} to {LAST_MONTH}, "
                                   f"not {shown(text)}")
    return text


def as_of(value, name: str = "as_of") -> datetime | None:
    """An "as of" moment as naive UTC, or None when absent: a date YYYY-MM-DD means the end of that
    day; an ISO 8601 timestamp (with an offset, or UTC when it has none) that moment."""
    text = _text(value, name)
    if text is None:
        return None
    wrong = ParameterError(name, f"must be a date YYYY-MM-DD or an ISO 8601 timestamp from "
                                 f"{FIRST_AS_OF} to {LAST_AS_OF}, not {shown(text)}")
    if not (DATE_RE.fullmatch(text) or TIMESTAMP_RE.fullmatch(text)):
        raise wrong
    if not 2000 <= int(text[:4]) <= 2100:  # before any arithmetic that could overflow
        raise wrong
    try:
        if DATE_RE.fullmatch(text):
            moment = datetime.strptime(text, "%Y-%m-%d") + timedelta(days=1) - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise wrong from None
    if not _AS_OF_START <= moment < _AS_OF_END:
        raise wrong
    return moment


def limit(value, name: str = "limit", default: int = 100) -> int:
    """A row limit from 1 to 1000 (``default`` when absent)."""
    text = _text(value, name)
    if text is None:
        return default
    if not INTEGER_RE.fullmatch(text) or not 1 <= int(text) <= MAX_LIMIT:
        raise ParameterError(name, f"must be a whole number from 1 to {MAX_LIMIT}, not {shown(text)}")
    return int(text)


def identifier(value, name: str = "id") -> int | None:
    """A positive integer id that a database can hold, or None when absent."""
    text = _text(value, name)
    if text is None:
        return None
    if not INTEGER_RE.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
        raise ParameterError(name, f"must be a positive whole number (an id), not {shown(text)}")
    return int(text)


def month_span(start: str | None, end: str | None, names: tuple[str, str] = ("from", "to")) -> None:
    """Refuse a span whose first month is after its last."""
    if start and end and month_number(start) > month_number(end):
        raise ParameterError(names[0], f"({start}) must not be after {names[1]} ({end})")


def dimension_value(dimension, value, name: str) -> str | None:
    """A catalog dimension's canonical value (roll-ups included), or None when absent."""
    text = _text(value, name)
    if text is None:
        return None
    canonical = dimension.canonical(text)
    if canonical is None:
        raise ParameterError(name, f"{shown(text)} is not a {dimension.title}")
    return canonical


QUERY = {"month": month, "from": month, "to": month, "as_of": as_of, "limit": limit}


def query(args: Mapping) -> dict:
    """The parameters of QUERY present in ``args``, parsed (each by its own name), and the span
    from..to checked. A parameter given twice must be valid both times (the last one counts)."""
    out = {}
    getlist = getattr(args, "getlist", None)
    for name, parse in QUERY.items():
        if name not in args:
            continue
        values = getlist(name) if getlist else [args[name]]
        for value in values:
            out[name] = parse(value, name)
    month_span(out.get("from"), out.get("to"))
    return out
