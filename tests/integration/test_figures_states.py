"""Figures and states a member can trust (issue 11, points 1-6): previous figures, zero versus No
data, missing data as news, actions judged at the moment viewed, time travel on the demo, and months
outside the data. Each test runs on both databases where it writes figures."""
from __future__ import annotations

import json

import dash
import pytest
from dash._utils import to_json

from metrics.ingest.write import ingest
from metrics.read.queries import series
from metrics.read.summary import month_summary

SECRET = "test-only-secret-key"
# January 2022: only categories 3-4 (7 incidents), no change_related column; February: a major one.
JAN_ONLY_MINOR = b"month,category,count\n2022-01,3,4\n2022-01,4,3\n"
FEB = b"month,category,count,change_related\n2022-02,1,1,0\n2022-02,3,2,0\n"


def fresh_app(store):
    from dashboard import create_app

    return create_app({"DATABASE_URL": store.url, "PUBLIC_READ": True, "SECRET_KEY": SECRET}, demo=False)


def render(app, path, **query) -> str:
    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    with app.server.test_request_context(path):
        return to_json(page["layout"](**query))


def texts(tree_json: str) -> str:
    """Every string in a rendered layout, joined by ' | ' (children split across spans stay apart)."""
    found = []

    def walk(node):
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key not in ("type", "namespace", "className", "id", "href", "style"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(json.loads(tree_json))
    return " | ".join(found)


def by_id(tree_json: str, element_id: str):
    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("props"), dict) and node["props"].get("id") == element_id:
                return node
            for value in node.values():
                if (hit := walk(value)) is not None:
                    return hit
        elif isinstance(node, list):
            for item in node:
                if (hit := walk(item)) is not None:
                    return hit
        return None
    return walk(json.loads(tree_json))


def accepted(store, catalog, data, name="incidents.csv", **kw):
    report = ingest(store, catalog, data, name, **kw)
    assert report.outcome == "accepted", report.errors
    return report


# ---------------------------------------------------------------- 1. the previous figure
def test_fig001_tile_names_the_previous_figure_when_this_month_has_none(store, catalog):
    accepted(store, catalog, JAN_ONLY_MINOR)
    app = fresh_app(store)
    with store.read() as conn:
        api = {e["metric"]: e for e in month_summary(conn, catalog, "2022-02")}
    assert api["incidents_total"]["previous_value"] == 7 and api["incidents_total"]["value"] is None
    page = render(app, "/stability", month="2022-02")
    tile = texts(json.dumps(by_id(page, "tile-incidents_total")))
    assert "no previous figure" not in tile
    assert "previous 7" in tile and "on Jan 2022" in tile
    cell = texts(json.dumps(by_id(render(app, "/", month="2022-02"), "overview-row-incidents_total")))
    assert "no previous figure" not in cell and "previous 7" in cell


# ---------------------------------------------------------------- 2. zero and No data
def test_fig002_unlisted_categories_are_zero_missing_column_is_no_data(store, catalog):
    accepted(store, catalog, JAN_ONLY_MINOR)
    accepted(store, catalog, FEB, "feb.csv")
    with store.read() as conn:
        major = series(conn, catalog, "incidents_major", start="2021-12", end="2022-02")
        change = series(conn, catalog, "incidents_change_related", start="2022-01", end="2022-02")
        split = series(conn, catalog, "incidents_total", start="2022-01", end="2022-02", by="category")
        summary = {e["metric"]: e for e in month_summary(conn, catalog, "2022-01")}
    # December has no slice: absent (No data); January lists only categories 3-4: zero, Green.
    assert [(p["month"], p["value"], p["rag"]) for p in major] == [
        ("2022-01", 0.0, "green"), ("2022-02", 1.0, "amber")]
    # January left the optional change_related column out: No data, not zero.
    assert [(p["value"], p["rag"]) for p in change] == [(None, "no_data"), (0.0, "green")]
    cat = {(p["month"], p["category"]): p["value"] for p in split}
    assert cat[("2022-01", "1")] == 0 and cat[("2022-02", "4")] == 0 and cat[("2022-02", "3")] == 2
    assert (summary["incidents_major"]["value"], summary["incidents_major"]["rag"]) == (0.0, "green")
    assert summary["incidents_change_related"]["rag"] == "no_data"
    feb = {e["metric"]: e for e in _summary(store, catalog, "2022-02")}
    assert feb["incidents_major"]["previous_value"] == 0 and feb["incidents_major"]["change"] == 1


def _summary(store, catalog, month):
    with store.read() as conn:
        return month_summary(conn, catalog, month)


