"""Notifications end to end (SPEC §7): events written with the upload, delivered by a real SMTP server
(aiosmtpd) and a real HTTP receiver, at most once per (event, recipient)."""
from __future__ import annotations

from dataclasses import replace
import hashlib
import hmac
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from metrics.accounts import users as accounts
from metrics.notify import events as notify
from metrics.store import schema
from metrics.ingest.write import ingest
from metrics.jobs.tasks import check_late_submissions
from metrics.notify.mailer import SIGNATURE_HEADER, deliver_due, read_unsubscribe_token
from metrics.notify import subscriptions
from metrics.settings import Settings, load_settings
from metrics.store.engine import utcnow
from tests.integration.notify_servers import Receiver, SmtpServer, free_port

SECRET = "k" * 40


def ota_csv(month: str, north=(100, 99), central=(100, 98), south=(50, 49)) -> bytes:
    lines = ["month,csp_region,attempted,succeeded"]
    for region, (attempted, succeeded) in zip(("North", "Central", "South"), (north, central, south)):
        lines.append(f"{month},{region},{attempted},{succeeded}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def mail_settings(port: int, **extra) -> Settings:
    return load_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="opsg@example.org",
                         BASE_URL="https://opsg.example.org", SECRET_KEY=SECRET, **extra)


def member(store, catalog, name="alice", email="alice@example.org", events="red,rag", metrics=()):
    with store.write() as conn:
        accounts.add_user(conn, name, "viewer", "a-long-password")
        if email:
            subscriptions.set_email(conn, name, email)
        if events:
            subscriptions.subscribe(conn, catalog, name, events, metrics)


def outbox_rows(store):
    o = schema.outbox
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(o).order_by(o.c.id))]


def body_text(msg, subtype="plain") -> str:
    return msg.get_body(preferencelist=(subtype,)).get_content()


