"""Every page in a real browser: renders on the demo data, follows the month picker, reopens from a
copied link, loads nothing from outside, and logs no browser errors."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from selenium.webdriver.common.by import By

from tests.conftest import require_browser
from tests.integration.browser import (checked_region, open_page, pick_month, pick_region, query,
                                        wait_idle, wait_until)

pytestmark = pytest.mark.browser

# path, page title, a component that only this page draws, whether it has the region filter
PAGES = [
    ("/", "RAG overview", "#overview-rag-matrix", False),
    ("/stability", "Stability", "#stability-incidents-graph", False),
    ("/ota-firmware", "OTA firmware", "#ota-trend-graph", True),
    ("/alerts", "Alerts", "#alerts-generation-graph", True),
    ("/ch-exceptions", "CH exceptions", "#exceptions-type-graph", True),
    ("/aged-incidents", "Aged incidents", "#aged-reason-graph", False),
    ("/ch-returns", "CH returns", "#returns-all-graph", True),
    ("/smets1-migration", "SMETS1 migration", "#smets1-monthly-graph", False),
    ("/ch-installs", "CH installs", "#installs-total-graph", True),
]
IDS = [p[0].strip("/") or "overview" for p in PAGES]


@pytest.mark.parametrize("path,title,marker,regional", PAGES, ids=IDS)
def test_pag001_page_renders_and_follows_the_month(dash_duo, demo_app, path, title, marker, regional):
    require_browser()
    dash_duo.start_server(demo_app)
    open_page(dash_duo, path, f"{title} · December 2021")
    dash_duo.wait_for_element(marker)
    assert dash_duo.find_element("#demo-banner").is_displayed()
    assert "not real DCC figures" in dash_duo.find_element("#demo-banner").text
    badges = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.rag-badge')).map(b => b.textContent)")
    assert badges and set(badges) <= {"✓Green", "!Amber", "✕Red", "–No data"}, set(badges)
    pick_month(dash_duo, "January 2020")
    dash_duo.wait_for_contains_text(".page-title", "January 2020", timeout=20)
    wait_idle(dash_duo)
    assert query(dash_duo)["month"] == "2020-01"
    dash_duo.wait_for_element(marker)
    if marker.endswith("-graph"):  # the chart now ends at the chosen month
        end = dash_duo.driver.execute_script(
            f"return document.querySelector('{marker} .js-plotly-plot').layout.xaxis.range[1]")
        assert str(end).startswith("2020-02-01")
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("path,title,marker,regional", PAGES, ids=IDS)
def test_pag002_copied_link_reopens_the_same_view(dash_duo, demo_app, path, title, marker, regional):
    require_browser()
    dash_duo.start_server(demo_app)
    as_of = (date.today() + timedelta(days=1)).isoformat()
    link = f"{path}?month=2020-01&region=North&as_of={as_of}"
    open_page(dash_duo, link, f"{title} · January 2020")
    assert "Historic view" in dash_duo.find_element("#as-at-stamp").text
    assert "January 2020" in dash_duo.find_element("#month-picker").text
    if regional:
        assert checked_region(dash_duo) == "North"
        pick_region(dash_duo, "CSP C&S")
        wait_until(dash_duo, lambda: query(dash_duo).get("region") == "Central & South", 10,
                   "the region in the address")
    else:
        pick_month(dash_duo, "February 2020")
        dash_duo.wait_for_contains_text(".page-title", "February 2020", timeout=20)
    wait_idle(dash_duo)
    copied = dash_duo.driver.current_url
    state = query(dash_duo)
    assert state["as_of"] == as_of
    before = dash_duo.find_element(".page-title").text
    charts = [e.text for e in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".chart-title")]

    dash_duo.driver.get("about:blank")
    dash_duo.driver.get(copied)
    dash_duo.wait_for_contains_text(".page-title", before.split(" · ")[-1], timeout=20)
    wait_idle(dash_duo)
    assert dash_duo.find_element(".page-title").text == before
    assert [e.text for e in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".chart-title")] == charts
    assert "Historic view" in dash_duo.find_element("#as-at-stamp").text
    if regional:
        assert checked_region(dash_duo) == "Central & South"
    assert dash_duo.get_logs() == []


def test_pag003_nothing_loads_from_outside(dash_duo, demo_app):
    require_browser()
    dash_duo.start_server(demo_app)
    for path, title, _, _ in PAGES[:4]:
        open_page(dash_duo, path, title)
        resources = dash_duo.driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => r.name)")
        outside = [r for r in resources if not r.startswith(dash_duo.server_url)
                   and not r.startswith("data:")]
        assert outside == [], outside
    links = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('link[href], script[src]'))"
        ".map(e => e.href || e.src)")
    assert all(x.startswith(dash_duo.server_url) for x in links), links
    assert dash_duo.get_logs() == []


def test_pag004_navigation_keeps_the_view(dash_duo, demo_app):
    require_browser()
    dash_duo.start_server(demo_app)
    open_page(dash_duo, "/?month=2020-01", "RAG overview · January 2020")
    dash_duo.wait_for_element("#overview-row-ota_success_rate")
    link = dash_duo.driver.find_element(By.CSS_SELECTOR, ".main-nav a[href^='/ota-firmware']")
    assert link.get_attribute("href").endswith("/ota-firmware?month=2020-01")
    link.click()
    dash_duo.wait_for_contains_text(".page-title", "OTA firmware · January 2020", timeout=20)
    active = dash_duo.driver.find_element(By.CSS_SELECTOR, ".main-nav .nav-link.active")
    assert active.text == "OTA firmware"
    wait_idle(dash_duo)
    assert dash_duo.get_logs() == []


def test_pag005_classification_banner(dash_duo, make_app):
    require_browser()
    dash_duo.start_server(make_app(CLASSIFICATION="WHITE — may be shared publicly"))
    open_page(dash_duo, "/", "RAG overview")
    assert dash_duo.find_element("#classification-banner").text == "WHITE — may be shared publicly"
    assert dash_duo.get_logs() == []
