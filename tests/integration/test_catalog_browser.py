"""The catalog changed in the browser while the app runs (SPEC §9): an administrator uploads the
29/07 fragment on the Admin page, previews it and applies it; the new family page and its meeting
slide render with a clean console; hostile text in a fragment stays text on the page, the slide,
the pack and the template. Explore: metric, dimension and range chosen by keyboard, the URL round
trip and the CSV. Screenshots at three sizes go to SHOTS_DIR when it is set."""
from __future__ import annotations

import csv
import io
import os
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from metrics import catalog_revisions as revisions
from metrics.ingest.write import ingest
from metrics.meeting.content import meeting_content
from metrics.store.engine import utcnow
from metrics.upload.templates import template_xlsx
from report.pack import pack_html

from dash._utils import to_json

from dashboard.components.admin_views import threshold_form
from tests.conftest import require_browser
from tests.integration.conftest import add_user, browser_sign_in
from tests.integration.test_pages import wait_idle

pytestmark = pytest.mark.browser
FRAGMENT = Path(__file__).resolve().parents[1] / "fixtures" / "opsg29_smets1_operated.toml"
CSV = (b"month,customer,operational,non_operational\n2021-11,Northern DNO,98200,1800\n"
       b"2021-11,Southern DNO,9400,600\n2021-12,Northern DNO,9900,100\n2021-12,Southern DNO,9400,600\n")
HOSTILE = '<img src=x onerror="window.__xss=1">{{7*7}} =HYPERLINK("http://x")'
SIZES = ((1920, 1080), (1366, 768), (768, 1024))


def shoot(dash_duo, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    driver = dash_duo.driver
    for width, height in SIZES:
        driver.set_window_size(width, height)
        time.sleep(0.4)  # let the responsive charts re-lay out before the picture (no clock moved)
        driver.save_screenshot(str(Path(folder) / f"{name}-{width}x{height}.png"))
    driver.set_window_size(1920, 1080)


def query(dash_duo) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlparse(dash_duo.driver.current_url).query).items()}