def test_ntf001_red_upload_mails_one_message_listing_every_cell(store, catalog, smtp):
    member(store, catalog)
    ingest(store, catalog, ota_csv("2024-01"), "ota-jan.csv", user="dcc")  # No data -> Green/Amber
    assert len(outbox_rows(store)) == 1
    report = ingest(store, catalog, ota_csv("2024-01", north=(100, 90)), "ota-jan-v2.csv", user="dcc",
                    reason="North corrected")
    assert report.outcome == "accepted"
    rows = outbox_rows(store)
    assert len(rows) == 2 and all(r["state"] == "pending" for r in rows)

    counts = deliver_due(store, catalog, mail_settings(smtp.port))
    assert counts["sent"] == 2 and counts["retry"] == 0
    assert len(smtp.messages) == 1  # both uploads in one digest for the one subscriber
    to, msg = smtp.messages[0]
    assert to == ["alice@example.org"] and msg["To"] == "alice@example.org"
    assert msg["From"] == "opsg@example.org"
    assert "turned Red" in msg["Subject"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = msg["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://opsg.example.org/unsubscribe?t=")
    user_id, events = read_unsubscribe_token(SECRET, link.split("t=", 1)[1])
    assert events == ["rag", "red"]
    text = body_text(msg)
    assert "OTA firmware success, North, January 2024: 90.00% (target 99%) - Red, was Green" in text
    assert "https://opsg.example.org/?month=2024-01" in text
    assert 'reason: North corrected' in text
    html = body_text(msg, "html")
    assert "<td>OTA firmware success</td><td>North</td>" in html and "<strong>Red</strong>" in html

    assert deliver_due(store, catalog, mail_settings(smtp.port))["sent"] == 0  # run twice: nothing twice
    assert len(smtp.messages) == 1
    assert {r["state"] for r in outbox_rows(store)} == {"sent"}


def test_ntf002_unchanged_file_and_same_rag_send_nothing(store, catalog, smtp):
    member(store, catalog, events="red")
    ingest(store, catalog, ota_csv("2024-01", north=(100, 90)), "a.csv")
    assert len(outbox_rows(store)) == 1
    assert ingest(store, catalog, ota_csv("2024-01", north=(100, 90)), "a.csv").outcome == "unchanged"
    # a correction that moves figures but turns nothing Red that was not Red already
    ingest(store, catalog, ota_csv("2024-01", north=(100, 91)), "b.csv", reason="typo")
    assert len(outbox_rows(store)) == 1
    deliver_due(store, catalog, mail_settings(smtp.port))
    assert len(smtp.messages) == 1


def test_ntf003_metric_filter_and_no_subscriber_no_row(store, catalog, smtp):
    member(store, catalog, "bob", "bob@example.org", events="rag", metrics=["incidents_total"])
    member(store, catalog, "carol", None, events="rag")  # no address: cannot be reached
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    assert outbox_rows(store) == []
    ingest(store, catalog, b"month,category,count\n2024-01,1,3\n2024-01,4,10\n", "inc.csv")
    rows = outbox_rows(store)
    assert len(rows) == 1
    deliver_due(store, catalog, mail_settings(smtp.port))
    text = body_text(smtp.messages[0][1])
    assert "Incidents" in text and "OTA" not in text


def test_ntf004_server_refusing_or_vanished_is_retried_later_and_never_blocks_upload(store, catalog, smtp):
    member(store, catalog)
    dead_port = free_port()  # nothing listens here
    assert ingest(store, catalog, ota_csv("2024-01"), "a.csv").outcome == "accepted"
    now = utcnow()
    counts = deliver_due(store, catalog, mail_settings(dead_port), now=now)
    assert counts == {"sent": 0, "retry": 1, "failed": 0, "cancelled": 0}
    row = outbox_rows(store)[0]
    assert row["state"] == "pending" and row["attempts"] == 1 and row["last_error"]
    assert row["next_attempt_at"] > now
    # not due yet: a run straight away leaves it alone
    assert deliver_due(store, catalog, mail_settings(smtp.port), now=now)["sent"] == 0
    smtp.collector.refuse = True  # the server answers but refuses (4xx)
    counts = deliver_due(store, catalog, mail_settings(smtp.port), now=now + timedelta(minutes=2))
    assert counts["retry"] == 1 and outbox_rows(store)[0]["attempts"] == 2
    second = outbox_rows(store)[0]["next_attempt_at"] - (now + timedelta(minutes=2))
    assert second >= timedelta(minutes=2)  # backed off further
    smtp.collector.refuse = False
    smtp.stop()
    smtp.start()  # vanished and came back
    counts = deliver_due(store, catalog, mail_settings(smtp.port), now=now + timedelta(hours=1))
    assert counts["sent"] == 1 and len(smtp.messages) == 1
    a = schema.delivery_attempts
    with store.read() as conn:
        outcomes = list(conn.execute(select(a.c.outcome).order_by(a.c.id)).scalars())
    assert outcomes == ["retry", "retry", "sent"]


def test_ntf005_subscriber_removed_between_event_and_delivery_gets_nothing(store, catalog, smtp):
    member(store, catalog, "alice", "alice@example.org")
    member(store, catalog, "dave", "dave@example.org")
    member(store, catalog, "erin", "erin@example.org")
    ingest(store, catalog, ota_csv("2024-01", north=(100, 90)), "a.csv")
    assert len(outbox_rows(store)) == 3
    with store.write() as conn:
        subscriptions.unsubscribe(conn, "alice")
        accounts.set_disabled(conn, "dave", True, "admin")
        subscriptions.unsubscribe(conn, "erin", "rag")  # still wants red
    counts = deliver_due(store, catalog, mail_settings(smtp.port))
    assert counts["cancelled"] == 2 and counts["sent"] == 1
    assert [to for to, _ in smtp.messages] == [["erin@example.org"]]
    text = body_text(smtp.messages[0][1])
    assert "North" in text and "Central & South" not in text  # only the cell that turned Red


def test_ntf006_upload_text_stays_text(store, catalog, smtp):
    member(store, catalog)
    hostile = 'x\r\nBcc: evil@example.com\r\n<script>alert(1)</script><img src=x onerror=alert(2)>'
    ingest(store, catalog, ota_csv("2024-01"), "<b>ota</b>\r\nSubject: hi.csv", reason=hostile)
    deliver_due(store, catalog, mail_settings(smtp.port))
    to, msg = smtp.messages[0]
    assert to == ["alice@example.org"] and msg["Bcc"] is None
    assert msg["Subject"].startswith("OPSG: ") and "hi" not in msg["Subject"]
    html = body_text(msg, "html")
    assert "<script>" not in html and "<img" not in html and "<b>ota</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = body_text(msg)
    assert "<script>alert(1)</script>" in text  # plain text shows it as typed, on one line
    assert "\nBcc:" not in text


def test_ntf007_no_message_carries_password_or_token(store, catalog, smtp):
    member(store, catalog)
    with store.write() as conn:
        token = accounts.new_token(conn, "alice")
    settings = mail_settings(smtp.port, SMTP_PASSWORD="smtp-secret-password")
    settings = replace(settings, smtp_user="")  # the test server takes no AUTH; the password must still not leak
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    deliver_due(store, catalog, settings)
    raw = smtp.messages[0][1].as_string()
    for secret in (token, "smtp-secret-password", "a-long-password", SECRET):
        assert secret not in raw


@pytest.mark.parametrize("runs", [2])
def test_ntf008_two_concurrent_notify_runs_send_each_message_once(store, catalog, smtp, runs):
    for i in range(6):
        member(store, catalog, f"user{i}", f"user{i}@example.org")
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    barrier = threading.Barrier(runs)
    results = []

    def run():
        barrier.wait()
        results.append(deliver_due(store, catalog, mail_settings(smtp.port)))

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 6
    assert sorted(to[0] for to, _ in smtp.messages) == [f"user{i}@example.org" for i in range(6)]


def test_ntf009_rejected_upload_queues_nothing(store, catalog):
    member(store, catalog)
    report = ingest(store, catalog, b"month,csp_region,attempted,succeeded\n2024-01,Nroth,10,9\n", "bad.csv")
    assert report.outcome == "rejected" and outbox_rows(store) == []


def test_ntf010_final_event_when_all_of_a_month_becomes_final(store, catalog, smtp):
    member(store, catalog, events="final")
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    ingest(store, catalog, b"month,category,count\n2024-01,4,10\n", "inc.csv", status="final")
    assert outbox_rows(store) == []  # OTA is still provisional
    assert ingest(store, catalog, ota_csv("2024-01"), "a.csv", status="final",
                  reason="final figures").outcome == "accepted"
    rows = outbox_rows(store)
    assert len(rows) == 1
    deliver_due(store, catalog, mail_settings(smtp.port))
    msg = smtp.messages[0][1]
    assert "figures final for January 2024" in msg["Subject"]
    assert "All figures for January 2024 are now final." in body_text(msg)


def test_ntf011_late_flags_queue_one_message_per_run(store, catalog, smtp):
    member(store, catalog, events="late")
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    check_late_submissions(store, catalog, today=date(2024, 4, 20))
    rows = outbox_rows(store)
    assert len(rows) == 1
    check_late_submissions(store, catalog, today=date(2024, 4, 20))  # nothing newly late
    assert len(outbox_rows(store)) == 1
    deliver_due(store, catalog, mail_settings(smtp.port))
    text = body_text(smtp.messages[0][1])
    assert "January 2024: still provisional" in text and "February 2024: no figures" in text


def test_ntf012_webhook_gets_signed_json_once(store, catalog, receiver):
    with store.write() as conn:
        hook = subscriptions.add_webhook(conn, receiver.url, "red", "admin", allow_loopback=True)
    ingest(store, catalog, ota_csv("2024-01", north=(100, 90)), "a.csv")
    settings = mail_settings(free_port(), WEBHOOK_ALLOW_LOOPBACK=True)
    settings = replace(settings, smtp_host="")
    assert deliver_due(store, catalog, settings)["sent"] == 1
    assert deliver_due(store, catalog, settings)["sent"] == 0
    assert len(receiver.requests) == 1
    path, headers, body = receiver.requests[0]
    expected = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    assert hook["secret"] not in body.decode()
    payload = receiver.json_bodies()[0]
    assert [(e["kind"], e["region"], e["rag"]) for e in payload["events"]] == [("red", None, "red"),
                                                                         ("red", "North", "red")]  # total 94.8%
    assert payload["events"][0]["link"] == "https://opsg.example.org/?month=2024-01"


def test_ntf013_webhook_redirect_not_followed_and_retried(store, catalog, receiver):
    with store.write() as conn:
        subscriptions.add_webhook(conn, receiver.url, "rag", "admin", allow_loopback=True)
    receiver.status, receiver.location = 302, "/admin"
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    settings = mail_settings(free_port(), WEBHOOK_ALLOW_LOOPBACK=True)
    counts = deliver_due(store, catalog, settings)
    assert counts["retry"] == 1
    assert [p for p, _, _ in receiver.requests] == ["/hook"]  # never followed to /admin
    assert "redirects are not followed" in outbox_rows(store)[0]["last_error"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8050/admin", "http://localhost/api/v1/uploads",
                                 "http://[::1]/", "http://169.254.169.254/latest/meta-data",
                                 "ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)",
                                 "http://user:pw@example.org/", "http://0.0.0.0/"])
