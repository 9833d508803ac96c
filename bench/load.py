"""Load: concurrent viewers against gunicorn (gunicorn.conf.py) on a temporary SQLite demo database.

Starts ``gunicorn wsgi:server`` on a free 127.0.0.1 port with PUBLIC_READ=true, then measures
  1. single-user latency: one client going through every request of the mix, one at a time;
  2. under load: VIEWERS threads, each a viewer who arrives as a browser does (GET of a page,
     /_dash-layout, /_dash-dependencies), then repeatedly goes to a page (the page-render callback,
     POST /_dash-update-component, as Dash navigation does) or reads the API (summary, series by
     region, the catalog), pausing between actions (think time).
Stops at --seconds or --requests, whichever comes first. Prints errors, the single-user p50, the
p95 under load, and the check p95 <= 10 x single-user p50 + 50 ms (exit 1 when it fails).
Usage: python bench/load.py [--viewers 100] [--seconds 60] [--requests 4000] [--think 2.0]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # never anything else
GRACE = 5.0  # seconds after the cap for answers already on their way
PAGES = ["/", "/stability", "/ota-firmware", "/alerts", "/ch-returns"]
SEARCHES = ["", "?month=2021-06"]
API = ["/api/v1/summary", "/api/v1/summary?month=2021-06",
       "/api/v1/metrics/ota_success_rate/series?by=csp_region",
       "/api/v1/metrics/alerts_total/series?by=csp_region",
       "/api/v1/metrics/incidents_total/series", "/api/v1/metrics"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Client:
    """One keep-alive connection; each request timed; failures recorded, never raised."""

    def __init__(self, port: int, record):
        self.port, self.record, self.conn = port, record, None
        self.pending: tuple[str, str, float] | None = None  # (label, what, started) while waiting

    def _send(self, method, path, payload, headers, fresh: bool):
        if fresh:
            if self.conn is not None:
                self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        return response, response.read()

    def request(self, label: str, method: str, path: str, body: dict | None = None) -> bytes | None:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        started = time.perf_counter()
        self.pending = (label, f"{method} {path}", started)
        try:
            reused = self.conn is not None
            try:
                response, data = self._send(method, path, payload, headers, fresh=not reused)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not reused:
                    raise
                # the server closed an idle keep-alive connection: retry once on a new one, as
                # browsers do (timed from the first attempt)
                response, data = self._send(method, path, payload, headers, fresh=True)
            took = time.perf_counter() - started
            if response.status != 200:
                self.record(label, took, f"{method} {path}: HTTP {response.status}")
            elif not response.getheader("X-Request-ID"):
                self.record(label, took, f"{method} {path}: no X-Request-ID header")
            else:
                self.record(label, took, None)
            return data
        except (OSError, http.client.HTTPException) as exc:
            self.record(label, time.perf_counter() - started, f"{method} {path}: {type(exc).__name__} {exc}")
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None
        finally:
            self.pending = None


def page_callback(dependencies: list[dict]) -> dict | None:
    """The page-render callback the browser posts on opening a page (Dash pages), or None."""
    for dep in dependencies:
        if "_pages_content.children" in dep["output"]:
            outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]}
                       for part in dep["output"].strip(".").split("...")]
            return {"output": dep["output"], "outputs": outputs,
                    "inputs": [{"id": i["id"], "property": i["property"]} for i in dep["inputs"]]}
    return None


def arrival(path: str) -> list[tuple]:
    """A browser opening the dashboard: the page, then Dash's layout and callback graph (once)."""
    return [("page GET", "GET", path, None), ("dash layout", "GET", "/_dash-layout", None),
            ("dash deps", "GET", "/_dash-dependencies", None)]


def actions(callback: dict | None) -> list[tuple]:
    """What a viewer does next: go to a page (Dash posts only the page-render callback; without
    one, the page is fetched again) or read the API."""
    out = []
    for path in PAGES:
        for search in SEARCHES:
            if callback is None:
                out.append(("page GET", "GET", path + search, None))
                continue
            values = {"pathname": path, "search": search}
            out.append(("page callback", "POST", "/_dash-update-component", {
                **callback, "inputs": [{**i, "value": values.get(i["property"])} for i in callback["inputs"]],
                "changedPropIds": [f"{i['id']}.{i['property']}" for i in callback["inputs"]], "state": []}))
    for path in API:
        name = path.split("?")[0].removeprefix("/api/v1/")
        out.append((f"api {name.split('/')[1] if '/' in name else name}", "GET", path, None))
    return out


