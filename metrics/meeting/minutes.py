"""Draft minutes of a recorded meeting, in the shape of the OPSG minutes (SPEC §10).

``minutes_blocks`` reads the record once and lays the minutes out as plain blocks — classification
line, title, date and place, attendees and apologies tables, then each agenda item with the
sentences for its figures (as at the meeting's frozen moment), the notes, the decisions and the
actions raised, and the actions outstanding table. ``to_docx`` and ``to_markdown`` render the same
blocks, so the two formats never say different things. User text is only ever text: a Word run
(never a field or markup) or escaped Markdown.
"""
from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import Connection

from metrics.records import actions
from metrics.meeting import record as meeting_record
from metrics.catalog import Catalog
from metrics.months import month_label
from metrics.read.narrative import format_value, ordinal, target_phrase
from metrics.meeting.content import meeting_content, short_label
from metrics.rag import AMBER, NO_DATA, RAG_LABELS, RED

FORMATS = ("docx", "md")
NO_CLASSIFICATION = ("DRAFT — set the classification (CLASSIFICATION setting) before these minutes "
                     "are circulated.")
OUTSTANDING_HEADERS = ["Action ID", "Action", "Date Raised", "Last Target Date",
                       "Revised Target Date", "Owner", "Status"]
OUTSTANDING_WIDTHS = (0.8, 2.0, 0.85, 0.85, 0.85, 0.62, 0.6)  # inches, a 6.6 in text column
DEFINED_TERMS = ("Incidents", "Alerts")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def long_date(day: str) -> str:
    """'2020-02-04' -> '4 February 2020', as the minutes write it."""
    d = date.fromisoformat(day)
    return f"{d.day} {d:%B %Y}"


def noun(title: str) -> str:
    """A metric's title inside a sentence: 'Major incidents (category 1-2)' -> 'major incidents
    (category 1-2)'; acronyms ('CH exceptions open', 'OTA …') and the terms the minutes write
    with a capital ('Incidents', 'Alerts', as the SEC defines them) stay as they are."""
    first = title.split()[0]
    if first in DEFINED_TERMS or first[1:2].isupper() or any(c.isdigit() for c in first):
        return title
    return title[:1].lower() + title[1:]


def minutes_sentence(entry: dict) -> str:
    """One figure in the committee's words: value and month, the previous month's value and the
    change, RAG against target, e.g. "In January 2020 CSP N OTA firmware success was at 87.07%,
    up 2.36 points from 84.71% in December 2019; Red against the 99% target."

    A split metric's total says "across all regions"; counts read "there were 15 Incidents"."""
    unit, dec, value = entry["unit"], entry["decimals"], entry["value"]
    when = month_label(entry["month"])
    region = entry.get("dimension_value")
    by_region = entry.get("dimension") == "csp_region" or (region is None and entry.get("split"))
    title = noun(entry["title"])
    if region is None:
        where = " across all regions" if by_region else ""
    elif entry.get("dimension") == "csp_region":
        where = f" in {short_label(region)}"
    else:
        where = f" ({region})"
    if value is None:
        return f"There was no figure for {title}{where} for {when}."
    shown = format_value(value, unit, dec)
    if unit == "count":
        text = f"In {when} there were {shown} {title}{where}"
    elif where.startswith(" in "):
        text = f"In {when} {short_label(region)} {title} was at {shown}"
    else:
        text = f"In {when} {title}{where} was at {shown}"
    previous = entry.get("previous_value")
    if previous is not None and entry.get("previous_month"):
        before = f"{format_value(previous, unit, dec)} in {month_label(entry['previous_month'])}"
        change = round(entry["change"], dec)
        if change == 0:
            text += f", unchanged from {before}"
        else:
            amount = format_value(abs(change), "count" if unit == "%" else unit, dec)
            text += f", {'up' if change > 0 else 'down'} {amount}{' points' if unit == '%' else ''} from {before}"
    if entry["rag"] != NO_DATA and entry.get("target") is not None:
        text += f"; {RAG_LABELS[entry['rag']]} against {target_phrase(entry)}"
        run, window = entry.get("months_not_green") or 0, entry.get("history_months")
        if entry["rag"] in (AMBER, RED) and window and run >= window:
            text += f", not Green in any of the last {window} months"
        elif entry["rag"] in (AMBER, RED) and run > 1:
            text += f", not Green for the {ordinal(run)} month running"
    return text + "."


