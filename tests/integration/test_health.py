"""Liveness and readiness: public, JSON, and /readyz says 503 naming what is down (real services)."""
from __future__ import annotations

from sqlalchemy import create_engine

from tests.integration.services import free_port, require_redis


def test_hlt001_live_and_ready_without_signing_in(make_app):
    client = make_app(PUBLIC_READ=False).server.test_client()
    live = client.get("/healthz")
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ok", "database": "ok"}
    assert ready.headers["Cache-Control"] == "no-store"
    assert client.get("/").status_code == 302  # the rest still needs signing in


def test_hlt002_ready_checks_redis_when_configured(make_app):
    url = require_redis()
    ready = make_app(REDIS_URL=url).server.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["redis"] == "ok"
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # a port nothing listens on
    app = make_app(REDIS_URL=nobody)
    down = app.server.test_client().get("/readyz")
    assert down.status_code == 503
    assert down.get_json() == {"status": "unavailable", "database": "ok", "redis": "ConnectionError"}
    assert app.server.test_client().get("/healthz").status_code == 200  # still alive


def test_hlt003_not_ready_when_the_database_is_unreachable(make_app):
    app = make_app()
    assert app.server.test_client().get("/readyz").status_code == 200  # (Dash sets up on a first request)
    store = app.server.extensions["opsg"].store
    store.engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    down = app.server.test_client().get("/readyz")
    assert down.status_code == 503 and down.get_json()["database"] == "OperationalError"
    assert app.server.test_client().get("/healthz").status_code == 200
