"""Uploads that used to crash or mislead, on SQLite and PostgreSQL: damaged workbooks (issue 9.5),
counts past exactness (9.6), the export round trip (9.7), sheets with no data rows (11.10) and a
file whose name disagrees with its content (11.13)."""
from __future__ import annotations

import base64
import io
import json

import orjson
import pandas as pd
import pytest
from sqlalchemy import select

from dashboard import create_app
from metrics.accounts import users as accounts
from metrics.store import schema
from metrics.cli.commands import main
from metrics.demo.tables import demo_tables
from metrics.read.export import logical_dump
from metrics.ingest.write import IngestReport, encoding_problem, ingest, write_slices
from metrics.ingest.plan import SliceChange, categorised
from metrics.upload.validate import parse_upload
from metrics.store.engine import utcnow
from tests.badfiles import dangling_shared_string_xlsx, truncated_sheet_xlsx, xlsx_bytes
from tests.integration.conftest import TEST_SECRET, signed_in_client
from tests.integration.test_uploads import UploadPage

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+SUM(1,2)", "-2+3", "@cmd"]
ALERTS = b"month,csp_region,smets_generation,alert_code,count\n2020-01,North,SMETS2,8F3E,10\n"


@pytest.fixture
def app(store):
    app = create_app({"DATABASE_URL": store.url, "SECRET_KEY": TEST_SECRET}, demo=False)
    with store.write() as conn:
        accounts.add_user(conn, "dcc-api", "uploader", "correct horse battery")
        app.token = accounts.new_token(conn, "dcc-api")
    return app


def api_upload(app, data: bytes, filename: str, **form):
    client = app.server.test_client()
    return client.post("/api/v1/uploads", data={"file": (io.BytesIO(data), filename), **form},
                       headers={"Authorization": f"Bearer {app.token}"},
                       content_type="multipart/form-data")


def page_drop(page: UploadPage, name: str, data: bytes) -> str:
    """Drop any bytes on the upload page (UploadPage.drop sends text)."""
    incoming = {"filename": name, "at": 1, "contents": "data:application/octet-stream;base64,"
                + base64.b64encode(data).decode()}
    out = page._post(page.check, [{"id": "upload-incoming", "property": "data", "value": incoming},
                                  {"id": "upload-status", "property": "value", "value": "provisional"},
                                  {"id": "upload-dataset", "property": "value", "value": ""}],
                     [{"id": "upload-pending", "property": "data", "value": None}],
                     "upload-incoming.data")
    return json.dumps(out["upload-feedback"]["children"])


def outcomes(store) -> list[tuple[str, str]]:
    u = schema.uploads
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(select(u.c.source, u.c.outcome).order_by(u.c.id))]


def dump(store, catalog):
    with store.read() as conn:
        return logical_dump(conn, catalog)


