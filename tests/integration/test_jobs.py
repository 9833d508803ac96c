"""Scheduled jobs (metrics.jobs.tasks): inbox, late-submission flags, nightly backup; each safe to run twice."""
from __future__ import annotations

from dataclasses import replace
import json
import os
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from metrics.store import schema
from metrics.ingest.write import ingest
from metrics.jobs.tasks import (check_late_submissions, latest_due_month, late_flags, nightly_backup,
    process_inbox)
from metrics.settings import load_settings


def ota_csv(month: str, north=(100, 99), central=(100, 98), south=(50, 49)) -> bytes:
    lines = ["month,csp_region,attempted,succeeded"]
    for region, (attempted, succeeded) in zip(("North", "Central", "South"), (north, central, south)):
        lines.append(f"{month},{region},{attempted},{succeeded}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def settings(tmp_path):
    return load_settings(INBOX_DIR=str(tmp_path / "inbox"), BACKUP_DIR=str(tmp_path / "backups"),
                         INBOX_SETTLE_SECONDS=0, BACKUP_RETENTION=3)


def drop(settings, name: str, data: bytes, age: float = 60):
    inbox = settings.inbox_dir
    os.makedirs(inbox, exist_ok=True)
    path = os.path.join(inbox, name)
    with open(path, "wb") as fh:
        fh.write(data)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def audit_actions(store) -> list[tuple[str, str]]:
    a = schema.audit_events
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(select(a.c.action, a.c.subject).order_by(a.c.id))]


def test_job001_inbox_archives_accepted_and_rejects_with_error_report(store, catalog, settings, tmp_path):
    drop(settings, "ota-2024-01.csv", ota_csv("2024-01"))
    drop(settings, "ota-bad.csv", b"month,csp_region,attempted,succeeded\n2024-02,Nroth,10,9\n"
                                  b"2024-02,South,10,11\n")
    results = process_inbox(store, catalog, settings)
    assert sorted((r.name, r.outcome) for r in results) == [("ota-2024-01.csv", "accepted"),
                                                            ("ota-bad.csv", "rejected")]
    inbox = tmp_path / "inbox"
    archived = list((inbox / "archive").glob("*/ota-2024-01.csv"))
    assert len(archived) == 1 and archived[0].parent.name == time.strftime("%Y-%m")
    assert (inbox / "rejected" / "ota-bad.csv").is_file()
    lines = (inbox / "rejected" / "ota-bad.csv.errors.txt").read_text().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("ota-bad.csv:2:csp_region: ") and "Nroth" in lines[0]
    assert lines[1].startswith("ota-bad.csv:3:")
    assert not [p for p in inbox.iterdir() if p.is_file()]  # nothing left in the inbox itself

    u = schema.uploads
    with store.read() as conn:
        rows = conn.execute(select(u.c.filename, u.c.source, u.c.uploaded_by, u.c.reason, u.c.outcome)
                            .order_by(u.c.filename)).all()
    assert [tuple(r) for r in rows] == [
        ("ota-2024-01.csv", "inbox", "inbox", "inbox file ota-2024-01.csv", "accepted"),
        ("ota-bad.csv", "inbox", "inbox", "inbox file ota-bad.csv", "rejected")]
    assert ("upload_accepted", "ota-2024-01.csv") in audit_actions(store)


def test_job002_inbox_skips_partial_and_fresh_files(store, catalog, settings, tmp_path):
    drop(settings, "ota.csv.part", ota_csv("2024-01"))
    drop(settings, "ota.tmp", ota_csv("2024-01"))
    drop(settings, "~$ota.xlsx", b"lock")  # Excel's lock file while a workbook is open
    drop(settings, ".hidden.csv", ota_csv("2024-01"))
    drop(settings, "fresh.csv", ota_csv("2024-01"), age=0)
    assert process_inbox(store, catalog, replace(settings, inbox_settle_seconds=30)) == []
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == [
        ".hidden.csv", "fresh.csv", "ota.csv.part", "ota.tmp", "~$ota.xlsx"]
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(schema.uploads)).scalar() == 0


def test_job003_inbox_twice_is_harmless(store, catalog, settings, tmp_path):
    drop(settings, "ota.csv", ota_csv("2024-01"))
    assert [r.outcome for r in process_inbox(store, catalog, settings)] == ["accepted"]
    assert process_inbox(store, catalog, settings) == []  # nothing left: the second run does nothing
    drop(settings, "ota.csv", ota_csv("2024-01"))  # the same file dropped again
    again = process_inbox(store, catalog, settings)
    assert [r.outcome for r in again] == ["unchanged"]
    assert again[0].moved_to.name == "ota-2.csv"  # never overwrites the archived first copy
    r = schema.revisions
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(r)).scalar() == 1


