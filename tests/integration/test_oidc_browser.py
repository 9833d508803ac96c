"""Single sign-on in Chromium, end to end through the real provider (tests/oidc/provider.mjs): sign in
with the button, the provider's own form, back on the page asked for; sign-out ends the session here
and at the provider; a person without a mapped group sees the refusal page.

Set SSO_SHOTS_DIR to a folder to keep screenshots of both pages at 1920x1080, 1366x768 and 768x1024.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from dash.testing.application_runners import BaseDashRunner

from tests.conftest import require_browser
from tests.integration.oidc_provider import identity_provider, idp  # noqa: F401
from tests.integration.test_meeting import viewport
from tests.integration.test_sessions_browser import api_status
from tests.integration.test_tools_browser import click

pytestmark = pytest.mark.browser
SIZES = ((1920, 1080), (1366, 768), (768, 1024))


def start(dash_duo, make_app, idp) -> str:
    """The dashboard on a port known beforehand, so that BASE_URL (the redirect URI) names it."""
    require_browser()
    port = BaseDashRunner._next_port
    base = f"http://127.0.0.1:{port}"
    dash_duo.start_server(make_app(PUBLIC_READ=False, **idp.settings(BASE_URL=base)), navigate=False, port=port)
    return base


def at_provider(dash_duo, login: str) -> None:
    dash_duo.wait_for_element("#op-username", timeout=20).send_keys(login)
    dash_duo.find_element("#op-password").send_keys(f"{login}-password")
    dash_duo.find_element("#op-submit").click()


def shots(dash_duo, name: str) -> None:
    folder = os.environ.get("SSO_SHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        viewport(dash_duo.driver, width, height)
        dash_duo.driver.save_screenshot(str(Path(folder) / f"{name}-{width}x{height}.png"))
    viewport(dash_duo.driver, 1920, 1080)


def test_sso020_chromium_signs_in_through_the_provider_and_signs_out_there(dash_duo, make_app, idp):
    base = start(dash_duo, make_app, idp)
    dash_duo.driver.get(base + "/login?next=/history")
    button = dash_duo.wait_for_element("#login-sso")
    assert button.text == "Sign in with Test IdP"
    shots(dash_duo, "sign-in")
    button.click()
    at_provider(dash_duo, "alice")
    dash_duo.wait_for_contains_text("#account-menu", "alice", timeout=20)
    assert "ADMIN" in dash_duo.find_element("#account-menu").text.upper()
    assert dash_duo.driver.current_url == base + "/history"
    copied = dash_duo.driver.get_cookie("opsg_session")["value"]
    assert api_status(base, copied) == 200
    click(dash_duo, dash_duo.find_element("#account-sign-out"))
    dash_duo.wait_for_contains_text("#login-notice", "You have signed out", timeout=20)
    assert dash_duo.driver.current_url == base + "/login?signed_out=1"
    assert api_status(base, copied) == 401  # ended on the server
    stats = idp.stats()
    assert (stats["end_session"], stats["end_session_confirmed"]) == (1, 1)  # and at the provider
    dash_duo.find_element("#login-sso").click()  # the provider asks again: its session is over too
    dash_duo.wait_for_element("#op-username", timeout=20)
    assert dash_duo.get_logs() == []


def test_sso021_someone_without_a_mapped_group_sees_why_and_whom_to_ask(dash_duo, make_app, idp):
    base = start(dash_duo, make_app, idp)
    dash_duo.driver.get(base + "/login")
    dash_duo.wait_for_element("#login-sso").click()
    at_provider(dash_duo, "dave")
    dash_duo.wait_for_contains_text("#sso-why", "none of your groups at Test IdP gives access", timeout=20)
    assert "opsg-members — viewer" in dash_duo.find_element("#sso-groups").text
    assert "Ask your SECAS administrator" in dash_duo.find_element("#sso-refused").text
    shots(dash_duo, "refused")
    dash_duo.driver.get(base + "/history")
    dash_duo.wait_for_element("#login-form", timeout=20)  # not signed in
    # Chromium logs the refusal's own status (403, which it is meant to have) as a network entry;
    # that one entry is allowed, nothing else.
    logs = dash_duo.get_logs()
    refusal = [e for e in logs if e["source"] == "network" and "/login/oidc/callback?" in e["message"]
               and "status of 403" in e["message"]]
    assert len(refusal) == 1 and [e for e in logs if e not in refusal] == []
