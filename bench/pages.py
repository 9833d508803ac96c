"""How fast each page's main callback is, against the cheapest way to serve the same points.

    .venv/bin/python bench/pages.py [--runs 20] [--rows 300000] [--keep DB]

Loads the demo plus a synthetic alerts upload (``--rows`` rows over 2018-01..2021-12, many alert
codes) into a temporary SQLite database. Each page is rendered by the pages router, whose callback
calls the page's ``layout(**query)`` and serialises it: that is the main callback timed here,
called directly inside a Flask request context. The baseline is the raw SQL that reads the same
pre-aggregated points, encoded with orjson, plus a no-op callback serialised the same way.
Pages are cached per (query, data version), so the callback is timed twice: warm (a repeat view:
one version query, a cache hit, the encode) and cold (cache cleared: every domain read and figure
built). Prints p50 times, the ratios (target <= 2x) and the bytes sent per page.

Then the first read after new figures (issue 13, target <= 3x a warm read), for each way figures
arrive: web (ingest + the upload callback's after-commit warm), API (POST /api/v1/uploads with a
token), command line (``python -m metrics ingest`` in its own process) and inbox (the inbox job);
for the last two this process warms when its watcher sees the new data version
(dashboard/state/warm.py; the check is called directly instead of waiting for the next tick).
Each way is measured twice in the same run: without warming (what it cost before) and with it.
The first read is every warmed view once (the default view of each figure page, the overview, the
meeting, the API summary), against the same views' p50 warm reads: all views together (sum over
sum), the median view, and the worst view (one sample each, so the noisiest figure).
Nothing is asserted.
"""
from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import orjson  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import text  # noqa: E402

# page path -> {dataset: dimensions read}; None for the start month means all history.
READS = {
    "/": {"incidents": ("category",), "ota_firmware": ("csp_region",), "alerts": ("csp_region",),
          "ch_installs": ("csp_region",), "ch_exceptions": ("csp_region",), "aged_incidents": (),
          "ch_returns": ("csp_region",), "smets1_migration": ()},
    "/stability": {"incidents": ("category",)},
    "/ota-firmware": {"ota_firmware": ("csp_region",)},
    "/alerts": {"alerts": ("csp_region", "smets_generation"), "ch_installs": ("csp_region",)},
    "/ch-exceptions": {"ch_exceptions": ("csp_region", "exception_type")},
    "/aged-incidents": {"aged_incidents": ("reason",)},
    "/ch-returns": {"ch_returns": ("csp_region",)},
    "/smets1-migration": {"smets1_migration": ("device_model",)},
    "/ch-installs": {"ch_installs": ("csp_region",)},
}
ALL_HISTORY = {"/stability", "/smets1-migration"}
WAYS = ("web", "api", "cli", "inbox")


