"""Back and Forward, the page-not-found page, and a console without errors or warnings on every page.

A page opened without ``?month=`` shows the latest month without writing it into the address: a
default pushed as a second history entry would make Back land on the same page for ever.
"""
from __future__ import annotations

import pytest

from tests.conftest import require_browser
from tests.integration.conftest import add_user, browser_sign_in
from tests.integration.browser import history_length, open_page, pick_month, wait_for_url, wait_idle
from tests.integration.test_pages import PAGES

pytestmark = pytest.mark.browser

# Every page as an administrator sees it: overview, each family page, then the tool pages.
EVERY_PAGE = [(path, marker) for path, _title, marker, _regional in PAGES] + [
    ("/meeting", "#meeting"), ("/meeting?slide=10", "#meeting"), ("/actions", "#actions-page"),
    ("/upload", "#upload"), ("/history", "#history-uploads-grid .ag-row"),
    ("/history?upload=3", "#history-upload-detail"), ("/admin", "#admin"),
    ("/admin?tab=thresholds", "#admin"), ("/admin?tab=audit", "#admin"), ("/no-such-page", "#not-found"),
]


def test_nav001_back_and_forward_across_pages_opened_without_a_month(dash_duo, demo_app):
    require_browser()
    dash_duo.start_server(demo_app)
    open_page(dash_duo, "/?month=2020-06", "June 2020")               # page A
    start = history_length(dash_duo)
    open_page(dash_duo, "/stability", "Stability · December 2021")    # page B, default month
    # open_page waited for every callback to finish: a pushed default would be in the address now.
    assert dash_duo.driver.current_url.endswith("/stability"), "the default month stays out of the URL"
    assert history_length(dash_duo) == start + 1, "opening B added exactly one history entry"
    dash_duo.driver.back()
    wait_for_url(dash_duo, "/?month=2020-06")
    dash_duo.wait_for_contains_text(".page-title", "June 2020", timeout=20)
    dash_duo.driver.forward()
    wait_for_url(dash_duo, "/stability")
    dash_duo.wait_for_contains_text(".page-title", "Stability · December 2021", timeout=20)
    wait_idle(dash_duo)
    # Choosing a month is a step of its own: Back returns to the default view, not past it.
    pick_month(dash_duo, "January 2020")
    wait_for_url(dash_duo, "/stability?month=2020-01")
    dash_duo.driver.back()
    wait_for_url(dash_duo, "/stability")
    dash_duo.wait_for_contains_text(".page-title", "Stability · December 2021", timeout=20)
    wait_idle(dash_duo)
    assert dash_duo.get_logs() == []


def test_nav002_back_and_forward_step_through_meeting_slides(dash_duo, demo_app):
    """Each slide is a history entry (the chair's Back goes to the previous slide shown)."""
    require_browser()
    dash_duo.start_server(demo_app)
    open_page(dash_duo, "/?month=2020-06", "June 2020")
    dash_duo.driver.get(dash_duo.server.url + "/meeting")
    dash_duo.wait_for_element("#meeting[data-slide='1']", timeout=20)
    wait_idle(dash_duo)  # a pushed slide number would be in the address now
    assert dash_duo.driver.current_url.endswith("/meeting")
    for slide in (2, 3):
        dash_duo.find_element("#meeting-next").click()
        dash_duo.wait_for_element(f"#meeting[data-slide='{slide}']", timeout=20)
    dash_duo.driver.back()
    dash_duo.wait_for_element("#meeting[data-slide='2']", timeout=20)
    dash_duo.driver.back()
    dash_duo.wait_for_element("#meeting[data-slide='1']", timeout=20)
    wait_for_url(dash_duo, "/meeting")
    dash_duo.driver.back()
    wait_for_url(dash_duo, "/?month=2020-06")
    dash_duo.driver.forward()
    dash_duo.wait_for_element("#meeting[data-slide='1']", timeout=20)
    dash_duo.driver.forward()
    dash_duo.wait_for_element("#meeting[data-slide='2']", timeout=20)
    assert "slide=2" in dash_duo.driver.current_url
    wait_idle(dash_duo)
    assert dash_duo.get_logs() == []


def test_nav003_an_unknown_address_gets_the_frame_and_a_way_home(dash_duo, demo_app):
    require_browser()
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server.url + "/no/such-page")
    dash_duo.wait_for_contains_text(".page-title", "Page not found", timeout=20)
    dash_duo.wait_for_text_to_equal("#not-found-path", "/no/such-page", timeout=10)
    assert dash_duo.find_element(".main-nav").is_displayed()  # the site's navigation is there
    assert "404 - Page not found" not in dash_duo.find_element("body").text
    names = [a.text for a in dash_duo.driver.find_elements("css selector", "#not-found-links a")]
    assert {"Stability", "Meeting", "History"} <= set(names), names
    dash_duo.find_element("#not-found-home").click()
    dash_duo.wait_for_element("#overview-rag-matrix", timeout=20)
    assert dash_duo.driver.current_url.rstrip("/") == dash_duo.server.url.rstrip("/")
    wait_idle(dash_duo)
    assert dash_duo.get_logs() == []


def test_nav004_no_page_logs_an_error_or_a_warning(dash_duo, make_app):
    """Every page, as an administrator, with the browser keeping warnings as well as errors."""
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "secas", "admin")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "secas")
    logged = {}
    for path, marker in EVERY_PAGE:
        dash_duo.driver.get(dash_duo.server.url + path)
        dash_duo.wait_for_element(marker, timeout=30)
        wait_idle(dash_duo, timeout=30)  # grids included: a grid warns as it draws its rows
        entries = [e["message"] for e in dash_duo.get_logs()]
        if entries:
            logged[path] = entries
    assert logged == {}
