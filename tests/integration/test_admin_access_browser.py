"""The Admin page's "Sessions and API tokens" panel in a real browser: each session and token is
listed once, in its grid, and chosen by clicking its row."""
from __future__ import annotations

import os

import pytest

from metrics.accounts import users as accounts
from tests.conftest import require_browser
from tests.integration.conftest import add_user, browser_sign_in, signed_in_client
from tests.integration.test_tools_browser import click

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS_DIR")  # set to save screenshots of the panel


def rows(dash_duo, grid: str) -> list[str]:
    return [r.text for r in dash_duo.find_elements(f"#{grid} .ag-center-cols-container .ag-row")]


def test_adm030_sessions_and_tokens_are_listed_once_and_chosen_in_their_grid(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "root", "admin")
    alice = signed_in_client(app, "alice", "viewer")
    with app.server.extensions["opsg"].store.write() as conn:
        token = accounts.new_token(conn, "alice", label="nightly upload job")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "root", next_path="/admin")
    dash_duo.wait_for_element("#admin-access-panel", timeout=20)
    dash_duo.select_dcc_dropdown("#admin-user", value="alice (viewer)")
    dash_duo.wait_for_contains_text("#admin-tokens-grid", "nightly upload job", timeout=20)
    panel = dash_duo.find_element("#admin-access-panel").text
    assert panel.count("nightly upload job") == 1 and len(rows(dash_duo, "admin-sessions-grid")) == 1
    assert not dash_duo.find_elements("#admin-access-panel .Select, #admin-access-panel .dash-dropdown")
    click(dash_duo, dash_duo.find_element("#admin-revoke-token"))  # nothing chosen yet
    dash_duo.wait_for_contains_text("#admin-access-message", "Choose a token first", timeout=20)
    click(dash_duo, dash_duo.find_element("#admin-tokens-grid .ag-center-cols-container .ag-row"))
    click(dash_duo, dash_duo.find_element("#admin-revoke-token"))
    dash_duo.wait_for_contains_text("#admin-access-message", "Revoked 1 API token of alice", timeout=20)
    dash_duo.wait_for_contains_text("#admin-tokens-grid", "revoked", timeout=20)
    api = app.server.test_client()
    assert api.get("/api/v1/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert alice.get("/api/v1/metrics").status_code == 200  # her session was not the one chosen
    if SHOTS:
        for width, height in ((1920, 1080), (1366, 768), (768, 1024)):
            dash_duo.driver.set_window_size(width, height)
            dash_duo.driver.execute_script(
                "document.getElementById('admin-access-panel').scrollIntoView()")
            dash_duo.driver.save_screenshot(f"{SHOTS}/admin-access-{width}x{height}.png")
    assert dash_duo.get_logs() == []