def test_fig003_zero_reaches_regions_pages_meeting_and_narrative(store, catalog):
    from metrics.read.narrative import sentence
    from metrics.meeting.content import meeting_content

    accepted(store, catalog, JAN_ONLY_MINOR)
    # OTA for January from North only: Central and South list nothing, so the C&S ratio is 0/0
    # (No data), while alerts listing no South rows have zero South alerts.
    accepted(store, catalog, b"month,csp_region,attempted,succeeded\n2022-01,North,100,99\n", "ota.csv")
    accepted(store, catalog, b"month,csp_region,smets_generation,alert_code,count\n"
                             b"2022-01,North,SMETS2,8F3E,50\n", "alerts.csv")
    with store.read() as conn:
        entries = {(e["metric"], e["dimension_value"]): e for e in month_summary(conn, catalog, "2022-01")}
        content = meeting_content(conn, catalog, "2022-01")
        south_8f35 = series(conn, catalog, "alerts_total", start="2022-01", end="2022-01",
                            filters={"csp_region": "South", "alert_code": "8F35"})
    assert entries[("alerts_total", "Central & South")]["value"] == 0
    assert entries[("ota_success_rate", "Central & South")]["rag"] == "no_data"
    assert [p["value"] for p in south_8f35] == [0.0]
    assert "were 0 in January 2022" in sentence(entries[("incidents_major", None)])
    slide = {(e["metric"], e["dimension_value"]): e for e in content["entries"]}
    assert slide[("incidents_major", None)]["value"] == 0 and slide[("incidents_major", None)]["rag"] == "green"
    app = fresh_app(store)
    tile = texts(json.dumps(by_id(render(app, "/stability", month="2022-01"), "tile-incidents_major")))
    assert "Green" in tile and "No data" not in tile


# ---------------------------------------------------------------- 3. missing figures are news
def test_fig004_missing_datasets_need_attention_and_no_data_is_not_green(store, catalog):
    from dashboard.components.meeting_slides import overview_body
    from metrics.meeting.content import meeting_content
    from report.pack import pack_html

    accepted(store, catalog, JAN_ONLY_MINOR)
    accepted(store, catalog, b"month,csp_region,attempted,succeeded\n2022-01,North,100,99\n", "ota.csv")
    accepted(store, catalog, b"month,csp_region,smets_generation,alert_code,count\n"
                             b"2022-01,North,SMETS2,8F3E,5\n", "alerts.csv")
    app = fresh_app(store)
    page = render(app, "/", month="2022-01")
    attention = texts(json.dumps(by_id(page, "overview-attention")))
    assert "from 5 of 8 datasets" in attention and "CH returns" in attention
    panel = texts(json.dumps(by_id(page, "overview-narrative")))
    assert "Green and no data" not in panel
    no_data = texts(json.dumps(by_id(page, "overview-no-data")))
    green = texts(json.dumps(by_id(page, "overview-green")))
    assert "No data" in no_data and "No data" not in green.replace("No data (", "")
    assert "Every metric is Green" not in panel
    with store.read() as conn:
        content = meeting_content(conn, catalog, "2022-01")
    assert any("5 of 8 datasets" in t for t in content["data_news"])
    assert content["items"][0]["kind"] == "overview"
    slide = texts(to_json(overview_body(content["items"][0], content)))
    assert "5 of 8 datasets" in slide and "No data" in slide
    pack = pack_html(content, {})
    assert "5 of 8 datasets" in pack and " No data. " in pack


# ---------------------------------------------------------------- 4. actions judged when viewed
def test_fig005_actions_are_judged_at_the_moment_viewed(demo_app):
    from datetime import date

    from dashboard.components.meeting_slides import actions_body
    from metrics.records import actions
    from metrics.meeting.content import meeting_content

    before = render(demo_app, "/", month="2019-06")
    assert "open action" not in texts(before)  # raised 4 February 2020: not there yet
    jan = texts(render(demo_app, "/", month="2020-01"))
    assert "open action" in jan
    ctx = demo_app.server.extensions["opsg"]
    with ctx.store.read() as conn:
        content = meeting_content(conn, ctx.catalog, "2020-01", today=date(2026, 12, 1))
        every = actions.list_actions(conn, today=date(2026, 12, 1), status="open")
    item = next(i for i in content["items"] if i["kind"] == "actions")
    slide = texts(to_json(actions_body(item, content)))
    assert "as at 29 February 2020" in slide  # the meeting after January: end of February
    overdue = sum(a["overdue"] for a in item["actions"])
    assert 0 < overdue < len(item["actions"]) == len(every)
    assert all(a["days_overdue"] < 30 for a in item["actions"])
    log = texts(render(demo_app, "/actions", month="2020-01"))
    assert "as the log stood on 29 February 2020" in log