def server_cpu_seconds(master_pid: int) -> float | None:
    """CPU seconds used so far by gunicorn's master and workers (Linux /proc), or None."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        total = 0
        for pid in [master_pid, *map(int, children)]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def start_server(workdir: Path, port: int) -> subprocess.Popen:
    from metrics.demo.bootstrap import prepare
    from metrics.settings import load_settings

    url = f"sqlite:///{workdir / 'bench.db'}"
    print("loading demo data ...", flush=True)
    store, _ = prepare(load_settings(DATABASE_URL=url), demo=True)
    store.dispose()
    env = {**os.environ, "DATABASE_URL": url, "PUBLIC_READ": "true", "SECRET_KEY": "bench-only",
           "INBOX_DIR": str(workdir / "inbox"), "BACKUP_DIR": str(workdir / "backups")}
    log = open(workdir / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "--bind", f"{HOST}:{port}", "wsgi:server"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {workdir / 'gunicorn.log'}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer /api/v1/health within 60 s")


def measure(port: int, *, viewers: int = 100, seconds: float = 60, requests: int = 4000, think: float = 2.0,
            server_pids: tuple[int, ...] = (), during=None) -> dict:
    """Warm up, measure single-user latency, then ``viewers`` concurrent viewers against 127.0.0.1:port.

    ``server_pids``: gunicorn masters (and nginx) whose CPU is counted; ``during(elapsed)`` is called
    about every 0.1 s of the load phase from another thread (tests use it to stop a host under load).
    Returns timings, errors, elapsed seconds and CPU figures (see ``summary``)."""
    lock = threading.Lock()
    timings: dict[str, list[tuple[str, float]]] = {"single": [], "load": []}
    errors: list[str] = []
    phase = ["warmup"]

    def record(label, took, error):
        with lock:
            if phase[0] in timings:
                timings[phase[0]].append((label, took))
            if error:
                errors.append(error)

    probe = Client(port, record)
    graph = probe.request("dash deps", "GET", "/_dash-dependencies") or b"[]"
    callback = page_callback(json.loads(graph))
    mix = actions(callback)

    def warm():  # each worker process has its own page cache: warm them all
        client = Client(port, record)
        for step in arrival("/") + mix:
            client.request(*step)
            if client.conn is not None:  # a new connection each time, to reach every worker
                client.conn.close()
                client.conn = None

    warmers = [threading.Thread(target=warm) for _ in range(4)]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join(120)
    phase[0] = "single"
    for _ in range(2):
        for step in arrival("/") + mix:
            probe.request(*step)
    phase[0] = "load"
    budget = [requests]
    stop_at = time.monotonic() + seconds
    clients = [Client(port, record) for _ in range(viewers)]

    def viewer(seed: int):
        rng, client = random.Random(seed), clients[seed]
        time.sleep(rng.uniform(0, think))  # viewers arrive spread out, not in one burst
        steps = arrival(rng.choice(PAGES))
        while time.monotonic() < stop_at:
            for step in steps:
                with lock:
                    if budget[0] <= 0 or time.monotonic() >= stop_at:
                        return
                    budget[0] -= 1
                client.request(*step)
            pause = think * rng.uniform(0.5, 1.5)
            time.sleep(max(0.0, min(pause, stop_at - time.monotonic())))
            steps = [rng.choice(mix)]

    def cpu():
        values = [server_cpu_seconds(pid) for pid in server_pids]
        return None if not values or None in values else sum(values)

    cpu_server, cpu_client = cpu(), time.process_time()
    started = time.monotonic()
    threads = [threading.Thread(target=viewer, args=(i,), daemon=True) for i in range(viewers)]
    for thread in threads:
        thread.start()
    if during is not None:
        def watch():
            while time.monotonic() < stop_at:
                during(time.monotonic() - started)
                time.sleep(0.1)
        threading.Thread(target=watch, daemon=True).start()
    for thread in threads:  # the cap, plus 5 s for answers already on their way
        thread.join(max(0.0, stop_at + GRACE - time.monotonic()))
    elapsed = min(time.monotonic(), stop_at) - started
    cpu_after = cpu()
    cpu_server = None if cpu_server is None or cpu_after is None else cpu_after - cpu_server
    cpu_client = time.process_time() - cpu_client
    with lock:  # from now on nothing is recorded, except what is still waiting:
        phase[0] = "done"  # counted as an error, with the time waited so far
        now = time.perf_counter()
        for pending in filter(None, (client.pending for client in clients)):
            label, what, began = pending
            timings["load"].append((label, now - began))
            errors.append(f"{what}: no answer by the cap + {GRACE:.0f} s")
    return {"timings": timings, "errors": errors, "elapsed": elapsed, "cpu_server": cpu_server,
            "cpu_client": cpu_client, "viewers": viewers, "page_callback": callback is not None}


def summary(result: dict) -> dict:
    """p50/p95 figures of a ``measure`` result (seconds), and the check against single-user p50."""
    single = [t for _, t in result["timings"]["single"]]
    load = [t for _, t in result["timings"]["load"]]
    p50_single = statistics.median(single)
    out = {"single_p50": p50_single, "single_p95": percentile(single, 95), "requests": len(load),
           "p50": percentile(load, 50), "p95": percentile(load, 95), "max": max(load),
           "errors": len(result["errors"]), "rate": len(load) / result["elapsed"],
           "server_cores": None if result["cpu_server"] is None else result["cpu_server"] / result["elapsed"],
           "client_cores": result["cpu_client"] / result["elapsed"]}
    out["limit"] = 10 * p50_single + 0.050
    out["ok"] = out["p95"] <= out["limit"] and not result["errors"]
    return out


def report(result: dict) -> bool:
    """Print a ``measure`` result; True when the check passes."""
    figures = summary(result)
    print(f"\nsingle user: {len(result['timings']['single'])} requests, p50 {figures['single_p50'] * 1000:.0f} ms, "
          f"p95 {figures['single_p95'] * 1000:.0f} ms")
    print(f"under load:  {result['viewers']} viewers, {figures['requests']} requests in {result['elapsed']:.1f} s "
          f"({figures['rate']:.1f}/s), p50 {figures['p50'] * 1000:.0f} ms, "
          f"p95 {figures['p95'] * 1000:.0f} ms, max {figures['max'] * 1000:.0f} ms")
    by_label = defaultdict(list)
    for label, took in result["timings"]["load"]:
        by_label[label].append(took)
    for label, values in sorted(by_label.items()):
        print(f"  {label:<22} n={len(values):<5} p50 {percentile(values, 50) * 1000:6.0f} ms"
              f"  p95 {percentile(values, 95) * 1000:6.0f} ms")
    cores = os.cpu_count() or 1
    server_share = "unknown" if figures["server_cores"] is None else f"{figures['server_cores']:.2f}"
    print(f"CPU during the load phase (cores busy, of {cores}): server {server_share}, "
          f"this load generator {figures['client_cores']:.2f}; the rest of the machine shares them too")
    print(f"errors: {len(result['errors'])}")
    for message, n in Counter(result["errors"]).most_common(10):
        print(f"  {n} x {message}")
    print(f"check: p95 under load {figures['p95'] * 1000:.0f} ms <= 10 x single-user p50 + 50 ms = "
          f"{figures['limit'] * 1000:.0f} ms, and no errors: {'PASS' if figures['ok'] else 'FAIL'}")
    return figures["ok"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=100, help="concurrent viewers (default 100)")
    parser.add_argument("--seconds", type=float, default=60, help="load phase cap in seconds (default 60)")
    parser.add_argument("--requests", type=int, default=4000, help="load phase request budget (default 4000)")
    parser.add_argument("--think", type=float, default=2.0,
                        help="a viewer's mean pause between actions, seconds (default 2.0; 0.5x-1.5x)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="opsg-load-"))
    port = free_port()
    server = start_server(workdir, port)
    try:
        print(f"gunicorn on {HOST}:{port}")
        result = measure(port, viewers=args.viewers, seconds=args.seconds, requests=args.requests,
                         think=args.think, server_pids=(server.pid,))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())
