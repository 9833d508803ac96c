"""Server-side sessions (SPEC §6): in the domain (metrics.accounts.sessions) and over HTTP, on both databases.

A copy of the session cookie taken before sign-out reads nothing afterwards: no page, no Dash
callback (an administrator's included), no API call. Sessions end when idle, at their absolute
lifetime, when the user is disabled or their password or role changes, and when an administrator
ends them. Times move by an injected clock, never by sleeping.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dashboard import create_app
from metrics.accounts import users as accounts, sessions
from metrics.records import thresholds as admin
from metrics.store import schema
from metrics.store.engine import Store
from tests.integration.conftest import (PASSWORD, TEST_SECRET, add_user, hand_clock, csrf_headers, csrf_token,
                                        sign_in, signed_in_client)

T0 = datetime(2026, 1, 5, 9, 0, 0)
LIMITS = sessions.Limits(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
AUDIT_CALL = {"output": "admin-audit-grid.rowData", "outputs": {"id": "admin-audit-grid", "property": "rowData"},
              "inputs": [{"id": "admin-audit-action", "property": "value", "value": ""}], "state": [],
              "changedPropIds": ["admin-audit-action.value"]}


def users(store, *specs):
    with store.write() as conn:
        return [accounts.add_user(conn, name, role, PASSWORD, actor="test") for name, role in specs]


def events(store, action: str) -> list[dict]:
    a = schema.audit_events
    with store.read() as conn:
        return [{"actor": r.actor, "subject": r.subject, **json.loads(r.detail)}
                for r in conn.execute(select(a).where(a.c.action == action).order_by(a.c.id))]


def live(store, user_id: int, now=T0) -> int:
    with store.read() as conn:
        return len(sessions.active(conn, user_id, LIMITS, now))


# The domain ---------------------------------------------------------------------------------------

def test_ses001_a_session_is_a_row_found_by_its_key_and_ended_by_deleting_it(store):
    [alice] = users(store, ("alice", "viewer"))
    with store.write() as conn:
        key = sessions.create(conn, alice.id, LIMITS, ip="192.0.2.1", user_agent="Firefox", now=T0)
        other = sessions.create(conn, alice.id, LIMITS, now=T0)
    with store.read() as conn:
        found = sessions.find(conn, key)
        stored = [repr(tuple(r)) for r in conn.execute(select(schema.sessions))]
        assert sessions.find(conn, key + "x") is None and sessions.find(conn, None) is None
    assert (found.user_id, found.ip, found.user_agent, found.created_at) == (alice.id, "192.0.2.1", "Firefox", T0)
    assert found.expires_at == T0 + timedelta(hours=12) and found.state(LIMITS, T0) == sessions.OK
    assert len(stored) == 2 and not any(key in row or other in row for row in stored)  # only hashes
    with store.write() as conn:
        assert sessions.end_key(conn, key) and not sessions.end_key(conn, key)
    with store.read() as conn:
        assert sessions.find(conn, key) is None and sessions.find(conn, other) is not None


def test_ses002_idle_limit_absolute_lifetime_and_last_seen_at_most_once_a_minute(store):
    [alice] = users(store, ("alice", "viewer"))
    with store.write() as conn:
        key = sessions.create(conn, alice.id, LIMITS, now=T0)

    def seen(at):
        with store.read() as conn:
            found = sessions.find(conn, key)
        if found.needs_touch(at):
            with store.write() as conn:
                sessions.touch(conn, found.id, at)
        with store.read() as conn:
            return sessions.find(conn, key).last_seen_at

    assert seen(T0 + timedelta(seconds=30)) == T0  # not written: less than a minute
    assert seen(T0 + timedelta(seconds=61)) == T0 + timedelta(seconds=61)
    with store.write() as conn:  # a second worker touching within the minute changes nothing
        sessions.touch(conn, sessions.find(conn, key).id, T0 + timedelta(seconds=90))
    assert seen(T0 + timedelta(seconds=100)) == T0 + timedelta(seconds=61)
    with store.read() as conn:
        found = sessions.find(conn, key)
    assert found.state(LIMITS, found.last_seen_at + timedelta(minutes=30)) == sessions.OK
    assert found.state(LIMITS, found.last_seen_at + timedelta(minutes=31)) == sessions.IDLE
    at = T0
    while at < T0 + timedelta(hours=12) - timedelta(minutes=20):  # busy all day ...
        at += timedelta(minutes=20)
        seen(at)
    with store.read() as conn:
        found = sessions.find(conn, key)
    assert found.state(LIMITS, T0 + timedelta(hours=11, minutes=59)) == sessions.OK
    assert found.state(LIMITS, T0 + timedelta(hours=12)) == sessions.LIFETIME  # ... still ends at 12 hours
    assert live(store, alice.id, T0 + timedelta(hours=11, minutes=59)) == 1
    assert live(store, alice.id, T0 + timedelta(hours=12)) == 0
    with store.write() as conn:
        assert sessions.prune(conn, LIMITS, T0 + timedelta(hours=12)) == 1


def test_ses003_disabling_new_password_or_new_role_ends_every_session_of_that_user(store):
    alice, bob, carol, dave = users(store, ("alice", "viewer"), ("bob", "viewer"), ("carol", "viewer"),
                                    ("dave", "viewer"))
    with store.write() as conn:
        for user in (alice, bob, carol, dave):
            for _ in range(2):
                sessions.create(conn, user.id, LIMITS, now=T0)
    with store.write() as conn:
        accounts.set_disabled(conn, "alice", True, actor="admin")
    assert [live(store, u.id) for u in (alice, bob, carol, dave)] == [0, 2, 2, 2]
    with store.write() as conn:
        accounts.set_password(conn, "bob", "a brand new password", actor="admin")
    with store.write() as conn:
        accounts.set_role(conn, "dave", "viewer", actor="admin")  # no change of role: nothing ends
    assert [live(store, u.id) for u in (bob, carol, dave)] == [0, 2, 2]
    with store.write() as conn:
        admin.change_role(conn, "carol", "uploader", actor="admin")
    assert [live(store, u.id) for u in (carol, dave)] == [0, 2]
    with store.write() as conn:
        accounts.set_disabled(conn, "alice", False, actor="admin")  # enabling brings nothing back
    assert live(store, alice.id) == 0
    assert [e["sessions_ended"] for e in events(store, "user_disabled")] == [2]
    assert [e["sessions_ended"] for e in events(store, "password_changed")] == [2]
    assert [(e["subject"], e["sessions_ended"]) for e in events(store, "role_changed")] == [("dave", 0), ("carol", 2)]
    with store.read() as conn:
        assert accounts.check_credentials(conn, "bob", "a brand new password")[1] == "ok"
        assert accounts.check_credentials(conn, "bob", PASSWORD)[1] == "wrong_password"


def test_ses004_an_administrator_lists_and_ends_one_or_all(store):
    alice, bob = users(store, ("alice", "viewer"), ("bob", "viewer"))
    with store.write() as conn:
        keys = [sessions.create(conn, alice.id, LIMITS, ip=f"192.0.2.{i}", now=T0 + timedelta(minutes=i))
                for i in range(3)]
        sessions.create(conn, bob.id, LIMITS, now=T0)
    with store.read() as conn:
        listed = admin.user_access(conn, "alice", LIMITS, T0 + timedelta(minutes=5))["sessions"]
        bobs = admin.user_access(conn, "bob", LIMITS, T0)["sessions"]
    assert [s.ip for s in listed] == ["192.0.2.2", "192.0.2.1", "192.0.2.0"]  # newest first
    with store.write() as conn:
        with pytest.raises(ValueError, match="alice has no session"):
            admin.end_sessions(conn, "alice", "root", bobs[0].id)  # not hers
        assert admin.end_sessions(conn, "alice", "root", listed[0].id) == 1
    with store.read() as conn:
        assert sessions.find(conn, keys[2]) is None and sessions.find(conn, keys[0]) is not None
    with store.write() as conn:
        assert admin.end_sessions(conn, "alice", "root") == 2
    assert live(store, alice.id, T0 + timedelta(minutes=5)) == 0 and live(store, bob.id) == 1
    assert [(e["actor"], e["subject"], e["session_id"], e["ended"]) for e in events(store, "session_ended")] == [
        ("root", "alice", listed[0].id, 1), ("root", "alice", "all", 2)]


# Over HTTP ----------------------------------------------------------------------------------------

@pytest.fixture
def web(store):
    """An app (sign-in required) on the test's database, SQLite or PostgreSQL, with a hand clock."""
    app = create_app({"DATABASE_URL": store.url, "PUBLIC_READ": False, "SECRET_KEY": TEST_SECRET}, demo=False)
    app.clock = hand_clock(app)
    yield app
    app.server.extensions["opsg"].store.dispose()


