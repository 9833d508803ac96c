"""The OPSG action log: actions like the minutes' ("OPSG 29/01"), their history, and overdue rules.

An action is due on its revised target date if one was set, else on its last target date; it is
overdue when still open after that day. Every change is kept in ``action_revisions`` (who, when,
what changed, why) and in the audit trail, in the same transaction. Imports from CSV/XLSX are
validated like figure uploads: every error names the sheet, row, column and value, all are
reported together, and nothing is written unless the whole file is valid.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime

from sqlalchemy import Connection, func, insert, select, update

from . import schema
from .catalog import Catalog, normalise_name
from .errors import ErrorLog, UploadError, did_you_mean, or_list, quoted
from .months import add_months
from .settings import DEFAULTS
from .store import audit, utcnow
from .values import CONTROL, CONTROL_IN_DETAIL, parse_date, parse_month
from .workdays import month_end

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


# --------------------------------------------------------------------------------- reading
def _row(row) -> dict:
    data = dict(row._mapping)
    data["metrics"] = tuple(data["metrics"].split()) if data.get("metrics") else ()
    return data


def list_actions(conn: Connection, *, today: date, status: str | None = None,
                 owner: str | None = None, metric: str | None = None) -> list[dict]:
    """Actions judged on ``today`` (the day being viewed: see ``judgement_day``), filtered, each
    with ``due_on``, ``overdue`` and ``days_overdue``. Actions raised after that day are left out.

    Ordered as a chair reads them: open before closed, overdue first, then by due date and id.
    """
    a = schema.actions
    stmt = select(a).where(a.c.raised_on <= today.isoformat())
    if status:
        stmt = stmt.where(a.c.status == status)
    if owner:
        stmt = stmt.where(a.c.owner == owner)
    out = []
    for row in conn.execute(stmt):
        action = _row(row)
        if metric and metric not in action["metrics"]:
            continue
        action.update(due_on=due_on(action), overdue=is_overdue(action, today),
                      days_overdue=days_overdue(action, today))
        out.append(action)
    out.sort(key=lambda x: (x["status"] != OPEN, not x["overdue"], x["due_on"], ref_key(x["ref"])))
    return out


def get_action(conn: Connection, ref: str) -> dict | None:
    row = conn.execute(select(schema.actions).where(schema.actions.c.ref == normalise_ref(ref))).first()
    return _row(row) if row else None


def owners(conn: Connection) -> list[str]:
    a = schema.actions
    return list(conn.execute(select(a.c.owner).distinct().order_by(a.c.owner)).scalars())


def open_by_metric(conn: Connection, today: date) -> dict[str, list[dict]]:
    """{metric id: its open actions}, for badges on the metric's rows and slides."""
    out: dict[str, list[dict]] = {}
    for action in list_actions(conn, status=OPEN, today=today):
        for metric in action["metrics"]:
            out.setdefault(metric, []).append(action)
    return out


def history(conn: Connection, ref: str) -> list[dict]:
    """Every change to an action, oldest first: at, actor, kind, changes {field: [old, new]}, reason."""
    a, r = schema.actions, schema.action_revisions
    rows = conn.execute(select(r.c.at, r.c.actor, r.c.kind, r.c.changes, r.c.reason)
                        .join(a, a.c.id == r.c.action_id).where(a.c.ref == normalise_ref(ref))
                        .order_by(r.c.at, r.c.id))
    return [{**dict(row._mapping), "changes": json.loads(row.changes)} for row in rows]


def histories(conn: Connection) -> dict[str, list[dict]]:
    """{ref: its history, oldest first} for every action, in one query (for the action log page)."""
    a, r = schema.actions, schema.action_revisions
    out: dict[str, list[dict]] = {}
    for row in conn.execute(select(a.c.ref, r.c.at, r.c.actor, r.c.kind, r.c.changes, r.c.reason)
                            .join(a, a.c.id == r.c.action_id).order_by(r.c.at, r.c.id)):
        entry = dict(row._mapping)
        entry["changes"] = json.loads(entry["changes"])
        out.setdefault(entry.pop("ref"), []).append(entry)
    return out


