"""The draft minutes of a recorded meeting: ``/meeting/minutes.docx?meeting=OPSG_29`` (and ``.md``).

For the secretary role (administrators too): a draft carries the notes as typed, before SECAS
edits and circulates it. Built on every request from the record (a draft is quick to build and
changes with each entry), so it is never stale on any host.
"""
from __future__ import annotations

from flask import Response, request

from metrics.meeting import record as meeting_record, minutes
from metrics.demo.bootstrap import is_demo
from metrics.demo.tables import DEMO_LABEL

from dashboard.web.auth import current_user
from dashboard.context import get_context

ROLE = "secretary"
MIMETYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "md": "text/markdown; charset=utf-8"}


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status, mimetype="text/plain")


def draft_minutes(fmt: str):
    user = current_user()
    if user is None:
        return _text(401, "Sign in as the meeting secretary to download the draft minutes.")
    if not user.can(ROLE):
        return _text(403, f"The draft minutes need the {ROLE} role; you are {user.role}.")
    raw = request.args.get("meeting", "")
    number = meeting_record.normalise_number(raw)
    if number is None:
        return _text(400, f"meeting: {raw[:40]!r} is not a meeting number such as OPSG_29")
    context = get_context()
    try:
        with context.store.read() as conn:
            data = minutes.draft(conn, context.catalog, number, fmt,
                                 classification=str(context.settings.classification or ""),
                                 demo_label=DEMO_LABEL if is_demo(context.store) else None)
    except meeting_record.MeetingError as exc:
        return _text(404, str(exc))
    return Response(data, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{number}-draft-minutes.{fmt}"',
        "Cache-Control": "private, no-store"})


def install(app) -> None:
    for fmt in minutes.FORMATS:
        app.server.add_url_rule(f"/meeting/minutes.{fmt}", f"meeting_minutes_{fmt}",
                                lambda fmt=fmt: draft_minutes(fmt), methods=["GET"])