def copy_of(app, client):
    """Another client holding a copy of ``client``'s cookies, as a thief would."""
    thief = app.server.test_client()
    for name in ("opsg_session", "_csrf_token"):
        thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def reads_nothing(client) -> bool:
    page = client.get("/history")
    return (page.status_code == 302 and page.location.startswith("/login?next=")
            and client.get("/_dash-layout").status_code == 401
            and client.post("/_dash-update-component", json=AUDIT_CALL,
                            headers=csrf_headers(client)).status_code == 401
            and client.get("/api/v1/metrics").status_code == 401
            and client.post("/api/v1/uploads", data={}, headers=csrf_headers(client)).status_code == 401)


def reads(client) -> bool:
    return (client.get("/history").status_code == 200 and client.get("/_dash-layout").status_code == 200
            and client.post("/_dash-update-component", json=AUDIT_CALL,
                            headers=csrf_headers(client)).status_code == 200
            and client.get("/api/v1/metrics").status_code == 200)


def test_ses010_a_copy_of_the_cookie_reads_nothing_after_sign_out(web):
    client = signed_in_client(web, "alice", "admin")
    thief = copy_of(web, client)
    assert reads(thief)  # the copy works while the session lasts (an admin callback included) ...
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert response.status_code == 302 and response.location == "/login?signed_out=1"
    assert reads_nothing(thief)  # ... and not at all once its owner has signed out
    assert reads_nothing(client)
    assert client.get("/login").status_code == 200  # the sign-in form, not "already signed in"
    store = web.server.extensions["opsg"].store
    with store.read() as conn:
        assert conn.execute(select(schema.sessions)).all() == []
    assert [e["subject"] for e in events(store, "sign_in")] == ["alice"]
    assert [e["subject"] for e in events(store, "sign_out")] == ["alice"]


