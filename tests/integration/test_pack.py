"""The meeting pack: built once per session through ``python -m metrics pack`` on the demo data,
frozen "as at" a moment before a late correction. One page per agenda item plus the cover; every
page names its item, metrics and month; a chart page is drawn, not blank; user text is escaped;
the web route follows the read rules and serves the pack the scheduler stored."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from pypdf import PdfReader

from metrics.records import actions, overrides
from metrics.catalog import load_catalog
from metrics.cli.commands import main
from metrics.clock import ManualClock
from metrics.ingest.write import ingest
from metrics.months import parse_as_of
from metrics.meeting.content import meeting_content
from report.pack import pack_html
from metrics.store.engine import Store, utcnow
from tests.conftest import require_browser

CLASSIFICATION = "WHITE — may be shared publicly"
CORRECTION = "month,csp_region,attempted,succeeded\n2020-01,North,100000,91000\n" \
             "2020-01,Central,150000,147000\n2020-01,South,170000,166600\n"


@pytest.fixture(scope="session")
def pack(demo_db, tmp_path_factory):
    """The January 2020 pack as the chair would have circulated it: an override set, the figures
    frozen, and then a late correction uploaded (which the pack must not show)."""
    if not shutil.which("pdftotext") or not (shutil.which("chromium") or os.environ.get("BROWSER_PATH")):
        require_browser()
        pytest.skip("the pack tests need poppler-utils (pdftotext, pdftoppm)")
    folder = tmp_path_factory.mktemp("pack")
    shutil.copy(demo_db, folder / "pack.db")
    url = f"sqlite:///{folder / 'pack.db'}"
    store, catalog = Store(url), load_catalog()
    with store.write() as conn:
        overrides.set_override(conn, catalog, metric="ota_success_rate", value="North", month="2020-01",
                               rag="amber", actor="chair", justification="Remediation plan agreed: 99% by March")
    store.clock = ManualClock()  # after the override: the papers went out once it was set
    frozen = store.clock.now()
    store.clock.advance(seconds=1)
    late = ingest(store, catalog, CORRECTION.encode(), "late.csv", reason="late correction")
    assert late.outcome == "accepted", late.errors
    store.dispose()
    target = folder / "pack.pdf"
    previous = os.environ.get("CLASSIFICATION")
    os.environ["CLASSIFICATION"] = CLASSIFICATION
    started = time.perf_counter()
    try:
        code = main(["--database", url, "pack", "--month", "2020-01", "--as-of", frozen.isoformat(),
                     "-o", str(target), "--html", str(folder / "pack.html")])
    finally:
        if previous is None:
            os.environ.pop("CLASSIFICATION")
        else:
            os.environ["CLASSIFICATION"] = previous
    assert code == 0
    seconds = time.perf_counter() - started
    pages = len(PdfReader(str(target)).pages)
    texts = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(target), "-"],
                            capture_output=True, text=True, check=True).stdout for n in range(1, pages + 1)]
    return {"pdf": target, "html": (folder / "pack.html").read_text(), "pages": pages, "texts": texts,
            "seconds": seconds, "url": url, "catalog": catalog}


def test_pck001_a_cover_then_one_page_per_agenda_item(pack):
    assert pack["pages"] == len(pack["catalog"].agenda) + 1
    assert pack["seconds"] < 60, f"the pack took {pack['seconds']:.1f} s"


def test_pck002_every_page_names_its_item_its_metrics_and_the_month(pack):
    cover, *pages = pack["texts"]
    assert "Service metrics meeting pack" in cover and "January 2020" in cover
    assert "Classification: WHITE" in cover and "(frozen)" in cover and "Agenda" in cover
    assert "Synthetic demo data" in cover
    for item, text in zip(pack["catalog"].agenda, pages):
        assert item.title in text, item.id
        assert "January 2020" in text and "WHITE — may be shared publicly" in text, item.id
        for metric_id in item.metrics:
            assert pack["catalog"].metric(metric_id).title in text, (item.id, metric_id)
    assert "Figures as at" in pages[0] and "(frozen)" in pages[0]


def test_pck003_frozen_figures_override_goal_annotations_and_actions_are_on_the_paper(pack):
    ota = pack["texts"][3]  # cover, overview, stability, OTA
    assert "87.07%" in ota and "91.00%" not in ota  # the late correction came after the freeze
    assert "Chair's RAG: Amber (computed Red)" in ota
    assert "Goal — CSP N to reach Green (99%) by the end of March 2020." in " ".join(ota.split())
    assert "Fibre cable incident" in ota and "OPSG 27/14" in ota
    overview = pack["texts"][1]
    assert "Chair:" in overview and "computed Red" in overview
    log = pack["texts"][-1]
    assert "24 open action(s)" in " ".join(log.split()) and "OPSG 29/22" in log


def grey_pixels(pdf, page: int) -> np.ndarray:
    out = subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True, check=True).stdout
    header, rest = out.split(b"\n", 1)
    assert header == b"P5"
    dims, rest = rest.split(b"\n", 1)
    width, height = map(int, dims.split())
    _, data = rest.split(b"\n", 1)
    return np.frombuffer(data[: width * height], dtype=np.uint8).reshape(height, width)


def test_pck004_a_chart_page_is_drawn_not_blank(pack):
    pixels = grey_pixels(pack["pdf"], 4)
    assert pixels.std() > 25, pixels.std()
    assert (pixels < 200).mean() > 0.05  # ink: lines, bands, text
    chart = pixels[: pixels.shape[0] // 2]  # the chart row
    assert len(np.unique(chart)) > 40


def test_pck005_the_charts_are_inline_svg_and_user_text_is_escaped(pack):
    assert pack["html"].count("<svg") >= 16 and "<script" not in pack["html"]
    store = Store(pack["url"])
    with store.write() as conn:
        actions.add_action(conn, pack["catalog"], {
            "ref": "OPSG 30/09", "text": "<script>alert('x')</script> & <img src=x onerror=alert(1)>",
            "owner": "<b>DCC</b>", "raised_on": "04/02/2020", "target_on": "07/04/2020",  # by the meeting
            "metrics": "ota_success_rate"}, "test")
        content = meeting_content(conn, pack["catalog"], "2020-01")
    store.dispose()
    paper = pack_html(content, {}, classification="<i>WHITE</i>")
    assert "<script>alert" not in paper and "<img src=x" not in paper and "<b>DCC</b>" not in paper
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img" in paper  # Jinja2's escaping
    assert "&lt;i&gt;WHITE&lt;/i&gt;" in paper


def test_pck006_the_route_follows_the_read_rules_and_serves_the_stored_pack(make_app, monkeypatch):
    from report import pack_jobs

    built = []

    def fake_build(store, catalog, settings, month, as_of=None, progress=None):
        built.append((month, as_of))
        progress(50, "printing")
        return b"%PDF-1.4 stand-in", {"pages": 11, "seconds": 0}
    monkeypatch.setattr(pack_jobs, "build_pack", fake_build)
    closed = make_app(PUBLIC_READ=False).server.test_client()
    assert closed.get("/meeting/pack.pdf?month=2020-01").status_code in (401, 302)
    app = make_app(PUBLIC_READ=True)
    client, ctx = app.server.test_client(), app.server.extensions["opsg"]
    waiting = client.get("/meeting/pack.pdf?month=2020-01&as_of=2030-01-01")
    assert waiting.status_code == 202 and built == []  # queued, not printed in the request
    pack_jobs.build_packs(ctx.store, ctx.catalog, ctx.settings, latest=False)
    response = client.get("/meeting/pack.pdf?month=2020-01&as_of=2030-01-01")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == b"%PDF-1.4 stand-in"
    assert 'filename="opsg-meeting-pack-2020-01-as-at-20300101T2359.pdf"' in response.headers["Content-Disposition"]
    assert client.get("/meeting/pack.pdf?month=2020-01&as_of=2030-01-01").status_code == 200
    assert len(built) == 1  # the second came from the store
    assert client.get("/meeting/pack.pdf").status_code == 202
    pack_jobs.build_packs(ctx.store, ctx.catalog, ctx.settings, latest=False)
    assert client.get("/meeting/pack.pdf").status_code == 200 and built[-1][0] == "2021-12"
    assert client.get("/meeting/pack.pdf?month=2020-13").status_code == 400
    assert client.get("/meeting/pack.pdf?as_of=yesterday").status_code == 400


def test_pck007_freeze_now_writes_the_moment_into_the_link(make_app):
    client = make_app(PUBLIC_READ=True).server.test_client()
    before = utcnow()
    response = client.get("/meeting/freeze?month=2020-01&slide=3")
    assert response.status_code == 302
    link = urlparse(response.location)
    query = {k: v[-1] for k, v in parse_qs(link.query).items()}
    assert link.path == "/meeting" and query["month"] == "2020-01" and query["slide"] == "3"
    moment = parse_as_of(query["as_of"])
    assert before - timedelta(seconds=1) <= moment <= utcnow()
