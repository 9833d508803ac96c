"""The meeting record and the draft minutes (SPEC §10): recording on both databases, the demo's
OPSG_29 draft read back with python-docx, hostile text kept as text, LibreOffice opening the draft,
the command line, and who may record or download."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess

import pytest
from docx import Document
from sqlalchemy import func, select

from metrics.records import actions
from metrics.meeting import record as meeting_record, minutes
from metrics.store import schema
from metrics.meeting.record import MeetingError
from metrics.store.engine import Store
from tests.integration.conftest import signed_in_client

HOSTILE = "<script>alert(1)</script> {{ config }} =cmd|' /C calc'!A0 **bold** [x](http://e.vil) # not a heading"


@pytest.fixture
def demo_store(demo_db_url):
    """A private copy of the session's demo database (tests/conftest.py)."""
    return Store(demo_db_url)


def paragraphs(data: bytes) -> list:
    return Document(io.BytesIO(data)).paragraphs


def test_mrec001_demo_opsg29_draft_reads_like_the_minutes(demo_store, catalog):
    with demo_store.read() as conn:
        data = minutes.draft(conn, catalog, "OPSG_29", "docx", classification="White")
    doc = Document(io.BytesIO(data))
    paras = doc.paragraphs
    texts = [p.text for p in paras]
    styles = {p.text: p.style.name for p in paras}
    assert texts[0] == "White" and styles["White"] == "Classification"
    assert styles["Operations Group Meeting 29"] == "Title"
    assert "4 February 2020, 10:00 – 16:30" in texts
    assert "OPSG_29_0402 - Draft Minutes" in texts
    headings = [p.text for p in paras if p.style.name == "Heading 1"]
    assert headings[:3] == ["Attendees:", "Apologies:", "1. Previous Meeting Minutes"]
    assert "5. DCC Operational Update" in headings and headings[-1] == "19. Any Other Business (AOB)"
    # The figures, in the committee's words and frozen at the meeting's moment.
    csp_n = [t for t in texts if "CSP N OTA firmware success" in t]
    assert any("87.07%" in t and "84.71% in December 2019" in t and "Red against the 99% target" in t
               for t in csp_n), csp_n
    assert any(t.startswith("In January 2020 there were 15 Incidents") for t in texts)
    # Decisions in bold capitals; actions OPSG 29/01 to 29/22, each once, id in bold.
    noted = [p for p in paras if p.text.startswith("The OPSG NOTED")]
    assert noted and all(any(r.bold and r.text == "NOTED" for r in p.runs) for p in noted)
    assert any(t.startswith("The OPSG RECOMMENDED the Quarterly Work Package") for t in texts)
    action_lines = [p for p in paras if p.text.startswith("ACTION OPSG ")]
    refs = [re.match(r"ACTION (OPSG \d+/\d+):", p.text)[1] for p in action_lines]
    assert refs == [f"OPSG 29/{n:02d}" for n in range(1, 23)]
    assert all(p.runs[0].bold and p.runs[0].text.endswith(":") for p in action_lines)
    assert "ACTION OPSG 29/08: CSP N and C&S to provide updates" in texts[texts.index(action_lines[7].text)]
    # Tables: attendees, other participants, apologies, actions outstanding (revised dates, status).
    tables = doc.tables
    assert [t.rows[0].cells[1].text for t in tables] == [
        "Operations Group Members", "Other Participants", "Name", "Action"]
    assert all(t.style.name == "Table Grid" for t in tables)
    assert tables[0].rows[1].cells[0].text == "Operations Group Chair"
    outstanding = [[c.text for c in row.cells] for row in tables[3].rows]
    assert outstanding[0] == minutes.OUTSTANDING_HEADERS
    assert [r[0] for r in outstanding[1:]] == ["OPSG 24/02", "OPSG 27/14"]
    assert outstanding[1][2:] == ["03/09/2019", "04/02/2020", "03/03/2020", "DCC", "Open"]
    assert not doc.inline_shapes  # no images of text


