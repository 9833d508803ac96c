"""Ingest, revisions, idempotency, "as of" and roll-ups, on SQLite and PostgreSQL."""
import threading

import pytest
from sqlalchemy import func, select

from metrics.store import schema
from metrics.clock import ManualClock
from metrics.read.export import logical_dump
from metrics.ingest.write import ingest
from metrics.months import parse_as_of
from metrics.read.queries import metric_frame, series
from metrics.store.engine import utcnow

OTA = """month,csp_region,attempted,succeeded
2020-01,North,1000,870
2020-01,Central,4000,3960
2020-01,South,1000,900
"""
OTA_FEB = """month,csp_region,attempted,succeeded
2020-02,North,1000,950
"""


def up(store, catalog, text, name="ota.csv", **kw):
    kw.setdefault("reason", None)
    return ingest(store, catalog, text.encode(), name, **kw)


def count(store, table):
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def dump(store, catalog):
    with store.read() as conn:
        return logical_dump(conn, catalog)


def test_ing001_accept_then_same_file_is_unchanged(store, catalog):
    first = up(store, catalog, OTA)
    assert first.outcome == "accepted", first.errors
    assert [(c.dataset, c.month, c.kind, c.rows) for c in first.changes] == [("ota_firmware", "2020-01", "added", 3)]
    revisions = count(store, schema.revisions)
    again = up(store, catalog, OTA)
    assert again.outcome == "unchanged"
    assert "unchanged" in again.message
    assert count(store, schema.revisions) == revisions
    # Same figures in another row order and header spelling: still unchanged.
    shuffled = "Period,CSP,Attempted,Succeeded\n2020-01,CSP S,1000,900\n2020-01,N,1000,870\n2020-01,Central,4000,3960\n"
    assert up(store, catalog, shuffled).outcome == "unchanged"


def test_ing002_correction_needs_reason_and_keeps_history(store, catalog):
    store.clock = clock = ManualClock()
    up(store, catalog, OTA)
    corrected = OTA.replace("1000,870", "1000,880")
    refused = up(store, catalog, corrected)
    assert refused.outcome == "rejected"
    assert "give a reason" in refused.errors[0].message
    before = clock.advance(seconds=1)
    clock.advance(seconds=1)
    done = up(store, catalog, corrected, reason="CSP N resubmitted")
    assert done.outcome == "accepted"
    change = done.changes[0]
    assert (change.kind, change.rows_changed, change.rows_added, change.rows_removed) == ("changed", 1, 0, 0)
    assert change.examples == [{"key": {"csp_region": "North"}, "column": "succeeded", "old": 870, "new": 880}]
    with store.read() as conn:
        now = series(conn, catalog, "ota_success_rate", filters={"csp_region": "North"})
        then = series(conn, catalog, "ota_success_rate", filters={"csp_region": "North"}, as_of=before)
        revs = conn.execute(select(schema.revisions.c.superseded_at)
                            .where(schema.revisions.c.dataset == "ota_firmware")).all()
    assert now[0]["value"] == pytest.approx(88.0)
    assert then[0]["value"] == pytest.approx(87.0)
    assert sorted(r.superseded_at is None for r in revs) == [False, True]


def test_ing003_dry_run_reports_and_writes_nothing(store, catalog):
    up(store, catalog, OTA)
    before = dump(store, catalog)
    uploads = count(store, schema.uploads)
    report = up(store, catalog, OTA.replace("4000,3960", "4000,3900") + OTA_FEB.split("\n", 1)[1],
                dry_run=True, reason="check")
    kinds = {(c.month, c.kind) for c in report.changes}
    assert kinds == {("2020-01", "changed"), ("2020-02", "added")}
    assert report.changes[0].examples[0]["old"] == 3960 and report.changes[0].examples[0]["new"] == 3900
    assert dump(store, catalog) == before
    assert count(store, schema.uploads) == uploads