def test_ses011_a_busy_session_still_ends_at_its_absolute_lifetime(web):
    client = signed_in_client(web, "alice", "viewer")
    for _ in range(11 * 3 + 2):  # a request every 20 minutes for 11 h 40 min
        web.clock.advance(minutes=20)
        assert client.get("/api/v1/metrics").status_code == 200
    web.clock.advance(minutes=20)  # 12 hours after sign-in
    assert client.get("/api/v1/metrics").status_code == 401
    response = client.get("/history")
    assert response.status_code == 302 and "expired=lifetime" in response.location
    assert "at most 12 hours after signing in" in client.get(response.location).get_data(as_text=True)
    [event] = events(web.server.extensions["opsg"].store, "session_expired")
    assert (event["subject"], event["reason"], event["max_hours"]) == ("alice", "lifetime", 12)


def test_ses012_the_session_row_is_written_at_most_once_a_minute(web, monkeypatch):
    client = signed_in_client(web, "alice", "viewer")
    store = web.server.extensions["opsg"].store
    writes = []
    original = Store.write
    monkeypatch.setattr(Store, "write", lambda self: writes.append(1) or original(self))

    def last_seen():
        with store.read() as conn:
            return conn.execute(select(schema.sessions.c.last_seen_at)).scalar_one()

    start = web.clock.now()
    for _ in range(5):
        web.clock.advance(seconds=10)
        assert client.get("/api/v1/metrics").status_code == 200
    assert writes == [] and last_seen() == start
    web.clock.advance(seconds=15)  # 65 s after sign-in
    assert client.get("/api/v1/metrics").status_code == 200
    assert len(writes) == 1 and last_seen() == start + timedelta(seconds=65)
    web.clock.advance(seconds=31)
    assert client.get("/api/v1/metrics").status_code == 200 and len(writes) == 1


@pytest.mark.parametrize("change", ["disable", "password", "role"])
def test_ses013_disabling_new_password_or_role_signs_the_user_out_everywhere(web, change):
    store = web.server.extensions["opsg"].store
    first = signed_in_client(web, "alice", "uploader")
    second = web.server.test_client()
    assert sign_in(second, "alice").status_code == 302
    bystander = signed_in_client(web, "bob", "viewer")
    with store.write() as conn:
        if change == "disable":
            admin.set_disabled(conn, "alice", True, actor="admin")
        elif change == "password":
            accounts.set_password(conn, "alice", "another long password", actor="admin")
        else:
            admin.change_role(conn, "alice", "viewer", actor="admin")
    assert reads_nothing(first) and reads_nothing(second)
    assert bystander.get("/api/v1/metrics").status_code == 200
    if change == "role":  # signing in again gives the new role
        fresh = signed_in_client(web, "alice")
        assert "Viewer" in json.dumps(fresh.get("/_dash-layout").get_json())