def log_version(conn: Connection) -> tuple:
    """Changes whenever an action changes (for caches of pages that show actions)."""
    return tuple(conn.execute(select(func.max(schema.action_revisions.c.id))).one())


# --------------------------------------------------------------------------------- writing
def _stored(fields: dict) -> dict:
    out = dict(fields)
    if "metrics" in out:
        out["metrics"] = " ".join(out["metrics"])
    for key in ("notes",):
        if key in out and out[key] is None:
            out[key] = ""
    return out


def _record(conn, action_id: int, actor: str, kind: str, changes: dict, reason: str | None) -> None:
    conn.execute(insert(schema.action_revisions).values(
        action_id=action_id, at=utcnow(), actor=actor, kind=kind,
        changes=json.dumps(changes, sort_keys=True, default=list), reason=reason))


def add_action(conn: Connection, catalog: Catalog, raw: dict, actor: str, *,
               source: str = "", kind: str = "added", reason: str | None = None) -> dict:
    """Add a new action from text fields; raises ActionError (e.g. the id already exists)."""
    fields = clean_fields(catalog, raw)
    if get_action(conn, fields["ref"]) is not None:
        raise ActionError([("ref", fields["ref"], f"{fields['ref']} already exists; edit it instead")])
    values = _stored(fields)
    values.update(source=source, updated_at=utcnow(), updated_by=actor,
                  closed_on=date.today().isoformat() if fields["status"] == CLOSED else None)
    action_id = conn.execute(insert(schema.actions).values(**values)
                             .returning(schema.actions.c.id)).scalar_one()
    _record(conn, action_id, actor, kind, {k: [None, v] for k, v in fields.items() if v}, reason)
    audit(conn, actor, "action_added", fields["ref"], source=source or kind)
    return get_action(conn, fields["ref"])


def edit_action(conn: Connection, catalog: Catalog, ref: str, raw: dict, actor: str, *,
                reason: str | None = None, kind: str = "edited") -> dict:
    """Change an action's fields (those in ``raw``); the old values go to its history.

    Moving the target date needs a reason: the history of revised dates is what the group reads.
    """
    current = get_action(conn, ref)
    if current is None:
        raise ActionError([("ref", ref, f"no action {ref}")])
    raw = {k: v for k, v in raw.items() if k in EDITABLE}
    fields = clean_fields(catalog, {**raw, "_raised_on": current["raised_on"]}, partial=True)
    changes = {k: [current[k], v] for k, v in fields.items() if (current[k] or None) != (v or None)}
    if not changes:
        return current
    if {"target_on", "revised_on"} & set(changes) and not (reason or "").strip() and kind == "edited":
        raise ActionError([("revised_on", None, "give a reason when a target date moves "
                            "(it is kept in the action's history)")])
    values = _stored({k: new for k, (_, new) in changes.items()})
    conn.execute(update(schema.actions).where(schema.actions.c.id == current["id"])
                 .values(**values, updated_at=utcnow(), updated_by=actor))
    _record(conn, current["id"], actor, kind, changes, reason)
    audit(conn, actor, "action_edited", current["ref"], fields=sorted(changes), reason=reason)
    return get_action(conn, ref)


def set_status(conn: Connection, ref: str, status: str, actor: str, *, on: date | None = None,
               reason: str | None = None) -> dict:
    """Close (on a day, default today) or reopen an action."""
    current = get_action(conn, ref)
    if current is None:
        raise ActionError([("ref", ref, f"no action {ref}")])
    if status not in STATUSES:
        raise ActionError([("status", status, "expected open or closed")])
    if current["status"] == status:
        return current
    closed_on = (on or date.today()).isoformat() if status == CLOSED else None
    conn.execute(update(schema.actions).where(schema.actions.c.id == current["id"])
                 .values(status=status, closed_on=closed_on, updated_at=utcnow(), updated_by=actor))
    kind = "closed" if status == CLOSED else "reopened"
    _record(conn, current["id"], actor, kind,
            {"status": [current["status"], status], "closed_on": [current["closed_on"], closed_on]},
            reason)
    audit(conn, actor, f"action_{kind}", current["ref"], reason=reason)
    return get_action(conn, ref)