# ---------------------------------------------------------------- 5. time travel on the demo
def test_fig006_demo_uploads_are_stamped_when_the_dcc_would_have_sent_them(demo_app):
    from datetime import datetime

    from sqlalchemy import select

    from metrics.store import schema
    from metrics.demo.bootstrap import demo_received_at
    from metrics.read.queries import months_with_figures

    ctx = demo_app.server.extensions["opsg"]
    with ctx.store.read() as conn:
        # 4 February 2020 (OPSG_29): figures up to December 2019 had arrived, January's not yet
        then = months_with_figures(conn, as_of=datetime(2020, 2, 4, 23, 59))
        r = schema.revisions
        ota_jan = conn.execute(select(r.c.created_at, r.c.status).where(
            r.c.dataset == "ota_firmware", r.c.month == "2020-01").order_by(r.c.created_at)).all()
        audit = conn.execute(select(schema.audit_events.c.detail).where(
            schema.audit_events.c.action == "upload_accepted")).scalars().first()
    assert then[0] == "2018-01" and then[-1] == "2019-12"
    assert [s for _, s in ota_jan] == ["provisional", "final"]
    assert demo_received_at("2020-01") <= ota_jan[0][0] < demo_received_at("2020-01", 11)
    assert ota_jan[0][0].date().isoformat() == "2020-02-14" and ota_jan[1][0] > ota_jan[0][0]
    assert '"received_at"' in audit
    page = texts(render(demo_app, "/", as_of="2020-02-04"))
    assert "December 2019" in page and "Historic view" in page
    before = render(demo_app, "/", as_of="2017-06-01")
    text = texts(before)
    assert "No figures have been uploaded yet" not in text
    assert "the first upload was received on 14 February 2018" in text
    assert by_id(before, "first-upload-link")["props"]["href"] == "?as_of=2018-02-14"


def test_fig007_received_at_is_only_for_the_demo(store, catalog):
    from datetime import datetime

    data = b"month,category,count\n2020-01,3,1\n"
    with pytest.raises(ValueError, match="only for demo uploads"):
        ingest(store, catalog, data, "i.csv", source="api", received_at=datetime(2020, 2, 14, 9))
    report = ingest(store, catalog, data, "i.csv", source="demo", received_at=datetime(2020, 2, 14, 9))
    assert report.outcome == "accepted"
    later = b"month,category,count\n2020-01,3,2\n"
    with pytest.raises(ValueError, match="before incidents figures received"):
        ingest(store, catalog, later, "i.csv", source="demo", reason="fix",
               received_at=datetime(2020, 2, 1))


# ---------------------------------------------------------------- 6. months outside the data
@pytest.mark.parametrize("month, nearest", [("2017-06", "2018-01"), ("2030-01", "2021-12")])
def test_fig008_month_outside_the_data_names_the_span_and_the_nearest(demo_app, month, nearest):
    for path in ("/", "/stability", "/ota-firmware", "/alerts", "/ch-exceptions", "/aged-incidents",
                 "/ch-returns", "/smets1-migration", "/ch-installs"):
        tree = render(demo_app, path, month=month)
        note = by_id(tree, "coverage-note")
        assert note is not None, path
        text = texts(json.dumps(note))
        assert "the figures cover January 2018 to December 2021" in text
        assert by_id(tree, "coverage-nearest")["props"]["href"] == f"?month={nearest}"
    assert by_id(render(demo_app, "/", month="2020-01"), "coverage-note") is None


def test_fig009_a_ratio_across_datasets_is_zero_where_only_its_denominator_lists_a_region(store, catalog):
    accepted(store, catalog, b"month,csp_region,smets_generation,alert_code,count\n"
                             b"2022-01,North,SMETS2,8F3E,50\n", "alerts.csv")
    accepted(store, catalog, b"month,csp_region,installed,commissioned_total\n2022-01,North,10,10000\n"
                             b"2022-01,Central,10,20000\n2022-01,South,10,30000\n", "installs.csv")
    entries = {(e["metric"], e["dimension_value"]): e for e in _summary(store, catalog, "2022-01")}
    assert entries[("alerts_per_10k_ch", "North")]["value"] == 50
    assert entries[("alerts_per_10k_ch", "Central & South")]["value"] == 0
    assert entries[("alerts_per_10k_ch", "Central & South")]["rag"] == "green"
    with store.read() as conn:
        south = series(conn, catalog, "alerts_per_10k_ch", filters={"csp_region": "South"})
    assert [p["value"] for p in south] == [0.0]


def test_fig010_the_meeting_for_a_month_outside_the_data_offers_the_nearest(demo_app):
    tree = render(demo_app, "/meeting", month="2017-06", slide="1")
    assert "the figures cover January 2018 to December 2021" in texts(json.dumps(by_id(tree, "coverage-note")))
    assert by_id(tree, "coverage-nearest")["props"]["href"] == "?month=2018-01"