def test_ing004_status_change_is_a_revision(store, catalog):
    up(store, catalog, OTA)
    final = up(store, catalog, OTA, status="final", reason="final figures")
    assert final.outcome == "accepted"
    assert final.changes[0].kind == "changed" and final.changes[0].previous_status == "provisional"
    with store.read() as conn:
        assert series(conn, catalog, "ota_success_rate")[0]["status"] == "final"


def test_ing005_rollup_rates_from_counts_not_average(store, catalog):
    up(store, catalog, OTA)
    with store.read() as conn:
        cs = series(conn, catalog, "ota_success_rate", filters={"csp_region": "Central & South"})
        total = series(conn, catalog, "ota_success_rate")
        split = series(conn, catalog, "ota_success_rate", by="csp_region")
    # (3960 + 900) / (4000 + 1000) = 97.2%; the average of 99% and 90% would be 94.5%.
    assert cs[0]["value"] == pytest.approx(97.2)
    assert total[0]["value"] == pytest.approx(100 * 5730 / 6000)
    assert {p["csp_region"]: p["value"] for p in split} == pytest.approx({"Central": 99.0, "North": 87.0, "South": 90.0})
    assert {p["csp_region"]: p["rag"] for p in split} == {"Central": "green", "North": "red", "South": "red"}


def test_ing006_combined_region_uploaded_directly(store, catalog):
    up(store, catalog, "month,csp_region,attempted,succeeded\n2020-01,North,100,90\n2020-01,CSP C&S,300,294\n")
    with store.read() as conn:
        cs = series(conn, catalog, "ota_success_rate", filters={"csp_region": "Central & South"})
    assert cs[0]["value"] == pytest.approx(98.0)


def test_ing007_blank_is_not_zero(store, catalog):
    up(store, catalog, "month,category,count,change_related\n2020-01,1,0,\n2020-01,2,3,\n", name="inc.csv")
    with store.read() as conn:
        total = series(conn, catalog, "incidents_total")
        change = series(conn, catalog, "incidents_change_related")
        major = series(conn, catalog, "incidents_major")
    assert total[0]["value"] == 3 and total[0]["rag"] == "green"
    assert change[0]["value"] is None and change[0]["rag"] == "no_data"
    assert major[0]["value"] == 3


def test_ing008_concurrent_identical_uploads_make_one_revision(store, catalog):
    reports = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        reports.append(up(store, catalog, OTA))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.outcome for r in reports) == ["accepted", "unchanged"]
    assert count(store, schema.revisions) == 1


def test_ing009_as_of_a_date_means_end_of_day(store, catalog):
    up(store, catalog, OTA)
    with store.read() as conn:
        assert series(conn, catalog, "ota_success_rate", as_of=parse_as_of("2000-01-01")) == []
        today = utcnow().strftime("%Y-%m-%d")
        assert len(series(conn, catalog, "ota_success_rate", as_of=parse_as_of(today))) == 1


def test_ing010_alert_codes_read_from_raw_rows(store, catalog):
    csv = ("month,csp_region,smets_generation,alert_code,count,superfluous\n"
           "2020-01,North,SMETS2,8f3e,100,80\n2020-01,North,S1,8F3E,50,10\n"
           "2020-01,South,SMETS2,8F35,7,0\n2020-02,South,SMETS2,8F35,9,\n")
    assert up(store, catalog, csv, name="alerts.csv").outcome == "accepted"
    with store.read() as conn:
        codes = metric_frame(conn, catalog, "alerts_total", by=("alert_code",), start="2020-01", end="2020-01")
        north_s2 = metric_frame(conn, catalog, "alerts_total",
                                filters={"csp_region": "North", "smets_generation": "SMETS2"})
        superfluous = series(conn, catalog, "alerts_superfluous")
    assert dict(zip(codes["alert_code"], codes["value"])) == {"8F35": 7, "8F3E": 150}
    assert list(north_s2["value"]) == [100, 0]  # February lists no North SMETS2 alerts: zero
    assert [p["value"] for p in superfluous] == [90, None]