def test_mrec002_record_a_meeting_on_each_database(store, catalog):
    with store.write() as conn:
        meeting = meeting_record.create_meeting(conn, catalog, {
            "number": "opsg 30", "held_on": "03/03/2020", "month": "Feb 2020", "place": "Gemserv",
            "members": "Operations Group Chair: Dave Warner\nDCC: Mo Asif\nAlex Henighan",
            "apologies": "Small Supplier: Simon Dowse"}, "sec")
    assert meeting["number"] == "OPSG_30" and meeting["month"] == "2020-02"
    assert [i["slide"] for i in meeting["items"]] == [a.id for a in catalog.agenda]
    assert [p["category"] for p in meeting["people"]][:3] == ["Operations Group Chair", "DCC", "DCC"]
    ota = next(i for i in meeting["items"] if i["slide"] == "ota")
    with store.write() as conn:
        meeting_record.record(conn, catalog, "OPSG_30", ota["id"], {"kind": "note", "text": HOSTILE}, "sec")
        meeting_record.record(conn, catalog, "OPSG_30", ota["id"],
                              {"kind": "decision", "verb": "noted", "text": "the update."}, "sec")
        first = meeting_record.record(conn, catalog, "OPSG_30", ota["id"], {
            "kind": "action", "text": "CSP N to report progress.", "owner": "CSP N",
            "target_on": "07/04/2020", "metrics": ["ota_success_rate"]}, "sec")
        second = meeting_record.record(conn, catalog, "OPSG_30", ota["id"], {
            "kind": "action", "text": "=HYPERLINK(\"x\")", "owner": "DCC", "target_on": "2020-04-07"}, "sec")
    assert (first["action_ref"], second["action_ref"]) == ("OPSG 30/01", "OPSG 30/02")
    with store.read() as conn:
        action = actions.get_action(conn, "OPSG 30/01")
        events = [r.action for r in conn.execute(select(schema.audit_events.c.action)
                                                 .where(schema.audit_events.c.subject == "OPSG_30"))]
        assert meeting_record.next_action_ref(conn, "OPSG_30") == "OPSG 30/03"
    assert (action["raised_on"], action["target_on"], action["month"], action["metrics"]) == (
        "2020-03-03", "2020-04-07", "2020-02", ("ota_success_rate",))
    assert events == ["meeting_created", "meeting_note_recorded", "meeting_decision_recorded",
                      "meeting_action_recorded", "meeting_action_recorded"]

    # Attendance changes later: audited with the fields that changed.
    with store.write() as conn:
        changed = meeting_record.update_meeting(conn, {
            "number": "OPSG_30", "held_on": "03/03/2020", "month": "2020-02", "place": "Gemserv",
            "members": "Operations Group Chair: Dave Warner", "apologies": "DCC: Mo Asif"}, "sec2")
        last = conn.execute(select(schema.audit_events).order_by(schema.audit_events.c.id.desc())).first()
    assert [(p["list"], p["name"]) for p in changed["people"]] == [("members", "Dave Warner"), ("apologies", "Mo Asif")]
    assert (last.actor, last.action, last.subject, '"fields": ["people"]' in last.detail) == (
        "sec2", "meeting_changed", "OPSG_30", True)

    # Refused input: located, and nothing written.
    def count(conn):
        return conn.execute(select(func.count()).select_from(schema.meeting_entries)).scalar()
    with store.read() as conn:
        before = count(conn)
    for raw, field in (({"kind": "note", "text": "bell\x07"}, "text"),
                       ({"kind": "decision", "verb": "DECIDED", "text": "x"}, "verb"),
                       ({"kind": "note", "text": "  "}, "text"),
                       ({"kind": "action", "text": "x", "owner": "DCC", "target_on": "31/02/2020"}, "target_on"),
                       ({"kind": "poem", "text": "x"}, "kind")):
        with pytest.raises(MeetingError) as caught, store.write() as conn:
            meeting_record.record(conn, catalog, "OPSG_30", ota["id"], raw, "sec")
        assert field in [f for f, _, _ in caught.value.problems], (raw, caught.value.problems)
    with pytest.raises(MeetingError, match="already exists"), store.write() as conn:
        meeting_record.create_meeting(conn, catalog, {"number": "OPSG_30", "held_on": "2020-03-03",
                                                      "month": "2020-02"}, "sec")
    with pytest.raises(MeetingError, match="earlier month"), store.write() as conn:
        meeting_record.create_meeting(conn, catalog, {"number": "OPSG_31", "held_on": "2020-03-03",
                                                      "month": "2020-03"}, "sec")
    with store.read() as conn:
        assert count(conn) == before and actions.get_action(conn, "OPSG 30/03") is None
        docx_data = minutes.draft(conn, catalog, "OPSG_30", "docx")
        markdown = minutes.draft(conn, catalog, "OPSG_30", "md").decode()

    # Hostile text stays text: verbatim in Word runs, escaped in Markdown.
    texts = [p.text for p in paragraphs(docx_data)]
    assert HOSTILE in texts
    assert "ACTION OPSG 30/02: =HYPERLINK(\"x\")" in texts
    assert "The OPSG NOTED the update." in texts
    assert "<script>" not in markdown and "\\<script\\>" in markdown
    assert "\\{\\{ config \\}\\}" in markdown and "\\*\\*bold\\*\\*" in markdown and "\\[x\\]" in markdown
    assert "**ACTION OPSG 30/01:** CSP N to report progress." in markdown
    assert "| Operations Group Chair | Dave Warner |" in markdown and "| DCC | Mo Asif |" in markdown


