"""The action log in a browser after signing in: an administrator revises a target date (with its
reason) and closes an action; a viewer sees the log but no forms."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from metrics.records import actions
from tests.conftest import require_browser
from tests.integration.browser import click, type_into
from tests.integration.conftest import add_user, browser_sign_in

pytestmark = pytest.mark.browser


def test_act020_an_administrator_revises_and_closes_an_action(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "chair", "admin")
    add_user(app, "member", "viewer")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "chair", next_path="/actions?edit=" + quote("OPSG 24/02"))
    dash_duo.wait_for_text_to_equal("#actions-form .panel-title", "Edit OPSG 24/02", timeout=20)
    type_into(dash_duo, "#action-revised", "07/04/2020")
    click(dash_duo, "#action-save")
    dash_duo.wait_for_contains_text("#action-message", "give a reason when a target date moves")
    type_into(dash_duo, "#action-reason", "agreed at OPSG_30")
    click(dash_duo, "#action-save")
    dash_duo.wait_for_contains_text("#action-message", "Saved OPSG 24/02.", timeout=20)
    dash_duo.wait_for_contains_text("#actions-table-area", "07/04/2020")
    assert "target moved 1×" in dash_duo.find_element("#actions-table-area").text
    click(dash_duo, "#action-toggle")
    dash_duo.wait_for_contains_text("#action-message", "OPSG 24/02 closed.", timeout=20)
    store = app.server.extensions["opsg"].store
    with store.read() as conn:
        done = actions.get_action(conn, "OPSG 24/02")
        history = actions.history(conn, "OPSG 24/02")
    assert (done["status"], done["revised_on"]) == ("closed", "2020-04-07")
    assert [(h["actor"], h["kind"], h["reason"]) for h in history[-2:]] == [
        ("chair", "edited", "agreed at OPSG_30"), ("chair", "closed", "agreed at OPSG_30")]
    assert dash_duo.get_logs() == []


def test_act021_a_viewer_sees_the_log_and_no_forms(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "member", "viewer")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "member", next_path="/actions?owner=SECAS")
    dash_duo.wait_for_contains_text("#actions-summary", "showing 4", timeout=20)
    assert dash_duo.find_elements("#actions-form") == []
    assert "need the admin role" in dash_duo.find_element("#actions-admin-note").text
    assert "Edit" not in dash_duo.find_element("#actions-table").text
    assert dash_duo.get_logs() == []
