"""Every page passes axe-core's WCAG 2.0-2.2 A/AA rules and fits the window (no sideways scroll) at
1920x1080, 1366x768 and 768x1024, signed in as an administrator on the demo (login signed out).

One browser and one server serve the whole module (a page is a test, its three sizes inside), so the
run stays short. axe-core is vendored in tests/vendor/ (version in AXE_VERSION) and injected into
each page; a violation fails with rule, selector, page and size.
"""
from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.conftest import browser_available, pytest_setup_options, require_browser
from tests.integration.conftest import PASSWORD, TEST_SECRET, add_user

pytestmark = pytest.mark.browser

VENDOR = Path(__file__).resolve().parents[1] / "vendor"
AXE_VERSION = "4.10.3"  # npm pack axe-core@4.10.3 -> tests/vendor/axe.min.js (MPL-2.0, AXE-LICENSE.txt)
SIZES = ((1920, 1080), (1366, 768), (768, 1024))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BAD = "Month,CSP Region,Attempted,Succeeded\n2022-01,North,1000,990\n2022-01,Nroth,1000,980\n2022-01,South,100,120\n"
GOOD = ("Month,CSP Region,Attempted,Succeeded\n2021-12,North,1000,999\n2021-12,Central,1000,998\n"
        "2021-12,South,1000,997\n2022-01,North,1000,990\n2022-01,Central,1000,980\n2022-01,South,1000,970\n")

IDLE = """
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    return Array.from(document.querySelectorAll('.dash-graph')).every(g => g.querySelector('.main-svg'));"""
RUN_AXE = """
    const done = arguments[arguments.length - 1];
    axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
       .then(r => done(r.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                                               targets: v.nodes.map(n => n.target.join(' '))}))))
       .catch(e => done([{rule: 'axe-crashed', impact: 'critical', help: String(e), targets: []}]));"""
ADMIN_TABS = ("users", "thresholds", "audit", "notifications")  # dashboard/pages/admin.py TABS
WIDTH = "return [document.documentElement.scrollWidth, window.innerWidth]"


class Browser:
    """One Chromium for the module: sized by viewport, axe injected on demand."""

    def __init__(self, url: str):
        self.url = url
        self.driver = webdriver.Chrome(options=pytest_setup_options())
        self.driver.set_script_timeout(60)

    def viewport(self, width: int, height: int) -> None:
        self.driver.set_window_size(width, height)
        inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        if inner != [width, height]:  # size the viewport, not the window frame
            self.driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])

    def open(self, path: str, marker: str) -> None:
        self.driver.get(self.url + path)
        self.wait_for(marker)

    def wait_for(self, selector: str, timeout: float = 30) -> None:
        end = time.time() + timeout
        while time.time() < end:
            if self.driver.find_elements(By.CSS_SELECTOR, selector) and self.driver.execute_script(IDLE):
                time.sleep(0.2)  # charts resize once after drawing
                if self.driver.execute_script(IDLE):
                    return
            time.sleep(0.1)
        raise TimeoutError(f"{selector} not drawn at {self.driver.current_url}")

    def axe(self) -> list[dict]:
        if not self.driver.execute_script("return typeof axe !== 'undefined'"):
            self.driver.execute_script((VENDOR / "axe.min.js").read_text(encoding="utf-8"))
        return self.driver.execute_async_script(RUN_AXE, TAGS)

    def console(self) -> list[dict]:
        return [e for e in self.driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_db):
    require_browser()
    from dashboard import create_app
    from dash.testing.application_runners import ThreadedRunner

    target = tmp_path_factory.mktemp("a11y") / "app.db"
    shutil.copy(demo_db, target)
    app = create_app({"DATABASE_URL": f"sqlite:///{target}", "PUBLIC_READ": False, "SECRET_KEY": TEST_SECRET})
    add_user(app, "chair", "admin")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runner = ThreadedRunner()
    runner.start(app, port=port)
    browser = Browser(runner.url.rstrip("/"))
    browser.tmp = tmp_path_factory.mktemp("a11y-files")
    yield browser
    browser.driver.quit()
    runner.stop()


