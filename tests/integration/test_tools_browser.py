"""The tool pages in a real browser: the whole upload flow as an uploader, a rollback by an
administrator, and hostile text through every text column shown as text on upload and history."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from metrics.read.export import logical_dump
from metrics.ingest.write import ingest
from tests.badfiles import xlsx_bytes
from tests.conftest import require_browser
from tests.integration.browser import click, drop, grid_text, no_alert, wait_until
from tests.integration.conftest import add_user, browser_sign_in

pytestmark = pytest.mark.browser

BAD = "Month,CSP Region,Attempted,Succeeded\n2022-01,North,1000,990\n2022-01,Nroth,1000,980\n2022-01,South,100,120\n"
GOOD = ("Month,CSP Region,Attempted,Succeeded\n2021-12,North,1000,999\n2021-12,Central,1000,998\n"
        "2021-12,South,1000,997\n2022-01,North,1000,990\n2022-01,Central,1000,980\n2022-01,South,1000,970\n")
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
LINK = "<a href=javascript:alert(3)>click</a>"


def test_upl010_the_whole_upload_flow(dash_duo, make_app, tmp_path):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "dcc", "uploader")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "dcc", next_path="/upload")
    dash_duo.wait_for_element("#upload-dropzone", timeout=20)
    assert "Up to 20 MB" in dash_duo.find_element("#upload-limit").text

    (tmp_path / "ota_2022-01.csv").write_text(BAD)
    drop(dash_duo, tmp_path / "ota_2022-01.csv")
    dash_duo.wait_for_contains_text("#upload-errors-grid", "did you mean North", timeout=30)
    errors = grid_text(dash_duo, "#upload-errors-grid")
    for expected in ("Sheet", "Row", "Column", "ota_2022-01.csv", "CSP Region", "Nroth", "Succeeded", "120"):
        assert expected in errors, expected
    assert "2 errors" in dash_duo.find_element("#upload-errors").text
    assert not dash_duo.find_element("#upload-decision").is_displayed()

    (tmp_path / "ota_2022-01_fixed.csv").write_text(GOOD)
    drop(dash_duo, tmp_path / "ota_2022-01_fixed.csv")
    dash_duo.wait_for_element("#upload-preview-grid .ag-row", timeout=30)
    preview = grid_text(dash_duo, "#upload-preview-grid")
    assert "Added" in preview and "Changed" in preview and "Jan 2022" in preview and "Dec 2021" in preview
    assert "North · succeeded" in preview and "→" in preview
    confirm = dash_duo.find_element("#upload-confirm")
    assert confirm.is_displayed() and not confirm.is_enabled()  # a correction needs a reason first

    final = [x for x in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#upload-status label")
             if x.text.strip() == "Final"][0]
    click(dash_duo, final)
    wait_until(dash_duo, lambda: "provisional → final" in grid_text(dash_duo, "#upload-preview-grid"),
               what="the preview follows the status")
    # January 2022 is new: the preview says what the overview will say for it.
    new_month = dash_duo.find_element("#upload-new-month-2022-01").text
    assert "The overview for January 2022 will say" in new_month and "No cell will be Red" in new_month
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#upload-risk-warning") == []  # December is provisional
    dash_duo.find_element("#upload-reason").send_keys("CSP N resubmitted December after the review")
    wait_until(dash_duo, confirm.is_enabled, what="Confirm enabled by the reason")
    click(dash_duo, confirm)
    dash_duo.wait_for_contains_text("#upload-done", "Stored as upload #", timeout=30)
    click(dash_duo, dash_duo.find_element("#upload-see-overview"))
    dash_duo.wait_for_contains_text(".page-title", "January 2022", timeout=30)
    dash_duo.wait_for_contains_text("#overview-row-ota_success_rate", "98.00%", timeout=30)
    ctx = app.server.extensions["opsg"]
    with ctx.store.read() as conn:
        ota = [r for r in logical_dump(conn, ctx.catalog)["ota_firmware"] if r[0] >= "2021-12"]
    assert {r[-1] for r in ota} == {"final"} and len(ota) == 6
    assert dash_duo.get_logs() == []


def test_his010_an_administrator_rolls_back_a_month(dash_duo, make_app):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "secas", "admin")
    ctx = app.server.extensions["opsg"]

    def north_january():
        with ctx.store.read() as conn:
            return next(r for r in logical_dump(conn, ctx.catalog)["ota_firmware"]
                        if r[:2] == ("2020-01", "North"))

    corrected = north_january()
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "secas", next_path="/history?dataset=ota_firmware&month=2020-01")
    dash_duo.wait_for_contains_text("#history-slice-title", "OTA firmware · January 2020", timeout=20)
    cards = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#history-revisions .revision")
    assert len(cards) == 2 and "In force" in cards[0].text and "Replaced" in cards[1].text
    assert "succeeded" in cards[0].text  # what the correction changed
    click(dash_duo, cards[1].find_element(By.CSS_SELECTOR, "button"))
    dash_duo.wait_for_element("#history-rollback-form", timeout=10)
    wait_until(dash_duo, lambda: dash_duo.find_element("#history-rollback-form").is_displayed(), what="the form")
    click(dash_duo, dash_duo.find_element("#history-rollback-confirm"))
    dash_duo.wait_for_contains_text("#history-rollback-message", "give a reason", timeout=20)
    assert north_january() == corrected
    dash_duo.find_element("#history-rollback-reason").send_keys("The resubmission was sent in error")
    click(dash_duo, dash_duo.find_element("#history-rollback-confirm"))
    dash_duo.wait_for_contains_text("#history-upload-detail", "rollback of ota_firmware 2020-01", timeout=30)
    cards = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#history-revisions .revision")
    assert len(cards) == 3 and "In force" in cards[0].text and "Rollback" in cards[0].text
    assert "The resubmission was sent in error" in cards[0].text and "secas" in cards[0].text
    rolled_back = north_january()
    assert rolled_back[3] == corrected[3] - 300 and rolled_back[4] == "provisional"
    click(dash_duo, dash_duo.find_element("#account-sign-out"))  # the header's Sign out
    dash_duo.wait_for_contains_text("#login-notice", "You have signed out", timeout=20)
    dash_duo.driver.get(dash_duo.server.url + "/history")
    dash_duo.wait_for_element("#login-form", timeout=20)
    assert dash_duo.get_logs() == []


def hostile_history(app) -> None:
    """November 2021 slices whose text columns carry markup, stored before the browser upload."""
    ctx = app.server.extensions["opsg"]
    files = {
        "ch_exceptions.csv": f'month,csp_region,exception_type,count\n2021-11,North,"{IMG}",5\n',
        "aged.csv": f'month,reason,count,assigned_to\n2021-11,"{SCRIPT}",4,"{LINK}"\n',
        "smets1.csv": f'month,device_model,migrated,failed\n2021-11,"{IMG}",10,1\n',
        "notes.csv": f'date,title,detail\n2021-11-15,"{IMG}","{SCRIPT}"\n',
    }
    for name, text in files.items():
        report = ingest(ctx.store, ctx.catalog, text.encode(), name, user="dcc", reason="set up")
        assert report.outcome == "accepted", (name, report.errors)


def test_sec020_uploaded_text_is_shown_as_text_on_upload_and_history(dash_duo, make_app, tmp_path):
    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "dcc", "uploader")
    hostile_history(app)
    workbook = xlsx_bytes({
        "ch_exceptions": [["month", "csp_region", "exception_type", "count"], ["2021-11", "North", IMG, 6]],
        "aged_incidents": [["month", "reason", "count", "assigned_to"], ["2021-11", SCRIPT, 5, LINK]],
        "smets1_migration": [["month", "device_model", "migrated", "failed"], ["2021-11", IMG, 11, 1]],
        "annotations": [["date", "title", "detail"], ["2021-11-15", IMG, LINK]],
    })
    hostile_name = tmp_path / f"{IMG}.xlsx"
    hostile_name.write_bytes(workbook)
    bad = tmp_path / "bad.csv"
    bad.write_text(f'month,csp_region,attempted,succeeded\n2022-01,"{IMG}",10,9\n')

    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "dcc", next_path="/upload")
    dash_duo.wait_for_element("#upload-dropzone", timeout=20)
    drop(dash_duo, bad)
    dash_duo.wait_for_element("#upload-errors-grid .ag-row", timeout=30)
    assert IMG in grid_text(dash_duo, "#upload-errors-grid")
    drop(dash_duo, hostile_name)
    dash_duo.wait_for_element("#upload-preview-grid .ag-row", timeout=30)
    preview = grid_text(dash_duo, "#upload-preview-grid") + dash_duo.find_element("#upload-preview").text
    for text in (f"{IMG} · count: 5 → 6",  # exception_type
                 f"{SCRIPT}, {LINK} · count: 4 → 5",  # reason, assigned_to
                 f"{IMG} · migrated: 10 → 11",  # device_model
                 f"2021-11-15, {IMG} · detail: {SCRIPT} → {LINK}"):  # annotation title and detail
        assert text in preview, text
    dash_duo.find_element("#upload-reason").send_keys(f"{SCRIPT} corrected")
    confirm = dash_duo.find_element("#upload-confirm")
    wait_until(dash_duo, confirm.is_enabled, what="Confirm enabled")
    click(dash_duo, confirm)
    dash_duo.wait_for_element("#upload-done", timeout=30)
    click(dash_duo, dash_duo.find_element("#upload-see-history"))
    dash_duo.wait_for_element("#history-upload-detail .ag-row", timeout=30)
    page = dash_duo.driver.execute_script("return document.body.innerText")
    assert IMG in page and f"{SCRIPT} corrected" in page  # file name, reason, changes
    dash_duo.driver.get(dash_duo.server.url + "/history?dataset=annotations&month=2021-11")
    dash_duo.wait_for_contains_text("#history-revisions", "detail", timeout=30)
    revisions = dash_duo.find_element("#history-revisions").text
    assert IMG in revisions and LINK in revisions and SCRIPT in revisions

    driver = dash_duo.driver
    assert no_alert(driver)
    assert driver.find_elements(By.CSS_SELECTOR, "img[src='x']") == []
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript']") == []
    assert driver.execute_script("return document.querySelectorAll('script:not([src])').length") == \
        driver.execute_script("return document.querySelectorAll('script[id], script:not([src])').length")
    assert dash_duo.get_logs() == []
