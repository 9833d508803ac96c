"""The OpenAPI 3.1 document for /api/v1, built from the catalog so metric ids and dimensions stay true."""
from __future__ import annotations

from metrics.catalog import Catalog
from metrics.params import FIRST_AS_OF, FIRST_MONTH, LAST_AS_OF, LAST_MONTH, MAX_ID, MAX_LIMIT

RAGS = ["green", "amber", "red", "no_data"]


def _param(name, where="query", description="", schema=None, required=False):
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def json_ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(catalog: Catalog) -> dict:
    month = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$",
             "description": f"A month YYYY-MM from {FIRST_MONTH} to {LAST_MONTH}"}
    as_of = _param("as_of", description="What the dashboard showed then: YYYY-MM-DD (end of that day, "
                   f"UTC) or an ISO 8601 timestamp, from {FIRST_AS_OF} to {LAST_AS_OF}.")
    dims = sorted({d for m in catalog.metrics.values() for d in m.dimensions})
    error = {"type": "object", "properties": {"error": {"type": "string"}}}
    located = {"type": "object", "properties": {k: {"type": ["string", "integer", "null"]}
                                                for k in ("sheet", "row", "column", "value", "message")}}
    point = {"type": "object", "required": ["month", "value", "rag", "target", "minimum", "status"],
             "properties": {"month": month, "value": {"type": ["number", "null"]},
                            "rag": {"enum": RAGS}, "target": {"type": ["number", "null"]},
                            "minimum": {"type": ["number", "null"]},
                            "status": {"enum": ["provisional", "final", None]}}}
    secured = [{"bearer": []}]
    unauth = {"401": json_ok(error, "Not signed in and no valid token")}
    bad = {"400": json_ok(error, "A parameter out of range or malformed; the error names it")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "OPSG service metrics API", "version": "1",
                 "description": "Errors are JSON {\"error\": \"...\"}: 400 for a bad parameter (named in "
                                "the message), 404 for an unknown path under /api/v1, 413 for a request "
                                "over the size limit."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/v1/health": {"get": {"summary": "Service and database health", "responses": {
                "200": json_ok({"type": "object", "properties": {"status": {"const": "ok"},
                                                                 "database": {"const": "ok"}}}),
                "503": json_ok({"type": "object"}, "Database unreachable")}}},
            "/api/v1/metrics": {"get": {"summary": "The metric catalog with thresholds", "security": secured,
                                        "responses": {"200": json_ok({"type": "object"}), **unauth}}},
            "/api/v1/metrics/{id}/series": {"get": {
                "summary": "A metric's monthly points, judged against the thresholds in force",
                "security": secured,
                "parameters": [
                    _param("id", "path", "Metric id", {"enum": list(catalog.metrics)}, True),
                    _param("from", description="First month (not after to)", schema=month),
                    _param("to", description="Last month", schema=month), as_of,
                    _param("by", description="Split by a dimension", schema={"enum": dims}),
                    *[_param(d, description=f"Filter: {catalog.dimensions[d].title} (roll-ups allowed)")
                      for d in dims]],
                "responses": {"200": json_ok({"type": "object", "properties": {
                    "metric": {"type": "string"}, "points": {"type": "array", "items": point}}}),
                    **bad, **unauth,
                    "404": json_ok(error, "Unknown metric")}}},
            "/api/v1/summary": {"get": {
                "summary": "Every metric for a month: value, RAG, previous value, change, months not Green",
                "security": secured, "parameters": [_param("month", schema=month), as_of],
                "responses": {"200": json_ok({"type": "object"}), **bad, **unauth}}},
            "/api/v1/uploads": {
                "get": {"summary": "The upload audit trail, newest first", "security": secured,
                        "parameters": [_param("limit", schema={"type": "integer", "minimum": 1,
                                                               "maximum": MAX_LIMIT, "default": 100})],
                        "responses": {"200": json_ok({"type": "object"}), **bad, **unauth}},
                "post": {"summary": "Upload a CSV or XLSX (uploader role)", "security": secured,
                         "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                             "type": "object", "required": ["file"], "properties": {
                                 "file": {"type": "string", "format": "binary"},
                                 "dataset": {"enum": list(catalog.datasets)},
                                 "dry_run": {"type": "boolean"}, "reason": {"type": "string"},
                                 "status": {"enum": ["provisional", "final"]}}}}}},
                         "responses": {"201": json_ok({"type": "object"}, "Accepted"),
                                       "200": json_ok({"type": "object"}, "Dry run, or unchanged"),
                                       "422": json_ok({"type": "object", "properties": {
                                           "errors": {"type": "array", "items": located}}}, "Rejected"),
                                       **unauth, "403": json_ok(error, "Wrong role"),
                                       "413": json_ok(error, "Larger than MAX_UPLOAD_BYTES")}}},
            "/api/v1/uploads/{id}": {"get": {
                "summary": "One upload with its changes or errors and the revisions it wrote",
                "security": secured,
                "parameters": [_param("id", "path", "Upload id",
                                      {"type": "integer", "minimum": 1, "maximum": MAX_ID}, True)],
                "responses": {"200": json_ok({"type": "object"}), **bad, **unauth,
                              "404": json_ok(error, "No such upload")}}},
        },
    }
