"""Start-up: open the database from settings, bring it up to date, load the demo data on first start."""
from __future__ import annotations

from sqlalchemy import func, select

from . import schema
from .catalog import Catalog, load_catalog
from .ingest import ingest
from .store import Store

DEMO_USER = "demo"


def open_store(settings: dict, migrate: bool = True) -> Store:
    store = Store(settings["DATABASE_URL"])
    if migrate:
        store.migrate()
    return store


def has_figures(store: Store) -> bool:
    with store.read() as conn:
        return bool(conn.execute(select(func.count()).select_from(schema.revisions)).scalar())


def load_demo(store: Store, catalog: Catalog) -> list:
    """Ingest the synthetic demo files through the normal upload path (the last month provisional)."""
    from .demo import DEMO_LABEL, demo_files

    reports = []
    for filename, data in demo_files(catalog):
        reports.append(ingest(store, catalog, data, filename, user=DEMO_USER, source="demo",
                              status="final", reason=DEMO_LABEL))
    return reports


def is_demo(store: Store) -> bool:
    """True while any figures in force came from the demo loader (pages then say so)."""
    r, u = schema.revisions, schema.uploads
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(r.join(u, u.c.id == r.c.upload_id))
                            .where(r.c.superseded_at.is_(None), u.c.source == "demo")).scalar() > 0


def prepare(settings: dict, demo: bool = True) -> tuple[Store, Catalog]:
    """Catalog validated, database migrated, demo loaded when empty and wanted."""
    catalog = load_catalog(settings["CATALOG_PATH"])
    store = open_store(settings)
    if demo and not has_figures(store):
        load_demo(store, catalog)
    return store, catalog
