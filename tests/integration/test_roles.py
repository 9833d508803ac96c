"""Roles enforced on the server, proved by enumeration: every Flask route and every Dash callback,
as anonymous, viewer, uploader and admin. A viewer can change nothing through any of them, whatever
the page shows; the pages and callbacks that need a role refuse anyone without it."""
from __future__ import annotations

import re

import dash
import pytest

from dashboard.web.login import PUBLIC_PATHS, PUBLIC_PREFIXES
from metrics.accounts.users import User
from metrics.read.export import logical_dump
from metrics.store.engine import Store
from tests.integration.conftest import csrf_headers, signed_in_client
from tests.integration.dash_calls import body, callbacks, collect, database_dump

ROLES = ("anonymous", "viewer", "uploader", "secretary", "admin")
SAMPLE_ARGS = {"metric_id": "ota_success_rate", "upload_id": "1", "path": "stability", "filename": "app.css",
               "name": "incidents.csv", "package_name": "dash", "fingerprinted_path": "dash_renderer.v1.min.js"}
ROUTE_ROLES = {("POST", "/api/v1/uploads"): "uploader", ("GET", "/downloads/audit-trail.csv"): "admin",
               ("GET", "/meeting/minutes.docx"): "secretary", ("GET", "/meeting/minutes.md"): "secretary"}


def lacks(role: str, needs: str) -> bool:
    """True when ``role`` may not do what needs ``needs`` (uploader and secretary are side by side)."""
    return not User(0, role, role).can(needs)
OWN_TESTS = {"/login", "/logout", "/_dash-update-component"}  # tested on their own below and elsewhere
PAGE_VIEWS = ("", "?upload=1", "?tab=thresholds", "?tab=audit", "?tab=notifications")
# A member's own notification choices on /account (SPEC §7): the one write a viewer may make,
# and only to their own subscriptions (tests/integration/test_notify_web.py proves that).
SELF_SERVICE = ("account-message.children",)


@pytest.fixture
def world(make_app):
    app = make_app(PUBLIC_READ=False)
    clients = {"anonymous": app.server.test_client()}
    for role in ROLES[1:]:
        clients[role] = signed_in_client(app, f"matrix-{role}", role)
    return app, clients


def store_of(app) -> Store:
    return app.server.extensions["opsg"].store


def snapshot(app) -> tuple:
    store, catalog = store_of(app), app.server.extensions["opsg"].catalog
    with store.read() as conn:
        return database_dump(store), logical_dump(conn, catalog)


def required_role(app, output: str) -> str | None:
    func = app.callback_map[output]["callback"]
    while func is not None:
        if getattr(func, "required_role", None):
            return func.required_role
        func = getattr(func, "__wrapped__", None)
    return None


def post(client, role: str, payload: dict):
    headers = csrf_headers(client) if role != "anonymous" else {}
    return client.post("/_dash-update-component", json=payload, headers=headers)


def render_page(client, role: str, path: str, search: str = ""):
    payload = {"output": ".._pages_content.children..._pages_store.data..",
               "outputs": [{"id": "_pages_content", "property": "children"},
                           {"id": "_pages_store", "property": "data"}],
               "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                          {"id": "_pages_location", "property": "search", "value": search}],
               "state": [], "changedPropIds": ["_pages_location.pathname"]}
    response = post(client, role, payload)
    return response, (response.get_json() or {}).get("response", {}).get("_pages_content", {}).get("children")


def url_for_rule(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: SAMPLE_ARGS.get(m.group(1), "x"), rule.rule)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


@pytest.fixture
def watched_writes(monkeypatch):
    """Every Store.write() entered, as (label) — set ``label[0]`` to say who is calling."""
    entered, label = [], ["setup"]
    original = Store.write

    def write(self):
        entered.append(label[0])
        return original(self)

    monkeypatch.setattr(Store, "write", write)
    return entered, label