def test_mrec003_markdown_renders_hostile_text_as_text():
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(minutes.to_markdown([("para", [(HOSTILE + "\n- item", False)])]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<a " not in html and "<strong>" not in html and "<li>" not in html and "<h1>" not in html


def test_mrec004_libreoffice_opens_the_draft(demo_store, catalog, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but LibreOffice (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui")
    with demo_store.read() as conn:
        (tmp_path / "opsg29.docx").write_bytes(minutes.draft(conn, catalog, "OPSG_29", "docx"))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "opsg29.docx")],
                   check=True, timeout=180, capture_output=True)
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "opsg29.pdf").pages)
    text = re.sub(r"\s+", " ", text)
    assert "Operations Group Meeting 29" in text and "87.07%" in text and "ACTION OPSG 29/22" in text


def test_mrec005_command_line_writes_docx_and_markdown(demo_store, tmp_path, capsys):
    from metrics.cli.commands import main

    url = str(demo_store.engine.url)
    assert main(["--database", url, "minutes", "--meeting", "OPSG_29", "-o", str(tmp_path / "m.docx")]) == 0
    assert any("87.07%" in p.text for p in paragraphs((tmp_path / "m.docx").read_bytes()))
    assert main(["--database", url, "minutes", "--meeting", "29", "--format", "md",
                 "-o", str(tmp_path / "m.txt")]) == 0
    assert "**ACTION OPSG 29/22:**" in (tmp_path / "m.txt").read_text()
    assert main(["--database", url, "minutes", "--meeting", "OPSG_99", "-o", str(tmp_path / "x.md")]) == 1
    assert "no meeting 'OPSG_99'; meetings recorded: OPSG_29" in capsys.readouterr().err
    assert not (tmp_path / "x.md").exists()


def test_mrec006_only_secretaries_and_admins_download_the_draft(make_app):
    app = make_app(PUBLIC_READ=True)
    anonymous = app.server.test_client()
    assert anonymous.get("/meeting/minutes.docx?meeting=OPSG_29").status_code == 401
    for role, status in (("viewer", 403), ("uploader", 403), ("secretary", 200), ("admin", 200)):
        client = signed_in_client(app, f"m-{role}", role)
        response = client.get("/meeting/minutes.docx?meeting=OPSG_29")
        assert response.status_code == status, role
        if status == 200:
            assert response.mimetype.endswith("wordprocessingml.document")
            assert any("ACTION OPSG 29/01" in p.text for p in paragraphs(response.data))
    secretary = signed_in_client(app, "m-sec2", "secretary")
    assert secretary.get("/meeting/minutes.md?meeting=OPSG_99").status_code == 404
    assert secretary.get("/meeting/minutes.md?meeting=%3Cscript%3E").status_code == 400
    assert "**ACTION OPSG 29/01:**" in secretary.get("/meeting/minutes.md?meeting=OPSG_29").get_data(as_text=True)
