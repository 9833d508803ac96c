"""The meeting record in a browser: a secretary creates OPSG_30, records a note by keyboard
(Ctrl+Enter), a decision and an action; the window follows meeting mode opened from it; the
draft then holds what was recorded. A viewer is shown the access note."""
from __future__ import annotations

import io

import pytest
from docx import Document
from selenium.webdriver.common.keys import Keys

from metrics.meeting import minutes
from tests.conftest import require_browser
from tests.integration.conftest import add_user, browser_sign_in
from tests.integration.test_actions_browser import click, type_into

pytestmark = pytest.mark.browser


def test_mrec010_a_secretary_records_a_meeting(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "veronica", "secretary")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "veronica", next_path="/meeting/record")
    dash_duo.wait_for_element("#record-open-OPSG_29", timeout=20)
    type_into(dash_duo, "#meeting-number", "OPSG_30")
    type_into(dash_duo, "#meeting-date", "03/03/2020")
    type_into(dash_duo, "#meeting-month", "2020-01")
    type_into(dash_duo, "#meeting-place", "Gemserv, London")
    type_into(dash_duo, "#meeting-members", "Operations Group Chair: Dave Warner")
    click(dash_duo, "#meeting-save")
    dash_duo.wait_for_contains_text("#meeting-message", "OPSG_30 created.", timeout=20)
    click(dash_duo, "#meeting-open-link")
    dash_duo.wait_for_contains_text("#record-item-heading", "1. RAG overview", timeout=20)
    # Go to the OTA item by keyboard: focus its link, Enter.
    ota = dash_duo.find_element("#record-agenda [data-follow='3'] a")
    ota.send_keys(Keys.ENTER)
    dash_duo.wait_for_contains_text("#record-item-heading", "3. OTA firmware", timeout=20)
    dash_duo.wait_for_contains_text("#record-figures", "CSP N OTA firmware success was at 87.07%")
    # A note, typed and recorded with Ctrl+Enter.
    text = dash_duo.find_element("#record-text")
    text.send_keys("CSP N <b>aims</b> for Green {{ by }} March.")
    text.send_keys(Keys.CONTROL, Keys.ENTER)
    dash_duo.wait_for_contains_text("#record-message", "Recorded the note.", timeout=20)
    dash_duo.wait_for_contains_text("#record-entries", "CSP N <b>aims</b> for Green {{ by }} March.")
    # A decision, then an action (next id in the series), by clicks.
    dash_duo.find_element("#record-kind input[value='note']").send_keys(Keys.ARROW_RIGHT)  # radio by keyboard
    type_into(dash_duo, "#record-text", "the update.")
    click(dash_duo, "#record-save")
    dash_duo.wait_for_contains_text("#record-entries", "The OPSG NOTED the update.", timeout=20)
    dash_duo.find_element("#record-kind input[value='decision']").send_keys(Keys.ARROW_RIGHT)
    type_into(dash_duo, "#record-text", "CSP N to report progress at OPSG_31.")
    type_into(dash_duo, "#record-owner", "CSP N")
    type_into(dash_duo, "#record-target", "07/04/2020")
    click(dash_duo, "#record-save")
    dash_duo.wait_for_contains_text("#record-message", "Recorded OPSG 30/01.", timeout=20)
    dash_duo.wait_for_contains_text("#record-next-ref", "OPSG 30/02")
    # A bad target date is refused with its field named, and nothing is recorded.
    type_into(dash_duo, "#record-text", "Another.")
    type_into(dash_duo, "#record-owner", "DCC")
    type_into(dash_duo, "#record-target", "someday")
    click(dash_duo, "#record-save")
    dash_duo.wait_for_contains_text("#record-message", "Target date", timeout=20)
    assert "OPSG 30/02" in dash_duo.find_element("#record-next-ref").text

    # Meeting mode in a second window (the shared screen); this window follows its slides.
    type_into(dash_duo, "#record-text", "")
    record_window = dash_duo.driver.current_window_handle
    click(dash_duo, "#record-open-meeting")
    meeting_window = next(h for h in dash_duo.driver.window_handles if h != record_window)
    dash_duo.driver.switch_to.window(meeting_window)
    dash_duo.wait_for_element("#meeting[data-slide='3']", timeout=30)
    assert dash_duo.find_elements("#record-form") == []  # the shared screen shows no editing panel
    dash_duo.find_element("body").send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_element("#meeting[data-slide='4']", timeout=20)
    dash_duo.driver.switch_to.window(record_window)
    dash_duo.wait_for_contains_text("#record-item-heading", "4. CSP North", timeout=20)
    # Alt+PageDown / Alt+PageUp step through the agenda from the keyboard.
    dash_duo.find_element("#record-text").send_keys(Keys.ALT, Keys.PAGE_DOWN)
    dash_duo.wait_for_contains_text("#record-item-heading", "5. Alerts", timeout=20)
    dash_duo.find_element("#record-text").send_keys(Keys.ALT, Keys.PAGE_UP)
    dash_duo.wait_for_contains_text("#record-item-heading", "4. CSP North", timeout=20)
    assert "(3)" in dash_duo.find_element("#record-agenda [data-follow='3'] a").text  # counts what was recorded

    store, catalog = app.server.extensions["opsg"].store, app.server.extensions["opsg"].catalog
    with store.read() as conn:
        doc = Document(io.BytesIO(minutes.draft(conn, catalog, "OPSG_30", "docx")))
    texts = [p.text for p in doc.paragraphs]
    assert "CSP N <b>aims</b> for Green {{ by }} March." in texts
    assert "ACTION OPSG 30/01: CSP N to report progress at OPSG_31." in texts
    assert texts.index("The OPSG NOTED the update.") > texts.index("3. OTA firmware")
    assert dash_duo.get_logs() == []


def test_mrec011_a_viewer_cannot_record(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "member", "viewer")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "member", next_path="/meeting/record?meeting=OPSG_29")
    dash_duo.wait_for_contains_text("#meeting-record-access-note", "needs the secretary role", timeout=20)
    assert dash_duo.find_elements("#record-form") == []
    assert not dash_duo.find_elements("a.nav-link[href^='/meeting/record']")
    assert dash_duo.get_logs() == []