def wait_for(predicate, timeout: float = 15, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def slide_of(catalog, agenda_id: str) -> int:
    return next(i for i, a in enumerate(catalog.agenda, start=1) if a.id == agenda_id)


def test_clb001_admin_applies_the_2907_fragment_and_its_page_and_slide_render(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    context = app.server.extensions["opsg"]
    add_user(app, "secas", "admin")
    before = utcnow() - timedelta(seconds=1)
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "secas", next_path="/admin?tab=catalog")
    dash_duo.wait_for_element("#catalog-change-panel", timeout=20)
    dash_duo.find_element("#catalog-upload input[type=file]").send_keys(str(FRAGMENT))
    wait_for(lambda: "SMETS1 operated" in (dash_duo.find_element("#catalog-fragment").get_attribute("value") or ""),
             what="the fragment in the editor")
    assert dash_duo.find_element("#catalog-apply").get_attribute("disabled")  # not before a preview
    dash_duo.find_element("#catalog-reason").send_keys("OPSG 29/07: SMETS1 operated installations")
    dash_duo.find_element("#catalog-preview-button").click()
    dash_duo.wait_for_contains_text("#catalog-changes", "datasets.smets1_operated", timeout=20)
    shoot(dash_duo, "admin-catalog-preview")
    dash_duo.find_element("#catalog-apply").click()
    dash_duo.wait_for_contains_text("#catalog-message", "Catalog revision 2 is in force", timeout=20)
    dash_duo.wait_for_contains_text("#catalog-history-table", "OPSG 29/07", timeout=20)
    shoot(dash_duo, "admin-catalog-applied")

    catalog = wait_for(lambda: "smets1_operated" in context.catalogs.fresh().datasets and context.catalogs.fresh(),
                       what="revision 2")
    with app.server.test_request_context("/admin?tab=thresholds"):  # its thresholds, to manage there
        form = to_json(threshold_form(context.catalog, None))
    assert "smets1_operational_share" in form and "SMETS1 installations operational" in form
    report = ingest(context.store, catalog, CSV, "smets1.csv", user="dcc", source="cli")
    assert report.outcome == "accepted", report.errors
    dash_duo.driver.get(f"{dash_duo.server.url}/smets1-operated?month=2021-12")
    dash_duo.wait_for_contains_text(".page-title", "SMETS1 operated", timeout=20)
    wait_idle(dash_duo)
    page = dash_duo.find_element(".page-body").text
    assert "SMETS1 installations operational" in page and "SMETS1 installations not operating" in page
    assert "SMETS1 operated" in dash_duo.find_element(".main-nav").text  # in the navigation too
    shoot(dash_duo, "family-smets1-operated")

    slide = slide_of(catalog, "smets1_operated")
    dash_duo.driver.get(f"{dash_duo.server.url}/meeting?month=2021-12&slide={slide}")
    dash_duo.wait_for_contains_text("#meeting", "SMETS1 operated installations", timeout=20)
    wait_idle(dash_duo)
    assert "SMETS1 installations operational" in dash_duo.find_element("#meeting").text

    # as at a moment before the apply, the family did not exist
    dash_duo.driver.get(f"{dash_duo.server.url}/smets1-operated?as_of={before:%Y-%m-%dT%H:%M:%S}")
    dash_duo.wait_for_contains_text(".page-body", "not found", timeout=20)
    assert dash_duo.get_logs() == []


def test_clb002_hostile_text_in_a_fragment_stays_text_everywhere(dash_duo, make_app):
    require_browser()
    app = make_app()
    context = app.server.extensions["opsg"]
    hostile = (FRAGMENT.read_text()
               .replace('title = "SMETS1 operated"', f"title = '{HOSTILE} family'")
               .replace('title = "SMETS1 installations operational"', f"title = '{HOSTILE} metric'")
               .replace('title = "SMETS1 operated installations"', f"title = '{HOSTILE} slide'")
               .replace('description = "The DNO or supplier the installations belong to."',
                        f"description = '{HOSTILE} column'"))
    result, number = revisions.apply(context.store, hostile, actor="secas", reason="hostile titles",
                                     source="cli")
    assert number == 2, result.errors
    catalog = context.catalogs.fresh()
    assert ingest(context.store, catalog, CSV, "s.csv", user="dcc", source="cli").outcome == "accepted"
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.get(f"{dash_duo.server.url}/smets1-operated?month=2021-12")
    dash_duo.wait_for_contains_text(".page-title", f"{HOSTILE} family", timeout=20)
    wait_idle(dash_duo)
    assert f"{HOSTILE} metric" in dash_duo.find_element(".page-body").text
    slide = slide_of(catalog, "smets1_operated")
    dash_duo.driver.get(f"{dash_duo.server.url}/meeting?month=2021-12&slide={slide}")
    dash_duo.wait_for_contains_text("#meeting", f"{HOSTILE} slide", timeout=20)
    wait_idle(dash_duo)
    assert dash_duo.driver.execute_script("return window.__xss") is None
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "img[src=x]")
    assert dash_duo.get_logs() == []
    # the pack: escaped by its template
    with context.store.read() as conn:
        content = meeting_content(conn, catalog, "2021-12")
    html = pack_html(content, {})
    assert "&lt;img src=x onerror=" in html and '<img src=x' not in html
    # the workbook template: the description is a text cell, not a formula
    book = load_workbook(io.BytesIO(template_xlsx(catalog, ["smets1_operated"])))
    cell = next(c for row in book["Notes"].iter_rows() for c in row if c.value and "column" in str(c.value)
                and str(c.value).startswith("<img"))
    assert cell.data_type == "s" and cell.value == f"{HOSTILE} column"