def upsert(conn: Connection, catalog: Catalog, fields: dict, actor: str, source: str,
           reason: str) -> str:
    """Write one imported action: 'added', 'updated' or 'unchanged' (so importing twice is safe)."""
    raw = {**fields, "metrics": list(fields.get("metrics") or ())}
    current = get_action(conn, fields["ref"])
    if current is None:
        add_action(conn, catalog, raw, actor, source=source, kind="imported", reason=reason)
        return "added"
    before = current
    after = edit_action(conn, catalog, fields["ref"], raw, actor, reason=reason, kind="imported")
    if fields.get("status") and fields["status"] != after["status"]:
        after = set_status(conn, fields["ref"], fields["status"], actor, reason=reason)
    return "unchanged" if after == before else "updated"

# ---------------------------------------------------------------------------------- import
# Header names as the minutes' table and a secretary's spreadsheet write them (matched ignoring
# case, spaces and punctuation).
IMPORT_COLUMNS = {
    "ref": ("Action ID", "ID", "Action ref", "Ref", "Reference", "Action number", "Action no"),
    "text": ("Action", "Action text", "Description", "Actions"),
    "owner": ("Owner", "Action owner", "Responsible", "Who"),
    "raised_on": ("Date raised", "Raised", "Raised on", "Date"),
    "target_on": ("Last target date", "Target date", "Target", "Due", "Due date", "Deadline"),
    "revised_on": ("Revised target date", "Revised target", "Revised date", "Revised"),
    "status": ("Status", "Action status", "State"),
    "month": ("Month", "Reporting month"),
    "metrics": ("Metrics", "Linked metrics", "Metric", "Metric ids"),
    "notes": ("Notes", "Update", "Updates", "Comments", "Progress"),
}
REQUIRED = ("ref", "text", "owner", "raised_on", "target_on")
HEADER_SEARCH = 10
_ALIASES = {normalise_name(alias): field for field, names in IMPORT_COLUMNS.items()
            for alias in (field, *names)}


@dataclass
class ImportReport:
    outcome: str  # accepted | unchanged | rejected
    errors: list = dc_field(default_factory=list)  # UploadError, located
    added: list = dc_field(default_factory=list)
    updated: list = dc_field(default_factory=list)
    unchanged: list = dc_field(default_factory=list)
    ignored_columns: list = dc_field(default_factory=list)

    @property
    def message(self) -> str:
        if self.outcome == "rejected":
            return f"rejected: {len(self.errors)} error(s); nothing was written"
        parts = [f"{len(x)} {w}" for x, w in ((self.added, "added"), (self.updated, "updated"),
                                               (self.unchanged, "unchanged")) if x]
        return f"{self.outcome}: " + (", ".join(parts) or "no actions")


