"""The meeting pack off the request path: a request queues a job row and answers 202 at once (a page
with progress, or JSON); the scheduler's packs job prints it with Chromium and stores it; any app
on the database then serves it; the latest month's pack is printed after new figures without
anyone asking; a failed print says so; two builders never build one pack twice. Both databases."""
from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import func, select

from dashboard import create_app
from metrics.ingest.write import ingest
from metrics.meeting import packs
from metrics.store import schema
from metrics.store.engine import utcnow
from report.pack_jobs import build_packs
from tests.conftest import require_browser
from tests.integration.conftest import TEST_SECRET

OTA = b"month,csp_region,attempted,succeeded\n2020-01,North,100,87\n2020-01,South,100,99\n"


def rows(store) -> list[tuple]:
    p = schema.meeting_packs
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(select(p.c.month, p.c.state, p.c.progress).order_by(p.c.id))]


@pytest.fixture
def hosts(store, catalog):
    """Two apps (two 'hosts') on one database with January 2020 figures."""
    ingest(store, catalog, OTA, "ota.csv")
    settings = {"DATABASE_URL": store.url, "SECRET_KEY": TEST_SECRET, "PUBLIC_READ": True}
    return create_app(settings, demo=False), create_app(settings, demo=False)


def test_pkj001_queued_on_one_host_printed_by_the_job_served_by_another(hosts, store, catalog):
    if not shutil.which("chromium"):
        require_browser()
    host_a, host_b = hosts
    a, b = host_a.server.test_client(), host_b.server.test_client()
    page = a.get("/meeting/pack.pdf?month=2020-01")
    assert page.status_code == 202 and page.headers["Retry-After"] == "2"
    text = page.get_data(as_text=True)
    assert "being prepared" in text and 'id="pack-progress"' in text and 'http-equiv="refresh"' in text
    polled = b.get("/meeting/pack.pdf?month=2020-01", headers={"Accept": "application/json"})
    assert polled.status_code == 202
    assert polled.get_json()["state"] == "queued" and polled.get_json()["url"] == "/meeting/pack.pdf?month=2020-01"
    assert polled.get_json()["scheduler_running"] is False and 'id="pack-no-scheduler"' in text
    from metrics.jobs.scheduler import Lease

    Lease(store, "test-scheduler", 60).hold()  # a scheduler starts: the page stops warning
    assert 'id="pack-no-scheduler"' not in a.get("/meeting/pack.pdf?month=2020-01").get_data(as_text=True)
    assert rows(store) == [("2020-01", "queued", 0)]  # one row however many asked; nothing printed
    done = build_packs(store, catalog, host_a.server.extensions["opsg"].settings, latest=False)
    assert done == {"built": ["2020-01"], "failed": []}
    assert rows(store) == [("2020-01", "ready", 100)]
    pdf = b.get("/meeting/pack.pdf?month=2020-01")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert a.get("/meeting/pack.pdf?month=2020-01").data == pdf.data


def test_pkj002_new_figures_make_the_job_print_the_latest_month_unasked(hosts, store, catalog, monkeypatch):
    from report import pack_jobs

    printed = []
    monkeypatch.setattr(pack_jobs, "build_pack", lambda s, c, st, month, as_of=None, progress=None: (
        printed.append(month) or (b"%PDF-1.4 " + month.encode(), {"pages": 2, "seconds": 0})))
    settings = hosts[0].server.extensions["opsg"].settings
    assert build_packs(store, catalog, settings)["built"] == ["2020-01"]
    assert build_packs(store, catalog, settings)["built"] == []  # nothing changed: nothing printed
    ingest(store, catalog, OTA.replace(b"2020-01", b"2020-02"), "ota-feb.csv")
    assert build_packs(store, catalog, settings)["built"] == ["2020-02"]
    response = hosts[1].server.test_client().get("/meeting/pack.pdf")  # the latest month, at once
    assert response.status_code == 200 and response.data == b"%PDF-1.4 2020-02"
    assert printed == ["2020-01", "2020-02"]


def test_pkj003_a_failed_print_is_shown_and_tried_again_later(hosts, store, catalog, monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", "/bin/false")  # a "Chromium" that prints nothing
    client = hosts[0].server.test_client()
    client.get("/meeting/pack.pdf?month=2020-01")
    assert build_packs(store, catalog, hosts[0].server.extensions["opsg"].settings, latest=False)["failed"] == ["2020-01"]
    failed = client.get("/meeting/pack.pdf?month=2020-01")
    assert failed.status_code == 503 and "could not be printed" in failed.get_data(as_text=True)
    assert "RuntimeError: Chromium" in failed.get_data(as_text=True)  # what went wrong, on the page
    [row] = rows(store)
    assert row[1] == "failed"
    p = schema.meeting_packs  # a minute later, asking again queues it again
    with store.engine.begin() as conn:
        conn.execute(p.update().values(finished_at=utcnow() - packs.FAILED_RETRY_AFTER * 2))
    assert client.get("/meeting/pack.pdf?month=2020-01").status_code == 202
    assert rows(store)[0][1] == "queued"


def test_pkj004_two_builders_never_take_the_same_pack(store):
    now = utcnow()
    for n in range(3):
        packs.request(store, f"2020-0{n + 1}", "", "v1", "test", now)
    taken, start = [], threading.Barrier(4)

    def builder(i):
        start.wait()
        while (job := packs.claim(store, f"builder-{i}", now)) is not None:
            taken.append(job[0])

    threads = [threading.Thread(target=builder, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 3
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(schema.meeting_packs)
                            .where(schema.meeting_packs.c.state == "building")).scalar_one() == 3
