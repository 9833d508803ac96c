"""Lighthouse performance (desktop preset) of the overview, a family page and the meeting.

    npm ci --prefix bench      # once: Lighthouse 12.2.3 as bench/package-lock.json pins it (node_modules git-ignored)
    CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse_perf.py [--pages / /ota-firmware /meeting] [--runs 1]

Serves the demo (temporary SQLite database, PUBLIC_READ so no sign-in) on a free 127.0.0.1 port
and runs Lighthouse 12 against each page with Debian Chromium. Prints the performance score, total
blocking time, largest contentful paint, DOM elements and bytes transferred; the median of --runs.
Targets: performance >= 90, TBT <= 200 ms, DOM < 1,000. Lighthouse's own timings are simulated
(its throttling model), so they are compared with the targets, never asserted in tests.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update " \
        "--no-first-run --disable-sync --disable-dev-shm-usage"


def lighthouse_bin() -> str:
    found = os.environ.get("LIGHTHOUSE") or (HERE / "node_modules" / ".bin" / "lighthouse")
    if not Path(found).exists():
        raise SystemExit(f"no Lighthouse at {found}: npm ci --prefix bench")
    return str(found)


def audit(url: str, category: str = "performance") -> dict:
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", shutil.which("chromium") or "/usr/bin/chromium")}
    for attempt in (1, 2):  # Chromium now and then fails to start on a busy machine: once more
        done = subprocess.run([lighthouse_bin(), url, "--preset=desktop", f"--only-categories={category}",
                               "--output=json", "--output-path=stdout", "--quiet", f"--chrome-flags={FLAGS}"],
                              capture_output=True, text=True, env=env, timeout=300)
        if done.returncode == 0:
            break
        if attempt == 2:
            raise RuntimeError(f"lighthouse failed on {url}: {done.stderr[-800:]}")
    report = json.loads(done.stdout)
    audits = report["audits"]
    return {"score": round(100 * (report["categories"][category]["score"] or 0)),
            "tbt": audits["total-blocking-time"]["numericValue"],
            "lcp": audits["largest-contentful-paint"]["numericValue"],
            "fcp": audits["first-contentful-paint"]["numericValue"],
            "dom": audits["dom-size"]["numericValue"],
            "bytes": audits["total-byte-weight"]["numericValue"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", default=["/", "/ota-firmware", "/meeting"])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    spec = importlib.util.spec_from_file_location("bench_bytes", HERE / "bytes.py")
    bench_bytes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_bytes)
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        base, _app, stop = bench_bytes.serve(tmp, {"PUBLIC_READ": True})
        try:
            print(f"{'page':16} {'perf':>5} {'TBT ms':>7} {'LCP ms':>7} {'FCP ms':>7} {'DOM':>6} {'KiB':>7}  "
                  "targets: perf >= 90, TBT <= 200, DOM < 1000")
            for path in args.pages:
                runs = [audit(base + path) for _ in range(args.runs)]
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                ok = med["score"] >= 90 and med["tbt"] <= 200 and med["dom"] < 1000
                print(f"{path:16} {med['score']:5.0f} {med['tbt']:7.0f} {med['lcp']:7.0f} {med['fcp']:7.0f} "
                      f"{med['dom']:6.0f} {med['bytes'] / 1024:7.0f}  {'ok' if ok else 'OVER TARGET'}")
        finally:
            stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