def test_ntf014_webhook_targets_refused(store, url):
    with store.write() as conn, pytest.raises(ValueError, match="webhook"):
        subscriptions.add_webhook(conn, url, "red", "admin")


def test_ntf015_webhook_refused_at_send_time_without_the_allow_setting(store, catalog, receiver):
    with store.write() as conn:
        subscriptions.add_webhook(conn, receiver.url, "rag", "admin", allow_loopback=True)
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    counts = deliver_due(store, catalog, mail_settings(free_port()))  # WEBHOOK_ALLOW_LOOPBACK false
    assert counts["retry"] == 1 and receiver.requests == []


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "alice@@example.org", "a b@example.org",
                                     "alice@example.org\r\nBcc: x@example.org"])
def test_ntf016_invalid_email_refused_with_clear_error(store, address):
    with store.write() as conn:
        accounts.add_user(conn, "alice", "viewer", "a-long-password")
    with store.write() as conn, pytest.raises(ValueError, match="not a valid e-mail address"):
        subscriptions.set_email(conn, "alice", address)
    with store.read() as conn:
        assert subscriptions.email_of(conn, "alice") is None


def test_ntf017_unknown_event_or_metric_refused(store, catalog):
    member(store, catalog, events=None)
    with store.write() as conn, pytest.raises(ValueError, match="unknown event 'blue'"):
        subscriptions.subscribe(conn, catalog, "alice", "red,blue")
    with store.write() as conn, pytest.raises(ValueError, match="unknown metric 'nope'"):
        subscriptions.subscribe(conn, catalog, "alice", "red", ["nope"])
    with store.read() as conn:
        assert subscriptions.subscriptions(conn, "alice") == []


