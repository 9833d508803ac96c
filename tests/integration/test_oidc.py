"""Single sign-on over HTTP against a real OpenID Connect provider (tests/oidc/provider.mjs), on SQLite
and PostgreSQL: the flow with PKCE, roles from groups (and demotion), refusals (no mapped group, a
wrong audience, an expired ID token, a replayed state, a nonce mismatch), key rotation,
LOCAL_LOGIN=false and sign-out at the provider."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from dashboard import create_app
from metrics.accounts import users as accounts
from metrics.store import schema
from tests.integration.conftest import PASSWORD, TEST_SECRET, add_user, csrf_token, sign_in
from tests.integration.oidc_provider import (CLIENT_ID, RP, follow, identity_provider, idp, provider_login,  # noqa: F401
                                             sso_sign_in, with_query)


def make(store, idp, **settings):
    return create_app({"DATABASE_URL": store.url, "PUBLIC_READ": False, "SECRET_KEY": TEST_SECRET,
                       **idp.settings(**settings)}, demo=False)


def audit(app, *actions) -> list[dict]:
    a = schema.audit_events
    with app.server.extensions["opsg"].store.read() as conn:
        rows = conn.execute(select(a).where(a.c.action.in_(actions)).order_by(a.c.id)).all()
    return [{"actor": r.actor, "action": r.action, "subject": r.subject, **json.loads(r.detail)} for r in rows]


def user_row(app, name):
    u = schema.users
    with app.server.extensions["opsg"].store.read() as conn:
        return conn.execute(select(u).where(u.c.name == name)).first()


def signed_in(client) -> bool:
    return client.get("/api/v1/metrics").status_code == 200


def test_sso001_first_sign_in_creates_the_user_with_the_highest_mapped_role(store, idp):
    app = make(store, idp)
    client = app.server.test_client()
    start = client.get("/login/oidc?next=/history")
    query = parse_qs(urlsplit(start.location).query)
    assert start.location.startswith(idp.issuer + "/auth?")
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [RP + "/login/oidc/callback"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43  # PKCE
    assert query["nonce"][0] and query["state"][0] and "groups" in query["scope"][0].split()
    flow = sso_sign_in(client, "alice", next_path="/history")
    assert flow.response.status_code == 302 and flow.response.location == "/history"
    assert signed_in(client)
    header = json.dumps(client.get("/_dash-layout").get_json())
    assert "alice" in header and "Admin" in header  # in the admin group (and members): the highest
    row = user_row(app, "alice")
    assert (row.role, row.oidc_issuer, row.oidc_subject, row.email) == (
        "admin", idp.issuer, "a1f4c2e0-0001", "alice@example.org")
    assert sign_in(app.server.test_client(), "alice", "alice-password").status_code == 401  # no local password
    added, signed = audit(app, "user_added")[-1], audit(app, "sign_in")[-1]
    assert (added["actor"], added["subject"], added["role"], added["method"]) == ("sso", "alice", "admin", "oidc")
    assert (signed["actor"], signed["method"], signed["role"], signed["created"]) == ("alice", "oidc", "admin", True)
    assert signed["groups"] == ["opsg-admins", "opsg-members"] and signed["issuer"] == idp.issuer
    # The same person again is the same account, not a new one.
    again = sso_sign_in(app.server.test_client(), "alice")
    assert again.response.status_code == 302
    assert len([e for e in audit(app, "user_added") if e["subject"].startswith("alice")]) == 1


def test_sso002_roles_follow_the_groups_at_every_sign_in_and_demotion_ends_old_sessions(store, idp):
    app = make(store, idp)
    laptop, phone = app.server.test_client(), app.server.test_client()
    assert sso_sign_in(laptop, "alice").response.status_code == 302
    assert user_row(app, "alice").role == "admin"
    idp.set_groups("alice", ["opsg-members"])  # taken out of the admin group at the provider
    assert sso_sign_in(phone, "alice").response.status_code == 302
    assert user_row(app, "alice").role == "viewer"
    assert signed_in(phone) and not signed_in(laptop)  # the admin session from before has ended
    assert "Viewer" in json.dumps(phone.get("/_dash-layout").get_json())
    change = audit(app, "role_changed")[-1]
    assert (change["actor"], change["subject"], change["previous"], change["role"]) == ("sso", "alice", "admin", "viewer")
    assert audit(app, "sign_in")[-1]["previous_role"] == "admin"
    idp.set_groups("alice", ["opsg-dcc", "finance"])  # promoted again: uploader
    assert sso_sign_in(app.server.test_client(), "alice").response.status_code == 302
    assert user_row(app, "alice").role == "uploader"
    assert [(e["previous"], e["role"]) for e in audit(app, "role_changed")] == [("admin", "viewer"), ("viewer", "uploader")]


def test_sso003_no_mapped_group_is_refused_with_a_page_that_says_why_and_whom_to_ask(store, idp):
    app = make(store, idp)
    client = app.server.test_client()
    flow = sso_sign_in(client, "dave")
    page = flow.response.get_data(as_text=True)
    assert flow.response.status_code == 403
    assert "No access yet" in page and "none of your groups at Test IdP gives access" in page
    assert "<strong>dave</strong>" in page and "Ask your SECAS administrator" in page
    for group, role in (("opsg-admins", "admin"), ("opsg-dcc", "uploader"), ("opsg-members", "viewer")):
        assert f"<code>{group}</code> — {role}" in page
    assert not signed_in(client) and user_row(app, "dave") is None
    refused = audit(app, "sign_in_refused")[-1]
    assert (refused["reason"], refused["subject"], refused["groups"], refused["method"]) == (
        "no_role", "dave", ["finance"], "oidc")


@pytest.mark.parametrize("change", [{"aud": "other-app"}, {"aud": ["other-app"], "azp": CLIENT_ID}],
                         ids=["other-app", "azp-says-us"])
def test_sso004_an_id_token_for_another_audience_is_refused(store, idp, change):
    app = make(store, idp)
    client = app.server.test_client()
    idp.tamper_next_id_token(**change)  # signed by the provider's key, issued for another client
    flow = sso_sign_in(client, "alice")
    assert flow.response.status_code == 401
    assert "issued for another application" in flow.response.get_data(as_text=True)
    assert not signed_in(client) and user_row(app, "alice") is None
    assert audit(app, "sign_in_refused")[-1]["reason"] == "audience"
    assert sso_sign_in(client, "alice").response.status_code == 302  # untampered: signed in


def test_sso005_an_expired_id_token_is_refused(store, idp):
    app = make(store, idp)
    client = app.server.test_client()
    idp.tamper_next_id_token(expired=True)  # issued two hours ago, expired one hour ago
    flow = sso_sign_in(client, "alice")
    assert flow.response.status_code == 401 and "had expired" in flow.response.get_data(as_text=True)
    assert not signed_in(client)
    assert audit(app, "sign_in_refused")[-1]["reason"] == "expired"


def test_sso006_a_replayed_or_foreign_state_is_refused(store, idp):
    app = make(store, idp)
    client = app.server.test_client()
    start = client.get("/login/oidc")
    before = client.get_cookie("opsg_session").value  # a copy of the cookie, state still pending
    agent = requests.Session()
    landed = provider_login(agent, follow(agent, agent.get(start.location, allow_redirects=False)), "bob")
    callback = landed[len(RP):]
    assert client.get(callback).status_code == 302 and signed_in(client)
    # The same callback again, from the signed-in browser and from the copied cookie: used already.
    assert client.get(callback).status_code == 400
    replay = app.server.test_client()
    replay.set_cookie("opsg_session", before)
    page = replay.get(callback)
    assert page.status_code == 400 and "used already" in page.get_data(as_text=True)
    assert not signed_in(replay)
    # A callback this browser never started (another person's link) is refused too.
    stranger = app.server.test_client()
    assert stranger.get(with_query(callback, state="made-up")).status_code == 400
    mallory = app.server.test_client()
    mallory.get("/login/oidc")
    assert mallory.get(callback).status_code == 400 and not signed_in(mallory)
    reasons = [(e["reason"], e["started_here"]) for e in audit(app, "sign_in_refused")]
    assert reasons == [("state", False), ("state", True), ("state", False), ("state", False)]  # the copy: used up on the server


def test_sso007_a_nonce_mismatch_is_refused(store, idp):
    app = make(store, idp)
    client = app.server.test_client()
    flow = sso_sign_in(client, "alice", authorize=lambda url: with_query(url, nonce="another-nonce"))
    assert flow.response.status_code == 401
    assert "does not belong to the one this browser started" in flow.response.get_data(as_text=True)
    assert not signed_in(client) and audit(app, "sign_in_refused")[-1]["reason"] == "nonce"


def test_sso008_a_new_signing_key_is_fetched_once_when_the_provider_rotates(store, idp):
    app = make(store, idp)
    assert sso_sign_in(app.server.test_client(), "carol").response.status_code == 302
    assert sso_sign_in(app.server.test_client(), "carol").response.status_code == 302
    assert idp.stats()["jwks"] == 1  # kept between sign-ins
    idp.rotate_keys()
    assert sso_sign_in(app.server.test_client(), "carol").response.status_code == 302
    assert idp.stats()["jwks"] == 2  # an unknown kid: fetched again, once
    assert sso_sign_in(app.server.test_client(), "carol").response.status_code == 302
    assert idp.stats()["jwks"] == 2


def test_sso009_local_login_false_refuses_passwords_and_tokens_still_work(store, idp):
    app = make(store, idp, LOCAL_LOGIN=False)
    with app.server.extensions["opsg"].store.read() as conn:
        assert accounts.list_users(conn) == []  # no first-start administrator on the web
    add_user(app, "robot", "uploader")  # as `users add` on the command line does
    with app.server.extensions["opsg"].store.write() as conn:
        token = accounts.new_token(conn, "robot")
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'id="login-sso"' in page and "Sign in with Test IdP" in page
    assert 'id="login-form"' not in page and 'name="password"' not in page
    token_field = client.get_cookie("_csrf_token").value  # what a hand-made form would send
    refused = client.post("/login", data={"username": "robot", "password": PASSWORD, "csrf_token": token_field})
    assert refused.status_code == 403 and "turned off" in refused.get_data(as_text=True)
    assert not signed_in(client)
    assert audit(app, "sign_in_failed")[-1]["reason"] == "local_login_off"
    assert client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert sso_sign_in(client, "bob").response.status_code == 302 and signed_in(client)


def test_sso010_sign_out_ends_the_session_here_and_at_the_provider(store, idp):
    app = make(store, idp)
    client, agent = app.server.test_client(), requests.Session()
    assert sso_sign_in(client, "carol", agent=agent).response.status_code == 302
    copied = client.get_cookie("opsg_session").value
    out = client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert out.status_code == 302 and out.location.startswith(idp.issuer + "/session/end?")
    query = parse_qs(urlsplit(out.location).query)
    assert query["post_logout_redirect_uri"] == [RP + "/login/oidc/signed-out"]
    assert query["client_id"] == [CLIENT_ID] and query["id_token_hint"][0].count(".") == 2
    later = app.server.test_client()
    later.set_cookie("opsg_session", copied)
    assert not signed_in(later) and not signed_in(client)  # the copied cookie reads nothing
    page = agent.get(out.location, timeout=10)  # the provider's sign-out: its form submits itself
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    back = follow(agent, agent.post(requests.compat.urljoin(page.url, action), data=form,
                                    allow_redirects=False, timeout=10))
    assert isinstance(back, str) and back.startswith(RP + "/login/oidc/signed-out")
    assert client.get("/login/oidc/signed-out").location == "/login?signed_out=1"
    assert idp.stats()["end_session"] == 1 and idp.stats()["end_session_confirmed"] == 1
    # The provider's own session is over: signing in again asks who you are.
    start = client.get("/login/oidc")
    page = follow(agent, agent.get(start.location, allow_redirects=False, timeout=10))
    assert not isinstance(page, str) and 'id="op-login"' in page.text
    event = audit(app, "sign_out")[-1]
    assert (event["actor"], event["method"], event["provider_sign_out"]) == ("carol", "oidc", True)


def test_sso011_a_provider_account_named_like_a_local_one_gets_its_own_account(store, idp):
    app = make(store, idp)
    add_user(app, "alice", "viewer")  # a local alice, not the provider's
    flow = sso_sign_in(app.server.test_client(), "alice")
    assert flow.response.status_code == 302
    name = audit(app, "sign_in")[-1]["actor"]
    assert re.fullmatch(r"alice-[0-9a-f]{6}", name)
    local, linked = user_row(app, "alice"), user_row(app, name)
    assert local.role == "viewer" and local.oidc_subject is None
    assert linked.role == "admin" and linked.oidc_subject == "a1f4c2e0-0001"


def test_sso012_a_disabled_account_is_refused(store, idp):
    app = make(store, idp)
    assert sso_sign_in(app.server.test_client(), "bob").response.status_code == 302
    with app.server.extensions["opsg"].store.write() as conn:
        accounts.set_disabled(conn, "bob", True, actor="test")
    flow = sso_sign_in(app.server.test_client(), "bob")
    assert flow.response.status_code == 403 and "disabled" in flow.response.get_data(as_text=True)
    assert audit(app, "sign_in_refused")[-1]["reason"] == "disabled"


def test_sso013_sign_in_page_offers_both_and_an_unreachable_provider_is_a_clear_502(sqlite_store, idp):
    app = make(sqlite_store, idp)
    page = app.server.test_client().get("/login?next=/history").get_data(as_text=True)
    assert 'href="/login/oidc?next=/history"' in page and 'id="login-form"' in page
    csp = app.server.test_client().get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {idp.issuer};" in csp  # sign-out's redirect may go on to the provider
    down = make(sqlite_store, idp, OIDC_ISSUER="http://127.0.0.1:9")  # nothing listens there
    response = down.server.test_client().get("/login/oidc")
    assert response.status_code == 502 and "could not be reached" in response.get_data(as_text=True)


@pytest.mark.parametrize("settings, message", [
    ({"OIDC_ROLE_MAP": "opsg-admins=root"}, "'opsg-admins=root': the role must be one of viewer, uploader, secretary, admin"),
    ({"OIDC_ROLE_MAP": ""}, "OIDC_ROLE_MAP is empty"),
    ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID is not"),
])
def test_sso014_bad_settings_stop_the_start_with_a_message(sqlite_store, idp, settings, message):
    with pytest.raises(SystemExit, match=re.escape(message)):
        make(sqlite_store, idp, **settings)
