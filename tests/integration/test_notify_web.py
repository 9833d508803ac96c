"""Notifications on the web: the signed one-click unsubscribe (RFC 8058), the account page and the
Admin page's notification section."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from metrics.accounts import users as accounts
from metrics.notify import subscriptions
from metrics.ingest.write import ingest
from metrics.notify.mailer import deliver_due
from metrics.settings import load_settings
from tests.integration.conftest import TEST_SECRET
from tests.integration.notify_servers import SmtpServer
from tests.integration.test_notify import ota_csv


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def context(app):
    return app.server.extensions["opsg"]


def mailed_unsubscribe_link(app, smtp) -> str:
    ctx = context(app)
    with ctx.store.write() as conn:
        accounts.add_user(conn, "alice", "viewer", "a-long-password")
        subscriptions.set_email(conn, "alice", "alice@example.org")
        subscriptions.subscribe(conn, ctx.catalog, "alice", "red,rag,final")
    ingest(ctx.store, ctx.catalog, ota_csv("2024-01", north=(100, 90)), "a.csv")
    settings = load_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SECRET_KEY=TEST_SECRET,
                             BASE_URL="https://opsg.example.org")
    assert deliver_due(ctx.store, ctx.catalog, settings)["sent"] == 1
    msg = smtp.messages[-1][1]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return msg["List-Unsubscribe"].strip("<>")


def test_nweb001_one_click_unsubscribe(make_app, smtp):
    app = make_app(PUBLIC_READ=False)
    link = urlsplit(mailed_unsubscribe_link(app, smtp))
    client = app.server.test_client()  # a mail client: no session
    path = f"{link.path}?{link.query}"
    page = client.get(path)
    assert page.status_code == 200 and "Stop the e-mails about" in page.get_data(as_text=True)
    with context(app).store.read() as conn:
        assert len(subscriptions.subscriptions(conn, "alice")) == 3  # a GET changes nothing
    done = client.post(path, data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "You will no longer" in done.get_data(as_text=True)
    with context(app).store.read() as conn:  # the events this message was about; 'final' stays
        assert [s["event"] for s in subscriptions.subscriptions(conn, "alice")] == ["final"]
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.post(tampered).status_code == 400
    assert client.get("/unsubscribe?t=nonsense").status_code == 400
    assert client.get("/unsubscribe").status_code == 400


# -- the account page and the Admin page's Notifications tab (callbacks over HTTP) ----------

from tests.integration.conftest import signed_in_client  # noqa: E402
from tests.integration.dash_calls import body, callbacks, collect  # noqa: E402
from tests.integration.test_roles import post, render_page  # noqa: E402


def call(client, role, path, output_part, values: dict, trigger: int = 0, search: str = ""):
    """Render ``path`` as ``role``, set component values, fire the callback whose output names
    ``output_part`` with input ``trigger`` as the one that changed; the JSON response."""
    response, content = render_page(client, role, path, search)
    assert response.status_code == 200
    components = collect(content)
    for key, value in values.items():
        components.setdefault(f'"{key}"', {})["value"] = value
    dep = next(d for d in callbacks(client) if output_part in d["output"])
    return post(client, role, body(dep, components, trigger))


def test_nweb002_a_member_sets_only_their_own_notifications(make_app):
    app = make_app(PUBLIC_READ=False)
    ctx = context(app)
    viewer = signed_in_client(app, "vera", "viewer")
    with ctx.store.write() as conn:
        accounts.add_user(conn, "other", "viewer", "a-long-password")
        subscriptions.subscribe(conn, ctx.catalog, "other", "late")
    response, content = render_page(viewer, "viewer", "/account")
    ids = collect(content)
    assert '"account-email-missing"' in ids  # no address yet, and it says so
    answer = call(viewer, "viewer", "/account", "account-message.children",
                  {"account-events": ["red", "pack"], "account-metrics": ["ota_success_rate"]})
    assert answer.status_code == 200 and "Saved: red, pack." in answer.get_data(as_text=True)
    with ctx.store.read() as conn:
        assert [(s["event"], s["metric"]) for s in subscriptions.subscriptions(conn, "vera")] == [
            ("pack", ""), ("red", "ota_success_rate")]  # a pack is per month, whatever the metrics
        assert [(s["event"], s["metric"]) for s in subscriptions.subscriptions(conn, "other")] == [("late", "")]
    answer = call(viewer, "viewer", "/account", "account-message.children",
                  {"account-events": ["red", "blue"], "account-metrics": []})
    assert "unknown event &#x27;blue&#x27;" in answer.get_data(as_text=True) or \
        "unknown event 'blue'" in answer.get_data(as_text=True)
    with ctx.store.read() as conn:  # refused: nothing changed
        assert len(subscriptions.subscriptions(conn, "vera")) == 2
    anonymous = app.server.test_client()
    response, content = render_page(anonymous, "anonymous", "/account")
    assert response.status_code == 401


def test_nweb003_admin_tab_email_webhooks_and_delivery_log(make_app, smtp):
    app = make_app(PUBLIC_READ=False)
    ctx = context(app)
    admin = signed_in_client(app, "root", "admin")
    viewer = signed_in_client(app, "vera", "viewer")
    search = "?tab=notifications"
    bad = call(admin, "admin", "/admin", "ntf-message.children",
               {"ntf-user": "vera", "ntf-email": "vera@"}, 0, search)
    assert "is not a valid e-mail address" in bad.get_data(as_text=True)
    with ctx.store.read() as conn:
        assert subscriptions.email_of(conn, "vera") is None
    good = call(admin, "admin", "/admin", "ntf-message.children",
                {"ntf-user": "vera", "ntf-email": "vera@example.org"}, 0, search)
    assert "vera@example.org" in good.get_data(as_text=True)
    subs = call(admin, "admin", "/admin", "ntf-message.children",
                {"ntf-user": "vera", "ntf-events": ["rag"], "ntf-metrics": []}, 1, search)
    assert "Saved vera" in subs.get_data(as_text=True)
    hook = call(admin, "admin", "/admin", "ntf-message.children",
                {"ntf-hook-url": "http://127.0.0.1:8050/admin", "ntf-hook-events": ["red"]}, 2, search)
    assert "may not target a loopback" in hook.get_data(as_text=True)
    as_viewer = call(viewer, "viewer", "/admin", "ntf-message.children",
                     {"ntf-user": "vera", "ntf-email": "evil@example.org"}, 0, search)
    assert as_viewer.status_code == 403
    with ctx.store.read() as conn:
        assert subscriptions.email_of(conn, "vera") == "vera@example.org"
        assert subscriptions.list_webhooks(conn) == []

    ingest(ctx.store, ctx.catalog, ota_csv("2024-01"), "a.csv")
    dead = load_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SECRET_KEY=TEST_SECRET)
    assert deliver_due(ctx.store, ctx.catalog, dead)["retry"] == 1
    response, content = render_page(admin, "admin", "/admin", search)
    grid = collect(content)['"ntf-log-grid"']
    row = grid["rowData"][0]
    assert row["to"] == "E-mail: vera <vera@example.org>" and row["state"] == "Waiting (1 try)"
    assert row["error"] and row["when"].startswith("next try ")
