"""Regenerate docs/screenshots/*.png: every page at 1920x1080 and 1366x768, on the demo data.

    .venv/bin/python docs/screenshots.py [--out docs/screenshots] [--full-page] [--query month=2020-01]
        [--pages /upload,/history,/404,scenes] [--sizes 1920x1080,1366x768,768x1024]

Starts the app on a temporary SQLite database (the demo loads on first start) on a free local
port, drives Debian's headless Chromium through chromedriver, and writes <page>-<width>x<height>.png.
The sign-in page is taken first; then it signs in as an administrator, takes every page, and the
tool pages in their working states (upload errors and preview, an upload's history, admin tabs).
Every meeting slide goes to meeting/slide-NN-<title>-<width>x<height>.png.
"""
from __future__ import annotations

import argparse
import logging
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = ((1920, 1080), (1366, 768))
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app, port: int):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_rendered(driver, timeout: float = 30) -> None:
    """Until the page body is drawn, every chart has plotted and no callback is pending."""
    script = """
        const page = document.querySelector('#_pages_content .page');
        if (!page || document.querySelector('[data-dash-is-loading="true"]')) return false;
        const graphs = page.querySelectorAll('.dash-graph');
        return Array.from(graphs).every(g => g.querySelector('.main-svg'));
    """
    end = time.time() + timeout
    while time.time() < end:
        if driver.execute_script(script):
            time.sleep(0.8)  # let fonts and the last layout settle
            return
        time.sleep(0.2)
    raise TimeoutError("page did not finish rendering")


ADMIN, PASSWORD = "secas.admin", "screenshots only"
# A file with errors; the corrected file (December 2021 corrected, January 2022 added) is built
# from the stored December figures by good_ota().
BAD_OTA = ("Month,CSP Region,Attempted,Succeeded,Success rate\n"
           "2022-01,North,\"121,500\",\"118,100\",97.20%\n2022-01,Nroth,96000,95100,\n"
           "2022-01,South,88000,89000,\nJnauary 2022,Central,91000,90500,\n")
NOVEMBER_NORTH = "Month,CSP Region,Attempted,Succeeded\n2021-11,North,91000,90500\n"  # final in the demo
USERS = (("dcc.analyst", "uploader", False), ("ofgem.observer", "viewer", False),
         ("supplier.member", "viewer", False), ("former.analyst", "uploader", True))


def good_ota(store, catalog) -> str:
    """December 2021 as stored with CSP North's succeeded corrected, and January 2022 added."""
    from metrics.read.export import dataset_frame

    with store.read() as conn:
        december = dataset_frame(conn, catalog, "ota_firmware")
    december = december[december["month"] == "2021-12"]
    lines = ["Month,CSP Region,Attempted,Succeeded"]
    for row in december.itertuples():
        fix = 240 if row.csp_region == "North" else 0
        lines.append(f"2021-12,{row.csp_region},{int(row.attempted)},{int(row.succeeded) + fix}")
    for row in december.itertuples():
        lines.append(f"2022-01,{row.csp_region},{int(row.attempted * 1.02)},{int(row.succeeded * 1.021)}")
    return "\n".join(lines) + "\n"


def shoot(driver, out: Path, name: str, width: int, height: int, full_page: bool = False,
          scroll_to: str | None = None) -> None:
    """Save the viewport (sized exactly) as <name>-<width>x<height>.png, scrolled to the top or
    with ``scroll_to`` (a CSS selector) at the top of the window."""
    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    if scroll_to:
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start', "
                              "behavior: 'instant'})", scroll_to)
    time.sleep(0.2)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if inner != [width, height]:  # size the viewport, not the window frame
        driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
        time.sleep(0.5)
    path = out / f"{name}-{width}x{height}.png"
    driver.save_screenshot(str(path))
    print(path)
    if full_page:
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, full)
        time.sleep(0.8)
        driver.save_screenshot(str(out / f"{name}-{width}-full.png"))
        driver.set_window_size(width, height)


