"""Uploads over HTTP: the bad-input corpus through the API, identical uploads at once, and the upload
page's preview-then-confirm flow driven through its callbacks (the browser test drives the page)."""
from __future__ import annotations

import base64
import io
import json
import socket
import threading

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.serving import make_server

from dashboard import create_app
from metrics.accounts import users as accounts
from metrics.store import schema
from metrics.read.export import logical_dump
from metrics.ingest.write import ingest
from metrics.upload.validate import parse_upload
from tests.badfiles import bad_files
from tests.integration.conftest import TEST_SECRET, csrf_headers, signed_in_client
from tests.integration.dash_calls import callbacks, database_dump

OTA = "month,csp_region,attempted,succeeded\n2022-01,North,1000,990\n2022-01,South,800,790\n"


@pytest.fixture
def api_app(store, catalog):
    """An app on the test database (SQLite or PostgreSQL) with a little data and an uploader's token."""
    ingest(store, catalog, b"month,csp_region,attempted,succeeded\n2020-01,North,100,87\n", "ota.csv")
    ingest(store, catalog, b"month,category,count\n2020-01,1,2\n", "incidents.csv")
    app = create_app({"DATABASE_URL": store.url, "SECRET_KEY": TEST_SECRET}, demo=False)
    with store.write() as conn:
        accounts.add_user(conn, "dcc", "uploader", "correct horse battery")
        app.token = accounts.new_token(conn, "dcc")
    return app


def dump(app):
    ctx = app.server.extensions["opsg"]
    with ctx.store.read() as conn:
        return logical_dump(conn, ctx.catalog)


