"""Revisions of a month and an administrator's rollback (metrics.ingest.revisions), on both databases."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from metrics.ingest import revisions
from metrics.store import schema
from metrics.read.export import logical_dump
from metrics.ingest.write import ingest
from metrics.store.engine import utcnow

FIRST = b"month,csp_region,attempted,succeeded\n2020-01,North,100,87\n2020-01,South,50,49\n"
SECOND = b"month,csp_region,attempted,succeeded\n2020-01,North,100,90\n2020-01,South,50,49\n"


@pytest.fixture
def revised(store, catalog):
    assert ingest(store, catalog, FIRST, "first.csv", user="dcc").outcome == "accepted"
    report = ingest(store, catalog, SECOND, "second.csv", user="dcc", status="final", reason="CSP N resubmitted")
    assert report.outcome == "accepted"
    return store


def ota(store, catalog, as_of=None):
    with store.read() as conn:
        return logical_dump(conn, catalog, as_of)["ota_firmware"]


def test_his001_each_revision_with_what_changed_from_the_one_before(revised, catalog):
    with revised.read() as conn:
        history = revisions.slice_history(conn, catalog, "ota_firmware", "2020-01")
        months = revisions.slices(conn, "ota_firmware")
    assert months == [{"month": "2020-01", "revisions": 2}]
    newest, oldest = history
    assert newest["in_force"] and not oldest["in_force"]
    assert (newest["uploaded_by"], newest["filename"], newest["reason"]) == ("dcc", "second.csv", "CSP N resubmitted")
    assert newest["change"]["kind"] == "changed" and newest["change"]["rows_changed"] == 1
    assert newest["change"]["previous_status"] == "provisional" and newest["change"]["status"] == "final"
    assert newest["change"]["examples"] == [{"key": {"csp_region": "North"}, "column": "succeeded",
                                            "old": 87, "new": 90}]
    assert oldest["change"]["kind"] == "added" and oldest["change"]["rows_added"] == 2


def test_his002_rollback_is_a_new_revision_copying_the_old_rows(revised, catalog):
    before_rollback = utcnow()
    with revised.read() as conn:
        oldest = revisions.slice_history(conn, catalog, "ota_firmware", "2020-01")[-1]
    done = revisions.rollback(revised, catalog, "ota_firmware", "2020-01", oldest["id"], actor="secas",
                              reason="resubmission sent in error")
    assert ota(revised, catalog) == [("2020-01", "North", 100.0, 87.0, "provisional"),
                                     ("2020-01", "South", 50.0, 49.0, "provisional")]
    assert ota(revised, catalog, before_rollback)[0][3] == 90.0  # as of before: what was shown then
    with revised.read() as conn:
        history = revisions.slice_history(conn, catalog, "ota_firmware", "2020-01")
        upload = conn.execute(select(schema.uploads).where(schema.uploads.c.id == done["upload_id"])).one()
        [event] = conn.execute(select(schema.audit_events).where(schema.audit_events.c.action == "rollback")).all()
    assert [h["id"] for h in history][0] == done["revision_id"] and len(history) == 3
    assert history[0]["source"] == "rollback" and history[0]["reason"] == "resubmission sent in error"
    assert history[0]["change"]["examples"][0] == {"key": {"csp_region": "North"}, "column": "succeeded",
                                                   "old": 90, "new": 87}
    assert (upload.source, upload.outcome, upload.uploaded_by) == ("rollback", "accepted", "secas")
    detail = json.loads(event.detail)
    assert (event.actor, event.subject, detail["to_revision"]) == ("secas", "ota_firmware 2020-01", oldest["id"])
    assert detail["new_revision"] == done["revision_id"] and detail["reason"] == "resubmission sent in error"
    # The old file sent again is recognised as the figures now stored.
    assert ingest(revised, catalog, FIRST, "first.csv").outcome == "unchanged"


def test_his003_rollback_refusals_change_nothing(revised, catalog):
    with revised.read() as conn:
        newest, oldest = revisions.slice_history(conn, catalog, "ota_firmware", "2020-01")
    before = ota(revised, catalog)
    for kwargs, message in (
            ({"revision_id": oldest["id"], "reason": " "}, "give a reason"),
            ({"revision_id": newest["id"], "reason": "x"}, "already the one in force"),
            ({"revision_id": oldest["id"], "reason": "x", "month": "2020-02"}, "not a revision of"),
            ({"revision_id": 999999, "reason": "x"}, "not a revision of"),
            ({"revision_id": oldest["id"], "reason": "x", "dataset": "nope"}, "unknown dataset")):
        args = {"dataset": "ota_firmware", "month": "2020-01", **kwargs}
        with pytest.raises(ValueError, match=message):
            revisions.rollback(revised, catalog, args.pop("dataset"), args.pop("month"), args.pop("revision_id"),
                               actor="secas", reason=args.pop("reason"))
    assert ota(revised, catalog) == before
    with revised.read() as conn:
        assert conn.execute(select(schema.uploads).where(schema.uploads.c.source == "rollback")).all() == []


def test_his004_annotations_roll_back_too(store, catalog):
    ingest(store, catalog, b"date,title,detail\n2020-01-05,Fibre cut,North\n", "notes.csv")
    ingest(store, catalog, b"date,title,detail\n2020-01-05,Fibre cut,North and Central\n", "notes.csv", reason="r")
    with store.read() as conn:
        oldest = revisions.slice_history(conn, catalog, "annotations", "2020-01")[-1]
    revisions.rollback(store, catalog, "annotations", "2020-01", oldest["id"], actor="secas", reason="wrong")
    with store.read() as conn:
        assert logical_dump(conn, catalog)["annotations"][0][2] == "North"
