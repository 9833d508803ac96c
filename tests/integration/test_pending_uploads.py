"""Uploads waiting for Confirm live in the database: checked on one app, confirmed on another (with
another temporary folder), claimed once, expired by the clock (moved by hand), on both databases."""
from __future__ import annotations

import tempfile
import threading
from datetime import timedelta

from sqlalchemy import func, select

from dashboard import create_app
from metrics.store import schema
from metrics.store.engine import utcnow
from metrics.upload import pending
from tests.integration.conftest import TEST_SECRET, add_user, hand_clock, signed_in_client
from tests.integration.test_uploads import OTA, UploadPage


def _pending_rows(store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(schema.pending_uploads)).scalar_one()


def _accepted(store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(schema.uploads)
                            .where(schema.uploads.c.outcome == "accepted")).scalar_one()


def _app(store, tmp_path, name, monkeypatch):
    """An app on ``store`` whose process-wide temporary folder is its own (as on another host)."""
    folder = tmp_path / name
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return create_app({"DATABASE_URL": store.url, "SECRET_KEY": TEST_SECRET}, demo=False)


def test_pen001_checked_on_one_app_confirmed_on_another(store, tmp_path, monkeypatch):
    host_a = _app(store, tmp_path, "tmp-a", monkeypatch)
    host_b = _app(store, tmp_path, "tmp-b", monkeypatch)
    add_user(host_a, "dcc", "uploader")
    page_a = UploadPage(signed_in_client(host_a, "dcc"))
    page_b = UploadPage(signed_in_client(host_b, "dcc"))
    shown, kept = page_a.drop("ota.csv", OTA)
    assert "upload-preview-grid" in shown and _pending_rows(store) == 1
    assert not any((tmp_path / "tmp-a").iterdir())  # nothing in host A's temporary folder
    shown, done = page_b.confirm(kept)
    assert "upload-done" in shown and done is None
    assert _accepted(store) == 1 and _pending_rows(store) == 0
    shown, _ = page_a.confirm(kept)  # the same Confirm again, on the first host
    assert "already confirmed, or it has expired" in shown and _accepted(store) == 1


def test_pen002_two_confirms_at_once_one_wins(store):
    now = utcnow()
    for _ in range(3):
        pending_id = pending.keep(store, "dcc", "ota.csv", OTA.encode(), now)
        results, start = [], threading.Barrier(4)

        def take():
            start.wait()
            results.append(pending.claim(store, pending_id, "dcc", now))

        threads = [threading.Thread(target=take) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [r for r in results if r is not None]
        assert len(won) == 1 and won[0].data == OTA.encode() and won[0].filename == "ota.csv"
    assert _pending_rows(store) == 0


def test_pen003_owner_and_expiry(store):
    start = utcnow()
    pending_id = pending.keep(store, "dcc", "ota.csv", b"x,y\n", start)
    assert pending.peek(store, pending_id, "other", start) is None
    assert pending.claim(store, pending_id, "other", start) is None  # not theirs: still pending
    late = start + pending.MAX_AGE + timedelta(seconds=1)
    assert pending.peek(store, pending_id, "dcc", start + timedelta(minutes=59)).data == b"x,y\n"
    assert pending.peek(store, pending_id, "dcc", late) is None
    assert pending.claim(store, pending_id, "dcc", late) is None
    assert pending.claim(store, "not an id!", "dcc", start) is None
    pending.keep(store, "dcc", "next.csv", b"a\n", late)  # keeping another purges the expired one
    with store.read() as conn:
        names = conn.execute(select(schema.pending_uploads.c.filename)).scalars().all()
    assert names == ["next.csv"]


def test_pen004_expiry_through_the_page(store):
    app = create_app({"DATABASE_URL": store.url, "SECRET_KEY": TEST_SECRET}, demo=False)
    clock = hand_clock(app)
    add_user(app, "dcc", "uploader")
    page = UploadPage(signed_in_client(app, "dcc"))
    _, kept = page.drop("ota.csv", OTA)
    clock.advance(minutes=61)  # (the session has ended too: sign in again)
    shown, _ = UploadPage(signed_in_client(app, "dcc")).confirm(kept)
    assert "already confirmed, or it has expired" in shown and _accepted(store) == 0