def test_upl001_bad_input_corpus_through_the_api_is_422_and_changes_nothing(api_app):
    client, headers = api_app.server.test_client(), {"Authorization": f"Bearer {api_app.token}"}
    before = dump(api_app)
    for case in bad_files():
        form = {"file": (io.BytesIO(case.data), case.filename), "reason": "test"}
        if case.dataset:
            form["dataset"] = case.dataset
        response = client.post("/api/v1/uploads", data=form, headers=headers, content_type="multipart/form-data")
        assert response.status_code == 422, (case.name, response.status_code)
        located = {(e["sheet"], e["row"], e["column"]) for e in response.get_json()["errors"]}
        for sheet, row, column, fragment in case.expected:
            assert (sheet, row, column) in located, case.name
        assert dump(api_app) == before, case.name
    store = api_app.server.extensions["opsg"].store
    with store.read() as conn:
        outcomes = conn.execute(select(schema.uploads.c.outcome, func.count()).group_by(schema.uploads.c.outcome)).all()
    assert dict(outcomes)["rejected"] == len(bad_files())  # every attempt is on record


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_upl002_identical_uploads_at_once_make_one_revision(api_app):
    port = free_port()
    server = make_server("127.0.0.1", port, api_app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    results, start = [], threading.Barrier(2)

    def send():
        start.wait()
        response = requests.post(f"http://127.0.0.1:{port}/api/v1/uploads", timeout=60,
                                 headers={"Authorization": f"Bearer {api_app.token}"},
                                 files={"file": ("ota_2022-01.csv", OTA.encode())})
        results.append((response.status_code, response.json()["outcome"]))

    try:
        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.shutdown()
    assert sorted(results) == [(200, "unchanged"), (201, "accepted")]
    with api_app.server.extensions["opsg"].store.read() as conn:
        revisions = conn.execute(select(func.count()).select_from(schema.revisions).where(
            schema.revisions.c.dataset == "ota_firmware", schema.revisions.c.month == "2022-01")).scalar()
    assert revisions == 1


def data_url(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


class UploadPage:
    """The upload page's two server callbacks, called as the browser would."""

    def __init__(self, client):
        self.client = client
        deps = callbacks(client)
        self.check = next(d for d in deps if d["output"].startswith("..upload-feedback.children...upload-pending"))
        self.confirm_dep = next(d for d in deps if d["output"].startswith("..upload-feedback.children@"))

    def _post(self, dep, inputs, state, changed):
        body = {"output": dep["output"], "inputs": inputs, "state": state, "changedPropIds": [changed],
                "outputs": [{"id": p.split(".")[0], "property": p.split(".")[1].split("@")[0]}
                            for p in dep["output"].strip(".").split("...")]}
        response = self.client.post("/_dash-update-component", json=body, headers=csrf_headers(self.client))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_json()["response"]

    def drop(self, name: str, text: str, status: str = "provisional", pending=None):
        incoming = {"filename": name, "contents": data_url(text), "at": 1}
        out = self._post(self.check, [{"id": "upload-incoming", "property": "data", "value": incoming},
                                      {"id": "upload-status", "property": "value", "value": status},
                                      {"id": "upload-dataset", "property": "value", "value": ""}],
                         [{"id": "upload-pending", "property": "data", "value": pending}], "upload-incoming.data")
        return json.dumps(out["upload-feedback"]["children"]), out["upload-pending"]["data"]

    def confirm(self, pending, status="provisional", reason=None, ack=()):
        out = self._post(self.confirm_dep, [{"id": "upload-confirm", "property": "n_clicks", "value": 1}],
                         [{"id": "upload-pending", "property": "data", "value": pending},
                          {"id": "upload-status", "property": "value", "value": status},
                          {"id": "upload-dataset", "property": "value", "value": ""},
                          {"id": "upload-reason", "property": "value", "value": reason},
                          {"id": "upload-ack", "property": "value", "value": list(ack)}],
                         "upload-confirm.n_clicks")
        return json.dumps(out["upload-feedback"]["children"]), out["upload-pending"]["data"]


def test_upl003_preview_then_confirm_the_same_bytes(make_app):
    app = make_app(PUBLIC_READ=False)
    page = UploadPage(signed_in_client(app, "dcc", "uploader"))
    store = app.server.extensions["opsg"].store
    before = database_dump(store)

    shown, pending = page.drop("ota.csv", "month,csp_region,attempted,succeeded\n2022-01,Nroth,100,120\n")
    assert "upload-errors-grid" in shown and "did you mean North" in shown and pending["rejected"]
    after_reject = database_dump(store)
    assert len(after_reject["uploads"]) == len(before["uploads"]) + 1  # the rejected attempt is on record
    assert after_reject["revisions"] == before["revisions"]

    correction = "month,csp_region,attempted,succeeded\n2021-12,North,100,99\n" + OTA.split("\n", 1)[1]
    shown, pending = page.drop("ota_fixed.csv", correction)
    assert "upload-preview-grid" in shown and "Changed" in shown and "Added" in shown
    assert pending["needs_reason"] and pending["outcome"] == "accepted"
    after_preview = database_dump(store)  # the preview wrote nothing but the file waiting for Confirm
    assert len(after_preview.pop("pending_uploads")) == len(after_reject.pop("pending_uploads")) + 1
    assert after_preview == after_reject

    assert pending["needs_ack"]  # December 2021 is final in the demo: the page wants the tick too
    shown, kept = page.confirm(pending, status="final", reason="no tick")  # refused before ingest
    assert "tick the box" in shown and kept == pending
    shown, kept = page.confirm(pending, status="final", reason=None, ack=["checked"])  # no reason: refused, file kept
    assert "give a reason" in shown and kept and kept["id"] != pending["id"] and kept["needs_ack"]
    shown, done = page.confirm(kept, status="final", reason="CSP N resubmitted December", ack=["checked"])
    assert "upload-done" in shown and done is None
    assert "See the overview for January 2022" in shown
    shown, _ = page.confirm(kept, status="final", reason="again", ack=["checked"])  # a second click: nothing more
    assert "already confirmed" in shown
    with store.read() as conn:
        rows = conn.execute(select(schema.uploads.c.outcome, schema.uploads.c.status, schema.uploads.c.reason,
                                   schema.uploads.c.source).order_by(schema.uploads.c.id.desc()).limit(3)).all()
    assert [tuple(r) for r in rows] == [("accepted", "final", "CSP N resubmitted December", "web"),
                                        ("rejected", "final", None, "web"), ("rejected", "provisional", None, "web")]


def test_upl004_a_pending_upload_belongs_to_its_uploader(make_app):
    app = make_app(PUBLIC_READ=False)
    first = UploadPage(signed_in_client(app, "dcc", "uploader"))
    second = UploadPage(signed_in_client(app, "other", "uploader"))
    _, pending = first.drop("ota.csv", OTA)
    shown, _ = second.confirm(pending)
    assert "already confirmed, or it has expired" in shown
    shown, _ = first.confirm(pending)
    assert "upload-done" in shown


def test_upl005_over_the_limit_is_refused_before_decoding(make_app):
    app = make_app(PUBLIC_READ=False, MAX_UPLOAD_BYTES=1000)
    page = UploadPage(signed_in_client(app, "dcc", "uploader"))
    shown, pending = page.drop("big.csv", "month,category,count\n" + "2020-01,1,1\n" * 200)
    assert "over the upload limit of 0.001 MB" in shown and pending is None


def test_upl006_templates_download_and_parse_back(make_app, catalog):
    client = signed_in_client(make_app(PUBLIC_READ=False), "member", "viewer")
    for name in catalog.datasets:
        response = client.get(f"/downloads/templates/{name}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        parsed = parse_upload(response.data, f"{name}.csv", catalog, dataset=name)
        assert not parsed.tables and all("no data rows" in e.message for e in parsed.errors)  # header only
    workbook = client.get("/downloads/templates/opsg-upload-template.xlsx")
    assert workbook.status_code == 200 and "attachment" in workbook.headers["Content-Disposition"]
    assert set(catalog.datasets) <= set(load_workbook(io.BytesIO(workbook.data)).sheetnames)
    parsed = parse_upload(workbook.data, "template.xlsx", catalog)
    assert not any(len(t) for t in parsed.tables.values())  # no rows that could overwrite figures
    assert all("no data rows" in e.message for e in parsed.errors)
    assert client.get("/downloads/templates/nope.csv").status_code == 404
    assert client.get("/downloads/templates/secret_key").status_code == 404
