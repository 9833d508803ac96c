"""Family pages come from the catalog: every family's page renders in Chromium with each of its
views and a clean console, and a family added to a catalog file gets its page, its navigation link
and its API entry without any code."""
from __future__ import annotations

import json

import dash
import pytest
from dash._utils import to_json

from metrics.catalog import DEFAULT_CATALOG_PATH

from tests.conftest import require_browser
from tests.integration.test_pages import wait_idle

# A metric on an existing dataset (ota_firmware), in a family of its own that declares no views.
EXTRA = """

[[metrics]]
id = "ota_attempted"
title = "OTA updates attempted"
family = "ota_volume"
dataset = "ota_firmware"
numerator = ["attempted"]
unit = "count"
decimals = 0
direction = "higher_is_better"
dimensions = ["csp_region"]

[[thresholds]]
metric = "ota_attempted"
target = 250000
minimum = 200000
effective_from = "2018-01"

[[families]]
id = "ota_volume"
title = "OTA volume"
path = "/ota-volume"
metrics = ["ota_attempted"]
"""


def shown_ids(family, filters: dict) -> list[str]:
    """The element ids the family's views draw in a view with ``filters`` chosen."""
    out = []
    for view in family.views:
        if view.unfiltered_only and filters:
            continue
        out.append(f"#{view.id}" if view.kind == "tiles" else f"#{view.id}-card, #{view.id}-0-card")
    return out


def render(app, path: str, **query) -> str:
    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    with app.server.test_request_context(path):
        return to_json(page["layout"](**query))


def strings(node) -> list[str]:
    """Every text in a rendered tree (as JSON), and every id."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for v in node.values() for t in strings(v)]
    if isinstance(node, list):
        return [t for v in node for t in strings(v)]
    return []


@pytest.fixture
def extended_catalog(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text(DEFAULT_CATALOG_PATH.read_text() + EXTRA)
    return path


def test_fam001_every_catalog_family_renders_in_chromium(dash_duo, demo_app, catalog):
    require_browser()
    dash_duo.start_server(demo_app)
    for family in catalog.families:
        for query, filters in (("", {}), ("?month=2020-01&region=North", {"csp_region": "North"})):
            if filters and "csp_region" not in family.controls:
                continue
            dash_duo.driver.get(dash_duo.server_url + family.path + query)
            dash_duo.wait_for_contains_text(".page-title", family.title, timeout=20)
            wait_idle(dash_duo)
            assert dash_duo.driver.title == f"{family.title} — OPSG service metrics"
            for selector in shown_ids(family, filters):
                assert dash_duo.driver.find_elements("css selector", selector), (family.id, query, selector)
            assert dash_duo.find_elements(".metric-tile"), family.id
            assert dash_duo.get_logs() == [], (family.id, query)


def test_fam002_a_family_added_to_the_catalog_gets_its_page_without_code(make_app, extended_catalog):
    app = make_app(CATALOG_PATH=str(extended_catalog))
    family = app.server.extensions["opsg"].catalog.family("ota_volume")
    assert not family.declared  # the default views: tiles, then a trend per headline value
    shown = strings(json.loads(render(app, "/ota-volume")))
    for text in ("OTA volume", "ota-volume-tiles", "tile-ota_attempted", "tile-ota_attempted-north",
                 "tile-ota_attempted-central-south", "ota-volume-ota-attempted-card",
                 "OTA updates attempted: CSP North vs CSP Central & South"):
        assert text in shown, text
    north = strings(json.loads(render(app, "/ota-volume", region="North")))
    assert "tile-ota_attempted-north" in north and "tile-ota_attempted-central-south" not in north
    with app.server.test_request_context("/"):
        frame = json.loads(to_json(app.layout()))
    nav = [t for t in strings(frame) if t.startswith("/")]
    assert "/ota-volume" in nav and nav.index("/ota-volume") > nav.index("/ch-installs")
    client = app.server.test_client()
    listed = {m["id"]: m for m in client.get("/api/v1/metrics").get_json()["metrics"]}
    assert listed["ota_attempted"]["family"] == "ota_volume"
    series = client.get("/api/v1/metrics/ota_attempted/series?from=2020-01&to=2020-01").get_json()
    assert series["points"][0]["value"] > 0

    # the next app (a fresh copy of the demo database: close this one first, or SQLite would replay
    # its write-ahead log, catalog revision included, onto the copy) has no such family
    app.server.extensions["opsg"].store.dispose()
    plain = make_app()
    assert "/ota-volume" not in {p["path"] for p in dash.page_registry.values()}
    assert "/ota-firmware" in {p["path"] for p in dash.page_registry.values()}
    assert plain.server.extensions["opsg"].catalog.families[-1].id == "ch_installs"


def test_fam003_the_added_family_page_renders_in_chromium(dash_duo, make_app, extended_catalog):
    require_browser()
    app = make_app(CATALOG_PATH=str(extended_catalog))
    dash_duo.start_server(app)
    dash_duo.wait_for_element("#overview-rag-matrix", timeout=20)
    link = dash_duo.driver.find_element("css selector", ".main-nav a[href^='/ota-volume']")
    assert link.text == "OTA volume"
    link.click()
    dash_duo.wait_for_contains_text(".page-title", "OTA volume", timeout=20)
    wait_idle(dash_duo)
    assert dash_duo.find_element("#ota-volume-ota-attempted-graph")
    assert len(dash_duo.find_elements("#ota-volume-tiles .metric-tile")) == 3  # all, CSP N, CSP C&S
    assert dash_duo.get_logs() == []
