"""Liveness and readiness for a load balancer or an orchestrator; both public, both cheap.

``/healthz`` (live): the process answers; it reads nothing, so a slow database never gets a healthy
process restarted. ``/readyz`` (ready): this process can serve a page now: the database answers
``SELECT 1`` and, when ``REDIS_URL`` is set, Redis answers ``PING``; otherwise 503 with what failed,
so the balancer sends traffic elsewhere until it recovers. ``/api/v1/health`` (SPEC §5) stays as it is.
"""
from __future__ import annotations

import orjson
from flask import Blueprint, Response
from sqlalchemy import text

from dashboard.context import get_context
from dashboard.state import shared_cache

health = Blueprint("health", __name__)
PATHS = frozenset({"/healthz", "/readyz"})


def _json(payload: dict, status: int) -> Response:
    return Response(orjson.dumps(payload), status, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


@health.get("/healthz")
def live():
    return _json({"status": "ok"}, 200)


@health.get("/readyz")
def ready():
    checks, ready_ = {}, True
    try:
        with get_context().store.read() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, don't crash: this is what the balancer polls
        checks["database"], ready_ = type(exc).__name__, False
    client = shared_cache.client_of_app()
    if client is not None:
        try:
            client.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"], ready_ = type(exc).__name__, False
    return _json({"status": "ok" if ready_ else "unavailable", **checks}, 200 if ready_ else 503)
