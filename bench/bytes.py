"""Bytes over the wire for a first visit to every page, against gzip(plotly.min.js), same run.

    .venv/bin/python bench/bytes.py [--pages / /ota-firmware ...] [--keep-cache]

Serves the demo (a temporary SQLite database, an administrator signed in so that the tool pages
show their grids) on a free 127.0.0.1 port and opens each page in headless Debian Chromium with
the browser cache emptied first. The bytes are what Chromium's DevTools protocol reports as
received for every request of the page (Network.loadingFinished encodedDataLength: headers and
compressed bodies), counted until the page is idle (no callback pending, every chart and grid drawn). Also prints the page's
DOM element count (target < 1,000) and how far its content moved while it loaded (cumulative
layout shift, as Lighthouse counts it; good is under 0.1).
The reference is gzip -6 of the installed plotly's plotly.min.js. Target: ratio <= 1.25 on every
page. Prints one line per page; nothing is asserted (tests/integration/test_transfer.py does).
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 1.25
USER, PASSWORD = "bench-admin", "bench-password-1"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
         "--window-size=1366,768")
IDLE = """
    const state = window.store && window.store.getState();
    if (!state || state.isLoading) return false;
    const callbacks = Object.assign({}, state.callbacks);
    delete callbacks.stored; delete callbacks.completed;
    if (Object.values(callbacks).some(list => list && list.length)) return false;
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    if (document.querySelector('.grid-loading')) return false;  // AG Grid's bundle still on its way
    if (!Array.from(document.querySelectorAll('.ag-root-wrapper')).filter(g => g.offsetParent !== null)
            .every(g => g.querySelector('.ag-row, .ag-overlay-no-rows-center'))) return false;
    return Array.from(document.querySelectorAll('.dash-graph')).every(g => g.querySelector('.main-svg'));"""


# Added to every document before its own scripts: the layout shifts it goes through (CLS, as
# Lighthouse counts it: shifts not caused by the user's input).
LAYOUT_SHIFT = """
    window.__layoutShift = 0;
    new PerformanceObserver(list => list.getEntries().forEach(e => {
        if (!e.hadRecentInput) window.__layoutShift += e.value;
    })).observe({type: 'layout-shift', buffered: true});"""


def reference_bytes() -> int:
    """gzip -6 (what a web server sends) of the full plotly.min.js of the installed plotly."""
    import plotly

    return len(gzip.compress((Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes(), 6))


def serve(tmp: str, settings: dict | None = None):
    """The demo app on a free port in a thread: (base URL, app, stop)."""
    from werkzeug.serving import make_server

    from dashboard import create_app
    from metrics.accounts.users import add_user

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bytes.db", **(settings or {})})
    with app.server.extensions["opsg"].store.write() as conn:
        add_user(conn, USER, "admin", PASSWORD)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", app, server.shutdown


def browser(width: int = 1366, height: int = 768):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag if not flag.startswith("--window-size") else f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "WARNING"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LAYOUT_SHIFT})
    return driver


def wait_idle(driver, timeout: float = 60) -> None:
    """Until the page is idle twice in a row 0.3 s apart (a callback may chain into another)."""
    deadline, calm = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        calm = calm + 1 if driver.execute_script(IDLE) else 0
        if calm >= 2:
            return
        time.sleep(0.3)
    raise TimeoutError(f"{driver.current_url} not idle after {timeout} s")


def sign_in(driver, base: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")
    driver.find_element(By.ID, "login-username").send_keys(USER)
    driver.find_element(By.ID, "login-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-form").submit()
    deadline = time.monotonic() + 30
    while "/login" in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.1)


def first_visit(driver, url: str) -> dict:
    """Empty cache, open ``url``, wait until idle: bytes received, requests, largest responses."""
    driver.get_log("performance")  # drop what came before
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    wait_idle(driver)
    elements = driver.execute_script("return document.getElementsByTagName('*').length")
    shift = driver.execute_script("return window.__layoutShift")
    urls, sizes = {}, {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFinished":
            sizes[params["requestId"]] = params["encodedDataLength"]
    by_url = sorted(((size, urls.get(rid, "?")) for rid, size in sizes.items()), reverse=True)
    return {"bytes": sum(sizes.values()), "requests": len(sizes), "largest": by_url[:4], "elements": elements,
            "layout_shift": shift,
            "console": [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]}


def page_paths() -> list[str]:
    import dash

    skip = {"/404"}
    return [p["path"] for p in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0)
            if p["path"] not in skip and not p.get("path_template")]  # the family path pattern is no page


def measure(paths: list[str] | None = None, settings: dict | None = None) -> tuple[int, dict]:
    """(reference bytes, {path: first_visit result}) on a fresh demo app."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        base, _app, stop = serve(tmp, settings)
        driver = browser()
        try:
            sign_in(driver, base)
            results = {path: first_visit(driver, base + path) for path in (paths or page_paths())}
        finally:
            driver.quit()
            stop()
    return reference_bytes(), results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="paths (default: every registered page)")
    args = parser.parse_args(argv)
    reference, results = measure(args.pages)
    print(f"reference gzip(plotly.min.js) = {reference / 1024:,.0f} KiB; target ratio <= {TARGET}\n")
    print(f"{'page':22} {'KiB':>8} {'requests':>9} {'ratio':>7} {'DOM':>6} {'CLS':>6}  largest")
    worst = 0.0
    for path, r in results.items():
        ratio = r["bytes"] / reference
        worst = max(worst, ratio)
        largest = ", ".join(f"{u.rsplit('/', 1)[-1].split('?')[0][:28]} {s / 1024:.0f}" for s, u in r["largest"][:3])
        print(f"{path:22} {r['bytes'] / 1024:8,.0f} {r['requests']:9} {ratio:7.2f} {r['elements']:6} "
              f"{r['layout_shift']:6.3f}  {largest}")
    print(f"\nworst ratio {worst:.2f} ({'ok' if worst <= TARGET else 'OVER TARGET'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
