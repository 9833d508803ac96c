"""Routes behind meeting mode: the meeting pack PDF and "freeze figures now".

``/meeting/pack.pdf?month=YYYY-MM&as_of=…`` follows the read rules of every other read route
(signed in, or PUBLIC_READ). A pack is never printed in a web request (SPEC §8): the route serves
the stored pack for its (month, as-at moment, data and records version) when one is ready, from any
host; otherwise it queues one (``metrics.meeting.packs``; the scheduler's ``packs`` job prints it,
report/pack_jobs.py) and answers 202 at once, with a page that shows the progress and reloads until
the PDF is there, or with JSON (``Accept: application/json``) for scripts that poll.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import orjson
from flask import Response, redirect, render_template, request

from metrics.meeting import packs
from metrics.months import month_label
from metrics.read.queries import latest_month
from metrics.store.engine import utcnow

from dashboard.web.auth import can_read, clock, current_user
from dashboard.state.cache import remember
from dashboard.context import get_context
from dashboard.web.query import parsed

REFRESH_SECONDS = 2


def _search(**params) -> str:
    items = [(k, v) for k, v in params.items() if v]
    return f"?{urlencode(items, quote_via=quote)}" if items else ""


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html", "application/pdf"])
    return best == "application/json"


def _status(pack: packs.PackState, month: str, as_of) -> Response:
    """202 while queued or building, 503 when the build failed; a page or JSON."""
    failed = pack.state == "failed"
    status = 503 if failed else 202
    headers = {"Cache-Control": "no-store", "Retry-After": str(60 if failed else REFRESH_SECONDS)}
    again = "/meeting/pack.pdf" + _search(month=month, as_of=request.args.get("as_of"))
    with get_context().store.read() as conn:
        unattended = pack.state == "queued" and not packs.builder_running(conn, clock())
    if _wants_json():
        body = {"state": pack.state, "progress": pack.progress, "stage": pack.stage, "month": month,
                "as_of": pack.as_of or None, "url": again, "error": pack.error,
                "scheduler_running": not unattended}
        return Response(orjson.dumps(body), status, mimetype="application/json", headers=headers)
    page = render_template("pack_waiting.html", pack=pack, failed=failed, month=month_label(month),
                           again=again, refresh=REFRESH_SECONDS, unattended=unattended,
                           classification=str(get_context().settings.classification or ""))
    return Response(page, status, mimetype="text/html", headers=headers)


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
        version = packs.pack_version(conn)
        pack = packs.find(conn, month, packs.as_of_key(as_of), version)
    if pack is None or pack.state != "ready":
        user = current_user()
        pack = packs.request(context.store, month, packs.as_of_key(as_of), version,
                             user.name if user else "(public)", clock())
    if pack.state != "ready":
        return _status(pack, month, as_of)

    def load() -> bytes:
        with context.store.read() as conn:
            data = packs.pdf_of(conn, pack.id)
        if data is None:
            raise LookupError(pack.id)  # replaced by a newer pack since we looked: never cache that
        return data
    try:
        pdf = remember(("meeting-pack-pdf", context.store.url, pack.id), load)
    except LookupError:
        return _status(packs.request(context.store, month, packs.as_of_key(as_of), version, "(retry)",
                                     clock()), month, as_of)
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
