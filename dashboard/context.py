"""What every request needs: the store, the catalog, the settings and the page cache, attached to the
Flask server.

The catalog is the revision in force (``metrics.catalog_revisions.LiveCatalog``): a catalog apply is
seen by every process within seconds. A request reading "as of" a moment (``use_as_of``) gets the
catalog in force then, so a metric added later is not listed.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, g, has_app_context

from metrics.catalog import Catalog
from metrics.catalog_revisions import LiveCatalog
from metrics.settings import Settings
from metrics.store.engine import Store

if TYPE_CHECKING:
    from dashboard.state.cache import PageCache

AS_OF_KEY = "opsg_catalog_as_of"


class AppContext:
    def __init__(self, store: Store, catalogs: LiveCatalog | Catalog, settings: Settings,
                 cache: PageCache):
        self.store, self.settings = store, settings
        self.cache = cache  # this app's rendered pages and answers (dashboard/state/cache.py)
        self.catalogs = catalogs if isinstance(catalogs, LiveCatalog) else None
        self._fixed = catalogs if isinstance(catalogs, Catalog) else None

    @property
    def catalog(self) -> Catalog:
        """The catalog in force now, or at this request's as-of moment."""
        if self.catalogs is None:
            return self._fixed
        pinned = g.get(AS_OF_KEY) if has_app_context() else None
        return pinned if pinned is not None else self.catalogs.current()

    def catalog_at(self, as_of: datetime | None) -> Catalog:
        return self._fixed if self.catalogs is None else self.catalogs.at(as_of)


def use_as_of(as_of: datetime | None) -> None:
    """This request reads as of ``as_of``: ``get_context().catalog`` is the catalog in force then."""
    setattr(g, AS_OF_KEY, get_context().catalog_at(as_of) if as_of is not None else None)


def attach(server, ctx: AppContext) -> None:
    server.extensions["opsg"] = ctx


def get_context() -> AppContext:
    """The running app's context (inside a request or callback)."""
    return current_app.extensions["opsg"]
