"""Start-up: open the database from settings, bring it up to date, load the demo data on first start."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from metrics.store import schema
from metrics.catalog import Catalog, load_catalog
from metrics.ingest.write import ingest
from metrics.store.engine import Store
from metrics.workdays import DEADLINE_WORKING_DAYS, add_working_days, month_end

DEMO_USER = "demo"


def open_store(settings: dict, migrate: bool = True) -> Store:
    store = Store(settings["DATABASE_URL"])
    if migrate:
        store.migrate()
    return store


def has_figures(store: Store) -> bool:
    with store.read() as conn:
        return bool(conn.execute(select(func.count()).select_from(schema.revisions)).scalar())


def demo_received_at(month: str, working_days: int = DEADLINE_WORKING_DAYS) -> datetime:
    """When the DCC would have sent ``month``'s figures: 09:00 UTC on the 10th working day after
    the month ends (a correction: a later working day)."""
    return datetime.combine(add_working_days(month_end(month), working_days), time(9))


def load_demo(store: Store, catalog: Catalog) -> list:
    """Ingest the synthetic demo through the normal upload path, as the DCC would have sent it.

    Each month of each dataset arrives as its own CSV, stamped (``received_at``) at 09:00 on the
    10th working day after the month, so "figures as at" any date shows what had arrived by then.
    Figures are final except the latest month's, which stays provisional; the January 2020 OTA
    figures are first sent wrong and corrected ten working days later, so the history shows a
    revision with its reason. The action log gets the actions recorded in the public OPSG_29
    minutes (labelled as such).
    """
    from metrics.demo.tables import DEMO_LABEL, demo_tables

    sends = []  # (received at, order, dataset, rows, status, file name, reason)
    for order, (name, table) in enumerate(demo_tables(catalog).items()):
        ds = catalog.datasets[name]
        months = table["date"].str[:7] if ds.notes else table["month"]
        latest = months.max()
        for month, rows in table.groupby(months, sort=True):
            status = "provisional" if month == latest and not ds.notes else "final"
            when = demo_received_at(month) + timedelta(minutes=order)
            if name == "ota_firmware" and month == "2020-01":
                wrong = rows.copy()
                north = wrong["csp_region"] == "North"
                wrong.loc[north, "succeeded"] -= 300
                wrong.loc[north, "success_rate"] = (100 * wrong["succeeded"] / wrong["attempted"])[north].round(2)
                sends.append((when, order, name, wrong, "provisional",
                               "ota_firmware_first_submission.csv", DEMO_LABEL))
                sends.append((demo_received_at(month, 2 * DEADLINE_WORKING_DAYS), order, name, rows,
                              status, "ota_firmware_resubmitted.csv",
                              "CSP N resubmitted January after the measurement-point review"))
                continue
            sends.append((when, order, name, rows, status, f"{name}_{month}.csv", DEMO_LABEL))
    reports = []
    for when, _, name, rows, status, filename, reason in sorted(sends, key=lambda s: s[:2]):
        reports.append(ingest(store, catalog, rows.to_csv(index=False).encode(), filename,
                              user=DEMO_USER, source="demo", dataset=name, status=status,
                              reason=reason, received_at=when))
    from metrics.records.actions import seed_opsg29  # the real actions from the public OPSG_29 minutes

    from metrics.demo.meeting import seed_opsg29_meeting  # and that meeting's record (SPEC §10)

    with store.write() as conn:
        seed_opsg29(conn, catalog)
        seed_opsg29_meeting(conn, catalog)
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