def access_call(client, name, trigger="admin-user", session_id=None, token_id=None):
    """The Admin page's sessions-and-tokens callback, as the renderer posts it."""
    buttons = ("admin-end-session", "admin-end-sessions", "admin-revoke-token", "admin-revoke-tokens")
    outputs = [("admin-access-message", "children"), ("admin-access", "children")]
    payload = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": "admin-user", "property": "value", "value": name}]
        + [{"id": b, "property": "n_clicks", "value": int(b == trigger)} for b in buttons],
        "state": [{"id": "admin-session", "property": "data", "value": session_id and {"user": name, "id": session_id}},
                  {"id": "admin-token", "property": "data", "value": token_id and {"user": name, "id": token_id}}],
        "changedPropIds": [f"{trigger}.{'value' if trigger == 'admin-user' else 'n_clicks'}"]}
    return client.post("/_dash-update-component", json=payload, headers=csrf_headers(client))


def grid_rows(children, grid_id: str) -> list[dict]:
    """The rows of the grid ``grid_id`` in a callback's rendered children ([] when not drawn)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == grid_id:
                found.extend(node["props"]["rowData"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(children)
    return found


def test_ses014_an_administrator_sees_and_ends_a_users_sessions_on_the_admin_page(web):
    root = signed_in_client(web, "root", "admin")
    add_user(web, "alice", "viewer")
    office, laptop = web.server.test_client(), web.server.test_client()
    office.environ_base.update(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Office Firefox 128")
    laptop.environ_base.update(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Laptop Chrome 131")
    for client in (office, laptop):
        assert sign_in(client, "alice").status_code == 302
    shown = access_call(root, "alice")
    assert shown.status_code == 200
    answer = shown.get_json()["response"]
    grids = json.dumps(answer["admin-access"]["children"])
    assert all(text in grids for text in ("192.0.2.10", "Office Firefox 128", "198.51.100.7", "Laptop Chrome 131"))
    listed = grid_rows(answer["admin-access"]["children"], "admin-sessions-grid")
    assert len(listed) == 2
    [office_session] = [r["id"] for r in listed if r["ip"] == "192.0.2.10"]
    ended = access_call(root, "alice", "admin-end-session", session_id=office_session).get_json()["response"]
    assert "Ended 1 session of alice" in json.dumps(ended["admin-access-message"]["children"])
    assert [r["ip"] for r in grid_rows(ended["admin-access"]["children"], "admin-sessions-grid")] == [
        "198.51.100.7"]
    assert reads_nothing(office) and laptop.get("/api/v1/metrics").status_code == 200
    access_call(root, "alice", "admin-end-sessions")
    assert reads_nothing(laptop)
    assert root.get("/api/v1/metrics").status_code == 200  # the administrator's own session is untouched
    store = web.server.extensions["opsg"].store
    assert [(e["actor"], e["subject"], e["ended"]) for e in events(store, "session_ended")] == [
        ("root", "alice", 1), ("root", "alice", 1)]
    viewer = signed_in_client(web, "vic", "viewer")
    assert access_call(viewer, "alice").status_code == 403


def test_ses015_signing_in_again_replaces_the_session_it_carried(web):
    client = signed_in_client(web, "alice", "viewer")
    thief = copy_of(web, client)
    again = client.post("/login", data={"username": "alice", "password": PASSWORD,  # the form was open
                                        "csrf_token": client.get_cookie("_csrf_token").value})
    assert again.status_code == 302
    assert client.get("/api/v1/metrics").status_code == 200
    assert thief.get("/api/v1/metrics").status_code == 401  # the session it carried has ended
    with web.server.extensions["opsg"].store.read() as conn:
        assert len(conn.execute(select(schema.sessions)).all()) == 1


def test_ses030_the_sessions_and_tokens_panel_lists_each_one_once(web):
    """Each session and token appears once in the panel (it used to be listed in its grid and again
    in a "Choose a session" / "Choose a token" dropdown beside it); rows are chosen in the grid."""
    root = signed_in_client(web, "root", "admin")
    add_user(web, "alice", "viewer")
    office = web.server.test_client()
    office.environ_base.update(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Office Firefox 128")
    assert sign_in(office, "alice").status_code == 302
    with web.server.extensions["opsg"].store.write() as conn:
        accounts.new_token(conn, "alice", label="nightly upload job")
    answer = access_call(root, "alice").get_json()["response"]
    body = json.dumps(answer)
    assert body.count("192.0.2.10") == body.count("Office Firefox 128") == 1
    assert body.count("nightly upload job") == 1
    sessions_listed = grid_rows(answer["admin-access"]["children"], "admin-sessions-grid")
    tokens_listed = grid_rows(answer["admin-access"]["children"], "admin-tokens-grid")
    assert [r["ip"] for r in sessions_listed] == ["192.0.2.10"]
    assert [r["label"] for r in tokens_listed] == ["nightly upload job"]