def figure_sentences(slide_item: dict | None) -> list[str]:
    """The sentences for a slide's figures: the ones its slide tells (worst first), in minutes form."""
    if not slide_item or slide_item.get("kind") != "metrics":
        return []
    told = slide_item["sentences"]
    picked = sorted((e for e in slide_item["entries"] if e["sentence"] in told),
                    key=lambda e: told.index(e["sentence"]))
    split = {e["metric"] for e in slide_item["entries"] if e.get("dimension") == "csp_region"}
    return [minutes_sentence({**e, "split": e["metric"] in split}) for e in picked] + \
        list(slide_item.get("override_sentences") or ())


def _people_table(people: list[dict], which: str, first: str) -> tuple:
    rows, last = [], None
    for person in (p for p in people if p["list"] == which):
        rows.append([person["category"] if person["category"] != last else "", person["name"]])
        last = person["category"]
    return ("table", [first, meeting_record.LISTS[which] if which != "apologies" else "Name"], rows)


def _outstanding_table(rows: list[dict]) -> tuple:
    return ("table", OUTSTANDING_HEADERS, [
        [a["ref"], a["text"], actions.dmy(a["raised_on"]), actions.dmy(a["target_on"]),
         actions.dmy(a["revised_on"]), a["owner"], a["status_at"]] for a in rows])


def minutes_blocks(conn: Connection, catalog: Catalog, number: str, *, classification: str = "",
                   demo_label: str | None = None) -> list[tuple]:
    """The draft minutes of meeting ``number`` as blocks: ("classification", text), ("title", text),
    ("para", [(text, bold)]), ("heading", text), ("table", headers, rows), ("demo", text).
    Raises MeetingError for an unknown meeting."""
    meeting = meeting_record.get_meeting(conn, number)
    if meeting is None:
        raise meeting_record.MeetingError([("number", str(number), f"no meeting {number!r}")])
    moment = meeting_record.figures_moment(meeting)
    content = meeting_content(conn, catalog, meeting["month"], as_of=moment,
                              today=date.fromisoformat(meeting["held_on"]))
    slides = {item["id"]: item for item in content["items"]}
    n = meeting_record.series(meeting["number"])
    held = long_date(meeting["held_on"])
    blocks: list[tuple] = [("classification", classification.strip() or NO_CLASSIFICATION)]
    if demo_label:
        blocks.append(("demo", demo_label))
    blocks += [
        ("title", f"Operations Group Meeting {n}"),
        ("para", [(held + (f", {meeting['times']}" if meeting["times"] else ""), False)]),
        *([("para", [(meeting["place"], False)])] if meeting["place"] else []),
        ("para", [(f"{meeting['number']}_{meeting['held_on'][8:10]}{meeting['held_on'][5:7]} - "
                   "Draft Minutes", True)]),
        ("para", [(f"Figures quoted are those for {month_label(meeting['month'])} as at "
                   f"{moment:%d %B %Y, %H:%M} UTC.", False)]),
    ]
    people = meeting["people"]
    if any(p["list"] == "members" for p in people) or any(p["list"] == "others" for p in people):
        blocks.append(("heading", "Attendees:"))
        if any(p["list"] == "members" for p in people):
            blocks.append(_people_table(people, "members", "Category"))
        if any(p["list"] == "others" for p in people):
            blocks.append(_people_table(people, "others", "Representing"))
    if any(p["list"] == "apologies" for p in people):
        blocks += [("heading", "Apologies:"), _people_table(people, "apologies", "Representing")]
    action_text = {a["ref"]: a for a in actions.list_actions(conn, today=date.max)}
    outstanding_done = False
    for item in meeting["items"]:
        blocks.append(("heading", f"{item['position']}. {item['title']}"))
        slide = slides.get(item["slide"])
        blocks += [("para", [(s, False)]) for s in figure_sentences(slide)]
        if item["slide"] == "actions" and not outstanding_done:
            blocks.append(_outstanding_table(meeting_record.outstanding(conn, meeting)))
            outstanding_done = True
        entries = item["entries"]
        for entry in (e for e in entries if e["kind"] == "note"):
            blocks += [("para", [(part, False)]) for part in re.split(r"\n\s*\n", entry["text"]) if part.strip()]
        for entry in (e for e in entries if e["kind"] == "decision"):
            blocks.append(("para", [("The OPSG ", False), (entry["verb"], True), (f" {entry['text']}", False)]))
        for entry in (e for e in entries if e["kind"] == "action"):
            action = action_text.get(entry["action_ref"])
            text = action["text"] if action else entry["text"]
            blocks.append(("para", [(f"ACTION {entry['action_ref']}:", True), (f" {text}", False)]))
    if not outstanding_done:
        blocks += [("heading", "Actions Outstanding"),
                   _outstanding_table(meeting_record.outstanding(conn, meeting))]
    return blocks


