"""Action fields: what a valid action is, and the rules read from one (due date, overdue, id order).

Text from a form or a spreadsheet row becomes clean fields (``clean_fields``) or an ActionError
naming each field at fault; dates are day first, as the minutes write them.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from metrics.catalog import Catalog, normalise_name
from metrics.errors import did_you_mean, or_list, quoted
from metrics.months import add_months
from metrics.upload.cells import CONTROL, CONTROL_IN_DETAIL, parse_date, parse_month
from metrics.workdays import month_end

OPEN, CLOSED = "open", "closed"
STATUSES = (OPEN, CLOSED)
STATUS_WORDS = {OPEN: ("open", "opened", "outstanding", "in progress", "ongoing", "reopened"),
                CLOSED: ("closed", "close", "complete", "completed", "done", "discharged")}
EDITABLE = ("text", "owner", "raised_on", "target_on", "revised_on", "month", "metrics", "notes")
MAX_TEXT, MAX_OWNER = 2000, 80
REF_RE = re.compile(r"(?i)^\s*(?:OPSG[\s_-]*)?(\d{1,3})\s*/\s*(\d{1,3})\s*$")
LABELS = {"ref": "Action ID", "text": "Action", "owner": "Owner", "raised_on": "Date raised",
          "target_on": "Target date", "revised_on": "Revised target date", "status": "Status",
          "month": "Month", "metrics": "Metrics", "notes": "Notes"}
DATE_HINT = "a date such as 04/02/2020 (day first, as in the minutes)"


class ActionError(ValueError):
    """A refused change; ``problems`` lists (field, value, message) for each field at fault."""

    def __init__(self, problems: list[tuple[str, str | None, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{LABELS.get(f, f)}: {m}" for f, _, m in problems))


def normalise_ref(text) -> str | None:
    """'opsg 29/1', 'OPSG_29/01', '29/01' -> 'OPSG 29/01'; None if it is not an action id."""
    match = REF_RE.match(str(text or ""))
    return f"OPSG {int(match[1])}/{int(match[2]):02d}" if match else None


def ref_key(ref: str) -> tuple[int, int]:
    """Sort key: meeting number, then action number ('OPSG 24/02' before 'OPSG 29/01')."""
    match = REF_RE.match(ref)
    return (int(match[1]), int(match[2])) if match else (10**6, 0)


def due_on(action: dict) -> str:
    """The day an action is due: its revised target date if one was set, else its target date."""
    return action.get("revised_on") or action["target_on"]


def is_overdue(action: dict, today: date) -> bool:
    """Still open after the day it was due (due today is not yet overdue)."""
    return action["status"] == OPEN and date.fromisoformat(due_on(action)) < today


def days_overdue(action: dict, today: date) -> int:
    return max((today - date.fromisoformat(due_on(action))).days, 0) if is_overdue(action, today) else 0


def judgement_day(month: str | None, as_of: datetime | None, today: date) -> date:
    """The day actions are judged on for a view of ``month``: the meeting that reviewed that month
    (taken as the end of the month after it, as no meeting dates are recorded), never later than
    ``today``; ``today`` for the current month or no month. An as-of moment stands in for today
    (what the dashboard showed then), so freezing during a meeting judges at that moment."""
    if as_of is not None:
        today = min(as_of.date(), today)
    if not month or month >= f"{today:%Y-%m}":
        return today
    return min(month_end(add_months(month, 1)), today)


def parse_status(text) -> str | None:
    key = str(text or "").strip().lower()
    return next((s for s, words in STATUS_WORDS.items() if key in words), None)


def metric_lookup(catalog: Catalog) -> dict[str, str]:
    """Normalised metric id or title -> metric id."""
    lookup = {normalise_name(m.title): m.id for m in catalog.metrics.values()}
    lookup.update({normalise_name(m.id): m.id for m in catalog.metrics.values()})
    return lookup


def _text(field: str, raw, limit: int, problems, *, required: bool, detail: bool = False):
    text = str(raw or "").strip()
    if not text:
        if required:
            problems.append((field, None, f"{LABELS[field].lower()} is required"))
        return ""
    if len(text) > limit:
        problems.append((field, text, f"is {len(text):,} characters long (at most {limit:,})"))
    elif (CONTROL_IN_DETAIL if detail else CONTROL).search(text):
        problems.append((field, text, "contains a control or invisible formatting character"))
    return text


def _date(field: str, raw, problems, *, required: bool) -> str | None:
    text = str(raw or "").strip()
    if not text:
        if required:
            problems.append((field, None, f"{LABELS[field].lower()} is required: {DATE_HINT}"))
        return None
    day = parse_date(text)
    if day is None:
        problems.append((field, text, f"{quoted(text)} is not {DATE_HINT}"))
    return day


def clean_fields(catalog: Catalog, raw: dict, *, partial: bool = False) -> dict:
    """Validated action fields from text (a form or a spreadsheet row); raises ActionError.

    ``partial``: only the fields present in ``raw`` are checked (an edit). Dates come back as
    YYYY-MM-DD, metrics as a tuple of metric ids, the month as YYYY-MM.
    """
    problems: list = []
    out: dict = {}
    need = not partial

    def wanted(field):
        return field in raw or need

    if wanted("ref"):
        ref = normalise_ref(raw.get("ref"))
        if ref is None:
            text = str(raw.get("ref") or "").strip()
            problems.append(("ref", text or None, f"{quoted(text)} is not an action id such as "
                             "OPSG 29/01" if text else "the action id is required, e.g. OPSG 29/01"))
        out["ref"] = ref
    if wanted("text"):
        out["text"] = _text("text", raw.get("text"), MAX_TEXT, problems, required=True, detail=True)
    if wanted("owner"):
        out["owner"] = _text("owner", raw.get("owner"), MAX_OWNER, problems, required=True)
    for field, required in (("raised_on", True), ("target_on", True), ("revised_on", False)):
        if wanted(field):
            out[field] = _date(field, raw.get(field), problems, required=required)
    if wanted("status"):
        text = str(raw.get("status") or "").strip()
        status = parse_status(text) if text else OPEN
        if status is None:
            guess = did_you_mean(text, [w for words in STATUS_WORDS.values() for w in words])
            hint = f"; did you mean {guess!r}?" if guess else ""
            problems.append(("status", text, f"{quoted(text)} is not a status: expected Open or "
                             f"Closed{hint}"))
        out["status"] = status
    if wanted("month"):
        text = str(raw.get("month") or "").strip()
        month = parse_month(text) if text else None
        if text and month is None:
            problems.append(("month", text, f"{quoted(text)} is not a month such as 2020-01 or Jan 2020"))
        out["month"] = month
    if wanted("metrics"):
        out["metrics"] = _metrics(catalog, raw.get("metrics"), problems)
    if wanted("notes"):
        out["notes"] = _text("notes", raw.get("notes"), MAX_TEXT, problems, required=False, detail=True)
    raised = out.get("raised_on", raw.get("_raised_on"))
    for field in ("target_on", "revised_on"):
        if out.get(field) and raised and out[field] < raised:
            problems.append((field, out[field], f"{dmy(out[field])} is before the date raised, "
                             f"{dmy(raised)}"))
    if problems:
        raise ActionError(problems)
    return out


def _metrics(catalog: Catalog, raw, problems) -> tuple[str, ...]:
    if isinstance(raw, (list, tuple)):
        parts = [str(p) for p in raw]
    else:
        text = str(raw or "")
        parts = re.split(r"[;,\n]+", text) if re.search(r"[;,\n]", text) else text.split()
    lookup, found = metric_lookup(catalog), []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        metric = lookup.get(normalise_name(part))
        if metric is None:
            key = normalise_name(part)
            starts = {m for k, m in lookup.items() if key and k.startswith(key)}
            guess = next(iter(starts)) if len(starts) == 1 else did_you_mean(part, lookup)
            hint = f"did you mean {guess}? " if guess else ""
            problems.append(("metrics", part, f"{quoted(part)} is not a metric; {hint}metric ids: "
                             f"{or_list(catalog.metrics)}"))
        elif metric not in found:
            found.append(metric)
    return tuple(found)


def dmy(day: str | None) -> str:
    """'2020-03-03' -> '03/03/2020', as the minutes write dates."""
    return "" if not day else f"{day[8:10]}/{day[5:7]}/{day[:4]}"
