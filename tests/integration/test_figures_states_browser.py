"""Issue 11 points 5-6 in the browser: the nearest-month link and the first-upload link work, and
no page logs a console error or warning on the way."""
from __future__ import annotations

import pytest

from tests.conftest import require_browser
from tests.integration.browser import open_page, query, wait_idle

pytestmark = pytest.mark.browser


def test_figb001_outside_the_data_the_nearest_month_is_one_click_away(dash_duo, demo_app):
    require_browser()
    dash_duo.start_server(demo_app)
    open_page(dash_duo, "/stability?month=2030-01", "Stability · January 2030")
    note = dash_duo.wait_for_element("#coverage-note")
    assert "cover January 2018 to December 2021" in note.text
    dash_duo.driver.execute_script("document.querySelector('#coverage-nearest').click()")
    dash_duo.wait_for_contains_text(".page-title", "December 2021", timeout=20)
    wait_idle(dash_duo)
    assert query(dash_duo)["month"] == "2021-12"
    assert not dash_duo.driver.find_elements("css selector", "#coverage-note")
    assert dash_duo.get_logs() == []


def test_figb002_before_the_first_upload_the_page_names_it(dash_duo, demo_app):
    require_browser()
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/?as_of=2017-06-01")
    state = dash_duo.wait_for_element("#before-first-upload", timeout=20)
    assert "first upload was received on 14 February 2018" in state.text
    dash_duo.driver.execute_script("document.querySelector('#first-upload-link').click()")
    dash_duo.wait_for_contains_text(".page-title", "January 2018", timeout=20)
    wait_idle(dash_duo)
    assert query(dash_duo)["as_of"] == "2018-02-14"
    assert dash_duo.get_logs() == []
