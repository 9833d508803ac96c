"""Hardening: security headers on every response, cookie flags, no CORS, formula-safe exports."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from dashboard.components.grid import csv_text
from metrics.read.export import export_workbook
from metrics.ingest.write import ingest
from tests.integration.conftest import signed_in_client

PATHS = ("/", "/login", "/api/v1/health", "/api/v1/openapi.json", "/assets/app.css", "/_dash-layout",
         "/_dash-dependencies", "/api/v1/summary", "/no-such-page")
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def csp(response) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in response.headers["Content-Security-Policy"].split(";")) if part}


def test_sec010_security_headers_on_every_response(make_app):
    app = make_app(PUBLIC_READ=True)
    client = app.server.test_client()
    for path in PATHS:
        response = client.get(path, headers={"Origin": "https://evil.example"})
        policy = csp(response)
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'", path
        assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'", path
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert not [h for h in response.headers.keys() if h.lower().startswith("access-control")], path
        if not path.startswith("/assets/"):
            assert response.headers["Cache-Control"] == "no-store", path
    preflight = client.options("/api/v1/uploads", headers={"Origin": "https://evil.example",
                                                           "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    # Dash's inline scripts (its renderer, clientside callbacks) are allowed by hash, nothing else.
    page = client.get("/").get_data(as_text=True)
    assert page.count("<script>") >= 1 and "'sha256-" in csp(client.get("/"))["script-src"]


def cookies(response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}


def test_sec011_cookie_flags(make_app):
    app = make_app(PUBLIC_READ=False)
    client = app.server.test_client()
    response = client.get("/login")
    jar = cookies(response)
    assert "HttpOnly" in jar["opsg_session"] and "SameSite=Lax" in jar["opsg_session"]
    assert "Secure" not in jar["opsg_session"]  # plain http in development
    assert "HttpOnly" not in jar["_csrf_token"] and "SameSite=Lax" in jar["_csrf_token"]
    over_https = app.server.test_client().get("/login", base_url="https://dash.example")
    assert all("Secure" in c for c in cookies(over_https).values())
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")
    production = make_app(PUBLIC_READ=False, ENVIRONMENT="production", SECRET_KEY="p" * 40)
    assert all("Secure" in c for c in cookies(production.server.test_client().get("/login")).values())


def test_sec016_exports_never_run_formulas(make_app):
    app = make_app()
    ctx = app.server.extensions["opsg"]
    rows = "".join(f"2021-12,North,\"{v.replace(chr(34), chr(34) * 2)}\",{i + 1}\n" for i, v in enumerate(HOSTILE))
    report = ingest(ctx.store, ctx.catalog, ("month,csp_region,exception_type,count\n" + rows).encode(),
                    "exceptions.csv", reason="formula test")
    assert report.outcome == "accepted", report.errors
    with ctx.store.read() as conn:
        book = load_workbook(io.BytesIO(export_workbook(conn, ctx.catalog)))
    texts = [c.value for row in book["ch_exceptions"].iter_rows() for c in row if isinstance(c.value, str)]
    # XLSX: string cells holding the text as stored (a string cell never runs; no apostrophe)
    assert {"=HYPERLINK(\"http://evil.example\",\"x\")", "+SUM(1,2)", "-2+3", "@cmd"} <= set(texts)
    assert all(c.data_type != "f" for row in book["ch_exceptions"].iter_rows() for c in row)
    text = csv_text([("type", "Exception type"), ("n", "Count")], [{"type": v, "n": -3} for v in HOSTILE])
    parsed = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[0] for r in parsed] == ["'" + v for v in HOSTILE] and {r[1] for r in parsed} == {"-3"}
    signed_in_client(app, "=cmd|' /C calc'!A0", "viewer")  # the audit trail CSV is formula-safe too
    exported = signed_in_client(app, "root", "admin").get("/downloads/audit-trail.csv").get_data(as_text=True)
    assert "'=cmd|' /C calc'!A0" in exported and "\n=cmd" not in exported and ",=cmd" not in exported


@pytest.mark.parametrize("size", [20, 21])
def test_sec017_upload_size_is_capped_before_parsing(make_app, size):
    """The API refuses a file over MAX_UPLOAD_BYTES with 422 without parsing it; a request body
    far beyond it is cut off by the server (413)."""
    app = make_app(PUBLIC_READ=False, MAX_UPLOAD_BYTES=size * 1000)
    client = signed_in_client(app, "dcc", "uploader")
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    body = b"month,category,count\n" + b"2020-01,1,1\n" * 2000
    response = client.post("/api/v1/uploads", data={"file": (io.BytesIO(body), "big.csv")}, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "over the limit" in response.get_json()["errors"][0]["message"]
    huge = b"x" * 2_000_000  # past MAX_CONTENT_LENGTH (4/3 of the limit + 1 MB for base64 in JSON)
    response = client.post("/api/v1/uploads", data={"file": (io.BytesIO(huge), "huge.csv")}, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code == 413
