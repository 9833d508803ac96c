"""Many hosts, no sticky sessions (SPEC §8), on the real parts: Debian's nginx with the deploy/ kit,
round-robin over two gunicorn instances (gunicorn.conf.py, wsgi:server) with different TMPDIRs, on a
PostgreSQL database of this test's own (test_many_hosts, dropped after) and Redis.

- mh001 a browser upload whose check and Confirm land on different hosts succeeds;
- mh002 a page on host A shows figures uploaded through host B at once;
- mh003 signing out through one host ends the session on the other;
- mh004 100 viewers through nginx see 0 errors (bench/load.py);
- mh005 stopping one host under load loses only the requests it had in flight.
Skips with a clear message when nginx, PostgreSQL or Redis is absent, unless REQUIRE_SERVICES=1.
Figures are printed (run with -s to see them) and written to $MANY_HOSTS_REPORT when set.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from metrics.accounts import users as accounts
from metrics.demo.bootstrap import prepare
from metrics.settings import load_settings
from metrics.store import schema
from tests.conftest import require_browser
from tests.integration.conftest import PASSWORD
from tests.integration.dash_calls import callbacks
from tests.integration.hosts import start_host, start_nginx
from tests.integration.services import require_nginx, require_postgresql, require_redis

from bench import load as bench  # bench/load.py: the load generator

DATABASE = "test_many_hosts"
SECRET = "many-hosts-test-secret"
FIGURES: dict = {}


def _database_url(base: str) -> str:
    return make_url(base).set(database=DATABASE).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_nginx()
    base = require_postgresql()
    redis_url = require_redis()
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        require_browser()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = _database_url(base)
    prefix = f"opsg-mh-{uuid.uuid4().hex[:8]}:"
    folder = tmp_path_factory.mktemp("many-hosts")
    hosts, nginx = [], None
    try:
        store, _ = prepare(load_settings(DATABASE_URL=url), demo=True)
        with store.write() as conn:
            accounts.add_user(conn, "dcc", "uploader", PASSWORD, actor="test")
            token = accounts.new_token(conn, "dcc")
        env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "SECRET_KEY": SECRET,
               "PUBLIC_READ": "true", "TRUSTED_PROXIES": "1", "INBOX_DIR": str(folder / "inbox"),
               "BACKUP_DIR": str(folder / "backups")}
        hosts = [start_host(name, folder, env, workers=1, threads=8) for name in ("a", "b")]
        nginx = start_nginx(folder, hosts)
        yield {"store": store, "hosts": hosts, "nginx": nginx, "token": token, "folder": folder}
        store.dispose()
    finally:
        if nginx:
            nginx.stop()
        for host in hosts:
            host.stop()
        client = redis.Redis.from_url(redis_url)
        for name in client.scan_iter(match=f"{prefix}*"):
            client.delete(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()
        if FIGURES and os.environ.get("MANY_HOSTS_REPORT"):
            Path(os.environ["MANY_HOSTS_REPORT"]).write_text(json.dumps(FIGURES, indent=2))


def upstream_of_last(nginx, method_path: str) -> list[str]:
    """The upstream address of each access-log line for ``method_path`` ("POST /_dash-update-component")."""
    out = []
    for line in nginx.access_log():
        request = line.split('"', 2)[1] if line.count('"') >= 2 else ""
        if request.split("?")[0].split(" HTTP/")[0] == method_path:
            out.append(line.split('" ', 1)[1].split()[3])
    return out


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1920,1080"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "WARNING"})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


def wait_for(driver, css: str, timeout: float = 30, contains: str = ""):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    if contains:
        WebDriverWait(driver, timeout).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), contains))
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def click(driver, element) -> None:
    """Scroll the element to the middle first; try again while the page is still moving (grids draw late)."""
    from selenium.common.exceptions import ElementClickInterceptedException

    for attempt in range(10):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        try:
            element.click()
            return
        except ElementClickInterceptedException:
            if attempt == 9:
                raise
            time.sleep(0.2)


def test_mh001_a_browser_upload_checked_on_one_host_and_confirmed_on_the_other(cluster, tmp_path):
    nginx, store = cluster["nginx"], cluster["store"]
    a, b = cluster["hosts"]
    csv = tmp_path / "ota_2022-02.csv"
    csv.write_text("month,csp_region,attempted,succeeded\n2022-02,North,1000,981\n"
                   "2022-02,Central,1000,992\n2022-02,South,1000,995\n")
    driver = browser()
    try:
        driver.get(f"{nginx.url}/login?next=/upload")
        wait_for(driver, "#login-username").send_keys("dcc")
        driver.find_element("css selector", "#login-password").send_keys(PASSWORD)
        driver.find_element("css selector", "#login-submit").click()
        wait_for(driver, "#upload-dropzone input[type=file]").send_keys(str(csv))
        wait_for(driver, "#upload-preview-grid", timeout=60)
        time.sleep(0.5)  # nginx writes the access-log line once the response is sent
        checked_on = upstream_of_last(nginx, "POST /_dash-update-component")[-1]
        other = b if checked_on.endswith(f":{a.port}") else a
        nginx.reload(down={int(checked_on.rsplit(":", 1)[1])})  # Confirm cannot reach the checking host
        sent_before = len(upstream_of_last(nginx, "POST /_dash-update-component"))
        confirm = wait_for(driver, "#upload-confirm")
        from selenium.webdriver.support.ui import WebDriverWait
        WebDriverWait(driver, 20).until(lambda d: confirm.is_enabled())
        click(driver, confirm)
        done = wait_for(driver, "#upload-done", timeout=60, contains="Stored as upload #")
        assert "Stored as upload #" in done.text
        confirmed_on = upstream_of_last(nginx, "POST /_dash-update-component")[sent_before:]
        assert confirmed_on and set(confirmed_on) == {f"127.0.0.1:{other.port}"}, (checked_on, confirmed_on)
        assert checked_on != confirmed_on[0]
        assert not any(a.tmpdir.iterdir()) and not any(b.tmpdir.iterdir())  # nothing kept in a host's temp
        logs = [entry for entry in driver.get_log("browser") if "favicon" not in entry["message"]]
        assert logs == []
    finally:
        driver.quit()
        nginx.reload()
    with store.read() as conn:
        accepted = conn.execute(select(func.count()).select_from(schema.revisions).where(
            schema.revisions.c.dataset == "ota_firmware", schema.revisions.c.month == "2022-02")).scalar_one()
    assert accepted == 1


def _ota_value(answer: dict, region: str | None = None):
    return next(m["value"] for m in answer["metrics"] if m["metric"] == "ota_success_rate"
                and m.get("dimension_value") == region)


def test_mh002_a_page_on_host_a_shows_figures_uploaded_through_host_b_at_once(cluster):
    a, b = cluster["hosts"]
    auth = {"Authorization": f"Bearer {cluster['token']}"}
    before = requests.get(f"{a.url}/api/v1/summary?month=2022-03", timeout=30).json()
    assert before["metrics"] == [] or _ota_value(before) is None  # nothing for March 2022 yet
    sent = requests.post(f"{b.url}/api/v1/uploads", headers=auth, timeout=60, files={"file": (
        "ota_2022-03.csv", b"month,csp_region,attempted,succeeded\n2022-03,North,1000,777\n"
                           b"2022-03,Central,1000,888\n2022-03,South,1000,999\n")})
    assert sent.status_code == 201, sent.text
    after = requests.get(f"{a.url}/api/v1/summary?month=2022-03", timeout=30).json()
    assert round(_ota_value(after), 2) == round(100 * 2664 / 3000, 2)
    # the OTA page itself, rendered on host A (the page-render callback Dash posts on navigation)
    callback = bench.page_callback(callbacks(_Session(a.url)))
    values = {"pathname": "/ota-firmware", "search": "?month=2022-03"}
    body = {**callback, "inputs": [{**i, "value": values.get(i["property"])} for i in callback["inputs"]],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in callback["inputs"]], "state": []}
    page = requests.post(f"{a.url}/_dash-update-component", json=body, timeout=60)
    assert page.status_code == 200 and "March 2022" in page.text and "77.70%" in page.text


class _Session:
    """requests.Session with the two methods dash_calls.callbacks needs."""

    def __init__(self, base: str, session: requests.Session | None = None):
        self.base, self.http = base, session or requests.Session()

    def get(self, path):
        response = self.http.get(self.base + path, timeout=30)
        response.get_json = response.json
        return response


def _csrf_form(http, base: str, path: str = "/login") -> str:
    page = http.get(f"{base}{path}", timeout=30).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _check_upload(http, base: str) -> int:
    """Post the upload page's check callback (uploader only) as the browser would; the status."""
    deps = http.get(f"{base}/_dash-dependencies", timeout=30).json()
    dep = next(d for d in deps if d["output"].startswith("..upload-feedback.children...upload-pending"))
    incoming = {"filename": "x.csv", "contents": "data:text/csv;base64,bW9udGgK", "at": 1}
    body = {"output": dep["output"], "changedPropIds": ["upload-incoming.data"],
            "inputs": [{"id": "upload-incoming", "property": "data", "value": incoming},
                       {"id": "upload-status", "property": "value", "value": "provisional"},
                       {"id": "upload-dataset", "property": "value", "value": ""}],
            "state": [{"id": "upload-pending", "property": "data", "value": None}],
            "outputs": [{"id": p.split(".")[0], "property": p.split(".")[1].split("@")[0]}
                        for p in dep["output"].strip(".").split("...")]}
    token = http.cookies.get("_csrf_token")
    return http.post(f"{base}/_dash-update-component", json=body, timeout=60,
                     headers={"X-CSRFToken": token or "", "Origin": base}).status_code


