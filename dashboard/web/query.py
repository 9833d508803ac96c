"""Every request's query parameters checked before any work (SPEC §6), by ``metrics.params``.

``install(server)`` parses the parameters ``metrics.params.QUERY`` knows (month, from, to, as_of,
limit) on every route; a bad one is answered 400 ``{"error": "..."}`` naming it, before the route
runs. Routes read the parsed values with ``parsed()``. Page shells are left alone: they do no work,
and the page itself (``dashboard.state.urls.parse_state``) drops a bad value and says so in the frame.
"""
from __future__ import annotations

from flask import Flask, g, jsonify, request

from metrics.params import ParameterError, query

from dashboard.context import use_as_of

PAGE_SHELLS = frozenset({"/", "/<path:path>"})  # Dash's index and catch-all endpoints


def parsed() -> dict:
    """This request's parsed query parameters (only those present)."""
    if "query" not in g:
        g.query = query(request.args)
    return g.query


def _check():
    if request.endpoint in PAGE_SHELLS:
        return None
    use_as_of(parsed().get("as_of"))  # an as_of read uses the catalog in force then
    return None


def refuse(exc: ParameterError):
    return jsonify(error=str(exc)), 400


def install(server: Flask) -> None:
    server.before_request(_check)
    server.register_error_handler(ParameterError, refuse)
