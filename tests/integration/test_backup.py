"""Backup and restore (metrics.store.backup, ``python -m metrics restore``): the figures survive a round trip."""
from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from metrics.store import schema
from metrics.store.backup import restore
from metrics.read.export import logical_dump
from metrics.ingest.write import ingest
from metrics.jobs.tasks import nightly_backup
from metrics.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def ota_csv(month: str, north: int = 99) -> bytes:
    return (f"month,csp_region,attempted,succeeded\n{month},North,100,{north}\n"
            f"{month},Central,100,98\n{month},South,50,49\n").encode()


def alerts_csv(month: str) -> bytes:
    rows = [f"{month},{region},{gen},8F{i:02X},{10 + i}"
            for region in ("North", "Central", "South") for gen in ("SMETS1", "SMETS2") for i in range(5)]
    return ("month,csp_region,smets_generation,alert_code,count\n" + "\n".join(rows) + "\n").encode()


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", "--database", url, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_bak001_restore_round_trip(store, catalog, tmp_path):
    for month in ("2024-01", "2024-02"):
        assert ingest(store, catalog, ota_csv(month), f"ota-{month}.csv").outcome == "accepted"
    assert ingest(store, catalog, alerts_csv("2024-01"), "alerts.csv").outcome == "accepted"
    with store.read() as conn:
        before = logical_dump(conn, catalog)
    settings = load_settings(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_RETENTION=2)
    written = nightly_backup(store, catalog, settings, today=date(2024, 3, 1))["written"]
    backup_file = tmp_path / "backups" / written

    # after the backup: a correction and a new month
    report = ingest(store, catalog, ota_csv("2024-02", north=90), "fix.csv", reason="correction")
    assert report.outcome == "accepted"
    ingest(store, catalog, ota_csv("2024-03"), "ota-2024-03.csv")
    with store.read() as conn:
        assert logical_dump(conn, catalog) != before
    store.dispose()

    done = cli(store.url, "restore", str(backup_file))
    assert done.returncode == 0, done.stderr
    with store.read() as conn:
        assert logical_dump(conn, catalog) == before
        uploads = conn.execute(select(func.count()).select_from(schema.uploads)).scalar()
    assert uploads == 3  # the history is restored too, not only the figures in force
    # the restored database takes new uploads
    assert ingest(store, catalog, ota_csv("2024-03"), "ota-2024-03.csv").outcome == "accepted"


def test_bak002_restore_refuses_a_file_that_is_not_a_backup(store, catalog, tmp_path):
    ingest(store, catalog, ota_csv("2024-01"), "ota.csv")
    with store.read() as conn:
        before = logical_dump(conn, catalog)
    junk = tmp_path / "not-a-backup.dump"
    junk.write_bytes(b"month,csp_region\n" * 100)
    with pytest.raises(ValueError, match="not a .*backup"):
        restore(store, junk)
    with pytest.raises(ValueError, match="no such backup file"):
        restore(store, tmp_path / "missing.dump")
    with store.read() as conn:
        assert logical_dump(conn, catalog) == before