def test_mh003_signing_out_through_one_host_ends_the_session_on_the_other(cluster):
    a, b = cluster["hosts"]
    http = requests.Session()
    signed = http.post(f"{a.url}/login", data={"username": "dcc", "password": PASSWORD,
                                               "csrf_token": _csrf_form(http, a.url)},
                       allow_redirects=False, timeout=30)
    assert signed.status_code == 302
    copy = requests.Session()
    copy.cookies.update(http.cookies)  # a copy of the cookie, taken while signed in
    assert _check_upload(http, b.url) == 200  # the session works on host B
    assert _check_upload(copy, a.url) == 200  # and the copy of its cookie on host A
    out = http.post(f"{b.url}/logout", data={"csrf_token": _csrf_form(http, b.url, "/logout")},
                    headers={"Origin": b.url}, allow_redirects=False, timeout=30)
    assert out.status_code == 302 and "signed_out" in out.headers["Location"]
    # ended on host A too, for any copy of the cookie: the caller is anonymous there now (a reader,
    # PUBLIC_READ), so the uploader's callback is refused
    assert _check_upload(copy, a.url) == 403
    assert "refused check_file: needs uploader, caller anonymous" in a.log.read_text()


def _record(name: str, result: dict, **extra) -> dict:
    figures = bench.summary(result)
    FIGURES[name] = {"viewers": result["viewers"], "requests": figures["requests"],
                     "seconds": round(result["elapsed"], 1),
                     "p50_ms": round(figures["p50"] * 1000), "p95_ms": round(figures["p95"] * 1000),
                     "single_user_p50_ms": round(figures["single_p50"] * 1000),
                     "errors": figures["errors"], "server_cores": None if figures["server_cores"] is None
                     else round(figures["server_cores"], 2), **extra}
    print(f"\n{name}: {json.dumps(FIGURES[name])}")
    bench.report(result)
    return figures


