"""Fixtures for the integration tests: one demo database per session, copied for each test's app,
and helpers to add users and sign in (test client or browser)."""
from __future__ import annotations

import re
import shutil
from datetime import datetime
from urllib.parse import quote

import pytest

from metrics.accounts import users as accounts
from metrics.clock import ManualClock
from metrics.demo.bootstrap import prepare
from metrics.settings import load_settings

PASSWORD = "correct horse battery staple"
TEST_SECRET = "test-only-secret-key"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A SQLite file with the demo loaded (built once per session: the load takes seconds)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store, _ = prepare(load_settings(DATABASE_URL=f"sqlite:///{path}"), demo=True)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    store.dispose()
    return path


@pytest.fixture
def make_app(demo_db, tmp_path):
    """make_app(**settings) -> a fresh app on a private copy of the demo database.

    Test apps are public deployments (PUBLIC_READ) unless a test says otherwise, because the page
    tests only read; sign-in and role tests pass PUBLIC_READ=False.
    """
    def build(**settings):
        target = tmp_path / "app.db"
        shutil.copy(demo_db, target)
        from dashboard import create_app

        return create_app({"DATABASE_URL": f"sqlite:///{target}", "PUBLIC_READ": True,
                           "SECRET_KEY": TEST_SECRET, **settings})
    return build


@pytest.fixture
def demo_app(make_app):
    return make_app()


def hand_clock(app, start: datetime | None = None) -> ManualClock:
    """Give ``app`` a clock the test moves by hand (no sleeping); returns it."""
    clock = app.server.extensions["opsg"].store.clock = ManualClock(start)
    return clock


def add_user(app, name: str, role: str, password: str = PASSWORD) -> None:
    with app.server.extensions["opsg"].store.write() as conn:
        accounts.add_user(conn, name, role, password, actor="test")


def csrf_token(client, path: str = "/login") -> str:
    """The session's CSRF token, from the hidden field of the sign-in form."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, name: str, password: str = PASSWORD, **extra):
    """POST the sign-in form as a browser would (CSRF token included); returns the response."""
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": csrf_token(client), **extra})


def signed_in_client(app, name: str, role: str | None = None):
    """A Flask test client signed in as ``name`` (added with ``role`` first, if given)."""
    if role:
        add_user(app, name, role)
    client = app.server.test_client()
    assert sign_in(client, name).status_code == 302
    return client


def csrf_headers(client) -> dict:
    """The header Dash's renderer sends: the token from the _csrf_token cookie."""
    cookie = client.get_cookie("_csrf_token")
    if cookie is None:
        client.get("/login")
        cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value}


def browser_sign_in(dash_duo, name: str, password: str = PASSWORD, next_path: str = "/") -> None:
    """Sign in through the real form in the browser, then wait for the page behind it.

    Start the app with ``dash_duo.start_server(app, navigate=False)`` when it needs signing in (its
    front page redirects to /login, which has no Dash entry point to wait for).
    """
    dash_duo.driver.get(f"{dash_duo.server.url}/login?next={quote(next_path)}")
    dash_duo.wait_for_element("#login-username").send_keys(name)
    dash_duo.find_element("#login-password").send_keys(password)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#account-menu", timeout=20)