def wait_for(driver, selector: str, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if driver.execute_script(f"return !!document.querySelector({selector!r})"):
            return
        time.sleep(0.2)
    raise TimeoutError(f"no {selector}")


def sign_in(driver, base: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element("id", "login-username").send_keys(ADMIN)
    driver.find_element("id", "login-password").send_keys(PASSWORD)
    driver.find_element("id", "login-submit").click()
    wait_for(driver, "#account-menu")


def drop_file(driver, folder: Path, name: str, text: str, marker: str) -> None:
    path = folder / name
    path.write_text(text)
    driver.find_element("css selector", "#upload-dropzone input[type=file]").send_keys(str(path))
    wait_for(driver, marker)
    wait_rendered(driver)


def tool_scenes(driver, base: str, folder: Path, out: Path, width: int, height: int, upload_id: int,
                good: str) -> None:
    """The tool pages in the states a user sees while working."""
    driver.get(f"{base}/upload")
    wait_rendered(driver)
    drop_file(driver, folder, "ota_2022-01.csv", BAD_OTA, "#upload-errors-grid .ag-row")
    shoot(driver, out, "upload-errors", width, height)
    driver.find_element("css selector", "#upload-status label:last-child").click()  # Final
    drop_file(driver, folder, "ota_2022-01_fixed.csv", good, "#upload-preview-grid .ag-row")
    driver.find_element("id", "upload-reason").send_keys("CSP N resubmitted December after the review")
    time.sleep(0.5)
    shoot(driver, out, "upload-preview", width, height)
    shoot(driver, out, "upload-new-month", width, height, scroll_to="#upload-new-months")
    # A correction of final figures that also drops two regions: the warning that needs the tick.
    drop_file(driver, folder, "ota_2021-11_north.csv", NOVEMBER_NORTH, "#upload-risk-warning")
    driver.find_element("id", "upload-reason").send_keys("CSP N resubmitted November")
    time.sleep(0.5)
    shoot(driver, out, "upload-warning", width, height, scroll_to="#upload-feedback")
    history = f"/history?upload={upload_id}&dataset=ota_firmware&month=2020-01"
    for name, path in (("history-upload", history),
                       ("admin-thresholds", "/admin?tab=thresholds"), ("admin-audit", "/admin?tab=audit")):
        driver.get(base + path)
        wait_rendered(driver)
        wait_for(driver, ".ag-row")
        time.sleep(0.5)
        shoot(driver, out, name, width, height)


NOTIFY_SIZES = ((1920, 1080), (1366, 768), (768, 1024))


def notification_scenes(driver, base: str, app, out: Path) -> None:
    """/account and Admin → Notifications with real deliveries: a member's subscriptions, messages
    sent through a local SMTP server (aiosmtpd), one waiting after a refused connection, a webhook."""
    from aiosmtpd.controller import Controller

    from metrics.notify import subscriptions
    from metrics.ingest.write import ingest
    from metrics.notify.mailer import deliver_due
    from metrics.settings import load_settings

    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = HTTPServer(("127.0.0.1", 0), Hook)
    hook_port = receiver.server_address[1]
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    ctx = app.server.extensions["opsg"]
    store, catalog = ctx.store, ctx.catalog
    with store.write() as conn:
        subscriptions.set_email(conn, ADMIN, "secas.admin@example.org", ADMIN)
        subscriptions.subscribe(conn, catalog, ADMIN, "red,rag", ["ota_success_rate", "incidents_major"], actor=ADMIN)
        subscriptions.subscribe(conn, catalog, ADMIN, "final,pack", actor=ADMIN)
        subscriptions.set_email(conn, "dcc.analyst", "analyst@dcc.example.org", ADMIN)
        subscriptions.subscribe(conn, catalog, "dcc.analyst", "late", actor=ADMIN)
        subscriptions.set_email(conn, "supplier.member", "member@supplier.example.org", ADMIN)
        subscriptions.subscribe(conn, catalog, "supplier.member", "red", ["ota_success_rate"], actor=ADMIN)
        # on this machine only (allowed for the screenshots, as in the tests): nothing leaves 127.0.0.1
        subscriptions.add_webhook(conn, f"http://127.0.0.1:{hook_port}/hooks/opsg-teams", "red,pack", ADMIN,
                           allow_loopback=True)

    class Accept:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Accept(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        north = ("Month,CSP Region,Attempted,Succeeded\n2022-02,North,120000,112800\n"
                 "2022-02,Central,95000,94300\n2022-02,South,90000,89400\n")
        ingest(store, catalog, north.encode(), "ota_2022-02.csv", user="dcc.analyst", source="web")
        settings = load_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SECRET_KEY="screenshots-only",
                                 WEBHOOK_ALLOW_LOOPBACK=True)
        deliver_due(store, catalog, settings)
        fixed = north.replace("112800", "119100")
        ingest(store, catalog, fixed.encode(), "ota_2022-02_resubmitted.csv", user="dcc.analyst",
               source="web", reason="CSP N resubmitted after the review")
        receiver.shutdown()  # the webhook's receiver has gone too: retried later
        deliver_due(store, catalog, load_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=1,
                                                  SECRET_KEY="screenshots-only", WEBHOOK_ALLOW_LOOPBACK=True))
    finally:
        smtp.stop()
        receiver.server_close()
    for width, height in NOTIFY_SIZES:
        driver.set_window_size(width, height)
        for name, path in (("account", "/account"), ("admin-notifications", "/admin?tab=notifications")):
            driver.get(base + path)
            wait_rendered(driver)
            wait_for(driver, ".ag-row")
            time.sleep(0.5)
            shoot(driver, out, name, width, height)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--full-page", action="store_true", help="capture the whole page height too")
    parser.add_argument("--query", default="", help="query string for every page, e.g. month=2020-01")
    parser.add_argument("--pages", default="", help="comma-separated paths, /login, 'scenes' (the tool "
                        "pages at work), 'notifications' (/account and Admin → Notifications, also at 768x1024) "
                        "or 'meeting' (every meeting slide) (default: all)")
    parser.add_argument("--sizes", default="", help="comma-separated WIDTHxHEIGHT viewports "
                        "(default 1920x1080,1366x768)")
    args = parser.parse_args(argv)
    sizes = tuple(tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",") if size) or SIZES
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    import dash

    from dashboard import create_app

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from metrics.accounts import users as accounts

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/demo.db", "SECRET_KEY": "screenshots-only"})
        with app.server.extensions["opsg"].store.write() as conn:
            accounts.add_user(conn, ADMIN, "admin", PASSWORD, actor="screenshots")
            for name, role, disabled in USERS:
                accounts.add_user(conn, name, role, PASSWORD, actor=ADMIN)
                if disabled:
                    accounts.set_disabled(conn, name, True, actor=ADMIN)
            corrected = conn.exec_driver_sql("SELECT id FROM uploads WHERE filename = "
                                             "'ota_firmware_resubmitted.csv'").scalar()
        good = good_ota(app.server.extensions["opsg"].store, app.server.extensions["opsg"].catalog)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(app, port)
        pages = sorted(dash.page_registry.values(), key=lambda p: p["order"])
        wanted = [p for p in args.pages.split(",") if p]
        driver = browser()
        try:
            for width, height in sizes:
                driver.set_window_size(width, height)
                if not wanted or "/login" in wanted:
                    driver.get(f"{base}/login")
                    wait_for(driver, "#login-form")
                    shoot(driver, out, "login", width, height)
            sign_in(driver, base)
            for width, height in sizes:
                driver.set_window_size(width, height)
                for page in pages:
                    if wanted and page["path"] not in wanted:
                        continue
                    query = f"?{args.query}" if args.query else ""
                    driver.get(f"{base}{page['path']}{query}")
                    wait_rendered(driver)
                    shoot(driver, out, page["path"].strip("/") or "overview", width, height, args.full_page)
                if not wanted or "scenes" in wanted:
                    tool_scenes(driver, base, Path(tmp), out, width, height, corrected, good)
            if not wanted or "notifications" in wanted:
                notification_scenes(driver, base, app, out)
        finally:
            driver.quit()
            server.shutdown()
    if not wanted or "meeting" in wanted:
        meeting_screenshots(out / "meeting")
    return 0