def test_sec012_every_route_for_every_role(world):
    app, clients = world
    rules = [r for r in app.server.url_map.iter_rules() if r.rule not in OWN_TESTS]
    assert any(r.rule == "/api/v1/uploads" for r in rules) and len(rules) > 15
    before = snapshot(app)
    for rule in rules:
        url = url_for_rule(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            needs = ROUTE_ROLES.get((method, rule.rule))
            for role, client in clients.items():
                headers = csrf_headers(client) if role != "anonymous" and method != "GET" else {}
                response = client.open(url, method=method, headers=headers)
                where = f"{method} {rule.rule} as {role}: {response.status_code}"
                if is_public(rule.rule):
                    assert response.status_code not in (401, 403), where
                elif role == "anonymous":
                    assert response.status_code in (401, 302), where
                    if response.status_code == 302:
                        assert response.location.startswith("/login?next="), where
                elif needs and lacks(role, needs):
                    assert response.status_code == 403, where
                else:
                    assert response.status_code not in (401, 403), where
                if role in ("anonymous", "viewer"):
                    assert snapshot(app) == before, f"{where} changed the database"


def test_sec013_every_callback_for_every_role(world, watched_writes):
    """Fire each callback, once per input as the trigger, with the values the pages drew (and
    plausible ones where they drew none), as each role."""
    app, clients = world
    entered, label = watched_writes
    components: dict = {}
    for page in dash.page_registry.values():
        for search in PAGE_VIEWS:
            response, content = render_page(clients["admin"], "admin", page["path"], search)
            assert response.status_code == 200, page["path"]
            collect(content, components)
    deps = callbacks(clients["admin"])
    assert len(deps) >= 8
    guarded = {d["output"]: required_role(app, d["output"]) for d in deps}
    assert sum(bool(r) for r in guarded.values()) >= 6  # upload, confirm, rollback, users, thresholds, audit
    calls = [(d, i, body(d, components, i)) for d in deps for i in range(len(d["inputs"]))]

    before = snapshot(app)
    for role in ("anonymous", "viewer", "uploader", "secretary"):
        for dep, i, payload in calls:
            if role != "anonymous" and any(s in dep["output"] for s in SELF_SERVICE):
                continue
            label[0] = f"{role}: {dep['output']}"
            writes = len(entered)
            response = post(clients[role], role, payload)
            where = f"{dep['output']} (input {i}) as {role}: {response.status_code}"
            needs = guarded[dep["output"]]
            if role == "anonymous":
                assert response.status_code == 401, where
            elif needs and lacks(role, needs):
                # refused: HTTP 403 (dashboard.web.auth.callback_requires), or an answer saying why
                assert response.status_code in (403, 200, 204) and len(entered) == writes, where
            else:
                assert response.status_code != 401, where
        if role not in ("uploader", "secretary"):
            assert [e for e in entered if e.startswith(role)] == [], "reached a write"
            assert snapshot(app) == before, f"a {role} changed the database"

    # The same calls as an administrator do reach the writes, so the refusals above are not vacuous,
    # and every callback that writes carries its role check.
    entered.clear()
    for dep, i, payload in calls:
        label[0] = dep["output"]
        assert post(clients["admin"], "admin", payload).status_code != 403, dep["output"]
    writers = set(entered)
    assert writers, "no callback wrote anything as admin: the matrix would prove nothing"
    assert [w for w in writers if not guarded[w]] == [], "callbacks that write without a role check"


@pytest.mark.parametrize("path, role_needed", [("/upload", "uploader"), ("/admin", "admin"), ("/history", None),
                                               ("/meeting/record", "secretary")])
def test_sec014_pages_show_only_what_the_role_may_see(world, path, role_needed):
    app, clients = world
    page_id = path.strip("/").replace("/", "-")
    for role in ROLES[1:]:
        response, content = render_page(clients[role], role, path)
        ids = collect(content)
        denied = f'"{page_id}-access-note"' in ids
        assert denied == bool(role_needed and lacks(role, role_needed)), (path, role)
    frame = clients["viewer"].get("/_dash-layout").get_json()
    nav = [k for k in collect(frame) if '"nav-link"' in k]
    assert any('"/history"' in k for k in nav) and not any('"/admin"' in k or '"/upload"' in k for k in nav)


def test_sec015_public_read_shows_pages_but_changes_nothing(make_app):
    app = make_app(PUBLIC_READ=True)
    client = app.server.test_client()
    assert client.get("/").status_code == 200 and client.get("/api/v1/summary").status_code == 200
    response, content = render_page(client, "anonymous", "/upload")
    assert '"upload-access-note"' in collect(content)
    before = snapshot(app)
    for dep in callbacks(client):
        response = post(client, "anonymous", body(dep, {}, 0))
        if required_role(app, dep["output"]):
            assert response.status_code in (403, 200, 204), dep["output"]
    assert client.post("/api/v1/uploads", data={}).status_code == 401
    assert snapshot(app) == before
