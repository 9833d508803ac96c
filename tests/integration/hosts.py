"""Real web hosts for the many-hosts tests: gunicorn instances (gunicorn.conf.py, wsgi:server) each
with its own TMPDIR, and Debian's nginx in front, run as this user's own processes with their own
config in a temporary folder. Nothing is mocked: requests go over TCP to the real servers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.integration.services import NGINX, free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Poll ``url`` until it answers 200 (a state, not a clock); fail with the log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never became ready:\n{log.read_text()[-3000:]}")


@dataclass
class Host:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    tmpdir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """The host dies: SIGKILL to gunicorn's master and workers at once (nothing finishes)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_host(name: str, folder: Path, env: dict, *, workers: int = 1, threads: int = 8) -> Host:
    """(Its own process group, so that ``kill`` can take the whole host down at once.)"""
    """gunicorn -c gunicorn.conf.py wsgi:server on a free port, with TMPDIR = folder/name/tmp."""
    port = free_port()
    tmpdir = folder / name / "tmp"
    tmpdir.mkdir(parents=True)
    log = folder / name / "gunicorn.log"
    full = {**os.environ, **env, "BIND": f"127.0.0.1:{port}", "TMPDIR": str(tmpdir),
            "EMBED_SCHEDULER": "false", "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                 "--workers", str(workers), "--threads", str(threads),
                                 "--graceful-timeout", "10", "wsgi:server"],
                                cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    host = Host(name, port, proc, log, tmpdir)
    try:
        wait_ready(f"{host.url}/readyz", proc, log)
    except Exception:
        host.stop()
        raise
    return host


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;  # as Debian's nginx.conf does
    default_type application/octet-stream;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site};
    server {{
        listen 127.0.0.1:{port};
        include {locations};
    }}
}}
"""


@dataclass
class Nginx:
    port: int
    proc: subprocess.Popen
    prefix: Path
    upstreams: list[Host] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> list[str]:
        return (self.prefix / "access.log").read_text().splitlines()

    def workers(self) -> set[int]:
        try:
            return set(map(int, Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()))
        except OSError:
            return set()

    def reload(self, down: set[int] = frozenset()) -> None:
        """Rewrite the upstream with the hosts on ports ``down`` marked down, reload (SIGHUP) and wait
        until the old workers (and their keep-alive connections) are gone."""
        deploy_site(self.prefix, self.upstreams, down)
        old = self.workers()
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = self.workers()
            if now and not (now & old):
                return
            time.sleep(0.05)
        raise RuntimeError("nginx did not reload")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_nginx(folder: Path, hosts: list[Host]) -> Nginx:
    """Debian's nginx round-robin over ``hosts``, with the deploy/ kit's site config (the upstream
    servers and the port rewritten for the test), in the foreground as this user."""
    prefix = folder / "nginx"
    prefix.mkdir()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir()
    site, locations = deploy_site(prefix, hosts)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, site=site, locations=locations))
    test = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    if test.returncode != 0:
        raise RuntimeError(f"nginx -t refused the config:\n{test.stderr}")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=(prefix / "stderr.log").open("wb"))
    server = Nginx(port, proc, prefix, list(hosts))
    wait_ready(f"{server.url}/healthz", proc, prefix / "error.log", timeout=30)
    return server


def deploy_site(prefix: Path, hosts: list[Host], down: set[int] = frozenset()) -> tuple[Path, Path]:
    """deploy/nginx/opsg-upstream.conf and opsg-locations.conf as shipped, with the test's upstream
    servers and the app's folder put in (the only edits an operator makes)."""
    kit = ROOT / "deploy" / "nginx"
    upstream = (kit / "opsg-upstream.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{h.port} max_fails=1 fail_timeout=5s{' down' if h.port in down else ''};\n"
                      for h in hosts)
    start, end = upstream.index("    # servers:start"), upstream.index("    # servers:end")
    upstream = upstream[:start] + servers + upstream[upstream.index("\n", end) + 1:]
    site = prefix / "opsg-upstream.conf"
    site.write_text(upstream)
    locations = prefix / "opsg-locations.conf"
    locations.write_text((kit / "opsg-locations.conf").read_text().replace("/srv/opsg/app", str(ROOT))
                         .replace("/var/log/nginx/opsg-access.log", str(prefix / "access.log")))
    return site, locations
