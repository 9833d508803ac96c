"""Upload `/upload` (uploader): drop a CSV or XLSX, see every error or a preview, then Confirm.

The same code path as the command line: ``metrics.ingest.write.ingest`` with ``dry_run=True`` for the
preview and again, on Confirm, with exactly the bytes that were previewed (kept on the server by
``metrics.upload.pending``, in the database, so any host can confirm; the browser holds only their id). A file that is rejected is recorded as a
rejected upload attempt when it is dropped, as the command line records it.
"""
from __future__ import annotations

import base64
import binascii

import dash
from dash import Input, Output, State, ctx, dcc, html, no_update

from metrics.ingest.write import STATUSES, ingest

from flask import current_app

from metrics.upload import pending

from dashboard.state import warm
from dashboard.web.auth import allowed, callback_requires, clock, current_user
from dashboard.components.tools import access_note, panel, tool_page
from dashboard.components.message import message
from dashboard.components.upload_views import errors_view, preview_view, result_view, risks
from dashboard.context import get_context
from dashboard.web.downloads import WORKBOOK_NAME

dash.register_page(__name__, path="/upload", name="Upload", title="OPSG service metrics — upload",
                   nav="tools", order=95, role="uploader")

PREVIEW_REASON = "(preview)"  # the dry run must show changes, not stop at "give a reason"
ACK = "checked"  # the tick an upload that overwrites final figures or removes rows needs


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


def layout(**_query):
    if not allowed("uploader"):
        return access_note("upload", "Upload figures", "uploader")
    ctx_ = get_context()
    limit = ctx_.settings.max_upload_bytes
    catalog = ctx_.catalog
    datasets = [{"label": "Recognise from the columns", "value": ""}] + [
        {"label": ds.title, "value": name} for name, ds in catalog.datasets.items()]
    drop = dcc.Upload(
        id="upload-dropzone", multiple=False, accept=".csv,.xlsx,text/csv",
        className="dropzone", className_active="dropzone dropzone-active",
        children=html.Div([
            html.Div("↑", className="dropzone-icon", **{"aria-hidden": "true"}),
            html.Div([html.Strong("Drop a CSV or XLSX file here"), html.Span(" or click to choose one")],
                     className="dropzone-title"),
            html.Div(f"Up to {_mb(limit)} · one dataset per CSV, or a workbook with a sheet per dataset",
                     className="dropzone-hint", id="upload-limit"),
        ]))
    options = html.Div([
        html.Div([html.Label("These figures are", className="control-label", htmlFor="upload-status"),
                  dcc.RadioItems(id="upload-status", value="provisional", inline=True,
                                 options=[{"label": "Provisional", "value": "provisional"},
                                          {"label": "Final", "value": "final"}],
                                 className="segmented", inputClassName="segmented-input",
                                 labelClassName="segmented-option")], className="control"),
        html.Div([html.Label("A CSV holds", className="control-label", htmlFor="upload-dataset"),
                  dcc.Dropdown(id="upload-dataset", options=datasets, value="", clearable=False,
                               searchable=False, className="upload-dataset")], className="control"),
    ], className="upload-options")
    decision = html.Div([
        html.Div([html.Label("Reason for the correction", htmlFor="upload-reason", className="form-label"),
                  html.P("This upload changes figures already stored. Say why; it is kept with the new "
                         "revision and shown in History.", className="form-text mt-0"),
                  dcc.Textarea(id="upload-reason", className="form-control", maxLength=1000,
                               placeholder="e.g. CSP N resubmitted after the measurement-point review")],
                 id="upload-reason-group", hidden=True),
        html.Div(dcc.Checklist(
            id="upload-ack", value=[], className="upload-ack", inputClassName="form-check-input me-2",
            options=[{"label": "I have checked the warning above: this upload is meant to change "
                               "final figures or remove rows.", "value": ACK}]),
            id="upload-ack-group", hidden=True),
        html.Button("Confirm upload", id="upload-confirm", n_clicks=0, disabled=True,
                    className="btn btn-primary btn-lg"),
    ], id="upload-decision", className="upload-decision", hidden=True)
    main = html.Div([
        panel("Upload the month's figures", [
            options, drop,
            html.Div([html.Div(className="progress-bar progress-bar-striped progress-bar-animated w-100"),
                      html.Span("Checking the file…")], id="upload-progress", className="upload-progress",
                     hidden=True, role="status"),
            html.Div(id="upload-feedback"),
            decision,
        ], "upload-panel"),
        dcc.Store(id="upload-incoming"), dcc.Store(id="upload-pending"),
    ], className="tool-main")
    side = html.Aside([
        panel("Templates", [
            html.P("Each has the columns the dashboard expects and no rows; the workbook's Examples "
                   "sheet shows how rows look.", className="text-muted"),
            html.A("Workbook: every dataset (XLSX)", href=f"/downloads/templates/{WORKBOOK_NAME}",
                   className="btn btn-outline-primary w-100 mb-2", id="upload-template-xlsx"),
            html.P("Or one dataset as a CSV:", className="template-lead"),
            html.Ul([html.Li(html.A(ds.title, href=f"/downloads/templates/{name}.csv",
                                    id=f"upload-template-{name}"))
                     for name, ds in catalog.datasets.items()], className="template-list"),
        ], "upload-templates"),
        panel("How it works", [html.Ol([
            html.Li("Drop the file. It is checked against the same rules as the command line."),
            html.Li("Errors are listed together, each with its sheet, row and column."),
            html.Li("A valid file shows what it adds and changes, month by month."),
            html.Li("Confirm stores it. Earlier figures are kept as revisions in History."),
        ], className="how-list")], "upload-how"),
    ], className="tool-side")
    return tool_page("upload", "Upload figures", "Nothing is stored until you confirm; a correction "
                     "of stored figures needs a reason.", [html.Div([main, side], className="tool-grid-2")])


