"""JSON API under /api/v1 (SPEC §5): health, catalog, series, summary, uploads, OpenAPI."""
from __future__ import annotations

import json
import logging

import orjson
from flask import Blueprint, Response, current_app, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from metrics.ingest import history
from metrics import params
from metrics.errors import BadRequestError, NotFound
from metrics.ingest.write import STATUSES, ingest
from metrics.read.queries import all_thresholds, data_version, latest_month, series
from metrics.read.summary import month_summary

from dashboard.web.auth import current_user, require
from dashboard.state import warm
from dashboard.state.cache import remember
from dashboard.context import get_context
from dashboard.web.openapi import openapi_document
from dashboard.web.query import parsed

api = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger("opsg.api")


def respond(payload, status: int = 200) -> Response:
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    return Response(body, status=status, mimetype="application/json")


def problem(status: int, message: str) -> Response:
    return respond({"error": message}, status)


@api.errorhandler(BadRequestError)  # bad parameters (ParameterError), filters, form fields
def _bad_request(exc: BadRequestError):
    return problem(400, str(exc))


@api.errorhandler(NotFound)  # an unknown metric or dataset, raised where it is looked up
def _not_found(exc: NotFound):
    return problem(404, str(exc))


@api.errorhandler(Exception)
def _internal_error(exc: Exception):
    """Anything else is a bug, whatever its type (a stray KeyError is not a 404): logged, 500."""
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unhandled error in %s %s", request.method, request.path)
    return problem(500, "internal error; it has been logged (quote the X-Request-ID header)")


@api.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Errors under /api/v1 (unknown method, request too large...) in JSON like every API answer."""
    if not (request.path + "/").startswith(api.url_prefix + "/"):
        return exc
    if isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return problem(413, f"the request is larger than the limit of {limit:,} bytes")
    return problem(exc.code or 500, exc.description or exc.name)


@api.get("/health")
def health():
    try:
        with get_context().store.read() as conn:
            conn.execute(text("SELECT 1"))
        return respond({"status": "ok", "database": "ok"})
    except Exception as exc:  # report, don't crash: this is what monitoring polls
        return respond({"status": "error", "database": type(exc).__name__}, 503)


@api.get("/metrics")
@require(None, problem)
def list_metrics():
    ctx = get_context()
    with ctx.store.read() as conn:
        thresholds = all_thresholds(conn, ctx.catalog)
        out = []
        for m in ctx.catalog.metrics.values():
            out.append({
                "id": m.id, "title": m.title, "family": m.family, "dataset": m.dataset,
                "unit": m.unit, "direction": m.direction, "decimals": m.decimals,
                "dimensions": list(m.dimensions),
                "thresholds": [{"target": t.target, "minimum": t.minimum,
                                "effective_from": t.effective_from, "dimension": t.dimension,
                                "value": t.value} for t in thresholds[m.id]],
            })
    return respond({"metrics": out})


@api.get("/metrics/<metric_id>/series")
@require(None, problem)
def metric_series(metric_id: str):
    ctx = get_context()
    metric = ctx.catalog.metric(metric_id)
    query = parsed()
    reserved = {"from", "to", "as_of", "by"}
    filters = {k: v for k, v in request.args.items() if k not in reserved}
    unknown = [params.shown(k) for k in filters if k not in metric.dimensions]
    if unknown:
        raise BadRequestError(f"unknown parameter(s) {', '.join(unknown)}; {metric_id} dimensions: "
                         f"{', '.join(metric.dimensions) or 'none'}")
    for dim in filters:
        filters[dim] = params.dimension_value(ctx.catalog.dimensions[dim], request.args.getlist(dim), dim)
    by = request.args.get("by") or None
    if by is not None and by not in metric.dimensions:
        raise BadRequestError(f"by: {metric_id} has no dimension {params.shown(by)}; its dimensions: "
                         f"{', '.join(metric.dimensions) or 'none'}")
    with ctx.store.read() as conn:
        points = series(conn, ctx.catalog, metric_id, start=query.get("from"), end=query.get("to"),
                        as_of=query.get("as_of"), filters=filters, by=by)
    return respond({"metric": metric_id, "unit": metric.unit, "filters": filters, "points": points})


@api.get("/summary")
@require(None, problem)
def summary():
    ctx = get_context()
    query = parsed()
    as_of = query.get("as_of")
    with ctx.store.read() as conn:
        month = query.get("month") or latest_month(conn, as_of)
        if month is None:
            return respond({"month": None, "as_of": request.args.get("as_of"), "metrics": []})
        entries = summary_entries(ctx, conn, month, as_of)
    return respond({"month": month, "as_of": request.args.get("as_of"), "metrics": entries})


def summary_entries(ctx, conn, month: str, as_of=None) -> list[dict]:
    """The summary's rows for ``month``, cached per data version (dashboard/state/warm.py warms it)."""
    key = (ctx.store.url, "api-summary", month, as_of, data_version(conn))
    return remember(key, lambda: [{k: v for k, v in e.items() if k != "spark"}
                                  for e in month_summary(conn, ctx.catalog, month, as_of)])


@api.post("/uploads")
@require("uploader", problem)
def upload():
    ctx = get_context()
    file = request.files.get("file")
    if file is None:
        raise BadRequestError("send the file as multipart/form-data field 'file'")
    status = request.form.get("status", "provisional")
    if status not in STATUSES:
        raise BadRequestError(f"status must be one of {', '.join(STATUSES)}")
    limit = ctx.settings.max_upload_bytes
    data = file.stream.read(limit + 1)
    report = ingest(ctx.store, ctx.catalog, data, file.filename or "upload", user=current_user().name,
                    source="api", dataset=request.form.get("dataset") or None,
                    dry_run=request.form.get("dry_run", "").lower() in {"1", "true", "yes"},
                    status=status, reason=request.form.get("reason"), max_bytes=limit)
    if report.outcome == "accepted" and not report.dry_run:
        warm.after_commit(current_app._get_current_object())  # dashboard/state/warm.py
    body = report.as_dict()
    if report.outcome == "rejected":
        return respond(body, 422)
    return respond(body, 200 if report.dry_run or report.outcome == "unchanged" else 201)


@api.get("/uploads")
@require(None, problem)
def list_uploads():
    limit = parsed().get("limit") or params.limit(None)
    with get_context().store.read() as conn:
        return respond({"uploads": history.uploads(conn, limit=limit)})


@api.get("/uploads/<upload_id>")
@require(None, problem)
def get_upload(upload_id: str):
    upload_id = params.identifier(upload_id, "id")
    with get_context().store.read() as conn:
        found = history.upload_detail(conn, upload_id)
    if found is None:
        raise NotFound(f"no upload {upload_id}")
    return respond(found)


@api.get("/openapi.json")
def openapi():
    return Response(json.dumps(openapi_document(get_context().catalog), indent=1),
                    mimetype="application/json")


ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@api.route("", defaults={"rest": ""}, methods=ANY_METHOD, strict_slashes=False)
@api.route("/<path:rest>", methods=ANY_METHOD)
def unknown_path(rest: str):
    """A JSON 404 for paths under /api/v1 that name nothing (a 405 if another method would do)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        response = problem(405, f"{request.method} is not allowed here; use {', '.join(allowed)}")
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return problem(404, f"no such API path: {params.shown(request.path)}; see /api/v1/openapi.json")
