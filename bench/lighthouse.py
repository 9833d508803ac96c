"""Lighthouse accessibility scores of the overview, a family page and the meeting, signed in as an
administrator on the demo.

Needs Lighthouse 12.2.3 from npm (``npm ci --prefix bench``, pinned by bench/package-lock.json)
and Debian's chromium. Prints one line per page: score (0-100) and the failing audits.
Usage: python bench/lighthouse.py [--lighthouse PATH] [PATH ...]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lighthouse_perf import FLAGS, lighthouse_bin  # noqa: E402

PAGES = ("/?month=2020-01", "/ota-firmware?month=2020-01", "/meeting?month=2020-01&slide=3")


def serve(tmp: Path) -> tuple[str, str]:
    """Start the app on a demo database in tmp; return its URL and an administrator's cookie."""
    from werkzeug.serving import make_server

    from dashboard import create_app
    from metrics.accounts import users as accounts

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}", "PUBLIC_READ": False,
                      "SECRET_KEY": "bench-only-secret"})
    with app.server.extensions["opsg"].store.write() as conn:
        accounts.add_user(conn, "chair", "admin", "bench password 123", actor="bench")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "chair", "password": "bench password 123",
                                           "csrf_token": token})
    assert response.status_code == 302, "bench sign-in failed"
    cookies = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    return f"http://127.0.0.1:{port}", cookies


def score(lighthouse: str, url: str, cookie: str, out: Path) -> tuple[int, list[str]]:
    subprocess.run([lighthouse, url, "--only-categories=accessibility", "--output=json",
                    f"--output-path={out}", "--quiet", f"--chrome-flags={FLAGS}",
                    "--extra-headers", json.dumps({"Cookie": cookie}), "--max-wait-for-load=60000"],
                   check=True, env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")})
    report = json.loads(out.read_text())
    category = report["categories"]["accessibility"]
    failed = [ref["id"] for ref in category["auditRefs"] if ref["weight"] > 0
              and (report["audits"][ref["id"]].get("score") is not None)
              and report["audits"][ref["id"]]["score"] < 1]
    return round(100 * (category["score"] or 0)), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", help="default: $LIGHTHOUSE, else bench/node_modules/.bin/lighthouse")
    parser.add_argument("paths", nargs="*", default=list(PAGES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, cookie = serve(Path(tmp))
        for index, path in enumerate(args.paths):
            value, failed = score(args.lighthouse or lighthouse_bin(), base + path, cookie, Path(tmp) / f"lh-{index}.json")
            print(f"{path:40} accessibility {value:3d}  failing: {', '.join(failed) or 'none'}", flush=True)


if __name__ == "__main__":
    main()