MEETING_MONTH = "2020-01"  # the month OPSG_29 discussed
MEETING_CLASSIFICATION = "WHITE — may be shared publicly"


def meeting_screenshots(out: Path) -> None:
    """Every meeting slide at both sizes, as the chair would show January 2020: figures frozen,
    the classification banner set, and one chair's override (to show how it reads)."""
    from dashboard import create_app
    from metrics.records import overrides

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/meeting.db", "PUBLIC_READ": True,
                          "SECRET_KEY": "screenshots-only", "CLASSIFICATION": MEETING_CLASSIFICATION})
        context = app.server.extensions["opsg"]
        with context.store.write() as conn:
            overrides.set_override(conn, context.catalog, metric="ota_success_rate", value="North",
                                   month=MEETING_MONTH, rag="amber", actor="screenshots",
                                   justification="Demo override: remediation plan presented, Green "
                                                 "(99%) targeted by the end of March")
        port = free_port()
        server = serve(app, port)
        driver = browser()
        try:
            driver.get(f"http://127.0.0.1:{port}/meeting/freeze?month={MEETING_MONTH}&slide=1")
            frozen = driver.current_url.split("/meeting", 1)[1]
            titles = [item.title for item in context.catalog.agenda]
            for width, height in SIZES:
                driver.set_window_size(width, height)
                for number, title in enumerate(titles, start=1):
                    driver.get(f"http://127.0.0.1:{port}/meeting{frozen.replace('slide=1', f'slide={number}')}")
                    wait_rendered(driver)
                    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
                    shoot(driver, out, f"slide-{number:02d}-{slug}", width, height)
        finally:
            driver.quit()
            server.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