def _choose(dash_duo, selector: str, value: str, drawn: str = "#explore-table", search: str = "") -> None:
    """Choose ``value`` in a dropdown by keyboard only: focus it (as Tab would), Enter opens it on
    the chosen option, arrow keys move to ``value``, Enter takes it."""
    driver = dash_duo.driver
    wait_idle(dash_duo)  # the page re-renders after each choice: use the new controls
    wait_for(lambda: dash_duo.find_element(drawn), what="the page drawn")
    # Dash 4's dropdown takes the keyboard on the focus target beside its button
    target = dash_duo.find_element(f".dash-dropdown-wrapper:has({selector}) .dash-dropdown-focus-target")
    driver.execute_script("arguments[0].focus()", target)  # it hands focus on to the button
    wait_for(lambda: driver.switch_to.active_element.get_attribute("id") == selector[1:], what=f"{selector} focused")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: dash_duo.find_element(selector).get_attribute("aria-expanded") == "true", what=f"{selector} open")
    try:  # focus lands on the chosen option a frame after opening
        wait_for(lambda: driver.switch_to.active_element.get_attribute("type") == "radio", timeout=3)
    except AssertionError:  # no value chosen yet: it stays in the search box
        driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        wait_for(lambda: driver.switch_to.active_element.get_attribute("type") == "radio", what="an option")
    if search:  # a long list draws only what is in view: type into its search box to filter it
        box = dash_duo.find_element(".dash-dropdown-content .dash-dropdown-search")
        driver.execute_script("arguments[0].focus()", box)
        box.send_keys(search)
        wait_for(lambda: [r.get_attribute("value") for r in driver.find_elements(
            By.CSS_SELECTOR, ".dash-dropdown-content input[type=radio]")] == [value], what=f"only {value!r} left")
        box.send_keys(Keys.ARROW_DOWN)
    values = [r.get_attribute("value") or "" for r in driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content input[type=radio]")]
    here = values.index(driver.switch_to.active_element.get_attribute("value") or "")
    there = values.index(value)
    key = Keys.ARROW_DOWN if there > here else Keys.ARROW_UP
    for _ in range(abs(there - here)):
        driver.switch_to.active_element.send_keys(key)
    wait_for(lambda: driver.switch_to.active_element.get_attribute("value") == value, what=f"{value!r} focused")
    driver.switch_to.active_element.send_keys(Keys.ENTER)


def test_cle001_explore_by_keyboard_url_round_trip_and_csv(dash_duo, demo_app):
    require_browser()
    dash_duo.start_server(demo_app, navigate=False)
    dash_duo.driver.get(f"{dash_duo.server.url}/explore?metric=nope&from=2020-13")
    dash_duo.wait_for_element("#explore-controls", timeout=20)
    notes = dash_duo.find_element(".page-body").text
    assert "metric 'nope' is not a metric" in notes and "from must be a month" in notes
    _choose(dash_duo, "#explore-metric", "ota_success_rate")
    wait_for(lambda: query(dash_duo).get("metric") == "ota_success_rate", what="metric in the URL")
    dash_duo.wait_for_contains_text("#explore-metric", "OTA firmware success", timeout=20)
    _choose(dash_duo, "#explore-by", "csp_region")
    wait_for(lambda: query(dash_duo).get("by") == "csp_region", what="by in the URL")
    dash_duo.wait_for_contains_text("#explore-by", "CSP region", timeout=20)
    _choose(dash_duo, "#explore-from", "2019-10")
    wait_for(lambda: query(dash_duo).get("from") == "2019-10", what="from in the URL")
    dash_duo.wait_for_contains_text("#explore-from", "October 2019", timeout=20)
    _choose(dash_duo, "#explore-to", "2020-01")
    wait_for(lambda: query(dash_duo).get("to") == "2020-01", what="to in the URL")
    dash_duo.wait_for_contains_text("#explore-to", "January 2020", timeout=20)
    wait_idle(dash_duo)
    rows = [r.text for r in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#explore-table tbody tr")]
    url = dash_duo.driver.current_url
    dash_duo.driver.get(url)  # the link reopens the same exploration
    dash_duo.wait_for_element("#explore-table", timeout=20)
    wait_idle(dash_duo)
    assert query(dash_duo) == {"metric": "ota_success_rate", "by": "csp_region", "from": "2019-10", "to": "2020-01"}
    again = [r.text for r in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#explore-table tbody tr")]
    assert again == rows and len(rows) >= 4 * 3
    assert again[0].startswith("October 2019") and any("CSP North" in r for r in again)
    shoot(dash_duo, "explore")
    href = dash_duo.find_element("#explore-csv").get_attribute("href")
    table = list(csv.reader(io.StringIO(requests.get(href, timeout=20).text)))
    assert table[0] == ["month", "csp_region", "value (%)", "rag", "target", "minimum", "status"]
    assert len(table) - 1 == len(rows)
    north_jan = next(r for r in table if r[0] == "2020-01" and "North" in r[1])
    assert float(north_jan[2]) == pytest.approx(87.07, abs=0.01) and north_jan[3] == "red"
    assert dash_duo.get_logs() == []
