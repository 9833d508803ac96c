"""Errors: what a request names that does not exist or cannot be used, and upload errors located
by sheet, row and column, worded for the DCC analyst who fixes the file.

``NotFound`` and ``BadRequestError`` are raised where the cause is known (an unknown metric, a bad
filter); the web layer maps them to 404 and 400 in one place, and anything else to 500. They also
subclass ``KeyError`` / ``ValueError`` so that callers that caught those still do.

``ErrorLog`` collects errors from vectorised checks without building more objects than it will
show: past ``cap`` it only counts, and ``finish()`` appends one error saying how many were left out.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Mapping

MAX_ERRORS = 1000


class NotFound(LookupError):
    """Something the request names does not exist (HTTP 404)."""

    def __str__(self) -> str:  # the message as given (KeyError would quote it)
        return str(self.args[0]) if self.args else "not found"


class UnknownMetric(NotFound, KeyError):
    def __init__(self, metric_id: str):
        super().__init__(f"unknown metric {metric_id!r}")
        self.metric_id = metric_id


class UnknownDataset(NotFound, KeyError):
    def __init__(self, dataset: str):
        super().__init__(f"unknown dataset {dataset!r}")
        self.dataset = dataset


class BadRequestError(ValueError):
    """The request itself cannot be used: a parameter, filter or field is wrong (HTTP 400)."""


@dataclass(frozen=True)
class UploadError:
    sheet: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        return f"{self.sheet}:{row}:{self.column or ''}: {self.message}"

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.value, "message": self.message}


def quoted(value, limit: int = 60) -> str:
    """A value as it appears in a message: 'Nroth'; long values cut, control characters escaped."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text):
        return repr(text)
    return f"'{text}'"


def or_list(items: Iterable[str], word: str = "or") -> str:
    """['a', 'b', 'c'] -> 'a, b or c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def with_article(noun: str) -> str:
    """'CSP region' -> 'a CSP region'; 'Incident category' -> 'an incident category'."""
    first = noun.split(" ", 1)[0]
    if not first.isupper():
        noun = noun[:1].lower() + noun[1:]
    return ("an " if noun[:1].lower() in "aeio" else "a ") + noun


def did_you_mean(raw, choices: Mapping[str, str] | Iterable[str]) -> str | None:
    """The closest choice to ``raw`` ignoring case and punctuation, or None.

    ``choices`` is either canonical values or a mapping of normalised alias -> canonical value.
    """
    from .catalog import normalise_name  # here: catalog imports this module

    if not isinstance(choices, Mapping):
        choices = {normalise_name(c): c for c in choices}
    key = normalise_name(raw)
    if not key:
        return None
    match = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return choices[match[0]] if match else None


@dataclass
class ErrorLog:
    """Errors of one upload, kept up to ``cap``; the rest are only counted."""
    cap: int = MAX_ERRORS
    errors: list[UploadError] = field(default_factory=list)
    total: int = 0

    def add(self, sheet: str, row: int | None, column: str | None, value, message: str) -> None:
        self.total += 1
        if len(self.errors) < self.cap:
            value = None if value is None else str(value)
            self.errors.append(UploadError(sheet, row, column, value, message))

    def add_many(self, sheet: str, rows, column: str | None, values, message) -> None:
        """One error per row; ``message(j)`` words the j-th (called only for the errors kept)."""
        room = max(self.cap - len(self.errors), 0)
        for j in range(min(room, len(rows))):
            self.errors.append(UploadError(sheet, int(rows[j]), column, str(values[j]), message(j)))
        self.total += len(rows)

    def finish(self, sheet_order: list[str], where: str) -> list[UploadError]:
        """The errors sorted by sheet then row, with a last one counting those left out."""
        order = {name: i for i, name in enumerate(sheet_order)}
        out = sorted(self.errors,
                     key=lambda e: (order.get(e.sheet, -1), e.row is not None, e.row or 0))
        if self.total > len(out):
            more = self.total - len(out)
            out.append(UploadError(where, None, None, None,
                                   f"… and {more:,} more error(s) not listed (only the first "
                                   f"{len(out):,} are shown); fix these and upload again"))
        return out
