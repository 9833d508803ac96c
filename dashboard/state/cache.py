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
from datetime import date

from dash.development.base_component import Component

from metrics.records import actions, overrides
from metrics.read.queries import data_version

from dashboard.context import get_context
from dashboard.state import shared_cache

MAX_PAGES = 256  # rendered pages and API answers together
_pages: OrderedDict = OrderedDict()
_lock = threading.Lock()


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


def remember(key: tuple, compute):
    """``compute()`` once per key (which must include the data version); least recently used go.

    With REDIS_URL set, once in the whole cluster (``dashboard.state.shared_cache``)."""
    shared = shared_cache.cache_of_app()
    if shared is not None:
        return shared.get_or_compute(key, compute)
    with _lock:
        if key in _pages:
            _pages.move_to_end(key)
            return _pages[key]
    value = compute()
    with _lock:
        _pages[key] = value
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)
    return value


def version_of(conn, records: bool = False) -> tuple:
    """The data version; with ``records``, also the action log's and the overrides' versions, and
    the day (overdue flags turn over at midnight)."""
    version = data_version(conn)
    if records:
        version += (*actions.log_version(conn), *overrides.log_version(conn), date.today().isoformat())
    return version


def cached_layout(layout=None, *, records: bool = False):
    """Decorate a page's ``layout(**query)``: render once per (query, data version).

    ``@cached_layout(records=True)``: the page also shows the committee's records (actions, the
    chair's RAG overrides), so their versions join the key.
    """
    if layout is None:
        return functools.partial(cached_layout, records=records)

    @functools.wraps(layout)
    def wrapper(**query):
        context = get_context()
        with context.store.read() as conn:
            version = version_of(conn, records)
        key = (context.store.url, layout.__module__,
               tuple(sorted((k, _freeze(v)) for k, v in query.items())), version)
        return remember(key, lambda: plain(layout(**query)))

    wrapper.uncached = layout
    return wrapper


def clear() -> None:
    with _lock:
        _pages.clear()
