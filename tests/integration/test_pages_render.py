"""Pages rendered on the server without a browser: every state renders, ids are unique, the as-of
view shows what was in force then, an empty database says so, and the CSV callback is safe."""
from __future__ import annotations

import csv
import io
import json
import dash
import pytest
from dash._utils import to_json

from tests.integration.dash_calls import registered_pages

from metrics.ingest.write import ingest
from metrics.store.engine import utcnow

STATES = [{}, {"month": "2020-01"}, {"month": "2020-01", "region": "North"},
          {"region": "Central & South", "generation": "SMETS1"}, {"region": "South"},
          {"month": "nonsense", "region": "Mars", "as_of": "never"}]


def pages():
    return sorted(registered_pages(), key=lambda p: p["order"])


def figure_pages():
    """The overview and family pages (tool pages such as upload have no month view or figures)."""
    return [p for p in pages() if p.get("nav") != "tools"]


def ids(node, found=None):
    found = [] if found is None else found
    if isinstance(node, dict):
        if "props" in node and "id" in node["props"]:
            found.append(json.dumps(node["props"]["id"], sort_keys=True))
        for value in node.values():
            ids(value, found)
    elif isinstance(node, list):
        for item in node:
            ids(item, found)
    return found


def render(app, path, **query):
    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    with app.server.test_request_context(path):
        return json.loads(to_json(page["layout"](**query)))


@pytest.mark.parametrize("state", STATES, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()) or "default")
def test_pag010_every_page_renders_every_state(demo_app, state):
    for page in pages():
        tree = render(demo_app, page["path"], **state)
        found = ids(tree)
        assert len(found) == len(set(found)), f"duplicate ids on {page['path']}"
        if state.get("month") == "nonsense" and page in figure_pages():
            assert "Ignored in the link" in json.dumps(tree)


def test_pag011_as_of_shows_the_figures_then(make_app):
    app = make_app()
    ctx = app.server.extensions["opsg"]
    before = utcnow()
    data = "month,category,count,change_related\n" + "\n".join(
        f"2021-12,{c},{n},0" for c, n in zip("12345", (3, 4, 10, 10, 10))) + "\n"
    report = ingest(ctx.store, ctx.catalog, data.encode(), "correction.csv", reason="corrected count")
    assert report.outcome == "accepted", report.errors
    now = json.dumps(render(app, "/stability"))
    then = json.dumps(render(app, "/stability", as_of=before.isoformat()))
    assert '"37"' in now and '"37"' not in then
    assert "Historic view" in then and "Historic view" not in now


def test_pag012_empty_database_says_so(tmp_path):
    from dashboard import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, demo=False)
    for page in figure_pages():
        assert "Nothing to show yet" in json.dumps(render(app, page["path"]))
    with app.server.test_request_context("/"):
        assert "demo-banner" not in to_json(app.layout())


def test_pag013_csv_download_is_built_on_the_server_and_formula_safe(demo_app):
    client = demo_app.server.test_client()
    client.get("/")  # first request sets up the callbacks
    button = {"index": "exceptions-month", "type": "csv-button"}
    store = {"index": "exceptions-month", "type": "figures-data"}
    payload = {
        "output": '{"index":["MATCH"],"type":"csv-download"}.data',
        "outputs": {"id": {"index": "exceptions-month", "type": "csv-download"}, "property": "data"},
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
        "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
        "state": [
            {"id": store, "property": "data",
             "value": {"rows": [{"type": "=cmd|' /C calc'!A0", "r0": 5.0}, {"type": "Plain", "r0": -2}],
                       "columns": [{"field": "type", "headerName": "Exception type"},
                                   {"field": "r0", "headerName": "CSP North"}]}},
            {"id": button, "property": "id", "value": button},
            {"id": "_pages_location", "property": "search", "value": "?month=2020-01&region=North"},
        ],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.data[:500]
    data = response.get_json()["response"]
    download = next(iter(data.values()))["data"]
    assert download["filename"] == "exceptions-month-North-2020-01.csv"
    rows = list(csv.reader(io.StringIO(download["content"])))
    assert rows == [["Exception type", "CSP North"], ["'=cmd|' /C calc'!A0", "5"], ["Plain", "-2"]]


def test_pag014_page_titles_and_paths_follow_the_catalog(demo_app, catalog):
    registered = {p["path"] for p in dash.page_registry.values()}
    assert {f.path for f in catalog.families} <= registered
    with demo_app.server.test_request_context("/"):
        frame = json.loads(to_json(demo_app.layout()))
    nav = [json.loads(i)["path"] for i in ids(frame) if '"nav-link"' in i]
    families = ["/", *[f.path for f in catalog.families]]
    assert nav[:len(families)] == families, "navigation follows the catalog, then the tool pages"
    assert {p["path"] for p in figure_pages()} == set(families)
