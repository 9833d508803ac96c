"""Request ids and one log line per request: ``install(server)`` adds the Flask hooks.

A request's id is its ``X-Request-ID`` header when that looks like an id (a proxy or the caller set
it), otherwise a new one; it is echoed in the response's ``X-Request-ID`` and added to every log
record written while the request runs (``%(request_id)s``), so one request's lines can be found.
"""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # anything else is replaced, not logged
FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
log = logging.getLogger("opsg.request")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to each record ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _begin() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if VALID_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    request_id = g.get("request_id")
    if request_id is None:  # a hook before ours failed; nothing to report
        return response
    response.headers[HEADER] = request_id
    took_ms = (time.perf_counter() - g.request_started) * 1000
    log.info("%s %s %s %.1fms", request.method, request.full_path.rstrip("?"), response.status_code,
             took_ms, extra={"request_id": request_id})
    return response


def install(server: Flask) -> None:
    """Add the request-id hooks to ``server`` (once, however often it is called)."""
    if server.extensions.get("opsg_request_log"):
        return
    server.extensions["opsg_request_log"] = True
    server.before_request(_begin)
    server.after_request(_finish)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr with each line's request id: for entry points (app.py, gunicorn workers)."""
    root = logging.getLogger()
    if any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for chatty in ("alembic", "apscheduler", "werkzeug"):  # werkzeug: our line per request suffices
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
