"""Files to download: upload templates (CSV per dataset, the whole XLSX workbook) and the audit trail.

Plain links rather than callbacks, so "Save link as" works. The sign-in gate covers these routes;
the audit trail also needs the admin role, checked here.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, request

from metrics import catalog_revisions as revisions
from metrics.read.explore import explore_csv, explore_rows, parse_exploration
from metrics.read.queries import latest_month

from metrics.records import thresholds as admin
from metrics.upload.templates import template_csv, template_xlsx

from dashboard.web.auth import current_user
from dashboard.components.grid import csv_text
from dashboard.context import get_context
from dashboard.web.query import parsed

downloads = Blueprint("downloads", __name__, url_prefix="/downloads")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_NAME = "opsg-upload-template.xlsx"


def _attachment(data: bytes | str, filename: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@downloads.get("/templates/<name>")
def template(name: str):
    catalog = get_context().catalog
    if name == WORKBOOK_NAME:
        return _attachment(template_xlsx(catalog), name, XLSX)
    dataset = name.removesuffix(".csv")
    if not name.endswith(".csv") or dataset not in catalog.datasets:
        abort(404)
    return _attachment(template_csv(catalog, dataset), name, "text/csv")


@downloads.get("/catalog.toml")
def catalog_toml():
    """The catalog in force (or at ``as_of``) as one TOML file, as ``catalog export`` prints it."""
    store = get_context().store
    with store.read() as conn:
        raw = revisions.raw_of(conn, revisions.in_force_number(conn, parsed().get("as_of")))
    return _attachment(revisions.export_toml(raw), "opsg-catalog.toml", "application/toml")


@downloads.get("/explore.csv")
def explore_download():
    """The Explore page's table as CSV, for the same URL state (bad values dropped, as there)."""
    context = get_context()
    as_of = parsed().get("as_of")
    catalog = context.catalog  # in force at as_of (dashboard/web/query.py)
    with context.store.read() as conn:
        e = parse_exploration(request.args, catalog, latest_month(conn, as_of))
        rows = explore_rows(conn, catalog, e, as_of) if e.start else []
    name = f"opsg-{e.metric}" + (f"-by-{e.by}" if e.by else "") + f"-{e.start}-{e.end}.csv"
    return _attachment(explore_csv(catalog, e, rows), name, "text/csv")


@downloads.get("/audit-trail.csv")
def audit_csv():
    user = current_user()
    if user is None or not user.can("admin"):
        abort(403)
    with get_context().store.read() as conn:
        events = admin.audit_trail(conn, limit=5000)
    columns = [("id", "Event"), ("at", "When (UTC)"), ("actor", "Who"), ("action", "Action"),
               ("subject", "Subject"), ("detail", "Detail")]
    rows = [{**e, "detail": json.dumps(e["detail"], sort_keys=True)} for e in events]
    return _attachment(csv_text(columns, rows), "opsg-audit-trail.csv", "text/csv")
