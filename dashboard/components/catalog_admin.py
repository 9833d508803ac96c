"""The Admin page's Catalog tab (SPEC §9): upload a TOML fragment or edit one entry in the editor,
preview what it changes, apply it as a new catalog revision. Each callback checks the admin role
itself; ``metrics.catalog_revisions`` validates, writes the revision and its audit event together.
"""
from __future__ import annotations

import base64
import hashlib

from dash import Input, Output, State, ctx, dcc, html, no_update

from metrics import catalog_revisions as revisions

from dashboard.web.auth import callback_requires, current_user
from ..context import get_context
from .admin_views import field
from .message import message
from .tools import panel

EDITABLE = ("datasets", "metrics", "families", "agenda", "dimensions", "columns")


def _entry_options(raw: dict) -> list[dict]:
    out = []
    for section in EDITABLE:
        keys = raw.get(section, {}) if section in revisions.NAMED else [e.get("id") for e in raw.get(section, [])]
        out += [{"label": revisions.entry_name(section, key), "value": f"{section}:{key}"} for key in keys]
    return out


def _history(rows: list[dict]) -> html.Table:
    head = html.Tr([html.Th(t, scope="col") for t in ("Revision", "When (UTC)", "By", "Source", "Reason")])
    body = [html.Tr([html.Td(str(r["id"])), html.Td(f"{r['created_at']:%Y-%m-%d %H:%M}"),
                     html.Td(r["created_by"]), html.Td(r["source"]), html.Td(r["reason"])])
            for r in rows]
    return html.Table([html.Thead(head), html.Tbody(body)], className="table table-sm catalog-history",
                      id="catalog-history-table")


def _digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def section() -> html.Div:
    context = get_context()
    with context.store.read() as conn:
        rows = revisions.history(conn)
        raw = revisions.raw_of(conn, revisions.version(conn))
    main = html.Div([
        panel("What would change", [html.Div(html.P("Preview a fragment to see what it adds, changes "
                                                    "or removes, and every error, naming its entry.",
                                                    className="text-muted"), id="catalog-preview")],
              "catalog-preview-panel"),
        panel("Catalog revisions", [
            html.P(["Newest first. The newest is in force; a page or API read “as at” a moment uses "
                    "the revision in force then. ", html.A("Download the catalog in force (TOML)",
                                                           href="/downloads/catalog.toml",
                                                           id="catalog-export-link")],
                   className="text-muted"),
            html.Div(_history(rows), id="catalog-history")], "catalog-history-panel"),
    ], className="tool-main")
    side = html.Aside([
        html.Div(id="catalog-message", className="mb-3"),
        panel("Change the catalog", [
            field("Upload a fragment", dcc.Upload(html.Div(["Drop a .toml file here or ",
                                                            html.Span("choose one", className="link")]),
                                                  id="catalog-upload", className="catalog-upload",
                                                  accept=".toml,text/plain", multiple=False),
                  "catalog-upload", "The catalog's own TOML: datasets, columns, metrics, thresholds, "
                                    "families, agenda items."),
            field("Or edit an entry", dcc.Dropdown(id="catalog-entry", options=_entry_options(raw),
                                                   placeholder="Choose an entry to edit"), "catalog-entry"),
            field("Fragment", dcc.Textarea(id="catalog-fragment", className="form-control catalog-editor",
                                           spellCheck=False, maxLength=revisions.MAX_FRAGMENT_BYTES,
                                           placeholder='[[thresholds]]\nmetric = "…"'), "catalog-fragment"),
            field("Reason", dcc.Input(id="catalog-reason", type="text", className="form-control",
                                      maxLength=500, autoComplete="off"), "catalog-reason",
                  "Kept with the revision and in the audit trail."),
            html.Div([html.Button("Preview", id="catalog-preview-button", n_clicks=0,
                                  className="btn btn-outline-primary"),
                      html.Button("Apply", id="catalog-apply", n_clicks=0, className="btn btn-primary",
                                  disabled=True)], className="d-flex gap-2 flex-wrap"),
            dcc.Store(id="catalog-previewed"),
        ], "catalog-change-panel"),
    ], className="tool-side")
    return html.Div([main, side], className="tool-grid-2")


