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

from metrics.store import schema
from metrics.read.export import logical_dump
from metrics.ingest.write import ingest
from metrics.store.engine import Store

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
    """Rows in every table (whatever the storage layout)."""
    with store.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in schema.metadata.sorted_tables}


# The child ingests through the normal code path. The harness only listens to SQLAlchemy's
# "commit" event: once the upload's revisions have been inserted, the commit means every row of
# the upload is written inside the open transaction, and the child stops right there, before
# COMMIT is sent, to be killed. This holds however ingest lays the rows out.
CHILD = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from metrics.catalog import load_catalog
    from metrics.ingest.write import ingest
    from metrics.store.engine import Store

    store = Store(sys.argv[1])
    wrote_revisions = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _watch(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO REVISIONS"):
            wrote_revisions.append(True)

    @event.listens_for(store.engine, "commit")
    def _stop_before_commit(conn):
        if wrote_revisions:
            print("WRITTEN, NOT COMMITTED", flush=True)
            time.sleep(120)

    data = open(sys.argv[2], "rb").read()
    report = ingest(store, load_catalog(), data, "alerts-big.csv")
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

    url = store.url
    if store.dialect == "postgresql":
        app_name = f"opsg_flt001_{uuid.uuid4().hex[:8]}"
        url = f"{url}&application_name={app_name}"
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(big)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("WRITTEN"), (line, child.stderr.read() if child.poll() is not None else "")
        # the child is inside its write transaction
        if store.dialect == "sqlite":
            probe = sqlite3.connect(tmp_path / "test.db", timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    probe.execute("BEGIN IMMEDIATE")
            finally:
                probe.close()
        else:
            with store.read() as conn:
                states = conn.execute(text("SELECT state FROM pg_stat_activity WHERE application_name "
                                           "= :name"), {"name": app_name}).scalars().all()
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
        assert counts(reopened) == before  # no upload, revision, row or rollup from the killed one
        with reopened.read() as conn:
            assert logical_dump(conn, catalog) == before_dump
        again = ingest(reopened, catalog, big.read_bytes(), "alerts-big.csv")
        assert again.outcome == "accepted"
        with reopened.read() as conn:
            assert len(logical_dump(conn, catalog)["alerts"]) == 6 * ALERT_CODES
        assert counts(reopened)["revisions"] == before["revisions"] + 1
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


def test_flt004_failing_request_keeps_its_request_id(tmp_path, caplog):
    import logging

    from dashboard.web import request_log
    from dashboard.factory import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "PUBLIC_READ": True,
                      "SECRET_KEY": "test"}, demo=False)
    request_log.install(app.server)
    request_log.install(app.server)  # twice is harmless

    @app.server.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    client = app.server.test_client()
    with caplog.at_level(logging.INFO, logger="opsg.request"):
        failed = client.get("/boom", headers={"X-Request-ID": "trace-42"})
        healthy = client.get("/api/v1/health", headers={"X-Request-ID": "<b>not an id</b>" * 20})
    assert failed.status_code == 500 and failed.headers["X-Request-ID"] == "trace-42"
    assert healthy.status_code == 200
    generated = healthy.headers["X-Request-ID"]
    assert len(generated) == 32 and "<" not in generated  # an unsafe id is replaced, not logged
    lines = [(r.request_id, r.getMessage()) for r in caplog.records if r.name == "opsg.request"]
    assert lines[0][0] == "trace-42" and lines[0][1].startswith("GET /boom 500 ")
    assert lines[1][0] == generated and lines[1][1].startswith("GET /api/v1/health 200 ")
    assert len(lines) == 2
    app.server.extensions["opsg"].store.dispose()