@pytest.fixture
def signed_in(site):
    """The module's browser, signed in as the administrator (signing in once)."""
    if not getattr(site, "signed_in", False):
        site.driver.get(site.url + "/login?next=/account")
        site.driver.find_element(By.CSS_SELECTOR, "#login-username").send_keys("chair")
        site.driver.find_element(By.CSS_SELECTOR, "#login-password").send_keys(PASSWORD)
        site.driver.find_element(By.CSS_SELECTOR, "#login-submit").click()
        site.wait_for("#account-menu")
        site.signed_in = True
    site.console()  # start each test with an empty console
    return site


def _drop(site, name: str, text: str, marker: str) -> None:
    path = site.tmp / name
    path.write_text(text)
    site.driver.find_element(By.CSS_SELECTOR, "#upload-dropzone input[type=file]").send_keys(str(path))
    site.wait_for(marker)


def catalog_pages():
    from metrics.catalog import load_catalog

    catalog = load_catalog()
    pages = [pytest.param("/", "#overview-rag-matrix", None, id="overview")]
    pages += [pytest.param(f.path, ".page-title", None, id=f"family-{f.id}") for f in catalog.families]
    pages += [pytest.param(f"/meeting?month=2020-01&slide={n}", f'.meeting-mode[data-slide="{n}"]', None,
                           id=f"meeting-slide-{n:02d}-{item.id}")
              for n, item in enumerate(catalog.agenda, start=1)]
    pages += [
        pytest.param("/actions", "#actions-page", None, id="actions"),
        pytest.param("/upload", "#upload-dropzone", None, id="upload-empty"),
        pytest.param("/upload", "#upload-dropzone", ("bad.csv", BAD, "#upload-errors-grid .ag-row"),
                     id="upload-errors"),
        pytest.param("/upload", "#upload-dropzone", ("good.csv", GOOD, "#upload-preview-grid .ag-row"),
                     id="upload-preview"),
        pytest.param("/history", "#history-uploads-grid .ag-row", None, id="history"),
        pytest.param("/history?upload=3", "#history-upload-detail", None, id="history-upload"),
        pytest.param("/account", "#account-subs", None, id="account"),
        pytest.param("/meeting/record?meeting=OPSG_29", ".page-title", None, id="meeting-record"),
    ]
    pages += [pytest.param(f"/admin?tab={key}", "#admin", None, id=f"admin-{key}") for key in ADMIN_TABS]
    return pages


def _check(site, path: str, marker: str, then=None) -> list[str]:
    """axe violations and sideways scroll at the three sizes, one line each."""
    problems = []
    for width, height in SIZES:
        site.viewport(width, height)
        site.open(path, marker)
        if then:
            _drop(site, *then)
        for v in site.axe():
            targets = ", ".join(v["targets"][:4]) + (f" (+{len(v['targets']) - 4} more)" if len(v["targets"]) > 4 else "")
            problems.append(f"{path} at {width}x{height}: {v['rule']} ({v['impact']}, {len(v['targets'])}x) "
                            f"{v['help']} -> {targets}")
        scroll, inner = site.driver.execute_script(WIDTH)
        if scroll > inner:
            problems.append(f"{path} at {width}x{height}: scrolls sideways ({scroll}px in a {inner}px window)")
    return problems


@pytest.mark.skipif(not browser_available(), reason="needs chromium")
def test_a11y001_sign_in_page_signed_out(site):
    site.driver.delete_all_cookies()
    site.signed_in = False
    problems = []
    for width, height in SIZES:
        site.viewport(width, height)
        site.driver.get(site.url + "/login")
        site.wait_for("#login-username")
        problems += [f"/login at {width}x{height}: {v['rule']} {v['help']} -> {', '.join(v['targets'][:4])}"
                     for v in site.axe()]
        scroll, inner = site.driver.execute_script(WIDTH)
        if scroll > inner:
            problems.append(f"/login at {width}x{height}: scrolls sideways ({scroll}px in {inner}px)")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    assert site.console() == []


@pytest.mark.parametrize("path,marker,then", catalog_pages())
def test_a11y002_every_page_passes_axe_and_fits_the_window(signed_in, path, marker, then):
    problems = _check(signed_in, path, marker, then)
    if problems:
        pytest.fail(f"{len(problems)} problems:\n" + "\n".join(problems), pytrace=False)
    assert signed_in.console() == []
