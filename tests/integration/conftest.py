"""Fixtures for the page tests: one demo database per session, copied for each test's app."""
from __future__ import annotations

import shutil

import pytest

from metrics.bootstrap import prepare
from metrics.settings import load_settings


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
    """make_app(**settings) -> a fresh app on a private copy of the demo database."""
    def build(**settings):
        target = tmp_path / "app.db"
        shutil.copy(demo_db, target)
        from dashboard import create_app

        return create_app({"DATABASE_URL": f"sqlite:///{target}", **settings})
    return build


@pytest.fixture
def demo_app(make_app):
    return make_app()