def _preview(result: revisions.Check, applied: bool = False) -> list:
    if result.errors:
        return [html.P(f"{len(result.errors)} error(s): nothing can be applied.", className="fw-bold"),
                html.Ul([html.Li(e, className="catalog-error") for e in result.errors], id="catalog-errors")]
    said = "applied" if applied else "none applied yet"
    return [html.P(f"{len(result.changes)} change(s), {said}:", className="fw-bold"),
            html.Ul([html.Li([html.Span(c["change"], className=f"tool-badge change-{c['change']}"), " ",
                              html.Code(c["entry"])]) for c in result.changes], id="catalog-changes")]


def register_callbacks(app) -> None:
    @app.callback(Output("catalog-fragment", "value"), Output("catalog-message", "children", allow_duplicate=True),
                  Input("catalog-upload", "contents"), Input("catalog-entry", "value"),
                  State("catalog-upload", "filename"), prevent_initial_call=True)
    @callback_requires("admin")
    def load(contents, entry, filename):
        if ctx.triggered_id == "catalog-upload":
            if not contents:
                return no_update, no_update
            data = base64.b64decode(contents.split(",", 1)[-1])
            if len(data) > revisions.MAX_FRAGMENT_BYTES:
                return no_update, message(f"{filename}: over the limit of {revisions.MAX_FRAGMENT_BYTES:,} bytes", False)
            try:
                return data.decode("utf-8"), message(f"Loaded {filename}: preview it next.")
            except UnicodeDecodeError:
                return no_update, message(f"{filename}: not UTF-8 text", False)
        if not entry:
            return no_update, no_update
        section, key = entry.split(":", 1)
        context = get_context()
        with context.store.read() as conn:
            raw = revisions.raw_of(conn, revisions.version(conn))
        try:
            return revisions.entry_toml(raw, section, key), no_update
        except (KeyError, StopIteration):
            return no_update, message(f"{entry}: not in the catalog in force", False)

    @app.callback(Output("catalog-preview", "children"), Output("catalog-previewed", "data"),
                  Output("catalog-apply", "disabled"), Input("catalog-preview-button", "n_clicks"),
                  Input("catalog-fragment", "value"), prevent_initial_call=True)
    @callback_requires("admin")
    def preview(n_clicks, text):
        if ctx.triggered_id == "catalog-fragment":  # edited since the preview: preview again
            return no_update, None, True
        if not (text or "").strip():
            return [message("Write or upload a fragment first.", False)], None, True
        with get_context().store.read() as conn:
            result = revisions.check(conn, revisions.raw_of(conn, revisions.version(conn)), text)
        return _preview(result), (_digest(text) if result.ok else None), not result.ok

    @app.callback(Output("catalog-message", "children"), Output("catalog-history", "children"),
                  Output("catalog-preview", "children", allow_duplicate=True),
                  Output("catalog-apply", "disabled", allow_duplicate=True),
                  Output("catalog-entry", "options"),
                  Input("catalog-apply", "n_clicks"), State("catalog-fragment", "value"),
                  State("catalog-reason", "value"), State("catalog-previewed", "data"),
                  prevent_initial_call=True)
    @callback_requires("admin")
    def apply(n_clicks, text, reason, previewed):
        if not n_clicks:
            return (no_update,) * 5
        if not text or previewed != _digest(text):
            return message("Preview this fragment before applying it.", False), *(no_update,) * 4
        context = get_context()
        result, number = revisions.apply(context.store, text, actor=current_user().name,
                                         reason=reason or "", source="web")
        if number is None:
            return (message(["Nothing was applied:", *result.errors], False), no_update,
                    _preview(result), True, no_update)
        with context.store.read() as conn:
            rows = revisions.history(conn)
        return (message(f"Catalog revision {number} is in force; every page and process uses it "
                        "within seconds."), _history(rows), _preview(result, True), True,
                _entry_options(result.raw))
