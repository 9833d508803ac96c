"""The meeting record (SPEC §10): a meeting, its agenda, and the notes, decisions and actions the
secretary records on each item during the meeting.

A meeting's agenda starts as the catalog's (one item per meeting-mode slide, so the record follows
the slides) and items of its own can be added ("Panel Feedback Report"). Actions raised are
ordinary actions in the action log (``metrics.records.actions``), numbered in the meeting's series
(OPSG_30 raises OPSG 30/01, 30/02 …) and linked to the item by an entry. Every change is audited in
its own transaction. The figures a record quotes are those in force at ``figures_as_of``: the
moment set on the meeting, else the end of the meeting day, so later corrections never change it.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, time

from sqlalchemy import Connection, insert, select, update

from metrics.records import actions
from metrics.store import schema
from metrics.catalog import Catalog
from metrics.errors import quoted
from metrics.store.engine import audit, utcnow
from metrics.upload.cells import CONTROL, CONTROL_IN_DETAIL, parse_date, parse_month

VERBS = ("NOTED", "AGREED", "APPROVED", "ENDORSED", "RECOMMENDED")
KINDS = ("note", "decision", "action")
LISTS = {"members": "Operations Group Members", "others": "Other Participants",
         "apologies": "Apologies"}
NUMBER_RE = re.compile(r"(?i)^\s*(?:OPSG[\s_-]*)?(\d{1,3})\s*$")
MAX_TEXT, MAX_LINE = 5000, 200
LABELS = {"number": "Meeting number", "held_on": "Date", "times": "Times", "place": "Place",
          "month": "Month of figures", "figures_as_of": "Figures as at", "text": "Text",
          "verb": "Decision", "kind": "Kind", "item": "Agenda item", "title": "Title",
          "owner": "Owner", "target_on": "Target date", "metrics": "Metrics",
          **{k: v for k, v in LISTS.items()}}


class MeetingError(ValueError):
    """A refused change; ``problems`` lists (field, value, message)."""

    def __init__(self, problems: list[tuple[str, str | None, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{LABELS.get(f, f)}: {m}" for f, _, m in problems))


def normalise_number(text) -> str | None:
    """'OPSG_30', 'opsg 30', '30' -> 'OPSG_30'; None if it is not a meeting number."""
    match = NUMBER_RE.match(str(text or ""))
    return f"OPSG_{int(match[1])}" if match else None


def series(number: str) -> int:
    """'OPSG_30' -> 30, the meeting's action series (OPSG 30/01 …)."""
    return int(NUMBER_RE.match(number)[1])


