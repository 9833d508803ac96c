"""Hostile request parameters (SPEC §6, issue 9 points 1 and 8) against a real server: ``python
app.py`` in its own process (memory-capped, so a runaway request fails the test, not the machine),
on SQLite and PostgreSQL with the demo data loaded.

Every Flask route (enumerated from the url_map, so a new route cannot escape), every page and its
pages-router callback, and the meeting pack get a table of hostile values; each request must answer
within a generous timeout, never with a 500, routes with 400 JSON naming the parameter, pages with
the problem stated in the site frame; and the server is healthy afterwards.
"""
from __future__ import annotations

import io
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
from itertools import zip_longest
from pathlib import Path
from urllib.parse import quote, urlencode

import dash
import pytest
import requests

from metrics.accounts import users as accounts
from metrics.demo.bootstrap import load_demo
from tests.integration.conftest import PASSWORD, TEST_SECRET
from tests.integration.dash_calls import registered_pages
from tests.integration.test_roles import SAMPLE_ARGS, render_page

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10  # seconds: generous; a request that has not answered by then hangs
MEMORY_CAP = 6 * 2**30  # the server's address space: a runaway request dies instead of the machine
LONG = "2020-01" * 1500
TEXT = "x" * 2000  # long enough to be refused, short enough that six fit in one URL

MONTHS = ["9999-12", "0000-01", "1999-12", "2100-01", "2020-13", "2020-1", "2020-00", LONG,
          "２０２０-０１", "٢٠٢٠-٠١", "2020-01\x00", "2020\r\n-01", "'; DROP TABLE uploads;--"]
AS_OFS = ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59", "2100-01-02", "1999-12-31",
          "9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+14:00", "2020-02-30", LONG, "\x00"]
LIMITS = ["-1", "0", "1001", "abc", str(2**63), str(2**64), "١٠", "1.5"]
IDS = [str(2**63), str(2**64), "-1", "0", "abc", "1.0", "١", "9" * 400, "%00"]
# (parameter, value) pairs sent one at a time to every route
QUERY_CASES = ([(n, v) for n in ("month", "from", "to") for v in MONTHS]
               + [("as_of", v) for v in AS_OFS] + [("limit", v) for v in LIMITS])
PAGE_VALUES = {  # what each page parameter is sent (row i of the page table takes the i-th of each)
    "month": MONTHS, "as_of": AS_OFS, "upload": IDS, "slide": IDS, "edit": IDS,
    "region": ["Mars", "North\x00", TEXT], "generation": ["SMETS9", TEXT], "owner": ["\x00", TEXT],
    "status": ["\x00", TEXT], "metric": ["\x00", TEXT], "tab": ["\x00", TEXT], "dataset": ["\x00", TEXT],
}
FORMS = {("POST", "/login"), ("POST", "/logout")}  # CSRF-checked before anything else


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


class Server:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path, token: str):
        self.url, self.proc, self.log, self.token = url, proc, log, token

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        where = f"{method} {path[:120]!r}"
        try:
            return requests.request(method, self.url + path, timeout=TIMEOUT, allow_redirects=False,
                                    **kwargs)
        except requests.RequestException as exc:
            pytest.fail(f"{where}: no answer within {TIMEOUT} s ({type(exc).__name__}); "
                        f"server {'exited' if self.proc.poll() is not None else 'still busy'}\n"
                        + self.log.read_text()[-3000:])

    def assert_healthy(self):
        assert self.proc.poll() is None, "the server died\n" + self.log.read_text()[-3000:]
        response = self.get("/api/v1/health")
        assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """The app's url_map and pages, from an app built in this process (the server runs the same)."""
    from dashboard.factory import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('routes') / 'routes.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET}, demo=False)
    rules = [(r.rule, sorted(r.methods - {"HEAD", "OPTIONS"}), sorted(r.arguments))
             for r in app.server.url_map.iter_rules()]
    pages = sorted((p["path"], p.get("nav")) for p in registered_pages())
    return rules, pages


@pytest.fixture
def server(store, catalog, tmp_path):
    load_demo(store, catalog)
    with store.write() as conn:
        accounts.add_user(conn, "hostile", "uploader", PASSWORD, actor="test")
        token = accounts.new_token(conn, "hostile")
    port, log = free_port(), tmp_path / "server.log"
    env = {**os.environ, "DATABASE_URL": store.url, "PUBLIC_READ": "true", "SECRET_KEY": TEST_SECRET,
           "EMBED_SCHEDULER": "false", "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--no-demo"], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_cap_memory)
    running = Server(f"http://127.0.0.1:{port}", proc, log, token)
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(running.url + "/api/v1/health", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)
    yield running
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def query(name: str, value: str) -> str:
    return "?" + urlencode({name: value}, quote_via=quote)


