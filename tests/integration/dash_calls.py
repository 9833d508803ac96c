"""Call a Dash app's callbacks over HTTP as its renderer would, for role tests that enumerate them.

``callbacks(client)`` lists the server-side callbacks from ``/_dash-dependencies``; ``body(...)``
builds the JSON the renderer would POST to ``/_dash-update-component``, filling each input and state
from the components the pages rendered (``components``), or with plausible values where the page
did not draw one, and marking one input as the trigger (a click, a dropped file, a chosen row).
"""
from __future__ import annotations

import base64
import json

import dash

from dash._utils import split_callback_id
from sqlalchemy import inspect, text

WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])
CSV = "month,csp_region,attempted,succeeded\n2022-02,North,100,99\n"
DATA_URL = "data:text/csv;base64," + base64.b64encode(CSV.encode()).decode()
TRIGGERS = {"n_clicks": 1, "contents": DATA_URL, "filename": "matrix.csv",
            "data": {"id": "matrix-test-id-0123456789", "filename": "matrix.csv", "contents": DATA_URL}}
FILLERS = {"value": "matrix test value", "data": {"id": "matrix-test-id-0123456789"}, "n_clicks": 1,
           "filename": "matrix.csv", "contents": DATA_URL, "search": "", "pathname": "/"}


def registered_pages() -> list[dict]:
    """The pages with an address of their own: every registered page but the "page not found" one
    (Dash's router shows it for any address no page claims) and the family path pattern (it
    serves families a catalog revision adds at run time, at their own paths)."""
    return [p for p in dash.page_registry.values()
            if not p["module"].endswith("not_found_404") and not p.get("path_template")]


def callbacks(client) -> list[dict]:
    """Every server-side callback of the app (clientside ones run in the browser only)."""
    return [d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]


def collect(tree, found: dict | None = None) -> dict:
    """{json id: props} for every component with an id in a rendered layout."""
    found = {} if found is None else found
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and "id" in props:
            found[json.dumps(props["id"], sort_keys=True)] = props
        for value in tree.values():
            collect(value, found)
    elif isinstance(tree, list):
        for item in tree:
            collect(item, found)
    return found


def _matches(pattern: dict, candidate) -> bool:
    return (isinstance(candidate, dict) and set(candidate) == set(pattern)
            and all(v in WILDCARDS or candidate[k] == v for k, v in pattern.items()))


def _value(props: dict | None, prop: str, trigger: bool):
    if trigger and prop in TRIGGERS:
        if prop == "selectedRows":
            rows = (props or {}).get("rowData") or [{"id": 1}]
            return rows[:1]
        return TRIGGERS[prop]
    value = (props or {}).get(prop)
    if value is None and props is not None and prop == "value" and props.get("options"):
        first = props["options"][0]
        value = first.get("value") if isinstance(first, dict) else first
    if value is None:
        if prop == "selectedRows":
            return [((props or {}).get("rowData") or [{"id": 1}])[0]] if trigger else []
        return FILLERS.get(prop)
    return value


def _resolve(dep: dict, components: dict, trigger: bool, match: dict):
    raw, prop = dep["id"], dep["property"]
    if not raw.startswith("{"):
        return {"id": raw, "property": prop, "value": _value(components.get(json.dumps(raw)), prop, trigger)}
    pattern = json.loads(raw)
    found = [(json.loads(k), v) for k, v in components.items() if _matches(pattern, json.loads(k))]
    if match:
        found = [(i, v) for i, v in found if all(i[k] == match[k] for k in match if k in i)] or found
    if not found:
        found = [({k: ("matrix" if v in WILDCARDS else v) for k, v in pattern.items()}, None)]
    if not match:
        match.update({k: found[0][0][k] for k, v in pattern.items() if v == ["MATCH"]})
    items = [{"id": i, "property": prop, "value": _value(p, prop, trigger)} for i, p in found]
    return items if ["ALL"] in pattern.values() or ["ALLSMALLER"] in pattern.values() else items[0]


def body(dep: dict, components: dict, trigger_index: int = 0) -> dict:
    """The JSON for one call, with input ``trigger_index`` as the one that changed."""
    match: dict = {}
    inputs = [_resolve(d, components, i == trigger_index, match) for i, d in enumerate(dep["inputs"])]
    state = [_resolve(d, components, False, match) for d in dep["state"]]
    outputs = []
    for part in split_callback_id(dep["output"]) if dep["output"].startswith("..") else [None]:
        if part is None:
            raw, prop = dep["output"].rsplit(".", 1)
        else:
            raw, prop = part["id"], part["property"]
        prop = prop.split("@")[0]
        if isinstance(raw, dict) or str(raw).startswith("{"):
            pattern = raw if isinstance(raw, dict) else json.loads(raw)
            concrete = {k: match.get(k, "matrix") if v in WILDCARDS else v for k, v in pattern.items()}
            outputs.append([{"id": concrete, "property": prop}] if ["ALL"] in pattern.values()
                           else {"id": concrete, "property": prop})
        else:
            outputs.append({"id": raw, "property": prop})
    trigger = inputs[trigger_index]
    first = trigger[0] if isinstance(trigger, list) and trigger else trigger
    changed = []
    if first:
        ident = first["id"]
        key = json.dumps(ident, sort_keys=True, separators=(",", ":")) if isinstance(ident, dict) else ident
        changed = [f"{key}.{first['property']}"]
    return {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": inputs, "state": state, "changedPropIds": changed}


# Bookkeeping any request may write (at most once a minute), which is not a change to the data.
IGNORED_COLUMNS = {"sessions": {"last_seen_at"}, "api_tokens": {"last_used_at"}}
# A meeting pack is a rendering of figures any reader may download: a reader asking for one queues
# its printing (a job row, the PDF stored later), as a page view fills the page cache.
IGNORED_TABLES = {"meeting_packs"}


def database_dump(store) -> dict:
    """Every row of every table (figures, users, thresholds, audit, and tables added later)."""
    with store.engine.connect() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version" and t not in IGNORED_TABLES]
        dump = {}
        for t in tables:
            rows = [{k: v for k, v in r._mapping.items() if k not in IGNORED_COLUMNS.get(t, ())}
                    for r in conn.execute(text(f'SELECT * FROM "{t}"'))]
            dump[t] = sorted(map(repr, rows))
        return dump
