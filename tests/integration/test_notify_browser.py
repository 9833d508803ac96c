"""The account page in a real browser: a member ticks events, picks a metric, saves; the unsubscribe
confirmation page; no console errors or warnings."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from metrics.notify import subscriptions
from tests.conftest import require_browser
from tests.integration.conftest import add_user, browser_sign_in
from tests.integration.browser import click, grid_text, wait_until

pytestmark = pytest.mark.browser


def test_nbr001_a_member_chooses_notifications_on_the_account_page(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "vera", "viewer")
    ctx = app.server.extensions["opsg"]
    with ctx.store.write() as conn:
        subscriptions.set_email(conn, "vera", "vera@example.org")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "vera", next_path="/account")
    dash_duo.wait_for_contains_text("#account-email", "vera@example.org", timeout=20)
    boxes = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#account-events input[type=checkbox]")
    assert len(boxes) == 5 and not any(b.is_selected() for b in boxes)
    labels = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#account-events label")
    click(dash_duo, labels[0])  # red
    click(dash_duo, labels[3])  # final
    wait_until(dash_duo, lambda: boxes[0].is_selected() and boxes[3].is_selected(), what="two events ticked")
    dash_duo.select_dcc_dropdown("#account-metrics", "OTA firmware success")
    dash_duo.find_element(".page-title").click()  # close the open menu, which covers the button
    wait_until(dash_duo, lambda: not dash_duo.driver.find_elements(By.CSS_SELECTOR,
                                                                    "#account-metrics [role=listbox]"),
               what="the metrics menu to close")
    click(dash_duo, dash_duo.find_element("#account-save"))
    dash_duo.wait_for_contains_text("#account-message", "Saved: red, final.", timeout=20)
    wait_until(dash_duo, lambda: "OTA firmware success" in grid_text(dash_duo, "#account-subs"),
               what="the list of what vera gets")
    with ctx.store.read() as conn:
        assert [(s["event"], s["metric"]) for s in subscriptions.subscriptions(conn, "vera")] == [
            ("final", ""), ("red", "ota_success_rate")]
    assert dash_duo.get_logs() == []