def test_ntf018_pack_attached_or_linked_when_over_10_mb(store, catalog, smtp):
    from metrics.notify.mailer import ATTACH_LIMIT

    member(store, catalog, events="pack")
    small = b"%PDF-1.7\n" + b"0" * 1000
    with store.write() as conn:
        assert notify.record_pack(conn, catalog, "2024-01", small, "opsg-meeting-pack-2024-01.pdf",
                                  hashlib.sha256(small).hexdigest()) == 1
    with store.write() as conn:  # the same pack again announces nothing
        assert notify.record_pack(conn, catalog, "2024-01", small, "opsg-meeting-pack-2024-01.pdf",
                                  hashlib.sha256(small).hexdigest()) == 0
    big = b"%PDF-1.7\n" + b"1" * ATTACH_LIMIT
    with store.write() as conn:
        notify.record_pack(conn, catalog, "2024-02", big, "opsg-meeting-pack-2024-02.pdf",
                           hashlib.sha256(big).hexdigest())
    deliver_due(store, catalog, mail_settings(smtp.port))
    assert len(smtp.messages) == 1  # one digest
    msg = smtp.messages[0][1]
    assert "meeting pack ready for February 2024, January 2024" in msg["Subject"]
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["opsg-meeting-pack-2024-01.pdf"]
    assert attachments[0].get_content() == small
    assert "https://opsg.example.org/meeting/pack.pdf?month=2024-02" in body_text(msg)


