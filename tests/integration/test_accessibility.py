"""Every page passes axe-core's WCAG 2.0-2.2 A/AA rules and fits the window (no sideways scroll) at
1920x1080, 1366x768 and 768x1024, signed in as an administrator on the demo (login signed out).

One browser and one server serve the whole module (a page is a test, its three sizes inside), so the
run stays short. axe-core is vendored in tests/vendor/ (version in AXE_VERSION) and injected into
each page; a violation fails with rule, selector, page and size.
"""
from __future__ import annotations

import os
import re
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
    pages.append(pytest.param(f"/meeting?month=2020-01&slide={len(catalog.agenda)}&page=2",
                              '.meeting-mode[data-page="2"]', None, id="meeting-actions-page-2"))
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
        if os.environ.get("A11Y_SHOTS"):  # a folder: each page at each size, to look at
            name = re.sub(r"[^A-Za-z0-9]+", "_", path + ("_" + then[0] if then else "")).strip("_") or "overview"
            site.driver.save_screenshot(os.path.join(os.environ["A11Y_SHOTS"], f"{name}-{width}x{height}.png"))
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


# Keyboard, focus and layout, in the same browser: each test is one behaviour, pressed as a user would.

def press(site, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(site.driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def active(site) -> dict:
    return site.driver.execute_script("""
        const a = document.activeElement;
        const ring = a && a.matches('.segmented-input') ? a.closest('label').querySelector('.segmented-option') : a;
        const s = ring ? getComputedStyle(ring) : null;
        return {tag: a.tagName, id: a.id, value: a.value || null, cls: a.className || '',
                outline: s ? [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor] : null,
                shadow: s ? s.boxShadow : null, top: a.getBoundingClientRect().top,
                inRegion: !!a.closest('#region-filter'), inMonth: !!a.closest('#month-picker')};""")


def wait_until(condition, timeout: float = 20, what: str = "condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a11y003_skip_link_then_every_control_shows_a_clear_focus_ring(signed_in):
    from selenium.webdriver.common.keys import Keys

    site = signed_in
    site.viewport(1366, 768)
    site.open("/ota-firmware?month=2020-01", "#ota-trend-graph")
    site.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    press(site, Keys.TAB)
    first = active(site)
    assert first["id"] == "skip-link" and first["top"] >= 0, first  # first Tab: the skip link, shown
    press(site, Keys.ENTER)
    assert active(site)["id"] == "main-content"
    seen = []
    for _ in range(30):  # on through the view bar, tiles, charts and tables
        press(site, Keys.TAB)
        now = active(site)
        if now["tag"] == "BODY":
            break
        seen.append(now)
        style, width, colour = now["outline"]
        assert style != "none" and width >= 3 and colour not in ("transparent", "rgba(0, 0, 0, 0)"), now
    assert any(s["inMonth"] for s in seen) and any(s["inRegion"] for s in seen), "view bar reached by Tab"
    # the navigation's ring on navy: yellow, not faint blue
    link = site.driver.find_element(By.CSS_SELECTOR, "#main-nav .nav-link")
    site.driver.execute_script("arguments[0].focus()", link)
    press(site, Keys.SHIFT, Keys.TAB)
    press(site, Keys.TAB)
    assert active(site)["outline"][2] == "rgb(255, 221, 0)"
    assert signed_in.console() == []


def test_a11y004_focus_stays_on_the_region_and_month_controls_after_a_change(signed_in):
    from selenium.webdriver.common.keys import Keys

    site = signed_in
    site.viewport(1366, 768)
    site.open("/ota-firmware?month=2020-01", "#ota-trend-graph")
    checked = site.driver.find_element(By.CSS_SELECTOR, "#region-filter input:checked")
    site.driver.execute_script("arguments[0].focus()", checked)
    for expected in ("region=North", "region=Central"):
        press(site, Keys.ARROW_RIGHT)
        wait_until(lambda: expected in site.driver.current_url, what=expected)
        site.wait_for("#ota-trend-graph")
        now = wait_until(lambda: active(site)["inRegion"] and active(site), what="focus back on the region")
        assert now["tag"] == "INPUT", now  # so the next arrow press moves on again
    # the month: open with the keyboard, step one month back, choose; focus returns to the picker
    button = site.driver.find_element(By.CSS_SELECTOR, "#month-picker button.dash-dropdown")
    site.driver.execute_script("arguments[0].focus()", button)
    press(site, Keys.ENTER)
    site.wait_for("[role=option]")
    press(site, Keys.ARROW_DOWN, Keys.ENTER)
    wait_until(lambda: "month=2020-01" not in site.driver.current_url, what="a new month")
    site.wait_for("#ota-trend-graph")
    wait_until(lambda: active(site)["inMonth"], what="focus back on the month picker")
    assert signed_in.console() == []


def test_a11y005_labels_point_at_their_controls(signed_in):
    site = signed_in
    for path, marker in (("/ota-firmware", "#ota-trend-graph"), ("/upload", "#upload-dropzone"),
                         ("/history", "#history-uploads-grid .ag-row"), ("/actions", "#actions-page")):
        site.open(path, marker)
        broken = site.driver.execute_script("""
            return Array.from(document.querySelectorAll('label[for]')).filter(l => {
                const c = document.getElementById(l.htmlFor);
                return !c || !(c.matches('input, select, textarea, button') || c.getAttribute('aria-labelledby'));
            }).map(l => l.textContent + ' -> ' + l.htmlFor);""")
        assert broken == [], (path, broken)
        groups = site.driver.execute_script("""
            return Array.from(document.querySelectorAll('[role=radiogroup], [role=group].dash-options-list'))
                .filter(g => !(g.getAttribute('aria-labelledby') || '').split(' ')
                              .some(id => document.getElementById(id))).map(g => g.id);""")
        assert groups == [], (path, groups)
    assert signed_in.console() == []


def test_a11y006_escape_leaves_the_meeting(signed_in):
    from selenium.webdriver.common.keys import Keys

    site = signed_in
    site.open("/meeting?month=2020-01&slide=3", '.meeting-mode[data-slide="3"]')
    press(site, Keys.ESCAPE)
    site.wait_for("#overview-rag-matrix")
    assert site.driver.current_url.endswith("/?month=2020-01")
    assert signed_in.console() == []


def test_a11y007_narrow_screen_menu_and_tables_that_scroll_in_their_own_box(signed_in):
    from selenium.webdriver.common.keys import Keys

    site = signed_in
    site.viewport(768, 1024)
    site.open("/?month=2020-01", "#overview-rag-matrix")
    nav = site.driver.find_element(By.CSS_SELECTOR, "#main-nav")
    toggle = site.driver.find_element(By.CSS_SELECTOR, "#nav-toggle")
    assert toggle.is_displayed() and not nav.is_displayed()
    site.driver.execute_script("arguments[0].focus()", toggle)
    press(site, Keys.ENTER)
    assert nav.is_displayed() and toggle.get_attribute("aria-expanded") == "true"
    press(site, Keys.ENTER)
    assert not nav.is_displayed() and toggle.get_attribute("aria-expanded") == "false"
    box = site.driver.execute_script("""
        const box = document.querySelector('.table-scroll');
        const first = box.querySelector('tbody tr:not(.family-row) > :first-child');
        return {scrolls: box.scrollWidth > box.clientWidth, sticky: getComputedStyle(first).position,
                focusable: box.tabIndex === 0, name: box.getAttribute('aria-label')};""")
    assert box == {"scrolls": True, "sticky": "sticky", "focusable": True, "name": "RAG overview table"}
    site.viewport(1920, 1080)
    site.open("/?month=2020-01", "#overview-rag-matrix")
    assert not site.driver.find_element(By.CSS_SELECTOR, "#nav-toggle").is_displayed()
    assert site.driver.find_element(By.CSS_SELECTOR, "#main-nav").is_displayed()
    assert signed_in.console() == []


def test_a11y008_at_1366x768_the_overview_says_what_is_red_above_the_fold(signed_in):
    site = signed_in
    site.viewport(1366, 768)
    site.open("/?month=2020-01", "#overview-rag-matrix")
    first_red = site.driver.execute_script("""
        const item = Array.from(document.querySelectorAll('#overview-attention .attention-item'))
            .find(i => i.querySelector('.rag-red'));
        return item ? {bottom: item.getBoundingClientRect().bottom, text: item.innerText} : null;""")
    assert first_red and first_red["bottom"] <= 768, first_red
    assert "Red" in first_red["text"]  # in words, not colour alone
    site.open("/actions", "#actions-page")
    layout = site.driver.execute_script("""
        const table = document.querySelector('#actions-table').getBoundingClientRect();
        const side = document.querySelector('.actions-side').getBoundingClientRect();
        const what = document.querySelector('#actions-table td.action-what').getBoundingClientRect();
        const dates = Array.from(document.querySelectorAll('#actions-table td.nowrap'))
            .filter(td => td.scrollWidth > td.clientWidth + 1).length;
        return {overlap: table.right > side.left && table.bottom > side.top && side.bottom > table.top,
                what: what.width, cut: dates};""")
    assert layout == {"overlap": False, "what": layout["what"], "cut": 0} and layout["what"] >= 280, layout
    assert signed_in.console() == []


def test_a11y009_every_chart_has_words_and_a_figures_table_reached_by_keyboard(signed_in):
    site = signed_in
    site.viewport(1366, 768)
    site.open("/ota-firmware?month=2020-01", "#ota-trend-graph")
    charts = site.driver.execute_script("""
        return Array.from(document.querySelectorAll('.chart-card')).map(card => ({
            caption: (card.querySelector('figure.chart-figure > figcaption') || {}).textContent || '',
            hidden: Array.from(card.querySelectorAll('.main-svg')).every(s => s.getAttribute('aria-hidden') === 'true'),
            summary: !!card.querySelector('details.figures > summary')}));""")
    assert charts, "no chart cards"
    for chart in charts:
        assert chart["caption"].startswith(("Line chart", "Bar chart")) and "Latest (January 2020)" in chart["caption"], chart
        assert chart["hidden"] and chart["summary"], chart
    from selenium.webdriver.common.keys import Keys

    summary = site.driver.find_element(By.CSS_SELECTOR, ".chart-card details.figures > summary")
    site.driver.execute_script("arguments[0].focus()", summary)
    press(site, Keys.ENTER)
    assert summary.find_element(By.XPATH, "..").get_attribute("open") is not None
    press(site, Keys.TAB)
    # the figures table scrolls in its own named region, which takes the focus (arrow keys scroll it)
    wait_until(lambda: site.driver.execute_script(
        "const el = document.activeElement; return el.matches('.figures .figures-scroll[role=region]')"
        " && !!el.getAttribute('aria-label') && !!el.querySelector('table')"), what="focus on the figures table")
    assert signed_in.console() == []
