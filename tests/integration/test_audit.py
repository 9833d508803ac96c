"""The audit trail is append-only: no code edits or deletes it, the database refuses to, and an
event is written in the same transaction as the change it records."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from metrics.accounts import users as accounts
from metrics.records import thresholds as admin
from metrics.store import schema
from metrics.store.engine import audit

ROOT = Path(__file__).resolve().parents[2]
# UPDATE/DELETE/TRUNCATE of the table in SQL text, or update()/delete() of it in SQLAlchemy.
EDITS = re.compile(r"(update|delete\s+from|truncate(\s+table)?)\s+\"?audit_events"
                   r"|(update|delete)\(\s*(schema\.)?audit_events|audit_events\.(update|delete)\(", re.I)


def audit_count(store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(schema.audit_events)).scalar()


def test_sec001_no_code_updates_or_deletes_audit_events():
    sources = [p for folder in ("metrics", "dashboard", "bench", "docs") for p in (ROOT / folder).rglob("*.py")]
    sources += [ROOT / "app.py", ROOT / "wsgi.py"]
    assert len(sources) > 30
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in sources
                 for m in EDITS.finditer(p.read_text()) if "migrations" not in p.parts]
    assert offenders == []
    assert EDITS.search("conn.execute(delete(schema.audit_events))")  # the pattern does catch one
    assert EDITS.search("UPDATE audit_events SET actor = 'x'")


@pytest.mark.parametrize("sql", ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"])
def test_sec002_the_database_refuses_to_edit_the_audit_trail(store, sql):
    with store.write() as conn:
        audit(conn, "secas", "threshold_set", "ota_success_rate")
    with pytest.raises(DBAPIError, match="append-only"):
        with store.write() as conn:
            conn.execute(text(sql))
    if store.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            with store.write() as conn:
                conn.execute(text("TRUNCATE audit_events"))
    with store.read() as conn:
        assert conn.execute(select(schema.audit_events.c.actor)).scalars().all() == ["secas"]


def test_sec003_a_rolled_back_change_leaves_no_audit_event(store):
    with store.write() as conn:
        accounts.add_user(conn, "root", "admin", "correct horse battery")
        accounts.add_user(conn, "dcc", "viewer", "correct horse battery")
    before = audit_count(store)
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            admin.change_role(conn, "dcc", "uploader", "root")  # audited in this transaction ...
            raise RuntimeError("... which then fails")
    assert audit_count(store) == before
    with store.read() as conn:
        assert accounts.get_user(conn, "dcc").role == "viewer"
    with store.write() as conn:
        admin.change_role(conn, "dcc", "uploader", "root")
    assert audit_count(store) == before + 1