def alerts_csv(rows: int, seed: int = 7) -> bytes:
    """A large alerts upload: every region x generation x code for every month."""
    months = pd.period_range("2018-01", "2021-12", freq="M").strftime("%Y-%m")
    combos = len(months) * 3 * 2
    codes = [f"{0x8000 + i:04X}" for i in range(max(1, rows // combos))]
    index = pd.MultiIndex.from_product([months, ["North", "Central", "South"], ["SMETS1", "SMETS2"], codes],
                                       names=["month", "csp_region", "smets_generation", "alert_code"])
    frame = index.to_frame(index=False)
    rng = np.random.default_rng(seed)
    frame["count"] = rng.integers(100, 20_000, len(frame))
    frame["superfluous"] = (frame["count"] * rng.uniform(0.1, 0.8, len(frame))).astype(int)
    out = io.StringIO()
    frame.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode()


def p50(fn, runs: int) -> float:
    fn()  # warm caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def graph_bytes(node) -> int:
    """Bytes of every figure in a serialised layout."""
    if isinstance(node, dict):
        if node.get("type") == "Graph" and "figure" in node.get("props", {}):
            return len(orjson.dumps(node["props"]["figure"]))
        if node.get("type") == "Store" and "figure" in (node.get("props", {}).get("data") or {}):
            return len(orjson.dumps(node["props"]["data"]["figure"]))  # a chart drawn when in view
        return sum(graph_bytes(v) for v in node.values())
    if isinstance(node, list):
        return sum(graph_bytes(v) for v in node)
    return 0


def raw_points(conn, catalog, path: str, month: str, start: str) -> list:
    """The same pre-aggregated points the page draws, read with plain SQL."""
    from metrics.ingest.rollups import grain_name, grains

    out = []
    for dataset, dims in READS[path].items():
        ds = catalog.datasets[dataset]
        wanted = [grain_name(g) for g in grains(ds) if set(g) <= set(dims)]
        sql = text("SELECT r.month, r.status, ro.grain, ro.d1, ro.d2, ro.d3, ro.m1, ro.m2, ro.m3, ro.m4 "
                   "FROM rollups ro JOIN revisions r ON ro.revision_id = r.id "
                   "WHERE r.dataset = :ds AND r.superseded_at IS NULL AND r.month >= :a AND r.month <= :b "
                   "AND ro.grain IN :grains").bindparams(
            __import__("sqlalchemy").bindparam("grains", expanding=True))
        first = "0000-00" if path in ALL_HISTORY else start
        out += [tuple(row) for row in conn.execute(sql, {"ds": dataset, "a": first, "b": month,
                                                         "grains": wanted})]
    if path == "/alerts":  # the month's alert codes, largest first
        out += [tuple(row) for row in conn.execute(text(
            "SELECT ro.d1, ro.d2, ro.d3, ro.m1 FROM rollups ro JOIN revisions r ON ro.revision_id = r.id "
            "WHERE r.dataset = 'alerts' AND r.superseded_at IS NULL AND r.month = :m "
            "AND ro.grain = 'alert_code' ORDER BY ro.m1 DESC"), {"m": month})]
    return out


def incidents_csv(month: str, n: int) -> bytes:
    """New figures for ``month``: a different incidents slice each time."""
    rows = "".join(f"{month},{cat},{n + cat}\n" for cat in range(1, 6))
    return f"month,category,count\n{rows}".encode()


def arrive(way: str, app, tmp: str, month: str, n: int, token: str, warm_on: bool) -> None:
    """Figures arrive one ``way``; with ``warm_on``, the warming this change brings runs to its end."""
    import os
    import subprocess

    from dashboard.state import warm
    from metrics.ingest.write import ingest
    from metrics.jobs.tasks import process_inbox

    ctx = app.server.extensions["opsg"]
    data = incidents_csv(month, n)
    if way == "web":  # what the upload page's Confirm callback does
        report = ingest(ctx.store, ctx.catalog, data, "web.csv", user="bench", source="web", reason="bench")
        assert report.outcome == "accepted", report.errors[:3]
        if warm_on:
            warm.after_commit(app.server).join()
        return
    if way == "api":
        if not warm_on:  # the API route warms by itself: measure 'before' as the web way without it
            report = ingest(ctx.store, ctx.catalog, data, "api.csv", user="bench", source="api", reason="bench")
            assert report.outcome == "accepted"
            return
        response = app.server.test_client().post(
            "/api/v1/uploads", headers={"Authorization": f"Bearer {token}"},
            data={"file": (io.BytesIO(data), "api.csv"), "reason": "bench"})
        assert response.status_code == 201, response.data[:300]
        for thread in threading.enumerate():  # the route's after-commit warm
            if thread.name == "opsg-warm":
                thread.join()
        return
    if way == "cli":
        path = Path(tmp) / "cli.csv"
        path.write_bytes(data)
        env = {**os.environ, "DATABASE_URL": ctx.store.url, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "metrics", "ingest", str(path), "--reason", "bench"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
    else:  # the inbox job (the scheduler's process in production)
        inbox = Path(ctx.settings.inbox_dir)
        inbox.mkdir(parents=True, exist_ok=True)
        (inbox / "inbox.csv").write_bytes(data)
        results = process_inbox(ctx.store, ctx.catalog, ctx.settings)
        assert results and all(r.outcome == "accepted" for r in results), results
    if warm_on:
        watcher = app.server.extensions.get("opsg-warm-bench") or warm.Watcher(app.server, 2.0)
        app.server.extensions["opsg-warm-bench"] = watcher
        if watcher.seen is None:
            watcher.seen = ()
        assert watcher.check(), "the watcher did not see the new data version"


def warmed_reads(app, runs: int) -> dict:
    """{view: (first read s, warm read s)} for every view the warming covers."""
    from dashboard.state import warm
    from dashboard.web.api import summary_entries
    from metrics.read.queries import latest_month

    from dash._utils import to_json

    ctx = app.server.extensions["opsg"]
    out = {}
    with app.server.test_request_context("/"):
        # as the router callback sends it: the layout, encoded
        views = {path: (lambda layout=warm.page_layout(path): to_json(layout())) for path in warm.warm_paths()}

        def summary():
            with ctx.store.read() as conn:
                orjson.dumps(summary_entries(ctx, conn, latest_month(conn)))

        views["api summary"] = summary
        for name, read in views.items():
            start = time.perf_counter()
            read()
            first = time.perf_counter() - start
            out[name] = (first, p50(read, runs))
    return out


def after_new_figures(app, tmp: str, month: str, runs: int) -> None:
    from metrics.accounts.users import add_user, new_token

    ctx = app.server.extensions["opsg"]
    with ctx.store.write() as conn:
        add_user(conn, "bench-uploader", "uploader", "bench-password-1")
        token = new_token(conn, "bench-uploader")
    print(f"\nfirst read after new figures, against a warm read (target <= 3x); {len(WAYS)} ways")
    print(f"{'way':8} {'warming':8} {'all views x':>11} {'median x':>9}   {'worst view':18} {'first ms':>9} "
          f"{'warm ms':>8} {'ratio':>6}")
    n = 10
    for way in WAYS:
        for warm_on in (False, True):
            n += 1
            arrive(way, app, tmp, month, n, token, warm_on)
            reads = warmed_reads(app, runs)
            ratios = {v: f / max(w, 1e-9) for v, (f, w) in reads.items()}
            worst = max(ratios, key=ratios.get)
            first, warm_read = reads[worst]
            total = sum(f for f, _ in reads.values()) / sum(w for _, w in reads.values())
            print(f"{way:8} {'on' if warm_on else 'off':8} {total:11.1f} {statistics.median(ratios.values()):9.1f}   "
                  f"{worst:18} {first * 1e3:9.1f} {warm_read * 1e3:8.1f} {ratios[worst]:6.1f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--after-only", action="store_true", help="only the first read after new figures")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    import dash
    from dash._utils import to_json

    from dashboard import create_app
    from metrics.ingest.write import ingest
    from metrics.months import add_months
    from metrics.read.queries import latest_month

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "INBOX_DIR": f"{tmp}/inbox",
                          "INBOX_SETTLE_SECONDS": 0})
        ctx = app.server.extensions["opsg"]
        data = alerts_csv(args.rows)
        report = ingest(ctx.store, ctx.catalog, data, "alerts-bench.csv", reason="benchmark load")
        assert report.outcome == "accepted", report.errors[:3]
        rows = data.count(b"\n") - 1
        print(f"demo + {rows:,}-row alerts upload loaded in {time.perf_counter() - t0:.1f} s\n")
        with ctx.store.read() as conn:
            month = latest_month(conn)
        start = add_months(month, -23)
        pages = sorted((p for p in dash.page_registry.values() if p["path"] in READS),  # figure pages
                       key=lambda p: p["order"])
        header = (f"{'page':18} {'warm ms':>8} {'cold ms':>8} {'base ms':>8} {'warm x':>7} {'cold x':>7} "
                  f"{'resp KiB':>9} {'fig KiB':>8}")
        print(header)
        print("-" * len(header))
        ratios, cold_ratios = [], []
        if args.after_only:
            after_new_figures(app, tmp, month, max(3, args.runs // 4))
            return 0
        with app.server.test_request_context("/"):
            noop = p50(lambda: to_json({"children": None}), args.runs)
            for page in pages:
                layout = page["layout"]
                page_p50 = p50(lambda: to_json(layout()), args.runs)

                def cold():
                    ctx.cache.clear()
                    return to_json(layout())

                cold_p50 = p50(cold, max(5, args.runs // 2))

                def baseline():
                    with ctx.store.read() as conn:
                        orjson.dumps(raw_points(conn, ctx.catalog, page["path"], month, start))

                base = p50(baseline, args.runs) + noop
                body = to_json(layout())
                figs = graph_bytes(orjson.loads(body))
                ratios.append(page_p50 / base)
                cold_ratios.append(cold_p50 / base)
                print(f"{page['path']:18} {page_p50 * 1e3:8.1f} {cold_p50 * 1e3:8.1f} {base * 1e3:8.1f} "
                      f"{page_p50 / base:7.1f} {cold_p50 / base:7.1f} {len(body) / 1024:9.1f} "
                      f"{figs / 1024:8.1f}")
        print(f"\nmedian ratio warm {statistics.median(ratios):.1f}x, cold "
              f"{statistics.median(cold_ratios):.1f}x (target <= 2x); month {month}, {args.runs} runs each")
        after_new_figures(app, tmp, month, max(3, args.runs // 4))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