def _records(data: bytes, filename: str, max_bytes: int, log: ErrorLog) -> tuple[str, list]:
    """(sheet name, [(row number, [cell text])]) of the CSV, or of the workbook's action sheet."""
    from .readers import _decode, _delimiter, _openpyxl, xlsx_problem
    from .values import cell_text

    if len(data) > max_bytes:
        log.add(filename, None, None, None, f"the file is {len(data):,} bytes; the limit is "
                f"{max_bytes:,}")
        return filename, []
    if data[:4] == b"PK\x03\x04":
        problem = xlsx_problem(data, max_bytes)
        if problem:
            log.add(filename, None, None, None, problem)
            return filename, []
        try:
            book = _openpyxl().load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a zip that is not a workbook
            log.add(filename, None, None, None, f"not a CSV or XLSX file: the workbook could not "
                    f"be read ({type(exc).__name__}); save it again from Excel as .xlsx")
            return filename, []
        try:
            sheets = sorted(book.worksheets, key=lambda ws: "action" not in ws.title.lower())
            for ws in sheets:
                rows = [(n, [cell_text(c.value, c.number_format if type(c.value) in (int, float)
                                       else None) for c in row])
                        for n, row in enumerate(ws.iter_rows(), start=1)]
                if _header_index(rows) is not None or ws is sheets[-1]:
                    return ws.title, rows
        finally:
            book.close()
    text, _ = _decode(data)
    if text is None:
        log.add(filename, None, None, None, "not a CSV or XLSX file: upload the action log as a "
                "CSV file or an .xlsx workbook")
        return filename, []
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        log.add(filename, None, None, None, f"the file cannot be read as CSV: {exc}")
        return filename, []
    return filename, list(enumerate(rows, start=1))


def _header_index(rows: list) -> int | None:
    """The first of the first few non-blank rows holding every required column."""
    nonblank = [i for i, (_, cells) in enumerate(rows) if any(str(c).strip() for c in cells)]
    for i in nonblank[:HEADER_SEARCH]:
        found = {_ALIASES.get(normalise_name(c)) for c in rows[i][1]}
        if set(REQUIRED) <= found:
            return i
    return None


def parse_actions(data: bytes, filename: str, catalog: Catalog, *,
                  max_bytes: int = DEFAULTS.max_upload_bytes) -> tuple[list[dict], list[UploadError], list[str]]:
    """(clean actions, located errors, ignored column headers) from a CSV or XLSX action log."""
    log = ErrorLog()
    sheet, rows = _records(data, filename, max_bytes, log)
    if log.total:
        return [], log.finish([sheet], filename), []
    if not any(any(str(c).strip() for c in cells) for _, cells in rows):
        log.add(sheet, None, None, None, "the file is empty")
        return [], log.finish([sheet], filename), []
    index = _header_index(rows)
    if index is None:
        first = next((n, cells) for n, cells in rows if any(str(c).strip() for c in cells))
        found = {_ALIASES.get(normalise_name(c)) for c in first[1]}
        for col in REQUIRED:
            if col not in found:
                log.add(sheet, first[0], LABELS[col], None,
                        f"missing column {LABELS[col]!r} (also accepted: "
                        f"{or_list(IMPORT_COLUMNS[col][:4])})")
        return [], log.finish([sheet], filename), []
    header_row, header = rows[index]
    positions, ignored = {}, []
    for pos, name in enumerate(header):
        key = _ALIASES.get(normalise_name(name))
        if key and key not in positions:
            positions[key] = pos
        elif str(name).strip():
            ignored.append(str(name).strip())
    titles = {f: str(header[p]).strip() for f, p in positions.items()}
    out, seen = [], {}
    for number, cells in rows[index + 1:]:
        if not any(str(c).strip() for c in cells):
            continue
        raw = {f: (cells[p] if p < len(cells) else "") for f, p in positions.items()}
        try:
            fields = clean_fields(catalog, raw)
        except ActionError as exc:
            for fld, value, message in exc.problems:
                log.add(sheet, number, titles.get(fld, LABELS[fld]), value, message)
            continue
        if fields["ref"] in seen:
            log.add(sheet, number, titles["ref"], raw["ref"],
                    f"{fields['ref']} is also on row {seen[fields['ref']]}; each action once")
            continue
        seen[fields["ref"]] = number
        out.append(fields)
    if not out and not log.total:
        log.add(sheet, header_row, None, None, "no actions below the header row")
    return out, log.finish([sheet], filename), ignored


