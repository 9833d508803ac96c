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
    """Ingest the synthetic demo through the normal upload path, as the DCC would have sent it.

    Each dataset arrives as one CSV of final figures except its latest month, which follows as a
    provisional upload; the January 2020 OTA figures are first sent wrong and then corrected, so
    the history shows a revision with its reason. The action log gets the actions recorded in the
    public OPSG_29 minutes (labelled as such).
    """
    from .demo import DEMO_LABEL, demo_tables

    def send(name, frame, status, reason=DEMO_LABEL, filename=None):
        data = frame.to_csv(index=False).encode()
        return ingest(store, catalog, data, filename or f"{name}.csv", user=DEMO_USER, source="demo",
                      dataset=name, status=status, reason=reason)

    reports = []
    for name, table in demo_tables(catalog).items():
        if catalog.datasets[name].notes:
            reports.append(send(name, table, "final"))
            continue
        latest = table["month"].max()
        history = table[table["month"] < latest]
        if name == "ota_firmware":
            wrong = history.copy()
            north_jan = (wrong["month"] == "2020-01") & (wrong["csp_region"] == "North")
            wrong.loc[north_jan, "succeeded"] -= 300
            rate = 100 * wrong["succeeded"] / wrong["attempted"]
            wrong.loc[north_jan, "success_rate"] = rate[north_jan].round(2)
            reports.append(send(name, wrong, "provisional", filename="ota_firmware_first_submission.csv"))
            reports.append(send(name, history, "final", filename="ota_firmware_resubmitted.csv",
                                reason="CSP N resubmitted January after the measurement-point review"))
        else:
            reports.append(send(name, history, "final"))
        reports.append(send(name, table[table["month"] == latest], "provisional",
                            filename=f"{name}_{latest}.csv"))
    from .actions import seed_opsg29  # the real actions from the public OPSG_29 minutes

    with store.write() as conn:
        seed_opsg29(conn, catalog)
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
