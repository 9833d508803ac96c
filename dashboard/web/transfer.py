"""What goes over the wire: compressed responses, a Plotly bundle of only the traces we draw,
and cache headers (fingerprinted files kept a year, everything else revalidated).

The charts draw only ``scatter`` and ``bar`` traces (report/figures.py, report/meeting_charts.py),
so dcc.Graph gets plotly.js's "basic" partial bundle (scatter, bar, pie; npm
plotly.js-basic-dist-min, the same plotly.js version as the installed plotly) instead of the full
plotly.min.js: a third of the bytes and of the parse time. A new trace type needs the cartesian
or full bundle here.
"""
from __future__ import annotations

import re
from pathlib import Path

import dash
from flask import Flask, Response, request
from flask_compress import Compress

BUNDLE = Path(__file__).resolve().parent.parent / "vendor" / "plotly-basic-4.1.1.min.js"
# Dash's renderer asks for plotly.js at this fixed, unfingerprinted address (window._dashPlotlyJSURL);
# its own resource list names the fingerprinted one. Both get the partial bundle.
PLOTLY_PATH = re.compile(r"^/_dash-component-suites/plotly/package_data/plotly(\.v[0-9a-z_]+m[0-9]+)?\.min\.js$")
IMMUTABLE = "public, max-age=31536000, immutable"
STATIC = ("/_dash-component-suites/", "/assets/")
# Text formats; images and fonts are compressed already.
MIMETYPES = ["text/html", "text/css", "text/plain", "text/csv", "application/json",
             "application/javascript", "text/javascript", "image/svg+xml"]


class StaticOnly:
    """Flask-Compress's cache, keeping compressed static files only (the same bytes for everyone,
    and the URL changes with the file); every other response is compressed afresh."""

    def __init__(self):
        self.entries: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.entries.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.split(";", 1)[1].startswith(STATIC) and len(self.entries) < 256:
            self.entries[key] = value


def _plotly_bundle():
    """The partial bundle in place of plotly.min.js: a year when fingerprinted, else validators."""
    match = PLOTLY_PATH.match(request.path)
    if match is None:
        return None
    response = Response(BUNDLE.read_bytes(), mimetype="application/javascript")
    response.last_modified = int(BUNDLE.stat().st_mtime)
    response.add_etag()
    response.headers["Cache-Control"] = IMMUTABLE if match.group(1) else "no-cache"
    return response.make_conditional(request)


def lazy_ag_grid() -> None:
    """Take AG Grid's main bundle out of every page's scripts; assets/lazy_grid.js fetches it when a
    grid is first drawn (most pages have none)."""
    import dash_ag_grid

    for entry in dash_ag_grid._js_dist:  # pylint: disable=protected-access
        if entry.get("relative_package_path") == "dash_ag_grid.min.js":
            entry["dynamic"] = True


def no_babel_polyfill() -> None:
    """Drop @babel/polyfill (100 KB, a 70 ms task at start-up) from Dash's scripts: the browsers
    Dash 4 supports have every feature it fills in, and the one global Dash's lazy loaders use,
    ``regeneratorRuntime``, comes from assets/00-regenerator-runtime-0.14.1.js (npm, 25 KB)."""
    from dash import _dash_renderer

    for entry in _dash_renderer._js_dist_dependencies:  # pylint: disable=protected-access
        for key in ("relative_package_path", "external_url"):
            for mode, paths in (entry.get(key) or {}).items():
                entry[key][mode] = [p for p in paths if "polyfill@" not in p]


def _cache_headers(response):
    path = request.path
    fingerprinted = (path.startswith("/_dash-component-suites/") and re.search(r"\.v[0-9a-z_]+m[0-9]+\.", path)) or (
        path.startswith("/assets/") and "m" in request.args)
    if fingerprinted and response.status_code == 200:
        response.headers["Cache-Control"] = IMMUTABLE
    elif path.startswith("/_dash-component-suites/") and response.headers.get("ETag"):
        response.headers["Cache-Control"] = "no-cache"  # revalidate: the address has no version in it
    return response


def install(app: dash.Dash) -> None:
    """Compression (zstd/br/gzip as the browser accepts), the partial Plotly bundle and cache
    headers on ``app``'s server. Call before the sign-in gate is installed: scripts need no sign-in."""
    server: Flask = app.server
    server.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    server.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    server.config.setdefault("COMPRESS_CACHE_BACKEND", StaticOnly)
    server.config.setdefault("COMPRESS_CACHE_KEY", lambda req: req.full_path)
    Compress(server)
    lazy_ag_grid()
    no_babel_polyfill()
    server.before_request(_plotly_bundle)
    server.after_request(_cache_headers)