def assert_refused(response, name: str, where: str):
    assert response.status_code == 400, f"{where}: {response.status_code} {response.text[:300]}"
    assert response.headers["Content-Type"].startswith("application/json"), where
    error = response.json()["error"]
    assert error.startswith(f"{name} "), f"{where}: the error names the parameter: {error!r}"


def test_par001_every_route_refuses_every_hostile_value_with_400_json(server, routes):
    """Each (parameter, value) of the table on every route and method except the page shells."""
    rules, _ = routes
    checked = 0
    for rule, methods, _args in rules:
        if rule in ("/", "/<path:path>"):
            continue  # the page shells: test_par003
        for method in methods:
            if (method, rule) in FORMS:
                continue
            url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: SAMPLE_ARGS.get(m.group(1), "x"), rule)
            for name, value in [*QUERY_CASES, ("from", None)]:
                search = "?from=2021-01&to=2020-01" if value is None else query(name, value)
                headers = {"Authorization": f"Bearer {server.token}"} if rule.startswith("/api/") else {}
                response = server.request(method, url + search, headers=headers)
                assert_refused(response, name, f"{method} {rule} {name}={value!r:.40}")
                checked += 1
    assert checked > 20 * len(QUERY_CASES), "every route was tried"
    tried = {r for r, _, _ in rules}
    assert {"/meeting/pack.pdf", "/meeting/freeze", "/api/v1/summary", "/api/v1/uploads"} <= tried
    server.assert_healthy()


def test_par002_every_id_in_an_api_path_is_checked(server, routes):
    rules, _ = routes
    headers = {"Authorization": f"Bearer {server.token}"}
    with_args = [(r, a) for r, m, a in rules if r.startswith("/api/") and a and "GET" in m]
    assert any("upload_id" in a for _, a in with_args)
    for rule, args in with_args:
        for value in IDS:
            url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value if "%" in value else quote(value, safe=""), rule)
            response = server.get(url, headers=headers)
            where = f"GET {url[:80]!r}"
            if all(a in ("metric_id", "rest") for a in args):  # a name, not a number: not found
                assert response.status_code == 404 and "error" in response.json(), where
            else:
                assert_refused(response, "id", where)
    server.assert_healthy()


def page_rows() -> list[dict]:
    """Rows of hostile page parameters: row i sends the i-th value of each parameter (if any)."""
    names = list(PAGE_VALUES)
    return [{n: v for n, v in zip(names, values) if v is not None}
            for values in zip_longest(*PAGE_VALUES.values())]


def render(server, path: str, search: str) -> requests.Response:
    payload = {"output": ".._pages_content.children..._pages_store.data..",
               "outputs": [{"id": "_pages_content", "property": "children"},
                           {"id": "_pages_store", "property": "data"}],
               "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                          {"id": "_pages_location", "property": "search", "value": search}],
               "state": [], "changedPropIds": ["_pages_location.pathname"]}
    return server.request("POST", "/_dash-update-component", json=payload)


def test_par003_every_page_states_hostile_link_values_in_its_frame(server, routes):
    """Pages drop what they cannot use and say so ("Ignored in the link: month ..."), never hang or
    fail; the page shell itself answers 200 whatever the link holds."""
    _, pages = routes
    reads_view = {p for p, nav in pages if nav != "tools"} | {"/meeting", "/actions"}
    assert {"/", "/meeting", "/history", "/actions"} <= {p for p, _ in pages}
    for row in page_rows():
        search = "?" + urlencode(row, quote_via=quote)
        for path, _nav in pages:
            where = f"{path}{search[:100]!r}"
            shell = server.get(path + search)
            assert shell.status_code == 200 and shell.headers["Content-Type"].startswith("text/html"), where
            response = render(server, path, search)
            assert response.status_code == 200, f"{where}: {response.status_code} {response.text[-500:]}"
            content = json.dumps(response.json()["response"]["_pages_content"]["children"])
            said = set(re.findall(r"Ignored in the link: (\w+) ", content))
            if path in reads_view:
                expected = {n for n in ("month", "as_of") if n in row}
                assert expected <= said, f"{where}: says {said}"
            if path == "/history" and "upload" in row:
                assert "upload" in said, where
    server.assert_healthy()


