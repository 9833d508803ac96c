"""Rendered pages cached by view and data version, and sent as plain JSON-ready dicts.

A page is a pure function of its URL query and the data in force, so a committee of thirty opening
the same link computes it once. The key includes a fingerprint of everything a page reads
(uploads, revisions, thresholds), taken with one small query per request, so a new upload, a
correction or a threshold change is seen on the next request, from any process. Pages are
converted to plain dicts so that Dash's serialiser (orjson) encodes them in one pass.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict

from dash.development.base_component import Component
from sqlalchemy import func, select

from metrics import schema

from ..context import get_context

MAX_PAGES = 256
_pages: OrderedDict = OrderedDict()
_lock = threading.Lock()


def data_version(conn) -> tuple:
    """Changes whenever figures, their revisions or thresholds change."""
    u, r, t = schema.uploads, schema.revisions, schema.thresholds
    return tuple(conn.execute(select(
        select(func.max(u.c.id)).scalar_subquery(),
        select(func.count(r.c.id)).scalar_subquery(),
        select(func.max(r.c.superseded_at)).scalar_subquery(),
        select(func.max(t.c.id)).scalar_subquery(),
        select(func.count(t.c.id)).scalar_subquery(),
    )).one())


def plain(node):
    """A component tree as nested dicts and lists (what Dash would send), for a fast encode."""
    if isinstance(node, Component):
        out = node.to_plotly_json()
        out["props"] = {k: plain(v) for k, v in out["props"].items()}
        return out
    if isinstance(node, (list, tuple)):
        return [plain(v) for v in node]
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    return node


def _freeze(value):
    return tuple(value) if isinstance(value, list) else value


def cached_layout(layout):
    """Decorate a page's ``layout(**query)``: render once per (query, data version)."""

    @functools.wraps(layout)
    def wrapper(**query):
        context = get_context()
        with context.store.read() as conn:
            version = data_version(conn)
        key = (context.store.url, layout.__module__, tuple(sorted((k, _freeze(v)) for k, v in query.items())),
               version)
        with _lock:
            if key in _pages:
                _pages.move_to_end(key)
                return _pages[key]
        page = plain(layout(**query))
        with _lock:
            _pages[key] = page
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
        return page

    wrapper.uncached = layout
    return wrapper


def clear() -> None:
    with _lock:
        _pages.clear()