def test_mh004_a_hundred_viewers_through_nginx_see_no_errors(cluster):
    nginx, hosts = cluster["nginx"], cluster["hosts"]
    result = bench.measure(nginx.port, viewers=100, seconds=30, requests=3000, think=1.0,
                           server_pids=(hosts[0].proc.pid, hosts[1].proc.pid, nginx.proc.pid))
    figures = _record("load", result)
    assert result["errors"] == []
    assert figures["requests"] > 500
    served = {line.split('" ', 1)[1].split()[3] for line in nginx.access_log() if "/_dash-" in line}
    assert {f"127.0.0.1:{h.port}" for h in hosts} <= served  # both hosts took their share


def test_mh006_nginx_compresses_and_caches_fingerprinted_files_for_a_year(cluster):
    nginx = cluster["nginx"]
    layout = requests.get(f"{nginx.url}/_dash-layout", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert layout.status_code == 200 and layout.headers["Content-Encoding"] == "gzip"
    index = requests.get(f"{nginx.url}/", timeout=30).text
    asset = re.search(r'href="(/assets/app\.css\?m=[0-9.]+)"', index).group(1)
    suite = re.search(r'src="(/_dash-component-suites/[^"]+\.v[0-9a-z_]+m[0-9]+\.[^"]+)"', index).group(1)
    for path in (asset, suite):
        answer = requests.get(nginx.url + path, timeout=30)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable", path
    plain = requests.get(f"{nginx.url}/assets/app.css", timeout=30)
    assert plain.headers["Cache-Control"] == "no-cache" and plain.headers["Content-Type"] == "text/css"
    health = requests.get(f"{nginx.url}/readyz", timeout=30)
    assert health.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert health.headers["X-Request-ID"]  # nginx's $request_id, echoed by the app


def test_mh005_stopping_one_host_under_load_loses_only_its_in_flight_requests(cluster):
    nginx, (a, b) = cluster["nginx"], cluster["hosts"]
    lines_before = len(nginx.access_log())
    killed = []

    def during(elapsed):
        if elapsed > 8 and not killed:
            a.kill()  # the whole host at once: master and workers, nothing finishes
            killed.append(time.monotonic())

    result = bench.measure(nginx.port, viewers=100, seconds=25, requests=3000, think=1.0,
                           server_pids=(b.proc.pid, nginx.proc.pid), during=during)
    assert killed
    log = nginx.access_log()[lines_before:]
    lost_at_a = [line for line in log if f"127.0.0.1:{a.port}" in line.split('" ', 1)[1].split()[3]
                 and line.split('" ', 1)[1].split()[0] in ("502", "504")
                 and f"127.0.0.1:{b.port}" not in line]
    figures = _record("host stopped under load", result, lost_at_a=len(lost_at_a))
    # every request a viewer lost was one nginx had already handed to host A (in flight there);
    # everything else, before and after, was answered (by A until it died, then by B)
    assert all("HTTP 502" in e or "HTTP 504" in e for e in result["errors"]), result["errors"][:5]
    assert len(result["errors"]) <= len(lost_at_a)
    assert len(result["errors"]) <= 2 * 8  # at most what A's 8 threads and its accept queue held
    assert figures["requests"] > 500
