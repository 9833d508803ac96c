"""Shared fixtures: a fresh database per test on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.

Browser tests need Debian's chromium and chromedriver; they skip with a clear message when absent,
unless REQUIRE_BROWSER=1, which turns a missing browser into a failure.
"""
from __future__ import annotations

import os
import shutil
import socket
import uuid

import pytest
from sqlalchemy import create_engine, text

from metrics.catalog import load_catalog
from metrics.store.engine import Store

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


def _backends():
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql))
    return params


@pytest.fixture(params=_backends())
def store(request, tmp_path):
    """An empty, migrated database: SQLite in tmp_path, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'test.db'}")
        s.migrate()
        yield s
        s.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    schema_name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    sep = "&" if "?" in PG_URL else "?"
    s = Store(f"{PG_URL}{sep}options=-csearch_path%3D{schema_name}")
    s.migrate()
    yield s
    s.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    s.migrate()
    yield s
    s.dispose()


def browser_available() -> bool:
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


def require_browser():
    """Skip (or fail under REQUIRE_BROWSER=1) when Debian's chromium/chromedriver are missing."""
    if browser_available():
        return
    message = "browser tests need Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message + " — REQUIRE_BROWSER=1 says they must run")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _free_port_for_dash_servers():
    """dash[testing] numbers its servers from 58050 in every process, so two test runs on one machine
    collide; each test's server takes a port the kernel says is free instead."""
    from dash.testing.application_runners import BaseDashRunner

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        BaseDashRunner._next_port = probe.getsockname()[1]
    yield


def pytest_setup_options():
    """dash[testing]'s hook: headless Debian Chromium with the flags this machine needs."""
    from selenium.webdriver.chrome.options import Options

    class WarningsToo(Options):
        """dash[testing] asks Chromium for SEVERE console entries only; keep warnings too, so that
        ``dash_duo.get_logs() == []`` means no errors and no warnings (AG Grid, React...)."""

        def set_capability(self, name, value):
            if name == "goog:loggingPrefs":
                value = {**value, "browser": "WARNING"}
            super().set_capability(name, value)

    options = WarningsToo()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1920,1080"):
        options.add_argument(flag)
    return options


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory, catalog):
    """A SQLite file with the demo data loaded once per session; copy it, don't write to it."""
    from metrics.demo.bootstrap import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    s = Store(f"sqlite:///{path}")
    s.migrate()
    load_demo(s, catalog)
    s.engine.dispose()
    return path


@pytest.fixture
def demo_db_url(demo_db_file, tmp_path):
    """A private copy of the demo database for one test."""
    target = tmp_path / "demo.db"
    shutil.copy(demo_db_file, target)
    return f"sqlite:///{target}"
