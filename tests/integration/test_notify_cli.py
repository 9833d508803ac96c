"""Notification commands (SPEC §7): users' e-mail, subscribe/unsubscribe, webhooks, notify."""
from __future__ import annotations

import pytest

from metrics.cli.commands import main
from tests.integration.notify_servers import SmtpServer

OTA = "month,csp_region,attempted,succeeded\n2024-01,North,100,90\n2024-01,Central,100,99\n2024-01,South,10,10\n"


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("BASE_URL", "https://opsg.example.org")
    return url


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer().start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(server.port))
    yield server
    server.stop()


def test_ncli001_invalid_email_refused_and_no_user_added(db, capsys):
    assert main(["users", "add", "alice", "--role", "viewer", "--generate", "--email", "alice@"]) == 2
    err = capsys.readouterr().err
    assert "'alice@' is not a valid e-mail address" in err
    assert main(["users", "list"]) == 0
    assert "alice" not in capsys.readouterr().out


def test_ncli002_subscribe_ingest_notify_twice_unsubscribe(db, smtp, tmp_path, capsys):
    assert main(["users", "add", "alice", "--role", "viewer", "--generate",
                 "--email", "Alice@Example.ORG"]) == 0
    assert main(["users", "add", "bob", "--role", "viewer", "--generate"]) == 0
    assert main(["users", "set-email", "bob", "not an address"]) == 2
    assert "not a valid e-mail address" in capsys.readouterr().err
    assert main(["users", "set-email", "bob", "bob@example.org"]) == 0
    assert main(["subscribe", "alice", "--events", "red,final"]) == 0
    assert main(["subscribe", "bob", "--events", "rag", "--metric", "incidents_total"]) == 0
    assert main(["subscribe", "bob", "--events", "purple"]) == 2
    assert "unknown event 'purple'" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["subscriptions"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert "alice\tAlice@example.org\tred\tall metrics" in listing
    assert "bob\tbob@example.org\trag\tincidents_total" in listing

    path = tmp_path / "ota.csv"
    path.write_text(OTA)
    assert main(["ingest", str(path)]) == 0
    assert main(["notify"]) == 0
    assert "sent 1," in capsys.readouterr().out
    assert main(["notify"]) == 0
    assert "sent 0," in capsys.readouterr().out
    assert [to for to, _ in smtp.messages] == [["Alice@example.org"]]

    assert main(["unsubscribe", "alice", "--events", "red"]) == 0
    assert "removed 1 subscription" in capsys.readouterr().out
    assert main(["subscriptions", "alice"]) == 0
    assert capsys.readouterr().out.splitlines() == ["alice\tAlice@example.org\tfinal\tall metrics"]


def test_ncli003_webhooks_need_http_and_a_target_that_is_not_this_machine(db, capsys):
    assert main(["webhooks", "add", "http://127.0.0.1:8050/admin", "--events", "red"]) == 2
    assert "may not target a loopback" in capsys.readouterr().err
    assert main(["webhooks", "add", "gopher://example.org/", "--events", "red"]) == 2
    assert "must start with http:// or https://" in capsys.readouterr().err
    assert main(["webhooks", "add", "https://203.0.113.7/hooks/opsg", "--events", "red,late"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "added webhook 1 for red, late: https://203.0.113.7/hooks/opsg"
    secret = out[-1]
    assert len(secret) == 64
    assert main(["webhooks", "list"]) == 0
    listing = capsys.readouterr().out
    assert "https://203.0.113.7/hooks/opsg" in listing and secret not in listing
    assert main(["webhooks", "remove", "1"]) == 0
    assert main(["webhooks", "remove", "1"]) == 2
    assert "no webhook 1" in capsys.readouterr().err
