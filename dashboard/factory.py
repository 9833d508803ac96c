"""The app factory: ``create_app(settings)`` builds the Dash app, its API and its pages."""
from __future__ import annotations

from pathlib import Path

import dash
import plotly.io as pio

from metrics.catalog_revisions import LiveCatalog
from metrics.demo.bootstrap import prepare
from metrics.clock import Clock
from metrics.settings import Settings, load_settings

from dashboard.web import login, pack_route, query, request_log, security, unsubscribe
from dashboard.web.health import health
from dashboard.state import shared_cache
from dashboard.web import transfer
from dashboard.web.api import api
from dashboard.state.cache import MemoryCache
from dashboard.web import minutes_route, oidc
from .context import AppContext, attach
from dashboard.web.downloads import downloads
from .pages import family as family_pages

HERE = Path(__file__).resolve().parent


def create_app(settings: Settings | dict | None = None, *, demo: bool = True,
               start_scheduler=None, clock: Clock | None = None) -> dash.Dash:
    """A ready app on its own database: catalog validated, schema migrated, demo loaded if empty.

    ``settings`` is a ``Settings``, or a dict of overrides by environment name read with the
    environment once, here. ``clock`` (default the system's) is what the app's writes and
    sessions read the time from; tests pass a ``ManualClock``."""
    if not isinstance(settings, Settings):
        settings = load_settings(**(settings or {}))
    store, _ = prepare(settings, demo=demo, clock=clock)
    catalog = LiveCatalog(store)  # the revision in force, re-read within seconds of an apply
    pio.defaults.mathjax = None  # no CDN at run time
    app = dash.Dash(
        __name__, use_pages=True, pages_folder=str(HERE / "pages"), assets_folder=str(HERE / "assets"),
        title="OPSG service metrics", suppress_callback_exceptions=True, serve_locally=True,
        update_title=None,
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    transfer.install(app)  # compression, the partial Plotly bundle, cache headers
    family_pages.register(catalog.current())  # one page per catalog family
    family_pages.register_any()  # and a family a catalog revision brings while running
    # A Dash upload arrives base64-encoded inside JSON (4/3 the size); ingest enforces the real limit.
    app.server.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes * 4 // 3 + 1_000_000
    cache = shared_cache.install(app.server, settings)  # Redis when REDIS_URL is set
    if cache is None:
        cache = MemoryCache()
    attach(app.server, AppContext(store, catalog, settings, cache=cache))
    request_log.install(app.server)
    security.install(app.server, csp_hashes=app.csp_hashes)
    login.install(app)
    oidc.install(app)  # single sign-on, when OIDC_ISSUER is set
    query.install(app.server)  # after the sign-in gate: 401 before 400
    app.server.register_blueprint(api)
    app.server.register_blueprint(health)  # /healthz, /readyz for load balancers
    app.server.register_blueprint(downloads)
    if start_scheduler:  # python app.py passes metrics.jobs.scheduler.start_embedded; tests and wsgi don't
        start_scheduler(store, catalog, settings)
    from .layout import frame, register_callbacks

    app.layout = frame
    register_callbacks(app)
    pack_route.install(app)  # /meeting/pack.pdf and /meeting/freeze
    minutes_route.install(app)  # /meeting/minutes.docx and .md (SPEC §10)
    unsubscribe.install(app)  # /unsubscribe, the link in every notification
    return app
