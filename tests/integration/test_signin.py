"""Signing in and out over HTTP: the gate, CSRF, throttling across workers, idle expiry, the secret
key, the first administrator."""
from __future__ import annotations

import json
import os
import shutil
import stat

import pytest
from sqlalchemy import select

from dashboard import create_app
from dashboard.web.security import secret_key
from metrics.settings import load_settings
from metrics.store import schema
from tests.integration.conftest import PASSWORD, TEST_SECRET, add_user, csrf_token, hand_clock, sign_in


@pytest.fixture
def app(make_app):
    app = make_app(PUBLIC_READ=False)
    add_user(app, "alice", "uploader")
    return app


def audit(app, *actions) -> list[dict]:
    a = schema.audit_events
    with app.server.extensions["opsg"].store.read() as conn:
        rows = conn.execute(select(a).where(a.c.action.in_(actions)).order_by(a.c.id)).all()
    return [{"actor": r.actor, "action": r.action, "subject": r.subject, **json.loads(r.detail)} for r in rows]


def test_acc010_signed_out_requests_go_to_sign_in(app):
    client = app.server.test_client()
    page = client.get("/ota-firmware?month=2020-01")
    assert page.status_code == 302 and page.location == "/login?next=%2Fota-firmware%3Fmonth%3D2020-01"
    for path in ("/_dash-layout", "/_dash-dependencies", "/api/v1/summary", "/downloads/templates/incidents.csv"):
        assert client.get(path).status_code == 401, path
    assert client.post("/_dash-update-component", json={}).status_code == 401
    for path in ("/login", "/api/v1/health", "/api/v1/openapi.json", "/assets/app.css"):
        assert client.get(path).status_code == 200, path
        assert client.head(path).status_code == 200, path  # a HEAD is no sign-in attempt


def test_acc011_sign_in_then_out(app):
    client = app.server.test_client()
    response = sign_in(client, "alice", next="/ota-firmware?month=2020-01")
    assert response.status_code == 302 and response.location == "/ota-firmware?month=2020-01"
    assert client.get("/").status_code == 200
    header = json.dumps(client.get("/_dash-layout").get_json())
    assert "alice" in header and "Uploader" in header and "Sign out" in header
    assert client.get("/login").status_code == 302  # already signed in
    assert client.get("/logout").status_code == 200  # a confirmation form: GET changes nothing
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/logout")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.location == "/login?signed_out=1"
    assert client.get("/").status_code == 302
    assert [(e["action"], e["actor"], e["ip"]) for e in audit(app, "sign_in", "sign_out")] == [
        ("sign_in", "alice", "127.0.0.1"), ("sign_out", "alice", "127.0.0.1")]


def test_acc012_wrong_password_is_refused_and_audited(app):
    client = app.server.test_client()
    for name, password in (("alice", "wrong password"), ("nobody", PASSWORD)):
        response = sign_in(client, name, password)
        assert response.status_code == 401
        assert "do not match an active account" in response.get_data(as_text=True)
        assert client.get("/").status_code == 302
    assert [(e["subject"], e["reason"], e["actor"]) for e in audit(app, "sign_in_failed")] == [
        ("alice", "wrong_password", "anonymous"), ("nobody", "unknown_user", "anonymous")]


def test_acc013_forms_and_callbacks_need_the_csrf_token(app):
    client = app.server.test_client()
    client.get("/login")
    no_token = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert no_token.status_code == 400 and "CSRF" in no_token.get_data(as_text=True)
    wrong = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "x" * 43})
    assert wrong.status_code == 400 and audit(app, "sign_in", "sign_in_failed") == []
    fresh = app.server.test_client()  # no session at all: nothing to compare the token with
    assert fresh.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "x"}).status_code == 400
    assert sign_in(client, "alice").status_code == 302
    token = client.get_cookie("_csrf_token").value
    assert client.post("/_dash-update-component", json={}).status_code == 400  # no X-CSRFToken
    assert client.post("/logout").status_code == 400
    assert client.post("/api/v1/uploads", data={}).status_code == 400  # signed in by cookie: CSRF too
    ok = client.post("/api/v1/uploads", data={}, headers={"X-CSRFToken": token})
    assert ok.status_code == 400 and "multipart" in ok.get_json()["error"]  # past CSRF, to the route


def test_acc014_repeated_failures_lock_the_name_across_workers(app, make_app):
    store_url = app.server.extensions["opsg"].store.url
    other_worker = create_app({"DATABASE_URL": store_url, "PUBLIC_READ": False, "SECRET_KEY": TEST_SECRET})
    first, second = app.server.test_client(), other_worker.server.test_client()
    for i in range(5):
        assert sign_in(first if i % 2 else second, "Alice", "guess %d" % i).status_code == 401
    locked = sign_in(second, "alice", PASSWORD)  # even the right password, from another worker
    assert locked.status_code == 429 and "Try again in 15 minutes" in locked.get_data(as_text=True)
    assert sign_in(first, "bob", PASSWORD).status_code == 401  # other names are not locked
    [event] = audit(app, "sign_in_locked")
    assert event["scope"] == "user" and event["subject"] == "alice"
    assert len(audit(app, "sign_in_failed")) == 6


