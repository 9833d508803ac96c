"""The JSON API (SPEC §5) through Flask's test client on a demo database."""
import io

import pytest

from dashboard.factory import create_app
from metrics.accounts import users as accounts


@pytest.fixture
def app(demo_db_url):
    return create_app({"DATABASE_URL": demo_db_url})


@pytest.fixture
def client(app):
    return app.server.test_client()


def token_for(app, name, role):
    store = app.server.extensions["opsg"].store
    with store.write() as conn:
        accounts.add_user(conn, name, role, "correct horse battery")
        return accounts.new_token(conn, name)


@pytest.fixture
def viewer(app):
    return {"Authorization": f"Bearer {token_for(app, 'member', 'viewer')}"}


@pytest.fixture
def uploader(app):
    return {"Authorization": f"Bearer {token_for(app, 'dcc', 'uploader')}"}


def test_api001_health_needs_no_sign_in(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "database": "ok"}


def test_api002_reads_need_a_token(client, viewer):
    assert client.get("/api/v1/metrics").status_code == 401
    assert client.get("/api/v1/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    r = client.get("/api/v1/metrics", headers=viewer)
    assert r.status_code == 200
    ota = next(m for m in r.get_json()["metrics"] if m["id"] == "ota_success_rate")
    assert ota["unit"] == "%" and ota["direction"] == "higher_is_better" and ota["decimals"] == 2
    assert (ota["thresholds"][0]["target"], ota["thresholds"][0]["minimum"]) == (99, 95)


def test_api003_series_story_figures(client, viewer):
    r = client.get("/api/v1/metrics/ota_success_rate/series?from=2019-12&to=2020-01&csp_region=CSP N",
                   headers=viewer)
    body = r.get_json()
    assert r.status_code == 200 and body["metric"] == "ota_success_rate"
    points = body["points"]
    assert [p["month"] for p in points] == ["2019-12", "2020-01"]
    assert [round(p["value"], 2) for p in points] == [84.71, 87.07]
    assert points[1]["rag"] == "red" and points[1]["target"] == 99 and points[1]["minimum"] == 95
    assert points[1]["status"] in ("provisional", "final")


def test_api004_series_by_dimension_and_rollup(client, viewer):
    split = client.get("/api/v1/metrics/ota_success_rate/series?from=2020-01&to=2020-01&by=csp_region",
                       headers=viewer).get_json()["points"]
    assert {p["csp_region"] for p in split} == {"North", "Central", "South"}
    cs = client.get("/api/v1/metrics/ota_success_rate/series?from=2020-01&to=2020-01&csp_region=Central %26 South",
                    headers=viewer).get_json()["points"]
    assert len(cs) == 1
    total = client.get("/api/v1/metrics/incidents_total/series?from=2020-01&to=2020-01",
                       headers=viewer).get_json()["points"]
    assert total[0]["value"] == 15 and total[0]["rag"] == "red"


@pytest.mark.parametrize("query, message", [
    ("colour=red", "unknown parameter"),
    ("csp_region=Nroth", "is not a CSP region"),
    ("from=2020-13", "from must be a month"),
    ("as_of=yesterday", "as_of must be a date"),
    ("by=alert_code", "has no dimension"),
])
def test_api005_bad_parameters_are_400(client, viewer, query, message):
    r = client.get(f"/api/v1/metrics/ota_success_rate/series?{query}", headers=viewer)
    assert r.status_code == 400 and message in r.get_json()["error"]


def test_api006_unknown_metric_404(client, viewer):
    r = client.get("/api/v1/metrics/nope/series", headers=viewer)
    assert r.status_code == 404 and r.get_json() == {"error": "unknown metric 'nope'"}
    r = client.get("/api/v1/uploads/999999", headers=viewer)
    assert r.status_code == 404 and r.get_json() == {"error": "no upload 999999"}


@pytest.mark.parametrize("bug", [KeyError("csp_region"), ValueError("cannot convert"), TypeError("x")])
def test_api020_an_internal_bug_is_a_logged_500_not_a_404_or_400(client, viewer, monkeypatch, caplog, bug):
    """A KeyError or ValueError from a defect (here injected into the query) is not the caller's
    fault: 500, in the API's JSON shape, with the traceback logged under the request's id."""
    from dashboard.web import api

    def broken(*args, **kwargs):
        raise bug

    monkeypatch.setattr(api, "series", broken)
    with caplog.at_level("ERROR", logger="opsg.api"):
        r = client.get("/api/v1/metrics/ota_success_rate/series", headers=viewer)
    assert r.status_code == 500
    assert set(r.get_json()) == {"error"} and "internal error" in r.get_json()["error"]
    assert str(bug) not in r.get_json()["error"]  # nothing of the internals leaks
    [record] = [rec for rec in caplog.records if rec.name == "opsg.api"]
    assert record.exc_info[1] is bug


def test_api007_summary(client, viewer):
    body = client.get("/api/v1/summary?month=2020-01", headers=viewer).get_json()
    assert body["month"] == "2020-01"
    north = next(m for m in body["metrics"]
                 if m["metric"] == "ota_success_rate" and m["dimension_value"] == "North")
    assert round(north["value"], 2) == 87.07 and round(north["previous_value"], 2) == 84.71
    assert round(north["change"], 2) == 2.36 and north["rag"] == "red" and north["months_not_green"] >= 4
    latest = client.get("/api/v1/summary", headers=viewer).get_json()
    assert latest["month"] == "2021-12"


def test_api008_as_of_before_any_upload_shows_nothing(client, viewer):
    body = client.get("/api/v1/summary?as_of=2001-01-01", headers=viewer).get_json()
    assert body["metrics"] == []
    pts = client.get("/api/v1/metrics/incidents_total/series?as_of=2001-01-01", headers=viewer).get_json()
    assert pts["points"] == []


def upload(client, headers, text, name="ota.csv", **form):
    data = {"file": (io.BytesIO(text.encode()), name), **form}
    return client.post("/api/v1/uploads", data=data, headers=headers, content_type="multipart/form-data")


def test_api009_upload_roles(client, viewer, uploader):
    csv = "month,csp_region,attempted,succeeded\n2022-01,North,100,99\n"
    assert upload(client, {}, csv).status_code == 401
    assert upload(client, viewer, csv).status_code == 403
    dry = upload(client, uploader, csv, dry_run="true")
    assert dry.status_code == 200 and dry.get_json()["changes"][0]["kind"] == "added"
    done = upload(client, uploader, csv)
    assert done.status_code == 201 and done.get_json()["outcome"] == "accepted"
    again = upload(client, uploader, csv)
    assert again.status_code == 200 and again.get_json()["outcome"] == "unchanged"
    trail = client.get("/api/v1/uploads", headers=viewer).get_json()["uploads"]
    assert trail[0]["outcome"] == "unchanged" and trail[1]["outcome"] == "accepted"
    assert trail[1]["uploaded_by"] == "dcc" and len(trail[1]["sha256"]) == 64
    detail = client.get(f"/api/v1/uploads/{trail[1]['id']}", headers=viewer).get_json()
    assert detail["revisions"][0]["month"] == "2022-01"
    assert client.get("/api/v1/uploads/999999", headers=viewer).status_code == 404


def test_api010_rejected_upload_is_422_with_located_errors(client, uploader, viewer):
    before = client.get("/api/v1/metrics/ota_success_rate/series", headers=viewer).get_json()
    r = upload(client, uploader, "month,csp_region,attempted,succeeded\n2020-01,Nroth,100,120\n")
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert {(e["sheet"], e["row"], e["column"]) for e in errors} >= {("ota.csv", 2, "csp_region"),
                                                                      ("ota.csv", 2, "succeeded")}
    assert "did you mean North" in next(e["message"] for e in errors if e["column"] == "csp_region")
    assert client.get("/api/v1/metrics/ota_success_rate/series", headers=viewer).get_json() == before


def test_api011_openapi_lists_every_path(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/health", "/api/v1/metrics", "/api/v1/metrics/{id}/series", "/api/v1/summary",
            "/api/v1/uploads", "/api/v1/uploads/{id}"} <= set(doc["paths"])


def test_api012_public_read_setting(demo_db_url):
    app = create_app({"DATABASE_URL": demo_db_url, "PUBLIC_READ": True})
    client = app.server.test_client()
    assert client.get("/api/v1/summary").status_code == 200
    assert upload(client, {}, "month,csp_region,attempted,succeeded\n2022-01,North,1,1\n").status_code == 401
