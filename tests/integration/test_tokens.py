"""API tokens (SPEC §6): labelled, expiring, listed, revocable one or all, last use recorded at most
once a minute; revoked or expired gets 401. In the domain and over HTTP on both databases, and on
the command line."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from dashboard import create_app
from metrics.accounts import users as accounts
from metrics.store import schema
from metrics.cli.commands import main
from metrics.store.engine import Store, utcnow
from tests.integration.conftest import PASSWORD, TEST_SECRET, hand_clock

T0 = datetime(2026, 1, 5, 9, 0, 0)


@pytest.fixture
def alice(store):
    with store.write() as conn:
        accounts.add_user(conn, "alice", "uploader", PASSWORD, actor="test")
        accounts.add_user(conn, "bob", "viewer", PASSWORD, actor="test")
    return store


def who(store, token, at):
    with store.read() as conn:
        found = accounts.authenticate_token(conn, token, at)
    return found.user.name if found else None


def test_tok001_labelled_expiring_and_several_live_at_once(alice):
    store = alice
    with store.write() as conn:
        first = accounts.new_token(conn, "alice", label="DCC upload job", now=T0)
        second = accounts.new_token(conn, "alice", label="monitoring", expires_days=7, now=T0 + timedelta(hours=1))
    assert who(store, first, T0 + timedelta(days=1)) == who(store, second, T0 + timedelta(days=1)) == "alice"
    with store.read() as conn:
        listed = accounts.list_tokens(conn, "alice", T0 + timedelta(days=8))
        stored = repr(conn.execute(select(schema.api_tokens)).all())
    assert [(t["label"], t["expires_at"], t["state"], t["last_used_at"]) for t in listed] == [
        ("monitoring", T0 + timedelta(hours=1, days=7), "expired", None),
        ("DCC upload job", T0 + timedelta(days=90), "live", None)]
    assert first not in stored and second not in stored and first not in repr(listed)
    assert who(store, second, T0 + timedelta(days=7, minutes=59)) == "alice"
    assert who(store, second, T0 + timedelta(days=7, hours=1)) is None  # expired
    assert who(store, first, T0 + timedelta(days=89, hours=23)) == "alice"
    assert who(store, first, T0 + timedelta(days=90)) is None


def test_tok002_revoke_one_or_all(alice):
    store = alice
    with store.write() as conn:
        tokens = [accounts.new_token(conn, "alice", label=f"t{i}", now=T0) for i in range(3)]
        bobs = accounts.new_token(conn, "bob", now=T0)
    with store.read() as conn:
        ids = {t["label"]: t["id"] for t in accounts.list_tokens(conn, "alice", T0)}
        [bob_id] = [t["id"] for t in accounts.list_tokens(conn, "bob", T0)]
    with store.write() as conn:
        with pytest.raises(ValueError, match="alice has no token"):
            accounts.revoke_tokens(conn, "alice", "admin", token_id=bob_id)
        assert accounts.revoke_tokens(conn, "alice", "admin", token_id=ids["t1"], now=T0) == 1
    at = T0 + timedelta(minutes=1)
    assert [who(store, t, at) for t in tokens] == ["alice", None, "alice"]
    with store.write() as conn:
        assert accounts.revoke_tokens(conn, "alice", "admin", now=T0) == 2
    assert [who(store, t, at) for t in tokens + [bobs]] == [None, None, None, "bob"]
    with store.read() as conn:
        assert {t["state"] for t in accounts.list_tokens(conn, "alice", at)} == {"revoked"}
        a = schema.audit_events
        revoked = [json.loads(r.detail) for r in conn.execute(select(a).where(a.c.action == "token_revoked"))]
    assert [(e["token_id"], e["revoked"]) for e in revoked] == [(ids["t1"], 1), ("all", 2)]


def test_tok003_last_use_written_at_most_once_a_minute(alice):
    store = alice
    with store.write() as conn:
        token = accounts.new_token(conn, "alice", now=T0)

    def use(at):
        with store.read() as conn:
            found = accounts.authenticate_token(conn, token, at)
        if found.needs_recording(at):
            with store.write() as conn:
                accounts.record_token_use(conn, found.token_id, at)
        with store.read() as conn:
            return accounts.list_tokens(conn, "alice", at)[0]["last_used_at"]

    assert use(T0 + timedelta(seconds=5)) == T0 + timedelta(seconds=5)
    assert use(T0 + timedelta(seconds=50)) == T0 + timedelta(seconds=5)
    assert use(T0 + timedelta(seconds=65)) == T0 + timedelta(seconds=65)
    with store.write() as conn:  # another worker within the minute: no write
        accounts.record_token_use(conn, accounts.list_tokens(conn, "alice")[0]["id"], T0 + timedelta(seconds=70))
    assert use(T0 + timedelta(seconds=80)) == T0 + timedelta(seconds=65)


@pytest.mark.parametrize("days, label", [(0, ""), (-1, ""), (3651, ""), (30, "x" * 81)])
def test_tok004_bad_expiry_or_label_is_refused(alice, days, label):
    with alice.write() as conn:
        with pytest.raises(ValueError):
            accounts.new_token(conn, "alice", label=label, expires_days=days)


def test_tok005_tokens_from_before_the_upgrade_expire_90_days_after_it(store):
    store.downgrade("0003")
    assert "sessions" not in store.table_names()
    with store.write() as conn:
        uid = conn.execute(insert(schema.users).values(
            name="old", role="viewer", password_hash="x", created_at=T0, disabled=False)
            .returning(schema.users.c.id)).scalar_one()
        conn.exec_driver_sql("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES "
                             f"({uid}, '{'0' * 64}', '2020-01-01 00:00:00')")
    store.migrate()
    with store.read() as conn:
        [token] = accounts.list_tokens(conn, "old")
    assert token["label"] == "" and token["state"] == "live"
    assert timedelta(days=89) < token["expires_at"] - utcnow() <= timedelta(days=90)


# Over HTTP ----------------------------------------------------------------------------------------

def test_tok010_revoked_or_expired_tokens_get_401_and_use_is_recorded_once_a_minute(store, monkeypatch):
    app = create_app({"DATABASE_URL": store.url, "PUBLIC_READ": False, "SECRET_KEY": TEST_SECRET}, demo=False)
    clock = hand_clock(app, T0 + timedelta(minutes=1))
    with store.write() as conn:
        accounts.add_user(conn, "dcc", "uploader", PASSWORD, actor="test")
        job = accounts.new_token(conn, "dcc", label="job", now=T0)
        probe = accounts.new_token(conn, "dcc", label="probe", now=T0)
    client = app.server.test_client()

    def status(token):
        return client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {token}"}).status_code

    def last_used():
        with store.read() as conn:
            return {t["label"]: t["last_used_at"] for t in accounts.list_tokens(conn, "dcc", clock.now())}

    assert status(job) == status(probe) == 200  # a new token did not retire the old one
    assert last_used() == {"job": clock.now(), "probe": clock.now()}
    writes, original = [], Store.write
    monkeypatch.setattr(Store, "write", lambda self: writes.append(1) or original(self))
    for _ in range(5):
        clock.advance(seconds=10)
        assert status(job) == 200
    assert writes == [] and last_used()["job"] == T0 + timedelta(minutes=1)
    clock.advance(seconds=15)
    assert status(job) == 200 and len(writes) == 1 and last_used()["job"] == clock.now()
    monkeypatch.setattr(Store, "write", original)
    with store.write() as conn:
        [probe_id] = [t["id"] for t in accounts.list_tokens(conn, "dcc") if t["label"] == "probe"]
        accounts.revoke_tokens(conn, "dcc", "admin", token_id=probe_id)
    assert status(probe) == 401 and status(job) == 200
    assert client.post("/api/v1/uploads", headers={"Authorization": f"Bearer {probe}"}).status_code == 401
    clock.moment = T0 + timedelta(days=90)
    assert status(job) == 401
    assert status("opsg_not-a-token") == 401


def test_tok011_the_admin_page_lists_and_revokes_a_users_tokens(make_app):
    from tests.integration.conftest import signed_in_client
    from tests.integration.test_sessions import access_call, grid_rows

    app = make_app(PUBLIC_READ=False)
    root = signed_in_client(app, "root", "admin")
    store = app.server.extensions["opsg"].store
    with store.write() as conn:
        accounts.add_user(conn, "dcc", "uploader", PASSWORD, actor="test")
        tokens = [accounts.new_token(conn, "dcc", label=label) for label in ("nightly job", "grafana")]
    api = app.server.test_client()

    def status(token):
        return api.get("/api/v1/metrics", headers={"Authorization": f"Bearer {token}"}).status_code

    answer = access_call(root, "dcc").get_json()["response"]
    grids = json.dumps(answer["admin-access"]["children"])
    assert "nightly job" in grids and "grafana" in grids and not any(t in grids for t in tokens)
    ids = {r["label"]: r["id"] for r in grid_rows(answer["admin-access"]["children"], "admin-tokens-grid")}
    answer = access_call(root, "dcc", "admin-revoke-token", token_id=ids["grafana"]).get_json()["response"]
    assert "Revoked 1 API token of dcc" in json.dumps(answer["admin-access-message"])
    assert [status(t) for t in tokens] == [200, 401]

    def states(answer):
        return {r["label"]: r["state"] for r in grid_rows(answer["admin-access"]["children"], "admin-tokens-grid")}
    assert states(answer) == {"nightly job": "live", "grafana": "revoked"}
    answer = access_call(root, "dcc", "admin-revoke-tokens").get_json()["response"]
    assert [status(t) for t in tokens] == [401, 401]
    assert states(answer) == {"nightly job": "revoked", "grafana": "revoked"}


# The command line ---------------------------------------------------------------------------------

def test_tok020_cli_token_tokens_revoke_tokens(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["users", "add", "alice", "--role", "uploader", "--generate"]) == 0
    assert main(["users", "token", "alice", "--label", "DCC job", "--expires-days", "7"]) == 0
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["users", "token", "alice"]) == 0
    out = capsys.readouterr().out
    second = out.strip().splitlines()[-1]
    assert first.startswith("opsg_") and second.startswith("opsg_") and "90 days" in out
    assert main(["users", "tokens", "alice"]) == 0
    listing = capsys.readouterr().out.strip().splitlines()
    assert listing[0].split("\t") == ["id", "label", "created", "expires", "last used", "state"]
    rows = [line.split("\t") for line in listing[1:]]
    assert [(r[1], r[4], r[5]) for r in rows] == [("-", "never", "live"), ("DCC job", "never", "live")]
    assert first not in "\n".join(listing) and second not in "\n".join(listing)
    dcc_id = rows[1][0]
    assert main(["users", "revoke-tokens", "alice", "--id", dcc_id]) == 0
    assert "revoked 1 token of alice" in capsys.readouterr().out
    assert main(["users", "revoke-tokens", "alice", "--id", "999"]) == 2
    assert "alice has no token 999" in capsys.readouterr().err
    assert main(["users", "revoke-tokens", "alice"]) == 0
    assert "revoked 1 token of alice" in capsys.readouterr().out
    main(["users", "tokens", "alice"])
    assert [line.split("\t")[5] for line in capsys.readouterr().out.strip().splitlines()[1:]] == ["revoked"] * 2
    assert main(["users", "token", "alice", "--expires-days", "0"]) == 2
    for command in ("token", "tokens", "revoke-tokens", "set-password"):
        with pytest.raises(SystemExit):
            main(["users", command, "--help"])
        assert "usage: python -m metrics users " + command in capsys.readouterr().out


def test_tok021_cli_set_password_ends_sessions(tmp_path, monkeypatch, capsys):
    import io

    from metrics.accounts import sessions
    from metrics.demo.bootstrap import open_store
    from metrics.settings import load_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["users", "add", "alice", "--role", "viewer", "--generate"]) == 0
    store = open_store(load_settings())
    limits = sessions.Limits(timedelta(minutes=30), timedelta(hours=12))
    with store.write() as conn:
        key = sessions.create(conn, accounts.get_user(conn, "alice").id, limits)
    monkeypatch.setattr("sys.stdin", io.StringIO("a new long password\n"))
    assert main(["users", "set-password", "alice"]) == 0
    assert "their sessions have ended" in capsys.readouterr().out
    with store.read() as conn:
        assert sessions.find(conn, key) is None
        assert accounts.check_credentials(conn, "alice", "a new long password")[1] == "ok"
    store.dispose()
