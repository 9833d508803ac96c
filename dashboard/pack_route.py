"""Routes behind meeting mode: the meeting pack PDF and "freeze figures now".

``/meeting/pack.pdf?month=YYYY-MM&as_of=…`` follows the read rules of every other read route
(signed in, or PUBLIC_READ). A pack is a pure function of its month, as-at moment and the data in
force, so it is built once per (month, as_of, data and record versions) and served from memory
after that; one pack is printed at a time.
"""
from __future__ import annotations

import subprocess
import threading
import time
from datetime import datetime
from urllib.parse import quote, urlencode

from flask import Response, redirect, request

from metrics.bootstrap import is_demo
from metrics.demo import DEMO_LABEL
from metrics.pack import meeting_content, pack_html, print_pdf
from metrics.queries import latest_month
from metrics.settings import Settings
from metrics.store import Store, utcnow

from .auth import can_read
from .components.cache import remember, version_of
from .context import get_context
from .query import parsed

_printing = threading.Lock()


def build_pack(store: Store, catalog, settings: Settings, month: str, as_of: datetime | None = None
               ) -> tuple[bytes, dict]:
    """(PDF bytes, facts: pages, seconds) for a month's pack; used by the route and the CLI."""
    from .components.meeting_charts import charts_svg

    started = time.perf_counter()
    with store.read() as conn:
        content = meeting_content(conn, catalog, month, as_of=as_of)
    wanted = []
    for item in content["items"]:
        for chart in item.get("charts", ()):
            wanted.append((chart["key"], chart, min(len(item["charts"]), 3)))
    svgs = charts_svg(wanted)
    document = pack_html(content, svgs, classification=settings.classification,
                         demo=DEMO_LABEL if is_demo(store) else None)
    with _printing:
        pdf = print_pdf(document)
    return pdf, {"pages": len(content["items"]) + 1, "charts": len(wanted),
                 "seconds": round(time.perf_counter() - started, 2), "html": document}


def _search(**params) -> str:
    items = [(k, v) for k, v in params.items() if v]
    return f"?{urlencode(items, quote_via=quote)}" if items else ""


def meeting_pack():
    if not can_read():
        return Response("Sign in to download the meeting pack.\n", 401, mimetype="text/plain")
    context = get_context()
    query = parsed()  # checked before the route runs: a bad month or as_of is a 400 already
    as_of, month = query.get("as_of"), query.get("month")
    with context.store.read() as conn:
        month = month or latest_month(conn, as_of)
        if month is None:
            return Response("No figures have been uploaded yet.\n", 404, mimetype="text/plain")
        version = version_of(conn, records=True)
    key = ("meeting-pack", context.store.url, month, as_of, version)
    try:
        pdf = remember(key, lambda: build_pack(context.store, context.catalog, context.settings,
                                               month, as_of)[0])
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:  # no Chromium, or it failed
        return Response(f"The meeting pack could not be printed: {exc}\n", 503, mimetype="text/plain")
    name = f"opsg-meeting-pack-{month}" + (f"-as-at-{as_of:%Y%m%dT%H%M}" if as_of else "") + ".pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"',
                             "Cache-Control": "private, max-age=0"})


def freeze():
    """Redirect to the same slide with ``as_of`` = now, so later uploads don't move the figures."""
    moment = utcnow().replace(microsecond=0).isoformat() + "Z"
    return redirect("/meeting" + _search(month=parsed().get("month"),
                                          slide=request.args.get("slide", "")[:10], as_of=moment), code=302)


def install(app) -> None:
    """The pack and freeze routes on ``app``'s server."""
    app.server.add_url_rule("/meeting/pack.pdf", "meeting_pack", meeting_pack, methods=["GET"])
    app.server.add_url_rule("/meeting/freeze", "meeting_freeze", freeze, methods=["GET"])
