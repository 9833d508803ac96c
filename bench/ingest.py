"""Ingest speed: a 300,600-row alerts CSV through the real ingest, against a raw-load floor.

Two measures, each median of --repeat runs on the same machine in the same run:
  - command line (issue 13): ``python -m metrics ingest FILE`` timed as a whole process (start-up
    and imports included) against a whole process that reads the same file with pandas and writes
    it raw (one executemany on SQLite, one COPY on PostgreSQL). Targets <= 1.25 on SQLite and
    <= 1.5 on PostgreSQL.
  - in process: ``ingest()`` against the same raw load without the process around it.
Usage: python bench/ingest.py [--rows N] [--repeat R] [--postgres URL] [--no-in-process]
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metrics.catalog import load_catalog  # noqa: E402
from metrics.ingest.write import ingest  # noqa: E402
from metrics.months import add_months  # noqa: E402
from metrics.store.engine import Store  # noqa: E402

PG_DEFAULT = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def alerts_csv(rows: int) -> bytes:
    """Distinct (month, region, generation, code) rows spread over 2018-01..2021-12."""
    months = [add_months("2018-01", i) for i in range(48)]
    per_month = -(-rows // 48)
    codes_needed = -(-per_month // 6)
    codes = [f"{0x8000 + i:04X}" for i in range(codes_needed)]
    rng = np.random.default_rng(7)
    grid = pd.MultiIndex.from_product([months, ["North", "Central", "South"], ["SMETS1", "SMETS2"], codes],
                                      names=["month", "csp_region", "smets_generation", "alert_code"])
    frame = grid.to_frame(index=False).head(rows)
    frame["count"] = rng.integers(0, 100_000, len(frame))
    frame["superfluous"] = (frame["count"] * 0.3).astype(int)
    return frame.to_csv(index=False).encode()


def baseline_sqlite(data: bytes, url: str) -> float:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE raw (month TEXT, csp_region TEXT, smets_generation TEXT, "
                             "alert_code TEXT, count REAL, superfluous REAL)")
    start = time.perf_counter()
    frame = pd.read_csv(io.BytesIO(data))
    with engine.begin() as conn:  # tolist(): plain Python values, the fastest form sqlite3 binds
        conn.exec_driver_sql("INSERT INTO raw VALUES (?,?,?,?,?,?)",
                             list(zip(*(frame[c].tolist() for c in frame.columns))))
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def baseline_postgres(data: bytes, url: str) -> float:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE raw (month TEXT, csp_region TEXT, smets_generation TEXT, "
                             "alert_code TEXT, count DOUBLE PRECISION, superfluous DOUBLE PRECISION)")
    start = time.perf_counter()
    frame = pd.read_csv(io.BytesIO(data))
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy("COPY raw FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def timed_ingest(data: bytes, url: str, catalog) -> float:
    store = Store(url)
    store.migrate()
    start = time.perf_counter()
    report = ingest(store, catalog, data, "alerts.csv", user="bench", max_bytes=len(data) + 1)
    elapsed = time.perf_counter() - start
    assert report.outcome == "accepted", report.errors[:5]
    store.dispose()
    return elapsed


# The floor as a process: start Python, import pandas and SQLAlchemy, read the CSV, write it raw.
FLOOR = """
import io, sys
import pandas as pd
from sqlalchemy import create_engine
path, url = sys.argv[1], sys.argv[2]
frame = pd.read_csv(path)
engine = create_engine(url)
with engine.begin() as conn:
    if url.startswith("sqlite"):
        conn.exec_driver_sql("INSERT INTO raw VALUES (?,?,?,?,?,?)",
                             list(zip(*(frame[c].tolist() for c in frame.columns))))
    else:
        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False)
        with conn.connection.driver_connection.cursor() as cur, cur.copy("COPY raw FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
"""


def _raw_table(url: str) -> None:
    engine = create_engine(url)
    real = "REAL" if url.startswith("sqlite") else "DOUBLE PRECISION"
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS raw")
        conn.exec_driver_sql("CREATE TABLE raw (month TEXT, csp_region TEXT, smets_generation TEXT, "
                             f"alert_code TEXT, count {real}, superfluous {real})")
    engine.dispose()


def _timed_process(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def cli_pair(path: Path, url: str) -> tuple[float, float]:
    """(python -m metrics ingest FILE, the floor process), on a migrated database at ``url``."""
    store = Store(url)
    store.migrate()
    store.dispose()
    _raw_table(url)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    floor = _timed_process([sys.executable, "-c", FLOOR, str(path), url], env)
    cli = _timed_process([sys.executable, "-m", "metrics", "ingest", str(path), "--reason", "bench"], env)
    return cli, floor


def run_cli(backend: str, path: Path, repeat: int, pg_url: str) -> tuple[float, float]:
    clis, floors = [], []
    for _ in range(repeat):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                cli, floor = cli_pair(path, f"sqlite:///{tmp}/opsg.db")
        else:
            url, drop = pg_schema_url(pg_url)
            try:
                cli, floor = cli_pair(path, url)
            finally:
                drop()
        clis.append(cli)
        floors.append(floor)
    return statistics.median(clis), statistics.median(floors)


def pg_schema_url(base: str) -> tuple[str, callable]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{name}", drop


def run(backend: str, data: bytes, catalog, repeat: int, pg_url: str) -> tuple[float, float]:
    ingests, baselines = [], []
    for _ in range(repeat):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                baselines.append(baseline_sqlite(data, f"sqlite:///{tmp}/base.db"))
                ingests.append(timed_ingest(data, f"sqlite:///{tmp}/opsg.db", catalog))
        else:
            url, drop = pg_schema_url(pg_url)
            try:
                baselines.append(baseline_postgres(data, url))
                ingests.append(timed_ingest(data, url, catalog))
            finally:
                drop()
    return statistics.median(ingests), statistics.median(baselines)


TARGETS = {"sqlite": 1.25, "postgresql": 1.5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_600)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=PG_DEFAULT, help="PostgreSQL URL ('' to skip)")
    parser.add_argument("--no-in-process", action="store_true", help="only the command-line measure")
    args = parser.parse_args()
    catalog = load_catalog()
    data = alerts_csv(args.rows)
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(f"alerts CSV: {args.rows:,} rows, {len(data) / 1e6:.1f} MB; median of {args.repeat} runs\n")
    print("command line: python -m metrics ingest FILE against a process reading it with pandas and writing it raw")
    print(f"{'database':<11}{'cli s':>8}{'floor s':>9}{'ratio':>7}  target")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "alerts.csv"
        path.write_bytes(data)
        for backend in backends:
            try:
                cli, floor = run_cli(backend, path, args.repeat, args.postgres)
            except Exception as exc:  # no server: say so and go on
                print(f"{backend:<11} skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                continue
            target = TARGETS[backend]
            print(f"{backend:<11}{cli:>8.2f}{floor:>9.2f}{cli / floor:>7.2f}  <= {target} "
                  f"{'ok' if cli / floor <= target else 'OVER TARGET'}")
    if args.no_in_process:
        return
    print("\nin process: ingest() against read_csv + the raw write")
    print(f"{'database':<11}{'ingest s':>10}{'baseline s':>12}{'ratio':>8}")
    for backend in backends:
        try:
            ing, base = run(backend, data, catalog, args.repeat, args.postgres)
        except Exception as exc:
            print(f"{backend:<11} skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        print(f"{backend:<11}{ing:>10.2f}{base:>12.2f}{ing / base:>8.2f}")


if __name__ == "__main__":
    main()
