"""JSON API under /api/v1 (SPEC §5): health, catalog, series, summary, uploads, OpenAPI."""
from __future__ import annotations

import json

import orjson
from flask import Blueprint, Response, request
from sqlalchemy import text

from metrics import history
from metrics.ingest import STATUSES, ingest
from metrics.months import check_month, parse_as_of
from metrics.queries import all_thresholds, data_version, latest_month, series
from metrics.summary import month_summary

from .auth import current_user, require
from .components.cache import remember
from .context import get_context
from .openapi import openapi_document

api = Blueprint("api", __name__, url_prefix="/api/v1")


def respond(payload, status: int = 200) -> Response:
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    return Response(body, status=status, mimetype="application/json")


def problem(status: int, message: str) -> Response:
    return respond({"error": message}, status)


class BadRequest(ValueError):
    pass


@api.errorhandler(BadRequest)
@api.errorhandler(ValueError)
def _bad_request(exc):
    return problem(400, str(exc))


@api.errorhandler(KeyError)
def _not_found(exc):
    return problem(404, str(exc.args[0]) if exc.args else "not found")


def _as_of():
    return parse_as_of(request.args.get("as_of"))


def _month_arg(name: str):
    value = request.args.get(name)
    return check_month(value, name) if value else None


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
    reserved = {"from", "to", "as_of", "by"}
    filters = {k: v for k, v in request.args.items() if k not in reserved}
    unknown = [k for k in filters if k not in metric.dimensions]
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(unknown)}; {metric_id} dimensions: "
                         f"{', '.join(metric.dimensions) or 'none'}")
    for dim, value in list(filters.items()):
        canonical = ctx.catalog.dimensions[dim].canonical(value)
        if canonical is None:
            raise BadRequest(f"{value!r} is not a {ctx.catalog.dimensions[dim].title}")
        filters[dim] = canonical
    with ctx.store.read() as conn:
        points = series(conn, ctx.catalog, metric_id, start=_month_arg("from"), end=_month_arg("to"),
                        as_of=_as_of(), filters=filters, by=request.args.get("by") or None)
    return respond({"metric": metric_id, "unit": metric.unit, "filters": filters, "points": points})


@api.get("/summary")
@require(None, problem)
def summary():
    ctx = get_context()
    as_of = _as_of()
    with ctx.store.read() as conn:
        month = _month_arg("month") or latest_month(conn, as_of)
        if month is None:
            return respond({"month": None, "as_of": request.args.get("as_of"), "metrics": []})
        key = (ctx.store.url, "api-summary", month, as_of, data_version(conn))
        entries = remember(key, lambda: [{k: v for k, v in e.items() if k != "spark"}
                                         for e in month_summary(conn, ctx.catalog, month, as_of)])
    return respond({"month": month, "as_of": request.args.get("as_of"), "metrics": entries})


@api.post("/uploads")
@require("uploader", problem)
def upload():
    ctx = get_context()
    file = request.files.get("file")
    if file is None:
        raise BadRequest("send the file as multipart/form-data field 'file'")
    status = request.form.get("status", "provisional")
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    limit = int(ctx.settings["MAX_UPLOAD_BYTES"])
    data = file.stream.read(limit + 1)
    report = ingest(ctx.store, ctx.catalog, data, file.filename or "upload", user=current_user().name,
                    source="api", dataset=request.form.get("dataset") or None,
                    dry_run=request.form.get("dry_run", "").lower() in {"1", "true", "yes"},
                    status=status, reason=request.form.get("reason"), max_bytes=limit)
    body = report.as_dict()
    if report.outcome == "rejected":
        return respond(body, 422)
    return respond(body, 200 if report.dry_run or report.outcome == "unchanged" else 201)


@api.get("/uploads")
@require(None, problem)
def list_uploads():
    limit = min(int(request.args.get("limit", 100)), 1000)
    with get_context().store.read() as conn:
        return respond({"uploads": history.uploads(conn, limit=limit)})


@api.get("/uploads/<int:upload_id>")
@require(None, problem)
def get_upload(upload_id: int):
    with get_context().store.read() as conn:
        found = history.upload_detail(conn, upload_id)
    if found is None:
        return problem(404, f"no upload {upload_id}")
    return respond(found)


@api.get("/openapi.json")
def openapi():
    return Response(json.dumps(openapi_document(get_context().catalog), indent=1),
                    mimetype="application/json")