def test_job004_inbox_final_name_stores_final_figures(store, catalog, settings):
    drop(settings, "ota_2024-01.final.csv", ota_csv("2024-01"))
    drop(settings, "ota_2024-02.csv", ota_csv("2024-02"))
    process_inbox(store, catalog, settings)
    r = schema.revisions
    with store.read() as conn:
        assert dict(conn.execute(select(r.c.month, r.c.status)).all()) == {"2024-01": "final",
                                                                     "2024-02": "provisional"}


def test_job005_late_flag_raised_once_and_resolved_when_final(store, catalog):
    # March 2024's deadline is 15 April (Easter Monday is 1 April): late from the 16th.
    ingest(store, catalog, ota_csv("2024-02"), "feb.csv", status="final")
    ingest(store, catalog, ota_csv("2024-03"), "mar.csv", status="provisional")
    assert latest_due_month(date(2024, 4, 15)) == "2024-02"
    assert check_late_submissions(store, catalog, today=date(2024, 4, 15))["raised"] == []

    first = check_late_submissions(store, catalog, today=date(2024, 4, 16))
    assert first["raised"] == [("ota_firmware", "2024-03")]
    assert check_late_submissions(store, catalog, today=date(2024, 4, 16))["raised"] == []
    with store.read() as conn:
        flags = late_flags(conn)
        assert late_flags(conn, month="2024-02") == []
    assert [(f["dataset"], f["month"], f["deadline"], f["state"]) for f in flags] == [
        ("ota_firmware", "2024-03", "2024-04-15", "provisional")]
    raised = [a for a in audit_actions(store) if a[0] == "late_flag_raised"]
    assert raised == [("late_flag_raised", "ota_firmware 2024-03")]

    report = ingest(store, catalog, ota_csv("2024-03"), "mar-final.csv", status="final",
                    reason="figures now final")
    assert report.outcome == "accepted", report.errors
    assert check_late_submissions(store, catalog, today=date(2024, 4, 17))["resolved"] == [
        ("ota_firmware", "2024-03")]
    assert check_late_submissions(store, catalog, today=date(2024, 4, 18))["resolved"] == []
    with store.read() as conn:
        assert late_flags(conn) == []
        resolved = late_flags(conn, include_resolved=True)
    assert len(resolved) == 1 and resolved[0]["resolved_at"] is not None
    assert [a[0] for a in audit_actions(store)].count("late_flag_resolved") == 1


def test_job006_missing_month_flagged_after_deadline(store, catalog):
    ingest(store, catalog, ota_csv("2024-02"), "feb.csv", status="final")
    out = check_late_submissions(store, catalog, today=date(2024, 5, 20))  # March and April due
    assert out["raised"] == [("ota_firmware", "2024-03"), ("ota_firmware", "2024-04")]
    with store.read() as conn:
        assert [f["state"] for f in late_flags(conn)] == ["missing", "missing"]
    # figures arrive, still provisional: the flag stays open and says so
    ingest(store, catalog, ota_csv("2024-03"), "mar.csv", status="provisional")
    assert check_late_submissions(store, catalog, today=date(2024, 5, 21))["raised"] == []
    with store.read() as conn:
        assert late_flags(conn, month="2024-03")[0]["state"] == "provisional"
    # datasets never uploaded are not flagged
    with store.read() as conn:
        assert {f["dataset"] for f in late_flags(conn)} == {"ota_firmware"}


def test_job007_backup_once_a_day_with_retention(sqlite_store, catalog, settings, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in ("2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"):
        (folder / f"opsg-{day}.sqlite").write_bytes(b"old")
    (folder / "keep-me.sqlite").write_bytes(b"manual backup")
    out = nightly_backup(sqlite_store, catalog, settings, today=date(2024, 3, 5))
    assert out["written"] == "opsg-2024-03-05.sqlite"
    assert out["removed"] == ["opsg-2024-03-02.sqlite", "opsg-2024-03-01.sqlite"]
    again = nightly_backup(sqlite_store, catalog, settings, today=date(2024, 3, 5))
    assert again == {"written": None, "skipped": True, "removed": []}
    assert sorted(p.name for p in folder.iterdir()) == [
        "keep-me.sqlite", "opsg-2024-03-03.sqlite", "opsg-2024-03-04.sqlite", "opsg-2024-03-05.sqlite"]
    written = [a for a in audit_actions(sqlite_store) if a[0] == "backup_written"]
    assert written == [("backup_written", "opsg-2024-03-05.sqlite")]
    detail = json.dumps(out)  # what the scheduler records in job_runs
    assert "opsg-2024-03-05" in detail


def test_job008_inbox_run_twice_at_once(store, catalog, settings, tmp_path):
    import threading

    drop(settings, "ota.csv", ota_csv("2024-01"))
    results, failures = [], []

    def run():
        try:
            results.extend(process_inbox(store, catalog, settings))
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert "accepted" in [r.outcome for r in results]  # the other found it gone or saw "unchanged"
    assert set(r.outcome for r in results) <= {"accepted", "unchanged"}
    assert len(list((tmp_path / "inbox" / "archive").glob("*/*"))) == 1
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(schema.revisions)).scalar() == 1
