"""What every request needs: the store, the catalog, the settings and the page cache, attached to the
Flask server."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from metrics.catalog import Catalog
from metrics.settings import Settings
from metrics.store.engine import Store

if TYPE_CHECKING:
    from dashboard.state.cache import PageCache


@dataclass
class AppContext:
    store: Store
    catalog: Catalog
    settings: Settings
    cache: PageCache  # this app's rendered pages and answers (components/cache.py)


def attach(server, ctx: AppContext) -> None:
    server.extensions["opsg"] = ctx


def get_context() -> AppContext:
    """The running app's context (inside a request or callback)."""
    return current_app.extensions["opsg"]
