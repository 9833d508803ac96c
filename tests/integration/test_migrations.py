"""Alembic: upgrade -> downgrade -> upgrade works, and the migrations build exactly schema.py."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from metrics.store.schema import metadata


def test_mig001_upgrade_downgrade_upgrade(store):
    tables = set(store.table_names())
    assert {"uploads", "revisions", "revision_rows", "rollups", "notes", "audit_events"} <= tables
    store.downgrade("base")
    assert store.table_names() == ["alembic_version"]
    store.migrate()
    assert set(store.table_names()) == tables


def test_mig002_migrations_match_the_models(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
