"""The first read after new figures is a cache hit, however the figures arrive (issue 13):
the process that commits warms after the commit, and others warm when they see a new data version.
Counts of cache entries, never times."""
from __future__ import annotations

import io
import threading

import dash
import pytest

from metrics.ingest.write import ingest


def incidents(month: str, n: int) -> bytes:
    return ("month,category,count\n" + "".join(f"{month},{c},{n + c}\n" for c in range(1, 6))).encode()


@pytest.fixture
def app(demo_db_url):
    from dashboard import create_app

    return create_app({"DATABASE_URL": demo_db_url})


def entries(app) -> int:
    return len(app.server.extensions["opsg"].cache)


def read_warmed_views(app) -> int:
    """Read every warmed view as a first reader would; how many had to be computed."""
    from dashboard.state import warm
    from dashboard.web.api import summary_entries
    from metrics.read.queries import latest_month

    pages = {p["path"]: p["layout"] for p in dash.page_registry.values()}
    before = entries(app)
    ctx = app.server.extensions["opsg"]
    with app.server.test_request_context("/"):
        paths = warm.warm_paths()
        assert "/" in paths and "/meeting" in paths and "/ota-firmware" in paths
        for path in paths:
            pages[path]()
        with ctx.store.read() as conn:
            summary_entries(ctx, conn, latest_month(conn))
    return entries(app) - before


def test_warm001_figures_from_another_process_are_warmed_when_the_version_moves(app):
    from dashboard.state import warm

    app.server.extensions["opsg"].cache.clear()
    watcher = warm.Watcher(app.server, interval=60)
    assert watcher.check() is True  # first look: warms what is there
    assert read_warmed_views(app) == 0
    assert watcher.check() is False  # nothing new: nothing done
    ctx = app.server.extensions["opsg"]
    report = ingest(ctx.store, ctx.catalog, incidents("2021-12", 40), "cli.csv", user="cli", reason="correction")
    assert report.outcome == "accepted", report.errors[:3]
    assert read_warmed_views(app) > 0, "without warming the first read computes"
    report = ingest(ctx.store, ctx.catalog, incidents("2021-12", 50), "cli.csv", user="cli", reason="again")
    assert report.outcome == "accepted"
    assert watcher.check() is True
    assert read_warmed_views(app) == 0


def test_warm002_an_api_upload_warms_after_its_commit(app):
    from metrics.accounts.users import add_user, new_token

    ctx = app.server.extensions["opsg"]
    with ctx.store.write() as conn:
        add_user(conn, "uploader1", "uploader", "password-123")
        token = new_token(conn, "uploader1")
    ctx.cache.clear()
    response = app.server.test_client().post(
        "/api/v1/uploads", headers={"Authorization": f"Bearer {token}"},
        data={"file": (io.BytesIO(incidents("2021-12", 70)), "api.csv"), "reason": "correction"})
    assert response.status_code == 201, response.data[:300]
    for thread in threading.enumerate():
        if thread.name == "opsg-warm":
            thread.join(timeout=120)
    assert read_warmed_views(app) == 0


def test_warm003_a_dry_run_or_a_rejection_warms_nothing(app):
    from metrics.accounts.users import add_user, new_token

    ctx = app.server.extensions["opsg"]
    with ctx.store.write() as conn:
        add_user(conn, "uploader2", "uploader", "password-123")
        token = new_token(conn, "uploader2")
    client = app.server.test_client()
    for data, extra, status in ((incidents("2021-12", 80), {"dry_run": "true"}, 200),
                                (b"month,category,count\n2021-12,9,-1\n", {}, 422)):
        response = client.post("/api/v1/uploads", headers={"Authorization": f"Bearer {token}"},
                               data={"file": (io.BytesIO(data), "x.csv"), "reason": "r", **extra})
        assert response.status_code == status, response.data[:300]
        assert not [t for t in threading.enumerate() if t.name == "opsg-warm"]


def test_warm004_a_family_a_catalog_revision_adds_is_warmed_too(app):
    """The 29/07 fragment adds /smets1-operated while the app runs: it has no page of its own (the
    path pattern serves it), and the warming still renders it, so its first read is a cache hit."""
    from pathlib import Path

    from dashboard.state import warm
    from metrics.catalog_revisions import apply

    ctx = app.server.extensions["opsg"]
    fragment = Path(__file__).resolve().parents[1] / "fixtures" / "opsg29_smets1_operated.toml"
    check, number = apply(ctx.store, fragment.read_bytes(), actor="test", reason="OPSG 29/07", source="cli")
    assert number, check.errors
    ctx.catalogs.fresh()
    with app.server.test_request_context("/"):
        paths = warm.warm_paths()
    assert "/smets1-operated" in paths
    assert "/smets1-operated" not in {p["path"] for p in dash.page_registry.values()}
    ctx.cache.clear()
    assert warm.warm(app.server) == len(paths) + 1  # every page and the summary
    before = entries(app)
    with app.server.test_request_context("/"):
        page = warm.page_layout("/smets1-operated")()
    assert entries(app) == before, "the new family's first read computed"
    assert "SMETS1 operated" in str(page)
