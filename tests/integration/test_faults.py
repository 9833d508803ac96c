"""Faults: a writer killed mid-ingest, PostgreSQL connections killed under the app, a read-only file."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from metrics import schema
from metrics.export import logical_dump
from metrics.ingest import ingest
from metrics.store import Store

ROOT = Path(__file__).resolve().parents[2]
ALERT_CODES = 20_000  # x 3 regions x 2 generations = 120,000 alert rows


def alerts_csv(month: str, codes: int = ALERT_CODES) -> bytes:
    rows = [f"{month},{region},{gen},{i:06X},{i % 97}"
            for region in ("North", "Central", "South") for gen in ("SMETS1", "SMETS2")
            for i in range(codes)]
    return ("month,csp_region,smets_generation,alert_code,count\n" + "\n".join(rows) + "\n").encode()


def ota_csv(month: str) -> bytes:
    return (f"month,csp_region,attempted,succeeded\n{month},North,100,99\n"
            f"{month},Central,100,98\n{month},South,50,49\n").encode()


def counts(store) -> dict[str, int]:
    with store.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (schema.uploads, schema.revisions, schema.facts, schema.rollups)}


# The child ingests through the normal code path; the harness only wraps bulk_insert so that it
# reports once half of the alert rows are written (inside the open transaction) and then waits
# there to be killed, so the kill always lands while the upload is being written.
CHILD = textwrap.dedent("""
    import sys, time
    import metrics.ingest as ingest_module
    from metrics.catalog import load_catalog
    from metrics.store import Store

    original = ingest_module.bulk_insert

    def bulk_insert(conn, table, frame):
        if table != "facts" or len(frame) < 1000:
            return original(conn, table, frame)
        half = len(frame) // 2
        original(conn, table, frame.iloc[:half])
        print("WRITING", half, flush=True)
        time.sleep(120)
        original(conn, table, frame.iloc[half:])

    ingest_module.bulk_insert = bulk_insert
    data = open(sys.argv[2], "rb").read()
    report = ingest_module.ingest(Store(sys.argv[1]), load_catalog(), data, "alerts-big.csv")
    print("DONE", report.outcome, flush=True)
""")


def test_flt001_kill_during_large_ingest_leaves_no_partial_revision(store, catalog, tmp_path):
    assert ingest(store, catalog, ota_csv("2024-01"), "ota.csv").outcome == "accepted"
    with store.read() as conn:
        before_dump = logical_dump(conn, catalog)
    before = counts(store)
    big = tmp_path / "alerts-big.csv"
    big.write_bytes(alerts_csv("2024-01"))
    store.dispose()

    child = subprocess.Popen([sys.executable, "-c", CHILD, store.url, str(big)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("WRITING"), (line, child.stderr.read() if child.poll() is not None else "")
        assert int(line.split()[1]) == 3 * ALERT_CODES
        if store.dialect == "sqlite":  # uncommitted pages are on disk, in the write-ahead log
            assert os.path.getsize(str(tmp_path / "test.db") + "-wal") > 500_000
        else:
            with store.read() as conn:
                states = conn.execute(text("SELECT state FROM pg_stat_activity WHERE pid <> "
                                           "pg_backend_pid() AND query LIKE 'COPY facts%'")).scalars().all()
            assert states == ["idle in transaction"]
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)

    reopened = Store(store.url)  # opens (SQLite rolls the log back; PostgreSQL aborted the transaction)
    try:
        if reopened.dialect == "sqlite":
            with reopened.read() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert counts(reopened) == before  # no upload row, revision, fact or rollup from the killed one
        with reopened.read() as conn:
            assert logical_dump(conn, catalog) == before_dump
        again = ingest(reopened, catalog, big.read_bytes(), "alerts-big.csv")
        assert again.outcome == "accepted"
        assert counts(reopened)["facts"] == before["facts"] + 6 * ALERT_CODES
    finally:
        reopened.dispose()


@pytest.mark.postgresql
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_flt002_app_recovers_when_postgres_connections_are_killed(store, catalog):
    from dashboard.factory import create_app

    app_name = f"opsg_flt002_{uuid.uuid4().hex[:8]}"
    url = f"{store.url}&application_name={app_name}"
    app = create_app({"DATABASE_URL": url, "PUBLIC_READ": True, "SECRET_KEY": "test"}, demo=False)
    ingest(app.server.extensions["opsg"].store, catalog, ota_csv("2024-01"), "ota.csv")
    client = app.server.test_client()
    paths = ["/api/v1/health", "/api/v1/summary?month=2024-01",
             "/api/v1/metrics/ota_success_rate/series?by=csp_region"]
    assert [client.get(p).status_code for p in paths] == [200, 200, 200]

    admin = create_engine(store.url.split("?")[0], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE application_name = :name"), {"name": app_name}).scalar()
    finally:
        admin.dispose()
    assert killed >= 1
    responses = [client.get(p) for p in paths]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].get_json() == {"status": "ok", "database": "ok"}
    app.server.extensions["opsg"].store.dispose()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lock_down(path: Path, folder: Path) -> list[str]:
    """Make the database file and its folder read-only; as root, permissions alone don't stop
    writes, so the files are also made immutable (skipped where chattr is unavailable)."""
    os.chmod(path, 0o444)
    os.chmod(folder, 0o555)
    if os.geteuid() != 0:
        return []
    chattr = shutil.which("chattr")
    if not chattr or subprocess.run([chattr, "+i", str(path), str(folder)],
                                    capture_output=True).returncode:
        os.chmod(folder, 0o755)
        pytest.skip("running as root without chattr: cannot make the file read-only")
    return [str(path), str(folder)]


@pytest.mark.parametrize("how", ["permissions", "mode_ro"])
def test_flt003_read_only_sqlite_gives_clear_error_and_stays_sound(tmp_path, catalog, how):
    folder = tmp_path / "db"
    db = folder / "test.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    ingest(store, catalog, ota_csv("2024-01"), "ota.csv")
    with store.read() as conn:
        before_dump = logical_dump(conn, catalog)
    store.dispose()  # the last connection checkpoints the log into the file
    assert not Path(f"{db}-wal").exists()
    sha = _sha(db)
    upload = tmp_path / "ota-2024-02.csv"
    upload.write_bytes(ota_csv("2024-02"))

    immutable = []
    if how == "permissions":
        immutable = _lock_down(db, folder)
        url = f"sqlite:///{db}"
    else:
        url = "sqlite:///file:test.db?mode=ro&uri=true"  # relative: the folder is the working dir
    try:
        done = subprocess.run([sys.executable, "-m", "metrics", "--database", url, "ingest", str(upload)],
                              cwd=folder, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=60)
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", *immutable], check=True)
        os.chmod(folder, 0o755)
        os.chmod(db, 0o644)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-2:]
    assert any(m in done.stderr for m in ("readonly database", "unable to open database file")), last
    assert _sha(db) == sha  # not a byte changed

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = Store(f"sqlite:///{db}")
    try:
        with store.read() as conn:
            assert logical_dump(conn, catalog) == before_dump
        assert ingest(store, catalog, upload.read_bytes(), upload.name).outcome == "accepted"
    finally:
        store.dispose()
