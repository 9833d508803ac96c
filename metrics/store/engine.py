"""Database engine, migrations and the write lock, for SQLite (default) and PostgreSQL."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from functools import cache
from datetime import UTC, datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from metrics.store import schema
from metrics.clock import SYSTEM, Clock

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WRITE_LOCK_KEY = 50_750_301  # any constant shared by every writer (PostgreSQL advisory lock)


@cache
def migration_heads() -> frozenset[str]:
    """The newest migration(s), read from the files' ``revision``/``down_revision`` lines (no
    Alembic import: what every process start asks, and Alembic with Mako costs ~0.2 s to load)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions |= set(re.findall(r"^revision = '([^']+)'", source, re.M))
        for line in re.findall(r"^down_revision = (.+)$", source, re.M):
            parents |= set(re.findall(r"'([^']+)'", line))
    return frozenset(revisions - parents)


def utcnow() -> datetime:
    """Naive UTC timestamp, the form stored in every DateTime column (the system clock's now)."""
    return SYSTEM.now()


def make_engine(url: str) -> Engine:
    """An engine with SQLite made safe for concurrent use (WAL, busy timeout, explicit BEGIN)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is broken)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


class Store:
    """The database: one engine, migrations, and transactions for readers and writers."""

    def __init__(self, url: str, clock: Clock | None = None):
        self.url = url
        self.clock: Clock = clock or SYSTEM  # what ingest and rollbacks stamp their writes with
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name

    def migrate(self, revision: str = "heads") -> None:
        """Bring the schema up to ``revision`` with Alembic (default: every head, so independent
        feature migrations need no merge revision). A database already there is left alone
        after one small query."""
        if revision == "heads" and self.at_heads():
            return
        from alembic import command

        command.upgrade(self.alembic_config(), revision)

    def at_heads(self) -> bool:
        """Whether the database carries exactly the newest migrations (Alembic's version table)."""
        try:
            with self.engine.connect() as conn:
                stamped = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except SQLAlchemyError:  # no version table yet: a new database
            return False
        return stamped == migration_heads()

    def downgrade(self, revision: str) -> None:
        from alembic import command

        command.downgrade(self.alembic_config(), revision)

    def alembic_config(self):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        cfg.attributes["engine"] = self.engine
        return cfg

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction holding the database-wide write lock, so writers queue, never interleave."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def audit(conn: Connection, actor: str, action: str, subject: str = "", **detail) -> None:
    """Append an audit event inside the caller's transaction (so it commits with the change)."""
    conn.execute(insert(schema.audit_events).values(
        at=utcnow(), actor=actor, action=action, subject=subject,
        detail=json.dumps(detail, default=str, sort_keys=True)))
