"""Exactly one scheduler runs jobs: the scheduler_lock lease, job_runs, and two real processes."""
from __future__ import annotations

from dataclasses import replace
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from metrics.store import schema
from metrics.jobs.scheduler import JOBS, JobScheduler, Lease, start_embedded
from metrics.settings import load_settings
from metrics.store.engine import utcnow

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def job_runs(store) -> list:
    runs = schema.job_runs
    with store.read() as conn:
        return conn.execute(select(runs.c.job, runs.c.holder, runs.c.started_at, runs.c.outcome)
                            .order_by(runs.c.id)).all()


def test_sch001_lease_held_by_one_until_released_or_expired(store):
    a, b = Lease(store, "a", 0.6), Lease(store, "b", 60)
    assert a.hold() and a.hold()  # taken, then renewed
    assert not b.hold()
    time.sleep(0.7)  # a stopped renewing
    assert b.hold()
    assert not a.hold()
    b.release()
    assert a.hold() and not b.hold()


def test_sch002_jobs_run_only_by_the_holder_and_are_recorded(store, catalog, tmp_path, monkeypatch):
    settings = load_settings(INBOX_DIR=str(tmp_path / "inbox"), BACKUP_DIR=str(tmp_path / "bk"),
                             SCHEDULER_LEASE_SECONDS=60)
    active = JobScheduler(store, catalog, settings, holder="active")
    standby = JobScheduler(store, catalog, settings, holder="standby")
    assert active.run_job("inbox") == "ok"
    assert standby.run_job("inbox") is None

    def broken(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setitem(JOBS, "backup", broken)
    assert active.run_job("backup") == "failed"
    assert [(r.job, r.holder, r.outcome) for r in job_runs(store)] == [
        ("inbox", "active", "ok"), ("backup", "active", "failed")]
    runs = schema.job_runs
    with store.engine.begin() as conn:  # as if the active one died mid-job
        conn.execute(runs.insert().values(job="backup", holder="active", started_at=utcnow(),
                                          outcome="running"))
    active.lease.release()
    assert standby.run_job("inbox") == "ok"
    assert [r.outcome for r in job_runs(store)][-2:] == ["abandoned", "ok"]


def test_sch003_app_factory_never_starts_a_scheduler_unless_told(tmp_path):
    from dashboard.factory import create_app

    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "INBOX_DIR": str(tmp_path / "in"),
                "BACKUP_DIR": str(tmp_path / "bk"), "SCHEDULER_LEASE_SECONDS": 60}
    before = set(threading.enumerate())
    app = create_app(settings, demo=False)
    ctx = app.server.extensions["opsg"]
    assert not [t for t in set(threading.enumerate()) - before if "APScheduler" in t.name]
    assert start_embedded(ctx.store, ctx.catalog, replace(ctx.settings, embed_scheduler=False)) is None
    lock = schema.scheduler_lock
    with ctx.store.read() as conn:
        assert conn.execute(select(lock.c.holder)).scalar() is None  # nobody ever took the lock

    started = []
    create_app(settings, demo=False, start_scheduler=lambda *args: started.append(start_embedded(*args)))
    scheduler = started[0]
    try:
        assert scheduler is not None and scheduler.lease.held
    finally:
        scheduler.shutdown()
    assert not scheduler.lease.held


def _start(url: str, tmp_path: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "SCHEDULER_LEASE_SECONDS": "2", "INBOX_POLL_SECONDS": "1",
           "INBOX_DIR": str(tmp_path / "inbox"), "BACKUP_DIR": str(tmp_path / "backups")}
    log = open(tmp_path / f"{name}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "metrics", "--database", url, "scheduler"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _runs_by_pid(store) -> Counter:
    return Counter(int(r.holder.split(":")[1]) for r in job_runs(store))


def test_sch004_two_processes_one_runs_jobs_standby_takes_over(store, tmp_path):
    procs = {name: _start(store.url, tmp_path, name) for name in ("a", "b")}  # started together
    logs = {name: tmp_path / f"{name}.log" for name in procs}
    try:
        wait_for(lambda: all("standing by" in logs[n].read_text() or "is active" in logs[n].read_text()
                             for n in procs), 30, "both schedulers to start")
        leader_pid = wait_for(lambda: next(iter(_runs_by_pid(store)), None), 30, "a job run")
        leader = next(p for p in procs.values() if p.pid == leader_pid)
        standby = next(p for p in procs.values() if p.pid != leader_pid)
        runs_before = _runs_by_pid(store)[leader.pid]
        time.sleep(1.5)  # more inbox intervals
        counts = _runs_by_pid(store)
        assert set(counts) == {leader.pid} and counts[leader.pid] > runs_before

        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        killed_at = time.monotonic()
        wait_for(lambda: _runs_by_pid(store)[standby.pid] >= 1, 20, "the standby to take over")
        assert time.monotonic() - killed_at < 2 + 3  # lease plus a heartbeat or two

        runs = job_runs(store)
        last_leader = max(r.started_at for r in runs if f":{leader.pid}:" in r.holder)
        first_standby = min(r.started_at for r in runs if f":{standby.pid}:" in r.holder)
        assert last_leader < first_standby  # never both at once
        assert {r.outcome for r in runs} <= {"ok", "running", "abandoned"}
        assert not [r for r in runs if r.outcome == "running" and f":{leader.pid}:" in r.holder]
        # the once-a-day backup ran once, by the leader, though both started
        assert len(list((tmp_path / "backups").iterdir())) == 1

        standby.send_signal(signal.SIGTERM)  # a clean stop hands the lock back at once
        assert standby.wait(20) == 0
        lock = schema.scheduler_lock
        with store.read() as conn:
            assert conn.execute(select(lock.c.expires_at)).scalar() <= utcnow()
        assert not [n for n in logs if "Traceback" in logs[n].read_text()]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
