"""Uploads that could overwrite figures by mistake are caught before Confirm: templates hold no
rows, a change to final figures or a removal of rows is a warning that needs a tick, and each new
month's preview says what the overview will say for it (computed by the overview's own code)."""
from __future__ import annotations

import json

import pytest

from metrics.ingest.write import ingest
from metrics.store.engine import Store
from metrics.read.summary import month_summary
from metrics.upload.templates import template_csv, template_xlsx
from tests.integration.conftest import signed_in_client
from tests.integration.dash_calls import database_dump
from tests.integration.test_uploads import UploadPage

DECEMBER = ("month,csp_region,attempted,succeeded\n2021-12,North,1000,990\n2021-12,Central,1000,995\n"
            "2021-12,South,1000,996\n")
INCIDENTS = "month,category,count\n2021-12,1,0\n2021-12,2,1\n2021-12,3,9\n"
# January with a typing error: CSP North's succeeded should have been 990.
JANUARY = ("month,csp_region,attempted,succeeded\n2022-01,North,1000,99\n2022-01,Central,1000,994\n"
           "2022-01,South,1000,997\n")


def readable(shown: str) -> str:
    return json.dumps(json.loads(shown), ensure_ascii=False)


def test_upl020_an_unchanged_template_changes_nothing_on_the_demo(demo_db_url, catalog):
    """The demo holds final figures for January 2020, the month the examples use."""
    store = Store(demo_db_url)
    before = database_dump(store)
    files = [(template_csv(catalog, name), f"{name}.csv") for name in catalog.datasets]
    files.append((template_xlsx(catalog), "opsg-upload-template.xlsx"))
    for data, filename in files:
        report = ingest(store, catalog, data, filename, status="provisional", reason="uploaded by mistake")
        assert [c for c in report.changes if c.kind != "unchanged"] == [], filename
        assert report.outcome != "accepted", filename
        for error in report.errors:  # what it says is clear: the file has no figures in it
            assert "no data rows" in error.message or "no dataset with figures" in error.message, error
    after = database_dump(store)
    for table in ("revisions", "revision_rows", "rollups", "notes"):
        assert after[table] == before[table], table
    store.dispose()


def test_upl021_a_new_months_preview_is_what_the_overview_will_say(store, catalog):
    """Rehearsed in a transaction that is rolled back: nothing is written, and the summary equals
    the one the overview computes once the upload is stored."""
    for data, name in ((DECEMBER, "ota.csv"), (INCIDENTS, "incidents.csv")):
        assert ingest(store, catalog, data.encode(), name, status="final").outcome == "accepted"
    before = database_dump(store)
    preview = ingest(store, catalog, JANUARY.encode(), "ota_2022-01.csv", dry_run=True, summarise=True)
    assert database_dump(store) == before  # the rehearsal left nothing behind
    assert list(preview.new_months) == ["2022-01"]
    rehearsed = preview.new_months["2022-01"]
    red = {(e["metric"], e["dimension_value"]) for e in rehearsed if e["rag"] == "red"}
    assert ("ota_success_rate", "North") in red  # the typing error shows as a Red cell
    north = next(e for e in rehearsed if (e["metric"], e["dimension_value"]) == ("ota_success_rate", "North"))
    assert round(north["value"], 2) == 9.9 and north["previous_value"] == 99.0
    incidents = next(e for e in rehearsed if (e["metric"], e["dimension_value"]) == ("incidents_total", None))
    assert incidents["rag"] == "no_data"  # January's incidents are not in this upload
    assert preview.as_dict()["new_months"] == preview.new_months

    assert ingest(store, catalog, JANUARY.encode(), "ota_2022-01.csv").outcome == "accepted"
    with store.read() as conn:
        assert month_summary(conn, catalog, "2022-01") == rehearsed
    again = ingest(store, catalog, DECEMBER.encode(), "ota.csv", dry_run=True, summarise=True, reason="x")
    assert again.new_months == {} and "new_months" not in again.as_dict()  # no month added