def sign_in(server, next_path: str) -> requests.Response:
    session = requests.Session()
    page = session.get(server.url + "/login?" + urlencode({"next": next_path}), timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert 'name="next" value="/"' in page.text, "the form carries only a safe next"
    response = session.post(server.url + "/login", timeout=TIMEOUT, allow_redirects=False, data={
        "username": "hostile", "password": PASSWORD, "csrf_token": token, "next": next_path})
    again = session.get(server.url + "/login?" + urlencode({"next": next_path}), timeout=TIMEOUT,
                        allow_redirects=False)  # signed in: /login sends you on at once
    return response, again


NEXT_PATHS = ["/\r\nSet-Cookie: evil=1", "/ok\r\nX-Evil: 1", "/\n/evil.example", "/\t/evil.example",
              "https://evil.example/", "//evil.example", "/\\evil.example", "/\x00", "/" + "a" * 5000]


def test_par005_next_after_sign_in_stays_on_the_site(server):
    for next_path in NEXT_PATHS:
        for response in sign_in(server, next_path):
            where = f"next={next_path[:40]!r}"
            assert response.status_code == 302, f"{where}: {response.status_code} {response.text[:300]}"
            assert response.headers["Location"] == "/", where
            assert "evil" not in json.dumps(dict(response.headers)), where
    server.assert_healthy()


def test_par006_api_errors_are_json_and_the_server_says_not_what_it_is(server):
    """Point 8: no Server: Werkzeug/x Python/y; unknown /api/v1 paths and methods answer JSON."""
    headers = {"Authorization": f"Bearer {server.token}"}
    for path in ("/api/v1/nope", "/api/v1/", "/api/v1", "/api/v1/summary/x", "/api/v1/uploads/1/2"):
        response = server.get(path, headers=headers)
        assert response.status_code == 404 and response.json()["error"].startswith("no such API path"), path
    wrong = server.request("DELETE", "/api/v1/summary", headers=headers)
    assert wrong.status_code == 405 and "GET" in wrong.json()["error"] and wrong.headers["Allow"] == "GET"
    for path in ("/api/v1/health", "/", "/api/v1/nope", "/login"):
        response = server.get(path)
        assert "Server" not in response.headers, (path, response.headers.get("Server"))
        assert "Werkzeug" not in json.dumps(dict(response.headers))
    server.assert_healthy()


def test_par007_an_api_request_over_the_size_limit_is_json_413(store):
    from dashboard.factory import create_app

    app = create_app({"DATABASE_URL": store.url, "SECRET_KEY": TEST_SECRET, "MAX_UPLOAD_BYTES": 1000},
                     demo=False)
    with store.write() as conn:
        accounts.add_user(conn, "big", "uploader", PASSWORD, actor="test")
        token = accounts.new_token(conn, "big")
    client = app.server.test_client()
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    data = {"file": (io.BytesIO(b"month,csp_region\n" + b"x" * (limit + 10)), "big.csv")}
    response = client.post("/api/v1/uploads", data=data, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413 and response.mimetype == "application/json"
    assert "larger than the limit" in response.get_json()["error"]
    assert client.get("/api/v1/health").status_code == 200


SEARCHES = ["?month=9999-12&as_of=9999-12-31T23:59:59&upload=18446744073709551616&owner=%00&status=%00"
            "&metric=%00&region=Mars&generation=SMETS9&dataset=%00&slide=-1&edit=0",
            "?month=" + quote(LONG) + "&as_of=0001-01-01", "?month=2020-01%00&as_of=2100-01-02&upload=-1",
            "?" + "x" * 3000]
DATES = ["abc", "9999-12-31", "0001-01-01", "\x00", "2100-01-02", LONG, 20200101, ["2020-01-01"]]


def test_par008_callbacks_that_read_the_link_never_fail(store, catalog):
    """Every callback that reads the URL's query string (or the as-at date picker) gets hostile
    values, as an administrator so the guarded ones run their real code: none answers 500."""
    from dashboard.factory import create_app
    from tests.integration.conftest import csrf_headers, signed_in_client
    from tests.integration.dash_calls import body, callbacks, collect

    load_demo(store, catalog)
    app = create_app({"DATABASE_URL": store.url, "SECRET_KEY": TEST_SECRET}, demo=False)
    client = signed_in_client(app, "link-admin", "admin")
    components: dict = {}
    for page in dash.page_registry.values():
        response, content = render_page(client, "admin", page["path"])
        assert response.status_code == 200, page["path"]
        collect(content, components)
    deps = [d for d in callbacks(client)
            if any(x["id"] == "_pages_location" and x["property"] == "search" or '"view-date"' in x["id"]
                   for x in d["inputs"] + d["state"])]
    assert len(deps) >= 3, "the view bar, history's chooser and the CSV download read the link"
    date_id = json.dumps({"name": "as_of", "type": "view-date"}, sort_keys=True)
    for search, date in zip_longest(SEARCHES, DATES, fillvalue=""):
        components[json.dumps("_pages_location")] = {"search": search, "pathname": "/history"}
        components[date_id] = {"date": date}
        for dep in deps:
            for i in range(len(dep["inputs"])):
                response = client.post("/_dash-update-component", json=body(dep, components, i),
                                       headers=csrf_headers(client))
                where = f"{dep['output']} (input {i}) search={search[:60]!r} date={date!r:.40}"
                assert response.status_code in (200, 204), f"{where}: {response.status_code}"
    assert client.get("/api/v1/health").status_code == 200