def safe(text: str) -> str:
    """Text Word can hold: characters XML 1.0 forbids become U+FFFD (input refuses them already)."""
    return ILLEGAL_XML.sub("\ufffd", str(text))


# ------------------------------------------------------------------------------------ DOCX
def to_docx(blocks: list[tuple], *, title: str = "Draft minutes") -> bytes:
    """A Word document with real styles: Title, Heading 1, a Classification paragraph style, and
    tables in 'Table Grid' whose first row repeats as a header. No images."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt, RGBColor

    doc = Document()
    doc.core_properties.title = safe(title)
    doc.core_properties.author = "OPSG service metrics (draft)"
    note = doc.styles.add_style("Classification", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = doc.styles["Normal"]
    note.font.size, note.font.italic = Pt(9), True
    demo = doc.styles.add_style("Demo label", WD_STYLE_TYPE.PARAGRAPH)
    demo.base_style = doc.styles["Normal"]
    demo.font.bold, demo.font.color.rgb = True, RGBColor(0x9C, 0x2B, 0x23)
    for block in blocks:
        kind = block[0]
        if kind == "classification":
            doc.add_paragraph(safe(block[1]), style="Classification")
        elif kind == "demo":
            doc.add_paragraph(safe(block[1]), style="Demo label")
        elif kind == "title":
            doc.add_heading(safe(block[1]), level=0)
        elif kind == "heading":
            doc.add_heading(safe(block[1]), level=1)
        elif kind == "para":
            paragraph = doc.add_paragraph()
            for text, bold in block[1]:
                lines = safe(text).split("\n")
                for i, line in enumerate(lines):
                    run = paragraph.add_run(line)
                    run.bold = bold
                    if i < len(lines) - 1:
                        run.add_break()
        elif kind == "table":
            _, headers, rows = block
            table = doc.add_table(rows=1, cols=len(headers))
            table.style = doc.styles["Table Grid"]
            widths = OUTSTANDING_WIDTHS if headers == OUTSTANDING_HEADERS else None
            head = table.rows[0]
            flag = OxmlElement("w:tblHeader")
            flag.set(qn("w:val"), "true")
            head._tr.get_or_add_trPr().append(flag)
            for cell, text in zip(head.cells, headers):
                cell.text = ""
                cell.paragraphs[0].add_run(safe(text)).bold = True
            for row in rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    cell.text = safe(text)
            if widths:  # the action text gets the room; Word and LibreOffice read cell widths
                table.autofit = False
                for column, width in zip(table.columns, widths):
                    column.width = Inches(width)
                for row in table.rows:
                    for cell, width in zip(row.cells, widths):
                        cell.width = Inches(width)
                        for run in (r for p in cell.paragraphs for r in p.runs):
                            run.font.size = Pt(9)
            doc.add_paragraph()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -------------------------------------------------------------------------------- Markdown
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~!$])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])", re.MULTILINE)


def md_escape(text: str) -> str:
    """Text that Markdown shows as typed: no markup, no HTML, no list or heading starts."""
    text = safe(text).replace("&", "&amp;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if len(m[2]) == 1 else
                              f"{m[1]}{m[2][:-1]}\\{m[2][-1]}", text)


def to_markdown(blocks: list[tuple]) -> str:
    out = []
    for block in blocks:
        kind = block[0]
        if kind in ("classification", "demo"):
            out.append(f"*{md_escape(block[1])}*")
        elif kind == "title":
            out.append(f"# {md_escape(block[1])}")
        elif kind == "heading":
            out.append(f"## {md_escape(block[1])}")
        elif kind == "para":
            out.append("".join(f"**{md_escape(t)}**" if bold else md_escape(t).replace("\n", "  \n")
                               for t, bold in block[1]))
        elif kind == "table":
            _, headers, rows = block
            cell = lambda t: md_escape(t).replace("\n", "<br>") or " "  # noqa: E731
            out.append("\n".join([f"| {' | '.join(cell(h) for h in headers)} |",
                                  f"|{'|'.join('---' for _ in headers)}|",
                                  *(f"| {' | '.join(cell(c) for c in row)} |" for row in rows)]))
    return "\n\n".join(out) + "\n"


def draft(conn: Connection, catalog: Catalog, number: str, fmt: str = "docx", *,
          classification: str = "", demo_label: str | None = None) -> bytes:
    """The draft minutes of meeting ``number`` as DOCX or Markdown (UTF-8) bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    blocks = minutes_blocks(conn, catalog, number, classification=classification,
                            demo_label=demo_label)
    if fmt == "md":
        return to_markdown(blocks).encode("utf-8")
    return to_docx(blocks, title=f"{meeting_record.normalise_number(number)} draft minutes")