def test_ntf019_scheduler_runs_notify_every_minute_under_the_lease(store, catalog, smtp, tmp_path):
    from metrics.jobs.scheduler import JobScheduler

    member(store, catalog)
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    settings = mail_settings(smtp.port, INBOX_DIR=str(tmp_path / "in"), BACKUP_DIR=str(tmp_path / "bk"))
    active = JobScheduler(store, catalog, settings, holder="active")
    standby = JobScheduler(store, catalog, settings, holder="standby")
    assert active.heartbeat()
    assert standby.run_job("notify") is None and smtp.messages == []
    assert active.run_job("notify") == "ok" and len(smtp.messages) == 1
    assert active.run_job("notify") == "ok" and len(smtp.messages) == 1
    active.lease.release()
    active.start()
    try:
        job = active.aps.get_job("notify")
        assert job.trigger.interval == timedelta(seconds=60)
    finally:
        active.shutdown()


def _fail_outbox_inserts(store, on: bool) -> None:
    """A real database failure at the outbox write (the upload's last statement), by trigger."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("CREATE TRIGGER outbox_boom BEFORE INSERT ON outbox BEGIN "
                                 "SELECT RAISE(ABORT, 'simulated crash'); END" if on else
                                 "DROP TRIGGER outbox_boom")
        elif on:
            conn.exec_driver_sql("CREATE FUNCTION outbox_boom() RETURNS trigger AS $$ BEGIN "
                                 "RAISE EXCEPTION 'simulated crash'; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql("CREATE TRIGGER outbox_boom BEFORE INSERT ON outbox "
                                 "FOR EACH ROW EXECUTE FUNCTION outbox_boom()")
        else:
            conn.exec_driver_sql("DROP TRIGGER outbox_boom ON outbox")
            conn.exec_driver_sql("DROP FUNCTION outbox_boom()")


def test_ntf020_upload_and_its_notification_commit_together(store, catalog, smtp):
    from sqlalchemy.exc import DBAPIError

    member(store, catalog)
    _fail_outbox_inserts(store, True)
    with pytest.raises(DBAPIError, match="simulated crash"):
        ingest(store, catalog, ota_csv("2024-01", north=(100, 90)), "a.csv")
    r, u = schema.revisions, schema.uploads
    with store.read() as conn:  # the upload did not happen either: nothing to announce, nothing lost
        assert conn.execute(select(func.count()).select_from(r)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(u)).scalar() == 0
    _fail_outbox_inserts(store, False)
    assert ingest(store, catalog, ota_csv("2024-01", north=(100, 90)), "a.csv").outcome == "accepted"
    assert len(outbox_rows(store)) == 1  # the retried upload is announced, once
    deliver_due(store, catalog, mail_settings(smtp.port))
    assert len(smtp.messages) == 1


def test_ntf021_a_webhook_that_hangs_times_out_and_waits_for_a_retry(store, catalog, receiver):
    release = threading.Event()
    original = receiver.server.RequestHandlerClass.do_POST

    def hang(self):
        release.wait()  # answers only when the test lets it
        original(self)

    receiver.server.RequestHandlerClass.do_POST = hang
    with store.write() as conn:
        subscriptions.add_webhook(conn, receiver.url, "rag", "admin", allow_loopback=True)
    ingest(store, catalog, ota_csv("2024-01"), "a.csv")
    try:
        counts = deliver_due(store, catalog, mail_settings(free_port(), WEBHOOK_ALLOW_LOOPBACK=True))
        answered = list(receiver.requests)
    finally:
        release.set()
    assert answered == []  # the notifier gave up (read time-out) before the server ever answered
    assert counts["retry"] == 1 and "Timeout" in outbox_rows(store)[0]["last_error"]