def test_ing011_annotations_are_revisioned_too(store, catalog):
    csv = "date,title,detail,metric\n31/01/2020,Fibre cable incident,Latency up,\n2020-01-15,Release,,ota_success_rate\n"
    assert up(store, catalog, csv, name="notes.csv").outcome == "accepted"
    from metrics.read.queries import annotations

    with store.read() as conn:
        notes = annotations(conn, metric="incidents_total")
    assert [n["title"] for n in notes] == ["Fibre cable incident"]
    assert notes[0]["date"] == "2020-01-31"


def test_ing012_rejected_upload_recorded_and_nothing_written(store, catalog):
    up(store, catalog, OTA)
    before = dump(store, catalog)
    bad = up(store, catalog, OTA.replace("North", "Nroth").replace("1000,900", "1000,1200"))
    assert bad.outcome == "rejected"
    assert {e.column for e in bad.errors} >= {"csp_region", "succeeded"}
    assert dump(store, catalog) == before
    with store.read() as conn:
        outcomes = [r.outcome for r in conn.execute(select(schema.uploads.c.outcome).order_by(schema.uploads.c.id))]
    assert outcomes == ["accepted", "rejected"]


def test_ing013_rollups_and_raw_rows_agree(store, catalog):
    """A combination no rollup holds (alert code with region) is summed from the stored rows."""
    csv = ("month,csp_region,smets_generation,alert_code,count,superfluous\n"
           "2020-01,North,SMETS2,8F3E,100,80\n2020-01,North,SMETS1,8F3E,50,\n"
           "2020-01,South,SMETS2,8F3E,7,1\n2020-01,South,SMETS2,8F35,9,2\n")
    up(store, catalog, csv, name="alerts.csv")
    with store.read() as conn:
        raw = metric_frame(conn, catalog, "alerts_total", filters={"csp_region": "North"}, by=("alert_code",))
        rolled = metric_frame(conn, catalog, "alerts_total", by=("alert_code",))
        superfluous = metric_frame(conn, catalog, "alerts_superfluous",
                                   filters={"csp_region": "North", "smets_generation": "SMETS1"})
    assert dict(zip(raw["alert_code"], raw["value"])) == {"8F3E": 150}
    assert dict(zip(rolled["alert_code"], rolled["value"])) == {"8F35": 9, "8F3E": 157}
    assert superfluous["value"].isna().all()  # blank, not zero


def test_ing014_template_filled_in_by_hand_ingests(store, catalog):
    """A DCC analyst downloads the workbook, types January's figures the way Excel users do, uploads."""
    import io
    from datetime import datetime

    from openpyxl import load_workbook

    from metrics.upload.templates import template_xlsx

    book = load_workbook(io.BytesIO(template_xlsx(catalog, ["ota_firmware", "incidents"])))
    ota = book["ota_firmware"]
    ota.delete_rows(2, ota.max_row)
    for row in ([datetime(2020, 1, 31), "CSP N", 120_000, 104_484, 0.8707],
                ["Jan-20", "Central", "80,000", " 79,200 ", None],
                ["January 2020", "south", 60000, 59000, None]):
        ota.append(row)
    ota["E2"].number_format = "0.00%"  # a percentage cell: Excel shows 87.07%
    incidents = book["incidents"]
    incidents.delete_rows(2, incidents.max_row)
    incidents.append(["01/2020", 2, 15, 3])
    buf = io.BytesIO()
    book.save(buf)
    report = ingest(store, catalog, buf.getvalue(), "January.xlsx", status="final")
    assert report.outcome == "accepted", [str(e) for e in report.errors]
    assert "Notes" in report.ignored_sheets
    with store.read() as conn:
        north = series(conn, catalog, "ota_success_rate", filters={"csp_region": "North"})
        total = series(conn, catalog, "incidents_total")
    assert round(north[0]["value"], 2) == 87.07 and north[0]["status"] == "final"
    assert total[0]["month"] == "2020-01" and total[0]["value"] == 15
