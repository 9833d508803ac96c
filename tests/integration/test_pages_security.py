"""Text that users upload (annotation titles, exception types) shows as text and never runs."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from metrics.ingest.write import ingest
from tests.conftest import require_browser
from tests.integration.browser import no_alert, open_page, wait_idle

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
JS = "javascript:alert(1)"


def hostile_upload(app) -> None:
    from dashboard.context import AppContext

    ctx: AppContext = app.server.extensions["opsg"]
    notes = ("date,title,detail,metric\n"
             f"2021-11-15,\"{IMG}\",\"{JS}\",\n"
             f"2021-10-10,\"{JS}\",\"<b>bold</b>\",ch_exceptions_open\n").encode()
    exceptions = ("month,csp_region,exception_type,count\n"
                  f"2021-12,North,\"{IMG}\",120\n"
                  f"2021-12,South,\"{JS}\",80\n"
                  "2021-12,Central,No or incomplete address,300\n").encode()
    for name, data in (("notes.csv", notes), ("exceptions.csv", exceptions)):
        report = ingest(ctx.store, ctx.catalog, data, name, reason="test")
        assert report.outcome == "accepted", report.errors


def svg_texts(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)")


def test_pag020_uploaded_text_is_shown_literally_and_never_runs(dash_duo, make_app):
    require_browser()
    app = make_app()
    hostile_upload(app)
    dash_duo.start_server(app)
    open_page(dash_duo, "/ch-exceptions", "CH exceptions · December 2021")
    driver = dash_duo.driver
    texts = svg_texts(driver)
    assert any(IMG in t for t in texts), "the annotation title / exception type is shown as text"
    assert any(JS in t for t in texts)
    assert driver.find_elements(By.CSS_SELECTOR, "img[src='x']") == []
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript']") == []
    # The figures table shows the exception type as text too.
    summary = driver.find_element(By.CSS_SELECTOR, "#exceptions-month-figures > summary")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", summary)  # drawn when opened
    dash_duo.wait_for_contains_text("#exceptions-month-figures table", IMG, timeout=10)  # an HTML table, as text
    assert no_alert(driver)
    # Hovering the annotation shows its detail; still text.
    open_page(dash_duo, "/stability", "Stability")
    assert any(IMG in t for t in svg_texts(driver))
    wait_idle(dash_duo)
    assert no_alert(driver)
    assert dash_duo.get_logs() == []
