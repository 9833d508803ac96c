"""Sign-out in a real browser ends the session on the server: the cookie it held, copied before,
reads nothing afterwards, from another HTTP client or put back into the browser."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.conftest import require_browser
from tests.integration.conftest import add_user, browser_sign_in, signed_in_client
from tests.integration.browser import click

pytestmark = pytest.mark.browser


def api_status(url: str, cookie: str) -> int:
    request = urllib.request.Request(url + "/api/v1/metrics", headers={"Cookie": f"opsg_session={cookie}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_ses020_sign_out_in_the_browser_ends_the_copied_cookie(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "alice", "viewer")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "alice", next_path="/history")
    copied = dash_duo.driver.get_cookie("opsg_session")
    assert api_status(dash_duo.server.url, copied["value"]) == 200
    click(dash_duo, dash_duo.find_element("#account-sign-out"))
    dash_duo.wait_for_contains_text("#login-notice", "You have signed out", timeout=20)
    assert api_status(dash_duo.server.url, copied["value"]) == 401
    dash_duo.driver.delete_cookie("opsg_session")
    dash_duo.driver.add_cookie({"name": "opsg_session", "value": copied["value"], "path": "/"})
    dash_duo.driver.get(dash_duo.server.url + "/history")
    dash_duo.wait_for_element("#login-form", timeout=20)
    assert dash_duo.get_logs() == []


def test_ses021_an_administrator_ends_a_session_on_the_admin_page(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "root", "admin")
    alice = signed_in_client(app, "alice", "viewer")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "root", next_path="/admin")
    dash_duo.wait_for_element("#admin-access-panel", timeout=20)
    dash_duo.select_dcc_dropdown("#admin-user", value="alice (viewer)")
    dash_duo.wait_for_contains_text("#admin-sessions-grid", "127.0.0.1", timeout=20)
    click(dash_duo, dash_duo.find_element("#admin-sessions-grid .ag-center-cols-container .ag-row"))
    click(dash_duo, dash_duo.find_element("#admin-end-session"))
    dash_duo.wait_for_contains_text("#admin-access-message", "Ended 1 session of alice", timeout=20)
    assert alice.get("/api/v1/metrics").status_code == 401
    assert dash_duo.get_logs() == []