def import_actions(store, catalog: Catalog, data: bytes, filename: str, *, actor: str,
                   dry_run: bool = False, max_bytes: int = DEFAULTS.max_upload_bytes,
                   source: str | None = None) -> ImportReport:
    """Validate the whole file, then add new actions and update changed ones in one transaction."""
    rows, errors, ignored = parse_actions(data, filename, catalog, max_bytes=max_bytes)
    if errors:
        return ImportReport("rejected", errors, ignored_columns=ignored)
    report = ImportReport("accepted", ignored_columns=ignored)
    with store.write() as conn:
        for fields in rows:
            if dry_run:
                current = get_action(conn, fields["ref"])
                kind = "added" if current is None else "updated"
            else:
                kind = upsert(conn, catalog, fields, actor, source or f"import {filename}",
                              f"imported from {filename}")
            getattr(report, kind).append(fields["ref"])
        if not dry_run:
            audit(conn, actor, "actions_imported", filename, added=len(report.added),
                  updated=len(report.updated), unchanged=len(report.unchanged))
    if not report.added and not report.updated:
        report.outcome = "unchanged"
    return report


# ------------------------------------------------------------------------------ demo seed
OPSG29_SOURCE = "OPSG_29 final minutes, 4 February 2020 (public, White)"
# The actions recorded in the public OPSG_29 minutes: the two outstanding actions, then those
# raised at the meeting. Text as minuted. Where the minutes name no date, the target is the next
# meeting (OPSG_30, 3 March 2020); "the April meeting (OPSG_31)" is taken as 7 April 2020.
OPSG29_ACTIONS = (
    # ref, raised, target, revised, owner, metrics, month, text
    ("OPSG 24/02", "03/09/2019", "04/02/2020", "03/03/2020", "DCC", "incidents_total", "2019-08",
     "The DCC to review and analyse the traffic generated on the network caused by the power "
     "disruption and subsequent reconnections."),
    ("OPSG 27/14", "03/12/2019", "04/02/2020", "03/03/2020", "DCC", "ota_success_rate", "2019-11",
     "CSPs to clarify the measurement points used in OTA firmware updates to ensure it is "
     "consistent with what Suppliers are using."),
    ("OPSG 29/01", "04/02/2020", "07/04/2020", "", "DCC", "", "2020-01",
     "The DCC to conduct a quarterly review on the planned maintenance trial and present the "
     "outcome at the April meeting (OPSG_31)."),
    ("OPSG 29/02", "04/02/2020", "03/03/2020", "", "SECAS", "incidents_major", "2020-01",
     "SECAS to publish the Review Report for Incident INC000000526144 to all SEC Parties."),
    ("OPSG 29/03", "04/02/2020", "03/03/2020", "", "DCC", "incidents_major", "2020-01",
     "The DCC to provide an update on CSP N audits on all operations."),
    ("OPSG 29/04", "04/02/2020", "03/03/2020", "", "DCC", "incidents_change_related", "2020-01",
     "The DCC to provide assurance that protocols have been implemented to prevent changes being "
     "made to the Production and Disaster Recovery environments concurrently by the next meeting "
     "(OPSG_30)."),
    ("OPSG 29/05", "04/02/2020", "03/03/2020", "", "DCC", "incidents_total", "2020-01",
     "The DCC to produce technical guidelines for new Users to ensure their configuration is "
     "resilient."),
    ("OPSG 29/06", "04/02/2020", "03/03/2020", "", "DCC", "alerts_superfluous", "2020-01",
     "The DCC to report the volume of superfluous Alerts in SMETS1 and SMETS2."),
    ("OPSG 29/07", "04/02/2020", "03/03/2020", "", "DCC", "smets1_migrated", "2020-01",
     "The DCC to produce a \u201cSMETS1 operated installations by customer\u201d graph showing "
     "operational and non-operational volumes for DNOs."),
    ("OPSG 29/08", "04/02/2020", "03/03/2020", "", "CSP N and CSP C&S", "ota_success_rate",
     "2020-01", "CSP N and C&S to provide updates on its progress to achieve a Green status for "
     "meter firmware OTAs at the next meeting (OPSG_30)."),
    ("OPSG 29/09", "04/02/2020", "03/03/2020", "", "CSP C&S", "ota_success_rate", "2020-01",
     "CSP C&S to provide an explanation for \u201cCancelled Internal\u2019 SKU2 (Mesh) hubs\u201d "
     "relating to its OTA firmware remediation plans."),
    ("OPSG 29/10", "04/02/2020", "03/03/2020", "", "CSP N", "ch_installed", "2020-01",
     "CSP N to provide more information on PBI000000118411 regarding On Demand Read Requests "
     "causing a degradation in the service."),
    ("OPSG 29/11", "04/02/2020", "03/03/2020", "", "DCC", "alerts_total", "2020-01",
     "The DCC to confirm its overall capacity status and its priorities for resolution for each "
     "Alert type by the next meeting (OPSG_30)."),
    ("OPSG 29/12", "04/02/2020", "21/02/2020", "", "DCC", "alerts_total", "2020-01",
     "The DCC to provide a draft of the proposed integrated deployment plan to OPSG members by "
     "21 February."),
    ("OPSG 29/13", "04/02/2020", "29/02/2020", "", "DCC", "aged_incidents_open", "2020-01",
     "The DCC to provide a report by the end of February highlighting all meters affected by "
     "'incorrect or no credentials' Aged Incidents."),
    ("OPSG 29/14", "04/02/2020", "03/03/2020", "", "DCC", "ch_exceptions_open", "2020-01",
     "The DCC to provide an update to the MPxN field issue for 'no or incomplete address' in CSP "
     "C&S CH exception."),
    ("OPSG 29/15", "04/02/2020", "03/03/2020", "", "DCC", "ch_returns_far_rate", "2020-01",
     "The DCC to perform an audit of its triage process and provide an update at the next meeting "
     "(OPSG_30)."),
    ("OPSG 29/16", "04/02/2020", "03/03/2020", "", "DCC", "ch_returns_far_rate", "2020-01",
     "The DCC to confirm that Users are receiving the FAR following triage of returned CHs."),
    ("OPSG 29/17", "04/02/2020", "03/03/2020", "", "DCC", "ch_returns_received", "2020-01",
     "The DCC to send the OMS requirements to the OPSG members."),
    ("OPSG 29/18", "04/02/2020", "03/03/2020", "", "SECAS", "ch_returns_received", "2020-01",
     "SECAS to check if there is an amnesty on the CH returns process."),
    ("OPSG 29/19", "04/02/2020", "03/03/2020", "", "SECAS", "incidents_major", "2020-01",
     "SECAS to add an agenda item for OPSG members to challenge Incident categorisation "
     "quarterly."),
    ("OPSG 29/20", "04/02/2020", "03/03/2020", "", "OPSG members", "incidents_total", "2020-01",
     "The OPSG members to notify the DCC if they have been impacted by an Incident that has been "
     "communicated, in order to assist with the DCC with categorisation and impacted parties."),
    ("OPSG 29/21", "04/02/2020", "03/03/2020", "", "SECAS", "", "2020-01",
     "SECAS to confirm if the \u201cRules of Engagement\u201d for OPSG Party Differences Process is "
     "included within the OPSG ToR."),
    ("OPSG 29/22", "04/02/2020", "17/02/2020", "", "OPSG members", "", "2020-01",
     "The OPSG to provide any comments on Candidate Issues for inclusion in the OPSG Issues Log "
     "by 17 February."),
)


def seed_opsg29(conn: Connection, catalog: Catalog, actor: str = "demo") -> int:
    """Add the OPSG_29 minutes' actions (status as minuted: open) unless already there."""
    added = 0
    for ref, raised, target, revised, owner, metrics, month, text in OPSG29_ACTIONS:
        if get_action(conn, ref) is not None:
            continue
        add_action(conn, catalog, {"ref": ref, "text": text, "owner": owner, "raised_on": raised,
                                   "target_on": target, "revised_on": revised, "status": "open",
                                   "metrics": metrics, "month": month}, actor,
                   source=OPSG29_SOURCE, kind="imported", reason="seeded from the public minutes")
        added += 1
    return added
