"""The real actions of the public OPSG_29 minutes (4 February 2020), seeded into the demo.

They are kept as the action log a secretary would import, data/demo/opsg29-actions.csv, and read
through the same import (``parse_actions``): the two outstanding actions, then those raised at the
meeting, text as minuted. Where the minutes name no date, the target is the next meeting (OPSG_30,
3 March 2020); "the April meeting (OPSG_31)" is taken as 7 April 2020.
"""
from __future__ import annotations

from sqlalchemy import Connection

from metrics.catalog import Catalog
from metrics.records import actions
from metrics.settings import DATA_DIR

OPSG29_FILE = DATA_DIR / "demo" / "opsg29-actions.csv"
OPSG29_SOURCE = "OPSG_29 final minutes, 4 February 2020 (public, White)"


def opsg29_actions(catalog: Catalog) -> list[dict]:
    """The minutes' actions as clean fields, in the minutes' order (the file is checked like any import)."""
    rows, errors, _ = actions.parse_actions(OPSG29_FILE.read_bytes(), OPSG29_FILE.name, catalog)
    if errors:
        raise ValueError(f"{OPSG29_FILE}: " + "; ".join(str(e) for e in errors))
    return rows


def seed_opsg29(conn: Connection, catalog: Catalog, actor: str = "demo") -> int:
    """Add the OPSG_29 minutes' actions (status as minuted: open) unless already there."""
    added = 0
    for fields in opsg29_actions(catalog):
        if actions.get_action(conn, fields["ref"]) is not None:
            continue
        actions.add_action(conn, catalog, {**fields, "metrics": list(fields["metrics"])}, actor,
                           source=OPSG29_SOURCE, kind="imported", reason="seeded from the public minutes")
        added += 1
    return added