def test_acc015_per_address_limit(make_app):
    app = make_app(PUBLIC_READ=False, LOGIN_MAX_FAILURES_PER_IP=3)
    add_user(app, "alice", "viewer")
    office = app.server.test_client()
    for name in ("a", "b", "c"):
        assert sign_in(office, name, "guess").status_code == 401
    response = sign_in(office, "alice", PASSWORD)
    assert response.status_code == 429 and "your network address" in response.get_data(as_text=True)
    home = app.server.test_client()
    home.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert sign_in(home, "alice", PASSWORD).status_code == 302


def test_acc016_an_idle_session_ends(app):
    clock = hand_clock(app)
    client = app.server.test_client()
    assert sign_in(client, "alice").status_code == 302
    clock.advance(minutes=31)
    assert client.get("/_dash-layout").status_code == 401  # e.g. a callback from the open page ...
    response = client.get("/history")  # ... then the page reloads: sign in again, and why
    assert response.status_code == 302 and "expired=1" in response.location
    assert client.post("/_dash-update-component", json={}).status_code in (400, 401)
    assert client.get("/_dash-layout").status_code == 401
    assert "signed out after a period without activity" in client.get("/login?expired=1").get_data(as_text=True)
    [event] = audit(app, "session_expired")
    assert event["actor"] == "alice" and event["idle_minutes"] == 31 and event["reason"] == "idle"
    # Within the limit a session carries on, and each request renews it.
    assert sign_in(client, "alice").status_code == 302
    clock.advance(minutes=29)
    assert client.get("/history").status_code == 200
    clock.advance(minutes=29)
    assert client.get("/history").status_code == 200


def test_acc017_a_disabled_user_is_out_at_once(app):
    client = app.server.test_client()
    assert sign_in(client, "alice").status_code == 302
    from metrics.accounts import users as accounts
    with app.server.extensions["opsg"].store.write() as conn:
        accounts.set_disabled(conn, "alice", True, actor="admin")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "/logout"])
def test_acc018_after_sign_in_only_local_pages(app, target):
    response = sign_in(app.server.test_client(), "alice", next=target)
    assert response.status_code == 302 and response.location == "/"


def test_acc019_secret_key_rules(tmp_path):
    with pytest.raises(SystemExit, match="SECRET_KEY"):
        secret_key(load_settings(ENVIRONMENT="production", SECRET_KEY=""))
    with pytest.raises(SystemExit, match="at least 32 characters"):
        secret_key(load_settings(ENVIRONMENT="production", SECRET_KEY="short"))
    with pytest.raises(SystemExit, match="development or production"):
        secret_key(load_settings(ENVIRONMENT="staging", SECRET_KEY="x" * 40))
    assert secret_key(load_settings(ENVIRONMENT="production", SECRET_KEY="k" * 40)) == "k" * 40
    key_file = tmp_path / "data" / "secret_key"
    first = secret_key(load_settings(ENVIRONMENT="development", SECRET_KEY=""), key_file)
    assert len(first) == 64 and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert secret_key(load_settings(ENVIRONMENT="development", SECRET_KEY=""), key_file) == first  # kept


def test_acc020_production_refuses_to_start_without_a_key(tmp_path):
    with pytest.raises(SystemExit, match="refuses to start: ENVIRONMENT=production needs SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "ENVIRONMENT": "production"}, demo=False)


def test_acc021_first_start_prints_the_admin_password_once(tmp_path, capfd):
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "SECRET_KEY": TEST_SECRET}
    app = create_app(settings, demo=False)
    printed = capfd.readouterr().err
    password = printed.split("password:")[1].split()[0]
    create_app(settings, demo=False)
    assert "password:" not in capfd.readouterr().err
    client = app.server.test_client()
    assert sign_in(client, "admin", password).status_code == 302
    assert "Admin" in json.dumps(client.get("/_dash-layout").get_json())


def test_acc022_a_copy_of_the_demo_db_gets_its_own_admin(demo_db, tmp_path):
    """The first administrator is created for any database without users, e.g. a restored copy."""
    shutil.copy(demo_db, tmp_path / "copy.db")
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'copy.db'}", "SECRET_KEY": TEST_SECRET})
    with create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'copy.db'}", "SECRET_KEY": TEST_SECRET}
                    ).server.extensions["opsg"].store.read() as conn:
        assert [r.name for r in conn.execute(select(schema.users.c.name))] == ["admin"]
