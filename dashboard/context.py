"""What every request needs: the store, the catalog and the settings, attached to the Flask server."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from metrics.catalog import Catalog
from metrics.settings import Settings
from metrics.store import Store


@dataclass
class AppContext:
    store: Store
    catalog: Catalog
    settings: Settings


def attach(server, ctx: AppContext) -> None:
    server.extensions["opsg"] = ctx


def get_context() -> AppContext:
    """The running app's context (inside a request or callback)."""
    return current_app.extensions["opsg"]
