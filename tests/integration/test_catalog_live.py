"""The 29/07 fragment applied to running processes (SPEC §9, issue 16 point 6): two ``python app.py``
servers and ``python -m metrics scheduler`` on one database (SQLite and PostgreSQL). Each picks the
new revision up within 10 s with no restart: the API lists the metric, the template and workbook
carry the dataset, an upload for it is accepted and read back, the scheduler's inbox ingests a file
for it; ``as_of`` before the apply does not list it; a refused fragment writes nothing."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import func, select

from metrics.accounts import users as accounts
from metrics.catalog import DEFAULT_CATALOG_PATH
from metrics.catalog_revisions import ensure_first
from metrics.store import schema
from metrics.store.engine import utcnow
from tests.integration.conftest import TEST_SECRET
from tests.integration.test_parameters import ROOT, Server, _cap_memory, free_port

FRAGMENT = ROOT / "tests" / "fixtures" / "opsg29_smets1_operated.toml"
PICKUP_SECONDS = 10  # SPEC §9: running processes pick a revision up within 10 s
CSV = (b"Month,Customer,Operational,Non-operational\n"
       b"2021-11,Northern DNO,\"98,200\",\"1,800\"\n2021-11,Southern DNO,9400,600\n"
       b"2021-12,Northern DNO,9900,100\n2021-12,Southern DNO,9400,600\n")


def _env(store, tmp_path) -> dict:
    return {**os.environ, "DATABASE_URL": store.url, "PUBLIC_READ": "true", "SECRET_KEY": TEST_SECRET,
            "EMBED_SCHEDULER": "false", "PYTHONPATH": str(ROOT), "INBOX_DIR": str(tmp_path / "inbox"),
            "INBOX_POLL_SECONDS": "1", "INBOX_SETTLE_SECONDS": "0", "BACKUP_DIR": str(tmp_path / "backups")}


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, preexec_fn=_cap_memory)


def _wait_healthy(server: Server, deadline: float = 90) -> None:
    end = time.monotonic() + deadline
    while True:
        try:
            if requests.get(server.url + "/api/v1/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert server.proc.poll() is None and time.monotonic() < end, server.log.read_text()[-3000:]
        time.sleep(0.3)


@pytest.fixture
def running(store, tmp_path):
    """Two web servers and the scheduler on ``store``, started before any catalog change."""
    ensure_first(store, DEFAULT_CATALOG_PATH)
    with store.write() as conn:
        accounts.add_user(conn, "dcc", "uploader", "correct horse battery staple", actor="test")
        token = accounts.new_token(conn, "dcc")
    env, procs, servers = _env(store, tmp_path), [], []
    for name in ("a", "b"):
        port, log = free_port(), tmp_path / f"server-{name}.log"
        proc = _start(["app.py", "--port", str(port), "--no-demo"], env, log)
        procs.append(proc)
        servers.append(Server(f"http://127.0.0.1:{port}", proc, log, token))
    scheduler = _start(["-m", "metrics", "scheduler"], env, tmp_path / "scheduler.log")
    procs.append(scheduler)
    try:
        for server in servers:
            _wait_healthy(server)
        yield servers, scheduler, env, tmp_path
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _metric_ids(server: Server, **params) -> set[str]:
    response = server.get("/api/v1/metrics", params=params)
    assert response.status_code == 200, response.text
    return {m["id"] for m in response.json()["metrics"]}


def _cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _revisions(store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(schema.catalog_revisions)).scalar()


def test_cll001_the_2907_fragment_reaches_every_running_process_within_10_s(running, store):
    (a, b), scheduler, env, tmp_path = running
    before = utcnow().isoformat(timespec="seconds")
    assert "smets1_operational_share" not in _metric_ids(a) | _metric_ids(b)
    applied = _cli(env, "catalog", "apply", str(FRAGMENT), "--reason", "OPSG 29/07: SMETS1 operated")
    assert applied.returncode == 0, applied.stderr
    applied_at = time.monotonic()
    assert "catalog revision 2 in force" in applied.stdout
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / "smets1_operated_2021-12.csv").write_bytes(CSV)

    seen = {}
    while len(seen) < 2 and time.monotonic() < applied_at + PICKUP_SECONDS:
        for server in (a, b):
            if server.url not in seen and "smets1_operational_share" in _metric_ids(server):
                seen[server.url] = round(time.monotonic() - applied_at, 2)
        time.sleep(0.2)
    assert len(seen) == 2, f"picked up by {seen} only, within {PICKUP_SECONDS} s"
    print(f"picked up after (s): {sorted(seen.values())}")

    # the scheduler (a third process) ingests the inbox file for the new dataset
    u = schema.uploads
    deadline = applied_at + PICKUP_SECONDS + 5  # + the inbox poll and its settle time
    outcome = None
    while outcome is None and time.monotonic() < deadline:
        with store.read() as conn:
            outcome = conn.execute(select(u.c.outcome).where(u.c.source == "inbox")).scalar()
        time.sleep(0.2)
    assert outcome == "accepted", (outcome, (tmp_path / "scheduler.log").read_text()[-2000:])

    # as_of before the apply: the catalog then, without it
    assert "smets1_operational_share" not in _metric_ids(b, as_of=before)
    assert b.get("/api/v1/metrics/smets1_operational_share/series", params={"as_of": before}).status_code == 404

    # its template and its workbook sheet
    template = b.get("/downloads/templates/smets1_operated.csv")
    assert template.status_code == 200
    assert template.text.splitlines()[0] == "month,customer,operational,non_operational"
    book = load_workbook(io.BytesIO(b.get("/downloads/templates/opsg-upload-template.xlsx").content))
    assert [c.value for c in book["smets1_operated"][1]] == ["month", "customer", "operational", "non_operational"]

    # an upload for it through the API of the other server, read back from the first
    upload = a.request("POST", "/api/v1/uploads", headers={"Authorization": f"Bearer {a.token}"},
                       files={"file": ("smets1.csv", CSV.replace(b"9900,100", b"9950,50"))},
                       data={"reason": "corrected Northern DNO", "status": "final"})
    assert upload.status_code == 201, upload.text
    series = b.get("/api/v1/metrics/smets1_operational_share/series",
                   params={"from": "2021-11", "to": "2021-12", "by": "customer"}).json()
    points = {(p["month"], p["customer"]): (p["value"], p["rag"]) for p in series["points"]}
    assert points[("2021-11", "Northern DNO")] == (98.2, "green")
    assert points[("2021-12", "Northern DNO")] == (99.5, "green")
    assert points[("2021-12", "Southern DNO")] == (94.0, "red")
    total = b.get("/api/v1/metrics/smets1_operational_share/series", params={"from": "2021-12"}).json()
    assert total["points"][0]["value"] == pytest.approx(100 * (9950 + 9400) / 20000)
    assert total["points"][0]["rag"] == "amber" and total["points"][0]["target"] == 98
    summary = a.get("/api/v1/summary", params={"month": "2021-12"}).json()["metrics"]
    share = next(e for e in summary if e["metric"] == "smets1_operational_share")
    assert (share["rag"], share["minimum"]) == ("amber", 95.0)
    for server in (a, b):
        server.assert_healthy()


def test_cll002_a_refused_fragment_is_located_and_writes_nothing_while_running(running, store):
    (a, b), _, env, tmp_path = running
    bad = tmp_path / "bad.toml"
    bad.write_text(FRAGMENT.read_text().replace('numerator = ["operational"]', 'numerator = ["installed"]')
                   .replace('metric = "smets1_operational_share"', 'metric = "smets1_share"'))
    before, listed = _revisions(store), _metric_ids(a)
    result = _cli(env, "catalog", "apply", str(bad), "--reason", "typo")
    assert result.returncode == 1
    assert ("metrics[id=smets1_operational_share]: numerator 'installed' is not a measure of "
            "smets1_operated") in result.stderr
    assert "thresholds[smets1_share, 2018-01]: unknown metric 'smets1_share'" in result.stderr
    assert _revisions(store) == before and _metric_ids(a) == listed == _metric_ids(b)
