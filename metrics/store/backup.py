"""Whole-database backup and restore: SQLite's ``VACUUM INTO``, pg_dump/pg_restore for PostgreSQL.

A backup is written under a temporary name and renamed when complete, so a file with the final
name is always a whole backup. A PostgreSQL URL that sets ``search_path`` (``?options=-csearch_path=X``)
backs up and restores that schema only; otherwise the whole database.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from metrics.store.engine import Store


def _pg_args(store: Store) -> tuple[list[str], dict, str | None]:
    """Connection arguments for the pg_* tools, their environment, and the URL's schema if any."""
    url = make_url(store.url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
            "-d", url.database]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    options = url.query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    match = re.search(r"search_path\s*=\s*([\w$]+)", options)
    return args, env, match.group(1) if match else None


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()}")


def backup(store: Store, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` (.sqlite or .dump added); returns the path."""
    target = Path(target).with_suffix(".sqlite" if store.dialect == "sqlite" else ".dump")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if store.dialect == "sqlite":
            src = sqlite3.connect(make_url(store.url).database)
            try:
                src.execute("VACUUM INTO ?", (str(partial),))  # consistent while others write
            finally:
                src.close()
        else:
            args, env, schema = _pg_args(store)
            scope = ["-n", schema] if schema else []
            _run(["pg_dump", "-Fc", "--no-owner", "-f", str(partial), *scope, *args], env)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(store: Store, source: Path) -> None:
    """Replace the database's contents with a backup written by ``backup``, all or nothing."""
    source = Path(source)
    if not source.is_file():
        raise ValueError(f"{source}: no such backup file")
    store.dispose()
    if store.dialect == "sqlite":
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(make_url(store.url).database)
        try:
            try:
                sound = src.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            except sqlite3.DatabaseError:
                sound = False
            if not sound:
                raise ValueError(f"{source}: not a sound SQLite backup")
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return
    with open(source, "rb") as fh:
        magic = fh.read(5)
    if magic != b"PGDMP":
        raise ValueError(f"{source}: not a pg_dump custom-format backup")
    args, env, _ = _pg_args(store)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
          str(source)], env)
