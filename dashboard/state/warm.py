"""Warm the page cache when figures change, so the first read after an upload costs a repeat read.

Pages and the API summary are cached per data version (dashboard/state/cache.py), so an upload
makes every cached view stale and the next reader would pay for the whole computation. Instead:
  - the process that committed warms right after the commit (``after_commit``, called by the web
    upload and the API upload), in a thread, so the upload's own answer is not delayed;
  - every web process watches the data version (one small query every ``interval`` seconds) and
    warms when it changes, which covers figures arriving in another process or on another host
    (the command line, the inbox job, another worker).
What is warmed: each figure page's default view (the latest month, no filters), the overview and
the meeting, and the API summary for the latest month: the views a link in a notification or the
chair's first click opens. Other views stay filled on demand. Nothing here changes the cache.
"""
from __future__ import annotations

import logging
import threading

import dash
from flask import Flask

log = logging.getLogger(__name__)
WARM_PATHS_EXTRA = ("/", "/meeting")


def warm_paths() -> list[str]:
    """The pages whose default view is warmed: the overview, the meeting and every family page of
    the catalog in force (one a catalog revision added while the app runs included)."""
    from dashboard.context import get_context

    families = [f.path for f in get_context().catalog.families]
    return list(dict.fromkeys([*WARM_PATHS_EXTRA, *families]))


def page_layout(path: str):
    """The layout function the router calls for ``path``: its page's, or the family path
    pattern's for a family that has no page of its own yet (dashboard/pages/family.py)."""
    from dashboard.pages.family import PATTERN_PAGE

    pages = {p["path"]: p for p in dash.page_registry.values() if p.get("path_template") is None}
    if path in pages:
        return pages[path]["layout"]
    pattern = dash.page_registry.get(PATTERN_PAGE)
    return pattern and (lambda: pattern["layout"](family_path=path.strip("/")))


def warm(server: Flask) -> int:
    """Render the default views and the latest summary into the cache; the number warmed."""
    from metrics.read.queries import latest_month

    from dashboard.web.api import summary_entries

    done = 0
    with server.test_request_context("/"):
        ctx = server.extensions["opsg"]
        for path in warm_paths():
            layout = page_layout(path)
            if callable(layout):
                try:
                    layout()
                    done += 1
                except Exception:  # a page that cannot render now renders (and fails) on demand
                    log.exception("warming %s failed", path)
        with ctx.store.read() as conn:
            month = latest_month(conn)
            if month:
                summary_entries(ctx, conn, month)
                done += 1
    return done


def after_commit(server: Flask) -> threading.Thread:
    """Warm in the background after new figures were committed in this process."""
    thread = threading.Thread(target=_quietly, args=(server,), name="opsg-warm", daemon=True)
    thread.start()
    return thread


def _quietly(server: Flask) -> None:
    try:
        warm(server)
    except Exception:
        log.exception("warming the page cache failed")


class Watcher(threading.Thread):
    """Polls the data version; warms when it changes (figures from another process or host)."""

    def __init__(self, server: Flask, interval: float):
        super().__init__(name="opsg-warm-watch", daemon=True)
        self.server, self.interval, self.stopped = server, interval, threading.Event()
        self.seen = None

    def version(self):
        from metrics.read.queries import data_version

        with self.server.extensions["opsg"].store.read() as conn:
            return data_version(conn)

    def check(self) -> bool:
        """Warm if the data version moved since the last look; whether it did."""
        current = self.version()
        if current == self.seen:
            return False
        self.seen = current
        warm(self.server)
        return True

    def run(self) -> None:
        while not self.stopped.wait(self.interval if self.seen is not None else 0):
            try:
                self.check()
            except Exception:
                log.exception("watching the data version failed")

    def stop(self) -> None:
        self.stopped.set()


def watch(server: Flask, interval: float = 2.0) -> Watcher:
    """Start warming this process's cache whenever the data version changes (and once now)."""
    watcher = Watcher(server, interval)
    server.extensions["opsg-warm"] = watcher
    watcher.start()
    return watcher
