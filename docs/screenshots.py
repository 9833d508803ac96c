"""Regenerate docs/screenshots/*.png: every page at 1920x1080 and 1366x768, on the demo data.

    .venv/bin/python docs/screenshots.py [--out docs/screenshots] [--full-page] [--query month=2020-01]

Starts the app on a temporary SQLite database (the demo loads on first start) on a free local
port, drives Debian's headless Chromium through chromedriver, and writes <page>-<width>x<height>.png.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--full-page", action="store_true", help="capture the whole page height too")
    parser.add_argument("--query", default="", help="query string for every page, e.g. month=2020-01")
    parser.add_argument("--pages", default="", help="comma-separated paths (default: every page)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    import dash

    from dashboard import create_app

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/demo.db"})
        port = free_port()
        server = serve(app, port)
        pages = sorted(dash.page_registry.values(), key=lambda p: p["order"])
        wanted = [p for p in args.pages.split(",") if p]
        driver = browser()
        try:
            for width, height in SIZES:
                driver.set_window_size(width, height)
                for page in pages:
                    if wanted and page["path"] not in wanted:
                        continue
                    query = f"?{args.query}" if args.query else ""
                    driver.get(f"http://127.0.0.1:{port}{page['path']}{query}")
                    wait_rendered(driver)
                    name = page["path"].strip("/") or "overview"
                    driver.execute_script("window.scrollTo(0, 0)")
                    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
                    if inner != [width, height]:  # size the viewport, not the window frame
                        driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
                        wait_rendered(driver)
                    path = out / f"{name}-{width}x{height}.png"
                    driver.save_screenshot(str(path))
                    print(path)
                    if args.full_page:
                        full = driver.execute_script("return document.documentElement.scrollHeight")
                        driver.set_window_size(width, full)
                        wait_rendered(driver)
                        driver.save_screenshot(str(out / f"{name}-{width}-full.png"))
                        driver.set_window_size(width, height)
        finally:
            driver.quit()
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