def refused(text: str):
    """Why the upload went no further, where the page shows its feedback."""
    return message(text, False, element_id="upload-message")


def _text(value) -> str | None:
    """A text field as sent by the browser (anything else, from a crafted request, is ignored)."""
    return value if isinstance(value, str) else None


def _decode(contents: str, limit: int) -> bytes | None:
    """The file's bytes from a data URL, refusing anything over the limit before decoding it."""
    encoded = contents.split(",", 1)[-1]
    if len(encoded) * 3 // 4 > limit + 3:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return b""


def register_callbacks(app) -> None:
    @app.callback(
        Output("upload-feedback", "children"), Output("upload-pending", "data"),
        Output("upload-decision", "hidden"), Output("upload-reason-group", "hidden"),
        Output("upload-ack-group", "hidden"), Output("upload-ack", "value"),
        Input("upload-incoming", "data"), Input("upload-status", "value"), Input("upload-dataset", "value"),
        State("upload-pending", "data"),
        running=[(Output("upload-progress", "hidden"), False, True)], prevent_initial_call=True)
    @callback_requires("uploader")
    def check_file(incoming, status, dataset, kept):
        context, user = get_context(), current_user()
        limit = context.settings.max_upload_bytes
        if ctx.triggered_id == "upload-incoming":
            if not isinstance(incoming, dict):
                return (no_update,) * 6
            filename = str(incoming.get("filename") or "upload")[:255]
            data = None if incoming.get("too_big") else _decode(str(incoming.get("contents") or ""), limit)
            if data is None:
                return (refused(f"{filename} is over the upload limit of {_mb(limit)}; split it, "
                                "or upload one dataset at a time. Nothing was stored."), None, True, True, True, [])
            kept, record = {"id": pending.keep(context.store, user.name, filename, data, clock())}, True
        else:
            found = (pending.peek(context.store, kept.get("id"), user.name, clock())
                     if isinstance(kept, dict) else None)
            if found is None:
                return (no_update,) * 6
            filename, data, record = found.filename, found.data, False
        if status not in STATUSES:
            return refused("Choose whether the figures are provisional or final."), kept, True, True, True, []
        options = dict(user=user.name, source="web", dataset=_text(dataset) or None, status=status,
                       max_bytes=limit)
        report = ingest(context.store, context.catalog, data, filename, dry_run=True,
                        reason=PREVIEW_REASON, summarise=True, **options)
        if report.outcome == "rejected":
            if record:  # the attempt is on record, as the command line and the API record it
                ingest(context.store, context.catalog, data, filename, **options)
            return errors_view(report.as_dict()), {"id": kept["id"], "rejected": True}, True, True, True, []
        shown = report.as_dict()
        needs_reason = any(c.kind == "changed" for c in report.changes)
        needs_ack = bool(risks(shown, context.catalog))
        state = {"id": kept["id"], "needs_reason": needs_reason, "needs_ack": needs_ack,
                 "outcome": report.outcome}
        return (preview_view(shown, context.catalog), state, False, not needs_reason, not needs_ack, [])

    @app.callback(
        Output("upload-feedback", "children", allow_duplicate=True),
        Output("upload-pending", "data", allow_duplicate=True),
        Output("upload-decision", "hidden", allow_duplicate=True),
        Input("upload-confirm", "n_clicks"),
        State("upload-pending", "data"), State("upload-status", "value"), State("upload-dataset", "value"),
        State("upload-reason", "value"), State("upload-ack", "value"),
        running=[(Output("upload-confirm", "disabled"), True, False),
                 (Output("upload-progress", "hidden"), False, True)], prevent_initial_call=True)
    @callback_requires("uploader")
    def confirm(n_clicks, kept, status, dataset, reason, ack):
        if not n_clicks or not isinstance(kept, dict):
            return no_update, no_update, no_update
        if status not in STATUSES:
            return refused("Choose whether the figures are provisional or final."), kept, False
        if kept.get("needs_ack") and ACK not in (ack if isinstance(ack, list) else []):
            return (refused("This upload changes final figures or removes rows: tick the box to "
                            "say you have checked that, then confirm."), kept, False)
        context, user = get_context(), current_user()
        found = pending.claim(context.store, kept.get("id"), user.name, clock())
        if found is None:
            return (refused("This upload was already confirmed, or it has expired. Drop the file "
                            "again to check it."), None, True)
        report = ingest(context.store, context.catalog, found.data, found.filename, user=user.name,
                        source="web", dataset=_text(dataset) or None, status=status,
                        reason=_text(reason), max_bytes=context.settings.max_upload_bytes)
        if report.outcome == "accepted" and not report.dry_run:
            warm.after_commit(current_app._get_current_object())  # the first read after it is a repeat read
        if report.outcome == "rejected":  # e.g. no reason given, or someone else changed the month
            again = {"id": pending.keep(context.store, user.name, found.filename, found.data, clock()),
                     "needs_reason": True,
                     "needs_ack": bool(kept.get("needs_ack")), "outcome": "accepted"}
            return result_view(report.as_dict(), context.catalog), again, False
        return result_view(report.as_dict(), context.catalog), None, True

    limit_js = str(app.server.extensions["opsg"].settings.max_upload_bytes)
    # In the browser: a file over the limit is refused before it is sent at all; the drop zone is
    # emptied so that dropping the same (fixed) file again is seen as a new drop.
    app.clientside_callback(
        """function(contents, filename) {
            const skip = window.dash_clientside.no_update;
            if (!contents) { return [skip, skip]; }
            const size = Math.floor((contents.length - contents.indexOf(',') - 1) * 3 / 4);
            if (size > LIMIT) { return [{filename: filename, size: size, too_big: true}, null]; }
            return [{filename: filename, contents: contents, at: Date.now()}, null];
        }""".replace("LIMIT", limit_js),
        Output("upload-incoming", "data"), Output("upload-dropzone", "contents"),
        Input("upload-dropzone", "contents"), State("upload-dropzone", "filename"),
        prevent_initial_call=True)
    app.clientside_callback(  # a new file starts with an empty reason: the last one was for another file
        "function(incoming) { return ''; }",
        Output("upload-reason", "value"), Input("upload-incoming", "data"), prevent_initial_call=True)
    app.clientside_callback(
        """function(reason, ack, kept) {
            if (!kept || kept.rejected) { return true; }
            if (kept.needs_ack && !(ack || []).includes('ACK')) { return true; }
            return Boolean(kept.needs_reason) && !(reason || '').trim();
        }""".replace("ACK", ACK),
        Output("upload-confirm", "disabled"), Input("upload-reason", "value"), Input("upload-ack", "value"),
        Input("upload-pending", "data"))
