"""How fast each page's main callback is, against the cheapest way to serve the same points.

    .venv/bin/python bench/pages.py [--runs 20] [--rows 300000] [--keep DB]

Loads the demo plus a synthetic alerts upload (``--rows`` rows over 2018-01..2021-12, many alert
codes) into a temporary SQLite database. Each page is rendered by the pages router, whose callback
calls the page's ``layout(**query)`` and serialises it: that is the main callback timed here,
called directly inside a Flask request context. The baseline is the raw SQL that reads the same
pre-aggregated points, encoded with orjson, plus a no-op callback serialised the same way.
Pages are cached per (query, data version), so the callback is timed twice: warm (a repeat view:
one version query, a cache hit, the encode) and cold (cache cleared: every domain read and figure
built). Prints p50 times, the ratios (target <= 2x) and the bytes sent per page. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import tempfile
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=300_000)
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
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db"})
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
