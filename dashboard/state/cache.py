"""Rendered pages cached by view and data version, and sent as plain JSON-ready dicts.

A page is a pure function of its URL query and the data in force, so a committee of thirty opening
the same link computes it once. The key includes a fingerprint of everything a page reads
(uploads, revisions, thresholds), taken with one small query per request, so a new upload, a
correction or a threshold change is seen on the next request, from any process. Pages are
converted to plain dicts so that Dash's serialiser (orjson) encodes them in one pass.

Each app has its own cache (``create_app`` makes one; ``get_context().cache``), so two apps in one
process never share entries. Misses are single flight: however many requests miss one key at once,
``compute`` runs once and they all get its value (or its exception, which is not cached).
``PageCache`` is the interface; ``MemoryCache`` keeps entries in the process (an LRU of
``MAX_PAGES``). A shared backend (Redis, issue 14) implements the same two methods.
"""
from __future__ import annotations

import functools
import threading
from concurrent.futures import Future
from datetime import date
from typing import Any, Callable, Hashable, Protocol

from cachetools import LRUCache

from dash.development.base_component import Component

from metrics.records import actions, overrides
from metrics.read.queries import data_version

from dashboard.context import get_context

MAX_PAGES = 256  # rendered pages and API answers together


class PageCache(Protocol):
    """What the dashboard needs of a cache; keys include the data version, so nothing expires."""

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...

    def clear(self) -> None: ...


class MemoryCache:
    """An in-process LRU (cachetools) with single-flight misses: one ``compute`` per key at a time."""

    def __init__(self, maxsize: int = MAX_PAGES):
        self._entries: LRUCache = LRUCache(maxsize)
        self._pending: dict[Hashable, Future] = {}  # key -> the computation under way
        self._lock = threading.Lock()  # guards both; never held while computing

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            try:
                return self._entries[key]  # a hit also marks the entry recently used
            except KeyError:
                pass
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = Future()
                leader = True
            else:
                leader = False
        if not leader:
            return pending.result()  # the leader's value, or its exception raised here too
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                del self._pending[key]  # not cached: the next request tries again
            pending.set_exception(exc)
            raise
        with self._lock:
            self._entries[key] = value
            del self._pending[key]
        pending.set_result(value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


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
    """``compute()`` once per key (which must include the data version), in this app's cache: one
    computation in the whole cluster when REDIS_URL is set (``dashboard.state.shared_cache``)."""
    return get_context().cache.get_or_compute(key, compute)


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
