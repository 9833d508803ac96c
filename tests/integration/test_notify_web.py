"""Notifications on the web: the signed one-click unsubscribe (RFC 8058), the account page and the
Admin page's notification section."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from metrics import accounts, notify
from metrics.ingest import ingest
from metrics.mailer import deliver_due
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
        notify.set_email(conn, "alice", "alice@example.org")
        notify.subscribe(conn, ctx.catalog, "alice", "red,rag,final")
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
        assert len(notify.subscriptions(conn, "alice")) == 3  # a GET changes nothing
    done = client.post(path, data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "You will no longer" in done.get_data(as_text=True)
    with context(app).store.read() as conn:  # the events this message was about; 'final' stays
        assert [s["event"] for s in notify.subscriptions(conn, "alice")] == ["final"]
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.post(tampered).status_code == 400
    assert client.get("/unsubscribe?t=nonsense").status_code == 400
    assert client.get("/unsubscribe").status_code == 400
