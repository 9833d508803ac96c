"""The deploy/ kit stays in step with the app: the upload size nginx accepts, the files the systemd
units start, the fingerprint rules for static files."""
from __future__ import annotations

import re
from pathlib import Path

from metrics.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "deploy"
UNITS = {"m": 1024 ** 2, "k": 1024, "g": 1024 ** 3}


def test_dep001_nginx_takes_the_largest_upload_the_app_takes_and_little_more():
    text = (KIT / "nginx" / "opsg-locations.conf").read_text()
    number, unit = re.search(r"^client_max_body_size (\d+)([kmg]);", text, re.MULTILINE).groups()
    nginx_limit = int(number) * UNITS[unit]
    app_limit = load_settings().max_upload_bytes * 4 // 3 + 1_000_000  # factory.py's MAX_CONTENT_LENGTH
    assert app_limit <= nginx_limit <= app_limit + 2 * 1024 ** 2


def test_dep002_systemd_units_start_what_the_repository_has():
    web = (KIT / "systemd" / "opsg-web.service").read_text()
    assert "gunicorn -c gunicorn.conf.py wsgi:server" in web and (ROOT / "gunicorn.conf.py").is_file()
    assert (ROOT / "wsgi.py").is_file()
    scheduler = (KIT / "systemd" / "opsg-scheduler.service").read_text()
    assert "python -m metrics scheduler" in scheduler
    env = (KIT / "systemd" / "opsg.env.example").read_text()
    names = {s.name for s in __import__("metrics.settings", fromlist=["SETTINGS"]).SETTINGS}
    used = set(re.findall(r"^#? ?([A-Z_]+)=", env, re.MULTILINE))
    assert used <= names, used - names  # every variable in the example is a real setting


def test_dep003_fingerprinted_component_bundles_match_the_long_cache_rule():
    text = (KIT / "nginx" / "opsg-locations.conf").read_text()
    from dash.fingerprint import build_fingerprint

    rule = re.search(r'location ~ "([^"]+)"', text).group(1)
    for path in ("dash/deps/react@18.3.1.min.js", "dash/dash-renderer/build/dash_renderer.min.js",
                 "dash_ag_grid/dash_ag_grid.min.js"):
        assert re.match(rule, "/_dash-component-suites/" + build_fingerprint(path, "4.0.0", 1764599000)), path
        assert not re.match(rule, "/_dash-component-suites/" + path)  # not fingerprinted: not immutable