def clean_text(field: str, raw, problems: list, *, required: bool, limit: int = MAX_TEXT,
               lines: bool = True) -> str:
    """Text as typed, trimmed; control characters (other than line breaks and tabs) refused."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        if required:
            problems.append((field, None, f"{LABELS.get(field, field).lower()} is required"))
        return ""
    if len(text) > limit:
        problems.append((field, text[:40], f"is {len(text):,} characters long (at most {limit:,})"))
    elif (CONTROL_IN_DETAIL if lines else CONTROL).search(text):
        problems.append((field, text[:40], "contains a control or invisible formatting character"))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_people(text: str, which: str, problems: list) -> list[dict]:
    """One person a line, 'Category: Name'; a line without a category continues the one above.

    'DCC: Mo Asif' / 'Alex Henighan' -> two DCC people, as the minutes' tables list them."""
    people, category = [], ""
    for number, line in enumerate(str(text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if len(line) > MAX_LINE or CONTROL.search(line):
            problems.append((which, line[:40], f"line {number}: too long or has a control character"))
            continue
        if ":" in line:
            head, _, name = line.partition(":")
            category, name = head.strip(), name.strip()
        else:
            name = line
        if not name:
            problems.append((which, line, f"line {number}: a name is needed after {quoted(category)}:"))
            continue
        people.append({"list": which, "category": category, "name": name})
    return people


def people_text(people: list[dict], which: str) -> str:
    """The people of one list back as the lines ``parse_people`` reads."""
    out, last = [], None
    for person in (p for p in people if p["list"] == which):
        if person["category"] and person["category"] != last:
            out.append(f"{person['category']}: {person['name']}")
        else:
            out.append(person["name"])
        last = person["category"]
    return "\n".join(out)


def _moment(raw, problems) -> datetime | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        day = parse_date(text)
        if day is None:
            problems.append(("figures_as_of", text, f"{quoted(text)} is not a date or an ISO 8601 time"))
            return None
        moment = datetime.combine(date.fromisoformat(day), time(23, 59, 59))
    if moment.tzinfo is not None:
        moment = (moment - moment.utcoffset()).replace(tzinfo=None)  # stored as naive UTC
    return moment


def clean_meeting(raw: dict) -> dict:
    """Validated meeting fields from a form or the command line; raises MeetingError."""
    problems: list = []
    number = normalise_number(raw.get("number"))
    if number is None:
        text = str(raw.get("number") or "").strip()
        problems.append(("number", text or None, f"{quoted(text)} is not a meeting number such as "
                         "OPSG_30" if text else "the meeting number is required, e.g. OPSG_30"))
    held = parse_date(str(raw.get("held_on") or "").strip())
    if held is None:
        problems.append(("held_on", raw.get("held_on") or None,
                         "the meeting date is required: a date such as 03/03/2020 or 2020-03-03"))
    month_text = str(raw.get("month") or "").strip()
    month = parse_month(month_text) if month_text else None
    if month is None:
        problems.append(("month", month_text or None, "the month of figures reviewed is required, "
                         "e.g. 2020-01 or January 2020"))
    elif held and month >= held[:7]:
        problems.append(("month", month_text, f"figures for {month} cannot be reviewed at a meeting "
                         f"held on {held}: a meeting reviews an earlier month"))
    out = {"number": number, "held_on": held, "month": month,
           "times": clean_text("times", raw.get("times"), problems, required=False, limit=40,
                               lines=False),
           "place": clean_text("place", raw.get("place"), problems, required=False, limit=300),
           "figures_as_of": _moment(raw.get("figures_as_of"), problems), "people": []}
    for which in LISTS:
        out["people"] += parse_people(raw.get(which, ""), which, problems)
    if problems:
        raise MeetingError(problems)
    return out


# --------------------------------------------------------------------------------- reading
def figures_moment(meeting: dict) -> datetime:
    """The moment the record's figures are read at: set on the meeting, else the meeting day's end."""
    return meeting["figures_as_of"] or datetime.combine(date.fromisoformat(meeting["held_on"]),
                                                        time(23, 59, 59))


def list_meetings(conn: Connection) -> list[dict]:
    m = schema.meetings
    rows = conn.execute(select(m).order_by(m.c.held_on.desc(), m.c.id.desc()))
    return [_meeting(row) for row in rows]


def _meeting(row) -> dict:
    data = dict(row._mapping)
    data["people"] = json.loads(data["people"] or "[]")
    return data


def get_meeting(conn: Connection, number: str) -> dict | None:
    """The meeting with its items (in order), each with its live entries (in order)."""
    number = normalise_number(number)
    m, i, e = schema.meetings, schema.meeting_items, schema.meeting_entries
    row = conn.execute(select(m).where(m.c.number == number)).first() if number else None
    if row is None:
        return None
    meeting = _meeting(row)
    items = [dict(r._mapping) | {"entries": []} for r in
             conn.execute(select(i).where(i.c.meeting_id == meeting["id"]).order_by(i.c.position, i.c.id))]
    by_id = {item["id"]: item for item in items}
    if by_id:
        for r in conn.execute(select(e).where(e.c.item_id.in_(by_id), e.c.removed_at.is_(None))
                              .order_by(e.c.id)):
            by_id[r.item_id]["entries"].append(dict(r._mapping))
    meeting["items"] = items
    return meeting


def next_action_ref(conn: Connection, number: str) -> str:
    """The next id in the meeting's series: OPSG_30 -> 'OPSG 30/01', then 30/02 …"""
    n = series(number)
    refs = conn.execute(select(schema.actions.c.ref).where(
        schema.actions.c.ref.like(f"OPSG {n}/%"))).scalars()
    used = [actions.ref_key(r)[1] for r in refs if actions.ref_key(r)[0] == n]
    return f"OPSG {n}/{max(used, default=0) + 1:02d}"


def outstanding(conn: Connection, meeting: dict) -> list[dict]:
    """The actions outstanding as the meeting took them: raised before it, not closed before it,
    judged on the meeting day; ``status_at`` is Open, or Closed when closed at the meeting."""
    held = date.fromisoformat(meeting["held_on"])
    out = []
    for action in actions.list_actions(conn, today=held):
        if action["raised_on"] >= meeting["held_on"]:
            continue
        if action["closed_on"] and action["closed_on"] < meeting["held_on"]:
            continue
        closed_here = action["closed_on"] == meeting["held_on"]
        out.append({**action, "status_at": "Closed" if closed_here else "Open"})
    return sorted(out, key=lambda a: actions.ref_key(a["ref"]))


# --------------------------------------------------------------------------------- writing
def _require(conn: Connection, number: str) -> dict:
    meeting = get_meeting(conn, number)
    if meeting is None:
        raise MeetingError([("number", str(number), f"no meeting {number!r}")])
    return meeting


def create_meeting(conn: Connection, catalog: Catalog, raw: dict, actor: str) -> dict:
    """A new meeting with the catalog's agenda (one item per meeting-mode slide)."""
    fields = clean_meeting(raw)
    m = schema.meetings
    if conn.execute(select(m.c.id).where(m.c.number == fields["number"])).first():
        raise MeetingError([("number", fields["number"], f"{fields['number']} already exists; "
                             "change it instead")])
    now = utcnow()
    meeting_id = conn.execute(insert(m).values(
        **{**fields, "people": json.dumps(fields["people"])}, created_at=now, created_by=actor,
        updated_at=now, updated_by=actor).returning(m.c.id)).scalar_one()
    agenda = raw.get("agenda") or [(item.title, item.id) for item in catalog.agenda]
    for position, (title, slide) in enumerate(agenda, start=1):
        conn.execute(insert(schema.meeting_items).values(meeting_id=meeting_id, position=position,
                                                         title=title, slide=slide))
    audit(conn, actor, "meeting_created", fields["number"], held_on=fields["held_on"],
          month=fields["month"], items=len(agenda), people=len(fields["people"]))
    return get_meeting(conn, fields["number"])


def update_meeting(conn: Connection, raw: dict, actor: str) -> dict:
    """Change a meeting's details (its number names it and stays)."""
    fields = clean_meeting(raw)
    current = _require(conn, fields["number"])
    changed = sorted(k for k in ("held_on", "times", "place", "month", "figures_as_of", "people")
                     if current[k] != fields[k])
    if changed:
        conn.execute(update(schema.meetings).where(schema.meetings.c.id == current["id"]).values(
            **{k: (json.dumps(fields[k]) if k == "people" else fields[k]) for k in changed},
            updated_at=utcnow(), updated_by=actor))
        audit(conn, actor, "meeting_changed", fields["number"], fields=changed)
    return get_meeting(conn, fields["number"])


def add_item(conn: Connection, number: str, title, actor: str, slide: str | None = None) -> dict:
    """An agenda item of the meeting's own, after the others."""
    meeting = _require(conn, number)
    problems: list = []
    title = clean_text("title", title, problems, required=True, limit=200, lines=False)
    if problems:
        raise MeetingError(problems)
    position = max((i["position"] for i in meeting["items"]), default=0) + 1
    conn.execute(insert(schema.meeting_items).values(meeting_id=meeting["id"], position=position,
                                                     title=title, slide=slide))
    _touch(conn, meeting, actor)
    audit(conn, actor, "meeting_item_added", meeting["number"], title=title, position=position)
    return get_meeting(conn, meeting["number"])


def _touch(conn, meeting, actor):
    conn.execute(update(schema.meetings).where(schema.meetings.c.id == meeting["id"])
                 .values(updated_at=utcnow(), updated_by=actor))


def _item(meeting: dict, item_id) -> dict:
    try:
        wanted = int(item_id)
    except (TypeError, ValueError):
        wanted = None
    found = next((i for i in meeting["items"] if i["id"] == wanted), None)
    if found is None:
        raise MeetingError([("item", str(item_id), f"no agenda item {item_id!r} in {meeting['number']}")])
    return found


def record(conn: Connection, catalog: Catalog, number: str, item_id, raw: dict, actor: str) -> dict:
    """Record a note, a decision or an action on an agenda item; returns the entry.

    ``raw``: kind, text, and for a decision its verb; for an action owner, target_on and metrics
    (the action gets the next id in the meeting's series, raised on the meeting day)."""
    meeting = _require(conn, number)
    item = _item(meeting, item_id)
    kind = str(raw.get("kind") or "").strip().lower()
    problems: list = []
    if kind not in KINDS:
        raise MeetingError([("kind", kind or None, "expected a note, a decision or an action")])
    text = clean_text("text", raw.get("text"), problems, required=True)
    verb, ref = None, None
    if kind == "decision":
        verb = str(raw.get("verb") or "").strip().upper()
        if verb not in VERBS:
            problems.append(("verb", verb or None, f"choose one of {', '.join(VERBS)}"))
    if problems:
        raise MeetingError(problems)
    if kind == "action":
        ref = next_action_ref(conn, meeting["number"])
        try:
            actions.add_action(conn, catalog, {
                "ref": ref, "text": text, "owner": raw.get("owner"), "raised_on": meeting["held_on"],
                "target_on": raw.get("target_on"), "metrics": raw.get("metrics") or (),
                "month": meeting["month"], "status": "open"}, actor,
                source=f"{meeting['number']} meeting record", kind="added",
                reason=f"raised at {meeting['number']}, item {item['position']}")
        except actions.ActionError as exc:
            raise MeetingError([(f, v, m) for f, v, m in exc.problems]) from None
    entry_id = conn.execute(insert(schema.meeting_entries).values(
        item_id=item["id"], kind=kind, verb=verb, text=text, action_ref=ref, created_at=utcnow(),
        created_by=actor).returning(schema.meeting_entries.c.id)).scalar_one()
    _touch(conn, meeting, actor)
    audit(conn, actor, f"meeting_{kind}_recorded", meeting["number"], item=item["position"],
          entry=entry_id, verb=verb, action_ref=ref)
    return dict(conn.execute(select(schema.meeting_entries).where(
        schema.meeting_entries.c.id == entry_id)).one()._mapping)


def remove_entry(conn: Connection, number: str, entry_id, actor: str) -> None:
    """Strike a note or decision from the record (kept, marked removed). An action stays: it is in
    the action log, where it can be closed."""
    meeting = _require(conn, number)
    entries = {e["id"]: e for item in meeting["items"] for e in item["entries"]}
    try:
        entry = entries[int(entry_id)]
    except (KeyError, TypeError, ValueError):
        raise MeetingError([("item", str(entry_id), f"no entry {entry_id!r} in {meeting['number']}")]) from None
    if entry["kind"] == "action":
        raise MeetingError([("kind", entry["action_ref"], f"{entry['action_ref']} is in the action "
                             "log: close it there if it should not stand")])
    conn.execute(update(schema.meeting_entries).where(schema.meeting_entries.c.id == entry["id"])
                 .values(removed_at=utcnow(), removed_by=actor))
    _touch(conn, meeting, actor)
    audit(conn, actor, "meeting_entry_removed", meeting["number"], entry=entry["id"], kind=entry["kind"])