def test_upl022_final_figures_changed_or_rows_removed_need_the_tick(make_app):
    app = make_app(PUBLIC_READ=False)
    page = UploadPage(signed_in_client(app, "dcc", "uploader"))
    # November 2021 is final in the demo; this file has CSP North only, so it removes two rows.
    shown, pending = page.drop("ota_nov.csv", "month,csp_region,attempted,succeeded\n2021-11,North,1000,990\n")
    shown = readable(shown)
    assert "upload-risk-warning" in shown and pending["needs_ack"] and pending["needs_reason"]
    assert ("OTA firmware · November 2021: changes final figures and makes them provisional; removes 2 rows"
            in shown)
    store = app.server.extensions["opsg"].store
    before = database_dump(store)
    shown, kept = page.confirm(pending, reason="resubmitted")  # a reason without the tick
    assert "tick the box" in shown and kept == pending and database_dump(store) == before
    shown, done = page.confirm(pending, reason="resubmitted", ack=["checked"])
    assert "upload-done" in shown and done is None

    shown, pending = page.drop("ota_jan.csv", JANUARY)  # a new month: no warning, its summary instead
    shown = readable(shown)
    assert "upload-risk-warning" not in shown and not pending["needs_ack"] and not pending["needs_reason"]
    assert "upload-new-month-2022-01" in shown and "The overview for January 2022 will say" in shown
    assert "OTA firmware success · North: 9.90%" in shown  # the typing error, named


@pytest.mark.browser
def test_upl023_the_page_wants_the_tick_as_well_as_the_reason(dash_duo, make_app, tmp_path):
    from tests.conftest import require_browser
    from tests.integration.conftest import add_user, browser_sign_in
    from tests.integration.browser import click, drop, type_into, wait_until

    require_browser()
    app = make_app(PUBLIC_READ=False)
    add_user(app, "dcc", "uploader")
    dash_duo.start_server(app, navigate=False)
    browser_sign_in(dash_duo, "dcc", next_path="/upload")
    dash_duo.wait_for_element("#upload-dropzone", timeout=20)
    path = tmp_path / "ota_nov.csv"
    path.write_text("month,csp_region,attempted,succeeded\n2021-11,North,1000,990\n")
    drop(dash_duo, path)
    warning = dash_duo.wait_for_element("#upload-risk-warning", timeout=30)
    assert "November 2021: changes final figures" in warning.text and "removes 2 rows" in warning.text
    confirm, tick = dash_duo.find_element("#upload-confirm"), dash_duo.find_element("#upload-ack input")
    assert tick.is_displayed() and not tick.is_selected() and not confirm.is_enabled()
    # Each step waits for the button to change, so each state is one the page has reached.
    dash_duo.find_element("#upload-reason").send_keys("CSP N resubmitted November")
    click(dash_duo, tick)
    wait_until(dash_duo, confirm.is_enabled, what="Confirm enabled by the reason and the tick")
    click(dash_duo, tick)  # untick: the reason alone does not confirm over final figures
    wait_until(dash_duo, lambda: not confirm.is_enabled(), what="Confirm disabled without the tick")
    click(dash_duo, tick)
    wait_until(dash_duo, confirm.is_enabled, what="Confirm enabled again")
    type_into(dash_duo, "#upload-reason", "")  # the tick alone does not confirm either
    wait_until(dash_duo, lambda: not confirm.is_enabled(), what="Confirm disabled without the reason")
    type_into(dash_duo, "#upload-reason", "CSP N resubmitted November")
    wait_until(dash_duo, confirm.is_enabled, what="Confirm enabled by the reason again")
    click(dash_duo, confirm)
    dash_duo.wait_for_contains_text("#upload-done", "Stored as upload #", timeout=30)
    assert dash_duo.get_logs() == []