# ------------------------------------------------------------------------------- 9.5 damaged
def test_rob001_a_damaged_workbook_is_a_located_rejection_on_every_route(store, catalog, app,
                                                                         tmp_path, capsys):
    before = dump(store, catalog)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(truncated_sheet_xlsx())
    assert main(["--database", store.url, "ingest", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("incidents::: the file is damaged (") and "save it again from Excel" in err
    assert "Traceback" not in err

    response = api_upload(app, dangling_shared_string_xlsx(), "dangling.xlsx")
    assert response.status_code == 422
    assert [(e["sheet"], e["row"], e["column"]) for e in response.get_json()["errors"]] == [
        ("incidents", 3, "A")]
    assert "the file is damaged" in response.get_json()["errors"][0]["message"]

    shown = page_drop(UploadPage(signed_in_client(app, "dcc-web", "uploader")), "cut.xlsx",
                      truncated_sheet_xlsx())
    assert "upload-errors-grid" in shown and "the file is damaged" in shown
    assert outcomes(store) == [("cli", "rejected"), ("api", "rejected"), ("web", "rejected")]
    assert dump(store, catalog) == before


# ------------------------------------------------------------------------------- 9.6 numbers
def test_rob002_counts_are_exact_integers_up_to_10_to_the_12(store, catalog):
    ok = ingest(store, catalog, b"month,category,count\n2020-01,1,1000000000000\n"
                                b"2020-01,2,999999999999\n2020-01,3,\"12,345\"\n", "i.csv")
    assert ok.outcome == "accepted", ok.errors
    stored = {row[1]: row[2] for row in dump(store, catalog)["incidents"]}
    assert stored == {"1": 10**12, "2": 999_999_999_999, "3": 12_345}
    before = dump(store, catalog)
    for text, row in (("9007199254740993", 2), ("99999999999999999999999999999", 2),
                      ("1,000,000,000,001", 2), ("1" + "0" * 5000, 2)):
        data = f"month,category,count\n2020-01,1,\"{text}\"\n".encode()
        report = ingest(store, catalog, data, "i.csv", reason="correction")
        assert report.outcome == "rejected"
        [error] = report.errors
        assert (error.sheet, error.row, error.column, error.value) == ("i.csv", row, "count", text)
        assert "is more than 1,000,000,000,000" in error.message
        assert text[:20] in error.message  # quoted as written, not as a float would print it
    assert dump(store, catalog) == before


def test_rob003_the_report_is_encodable_before_commit(store, catalog, app):
    """A figure stored before counts were bounded (here 10^29) no longer makes the next
    correction's report — and so its audit entry — impossible to encode."""
    first = ingest(store, catalog, b"month,category,count\n2020-01,1,5\n", "i.csv")
    ds = catalog.datasets["incidents"]
    table = categorised(ds, parse_upload(b"month,category,count\n2020-01,1,5\n", "i.csv",
                                         catalog).tables["incidents"].assign(count=1e29))
    with store.write() as conn:
        write_slices(conn, ds, table, first.upload_id, "provisional", utcnow(), "legacy figure")
    report = ingest(store, catalog, b"month,category,count\n2020-01,1,6\n", "fix.csv",
                    reason="the 10^29 was a typing error")
    assert report.outcome == "accepted", report.errors
    assert encoding_problem(report) is None
    assert orjson.loads(orjson.dumps(report.as_dict()))["changes"][0]["examples"][0]["new"] == 6
    client = app.server.test_client()
    detail = client.get(f"/api/v1/uploads/{report.upload_id}",
                        headers={"Authorization": f"Bearer {app.token}"})
    assert detail.status_code == 200 and detail.get_json()["outcome"] == "accepted"
    unencodable = IngestReport("accepted", "x.csv", "0" * 64, changes=[SliceChange(
        "incidents", "2020-01", "changed", 1, "final", examples=[{"old": 2**70, "new": 1}])])
    assert "Integer exceeds 64-bit range" in encoding_problem(unencodable)


# ------------------------------------------------------------------------ 9.7 export round trip
def test_rob004_export_then_dry_run_of_the_export_is_unchanged(store, catalog, tmp_path, capsys):
    for name, table in demo_tables(catalog).items():
        if name == "ch_exceptions":
            extra = pd.DataFrame({"month": "2021-12", "csp_region": "North",
                                  "exception_type": HOSTILE, "count": range(1, len(HOSTILE) + 1)})
            table = pd.concat([table, extra], ignore_index=True)
        if name == "annotations":
            table = pd.concat([table, pd.DataFrame({
                "date": ["2021-12-01"], "title": ["=1+2"], "detail": ["@SUM(A1)"],
                "metric": [""], "csp_region": [""]})], ignore_index=True)
        months = table["date" if "date" in table else "month"].astype(str).str[:7]
        latest = months == months.max()  # the latest month provisional, the rest final, as the demo
        for part, status in ((table[~latest], "final"), (table[latest], "provisional")):
            if part.empty:
                continue
            report = ingest(store, catalog, part.to_csv(index=False).encode(), f"{name}.csv",
                            dataset=name, status=status)
            assert report.outcome == "accepted", (name, report.errors[:3])
    out = tmp_path / "export.xlsx"
    assert main(["--database", store.url, "export", "-o", str(out)]) == 0
    capsys.readouterr()
    for chosen in ([], ["--status", "final"]):  # the export's status column decides, either way
        assert main(["--database", store.url, "ingest", str(out), "--dry-run", *chosen,
                     "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["outcome"] == "unchanged", result["message"]
        assert {c["dataset"] for c in result["changes"]} == set(catalog.datasets)
        assert {c["kind"] for c in result["changes"]} == {"unchanged"}
        assert {c["status"] for c in result["changes"]} == {"final", "provisional"}


def test_rob007_a_status_column_sets_each_months_status_and_is_checked(store, catalog):
    rows = ("month,category,count,status\n2020-01,1,3,final\n2020-01,2,4,final\n"
            "2020-02,1,2,\n")
    report = ingest(store, catalog, rows.encode(), "incidents.csv", status="provisional")
    assert report.outcome == "accepted", report.errors
    assert {c.month: c.status for c in report.changes} == {"2020-01": "final", "2020-02": "provisional"}
    assert not any("status" in w for w in report.warnings)
    bad = ingest(store, catalog, b"month,category,count,status\n2020-03,1,3,draft\n"
                 b"2020-04,1,3,final\n2020-04,2,3,provisional\n", "incidents.csv")
    assert bad.outcome == "rejected"
    assert [(e.row, e.column, e.value) for e in bad.errors] == [
        (2, "status", "draft"), (4, "status", "provisional")]
    assert "provisional or final" in bad.errors[0].message
    assert "one status" in bad.errors[1].message


# ------------------------------------------------------------------ 11.10 header-only sheets
def test_rob005_sheets_with_a_header_and_no_data_are_skipped(store, catalog, app, tmp_path, capsys):
    assert ingest(store, catalog, ALERTS, "alerts.csv").outcome == "accepted"
    alerts_before = dump(store, catalog)["alerts"]
    book = xlsx_bytes({
        "incidents": [["month", "category", "count"], ["2020-02", 1, 3]],
        "alerts": [["month", "csp_region", "smets_generation", "alert_code", "count"]],
        "ota_firmware": [["month", "csp_region", "attempted", "succeeded"], [None, None, None, None]],
    })
    path = tmp_path / "monthly.xlsx"
    path.write_bytes(book)
    assert main(["--database", store.url, "ingest", str(path), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "note: alerts: no data rows, so the sheet was skipped" in printed
    response = api_upload(app, book, "monthly.xlsx")
    assert response.status_code == 201, response.get_json()["errors"]
    body = response.get_json()
    assert [(c["dataset"], c["month"], c["kind"]) for c in body["changes"]] == [
        ("incidents", "2020-02", "added")]
    assert ("alerts: no data rows, so the sheet was skipped; the stored alerts figures are "
            "untouched") in body["warnings"]
    assert any(w.startswith("ota_firmware: no data rows") for w in body["warnings"])
    assert dump(store, catalog)["alerts"] == alerts_before
    parsed = parse_upload(book, "monthly.xlsx", catalog)
    assert parsed.skipped_sheets == ["alerts", "ota_firmware"] and set(parsed.tables) == {"incidents"}


# ------------------------------------------------------------------ 11.13 read by content
def test_rob006_a_file_is_read_by_its_content_and_the_result_says_so(store, catalog, app,
                                                                     tmp_path, capsys):
    csv_named_xlsx = b"month,category,count\n2020-03,1,4\n"
    path = tmp_path / "march.xlsx"
    path.write_bytes(csv_named_xlsx)
    assert main(["--database", store.url, "ingest", str(path)]) == 0
    assert ("note: march.xlsx: the name ends in .xlsx but the file holds CSV text; it was read "
            "as CSV text") in capsys.readouterr().out
    book_named_csv = xlsx_bytes({"incidents": [["month", "category", "count"], ["2020-04", 1, 2]]})
    response = api_upload(app, book_named_csv, "april.csv")
    assert response.status_code == 201
    assert response.get_json()["warnings"] == [
        "april.csv: the name ends in .csv but the file holds an XLSX workbook; it was read as an "
        "XLSX workbook"]
    plain = ingest(store, catalog, b"month,category,count\n2020-05,1,4\n", "may.csv")
    assert plain.outcome == "accepted" and plain.warnings == []
