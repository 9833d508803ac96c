"""Whole-database backup and restore: SQLite's online backup, pg_dump/pg_restore for PostgreSQL."""
from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from .store import Store


def _pg_args(store: Store) -> tuple[list[str], dict]:
    url = make_url(store.url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
            "-d", url.database]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def backup(store: Store, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` (.sqlite or .dump added); returns the path."""
    import os

    if store.dialect == "sqlite":
        target = target.with_suffix(".sqlite")
        target.unlink(missing_ok=True)
        src = sqlite3.connect(make_url(store.url).database)
        try:
            src.execute("VACUUM INTO ?", (str(target),))
        finally:
            src.close()
        return target
    target = target.with_suffix(".dump")
    args, env = _pg_args(store)
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), *args], check=True,
                   env={**os.environ, **env}, capture_output=True)
    return target


def restore(store: Store, source: Path) -> None:
    """Replace the database's contents with a backup written by ``backup``."""
    import os

    if not source.is_file():
        raise ValueError(f"{source}: no such backup file")
    store.dispose()
    if store.dialect == "sqlite":
        src = sqlite3.connect(str(source))
        dst = sqlite3.connect(make_url(store.url).database)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ValueError(f"{source}: not a sound SQLite backup")
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return
    args, env = _pg_args(store)
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", *args, str(source)],
                   check=True, env={**os.environ, **env}, capture_output=True)
