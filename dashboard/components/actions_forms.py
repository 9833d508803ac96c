"""The action log's write callbacks: add/edit, close/reopen, import, and the chair's RAG override.

Each checks, inside the callback and on every call, that the caller is a signed-in administrator
(whatever the page showed), answers anyone else with a clear message and changes nothing. Each
change runs in one write transaction with its audit event. ``required_role`` on every callback
lets a test list them.
"""
from __future__ import annotations

import base64
import functools

from dash import Input, Output, State, ctx, no_update

from metrics.records import actions, overrides
from metrics.records.actions import LABELS, ActionError
from metrics.errors import UploadError

from dashboard.web.auth import current_user
from ..context import get_context
from dashboard.state.urls import parse_search
from .actions_views import overrides_list, table_area
from .message import message

LOCATION = "_pages_location"


def refusal(what: str):
    """(user, None) for an administrator, else (None, a message saying why nothing changed)."""
    user = current_user()
    if user is None:
        return None, message(f"Sign in as an administrator to {what}. Nothing was changed.", False)
    if not user.can("admin"):
        return None, message(f"Only an administrator can {what}; you are signed in as {user.name} "
                             f"({user.role}). Nothing was changed.", False)
    return user, None


def admin_only(what: str, outputs: int):
    """Decorate a callback: refuse non-administrators with a message in the first output."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args):
            user, refused = refusal(what)
            if refused is not None:
                return (refused, *([no_update] * (outputs - 1)))
            return func(user, *args)
        wrapper.required_role = "admin"
        return wrapper
    return decorate


def problems_text(exc: ActionError) -> list[str]:
    return [f"{LABELS.get(f, f)}: {m}" for f, _, m in exc.problems]


def table_for(search: str | None):
    state = parse_search(search)
    return table_area(state.get("owner"), state.get("status"), state.get("metric"))


def register(app) -> None:
    """The callbacks, on ``app`` (each test app gets its own; see pages/actions.py)."""

    @app.callback(Output("action-message", "children"), Output("actions-table-area", "children"),
                  Input("action-save", "n_clicks"), Input("action-toggle", "n_clicks"),
                  State("action-ref", "value"), State("action-owner", "value"),
                  State("action-text", "value"), State("action-raised", "value"),
                  State("action-target", "value"), State("action-revised", "value"),
                  State("action-month", "value"), State("action-metrics", "value"),
                  State("action-notes", "value"), State("action-reason", "value"),
                  State(LOCATION, "search"), prevent_initial_call=True)
    @admin_only("add, edit or close actions", 2)
    def save_action(user, _save, _toggle, ref, owner, text, raised, target, revised, month, metrics,
                    notes, reason, search):
        if not (ctx.triggered and ctx.triggered[0]["value"]):
            return no_update, no_update
        context = get_context()
        fields = {"ref": ref, "owner": owner, "text": text, "raised_on": raised, "target_on": target,
                  "revised_on": revised, "month": month, "metrics": metrics or [], "notes": notes}
        try:
            with context.store.write() as conn:
                current = actions.get_action(conn, ref or "")
                if ctx.triggered_id == "action-toggle":
                    if current is None:
                        return message("Choose an action to close or reopen.", False), no_update
                    status = actions.CLOSED if current["status"] == actions.OPEN else actions.OPEN
                    done = actions.set_status(conn, current["ref"], status, user.name, reason=reason or None)
                    said = f"{done['ref']} {'closed' if status == actions.CLOSED else 'reopened'}."
                elif current is None:
                    done = actions.add_action(conn, context.catalog, fields, user.name, source="web")
                    said = f"Added {done['ref']}."
                else:
                    fields.pop("ref")
                    done = actions.edit_action(conn, context.catalog, current["ref"], fields, user.name,
                                               reason=reason or None)
                    said = f"Saved {done['ref']}."
        except ActionError as exc:
            return message(["Nothing was saved:", *problems_text(exc)], False), no_update
        return message(said, True), table_for(search)

    @app.callback(Output("actions-import-message", "children"),
                  Output("actions-table-area", "children", allow_duplicate=True),
                  Input("actions-upload", "contents"), State("actions-upload", "filename"),
                  State(LOCATION, "search"), prevent_initial_call=True)
    @admin_only("import the action log", 2)
    def import_log(user, contents, filename, search):
        if not contents:
            return no_update, no_update
        context = get_context()
        limit = context.settings.max_upload_bytes
        try:
            data = base64.b64decode(contents.split(",", 1)[1], validate=False)
        except (IndexError, ValueError):
            return message("The file could not be read; choose it again.", False), no_update
        report = actions.import_actions(context.store, context.catalog, data, filename or "upload",
                                        actor=user.name, max_bytes=limit)
        if report.outcome == "rejected":
            lines = [f"{filename}: rejected, nothing was written ({len(report.errors)} problem(s)):"]
            lines += [_located(e) for e in report.errors[:50]]
            return message(lines, False), no_update
        return message(f"{filename}: {report.message}.", True), table_for(search)

    @app.callback(Output("override-message", "children"), Output("overrides-list-area", "children"),
                  Input("override-set", "n_clicks"), Input("override-withdraw", "n_clicks"),
                  State("override-metric", "value"), State("override-region", "value"),
                  State("override-month", "value"), State("override-rag", "value"),
                  State("override-justification", "value"), prevent_initial_call=True)
    @admin_only("override a RAG", 2)
    def change_override(user, _set, _withdraw, metric, region, month, rag, justification):
        if not (ctx.triggered and ctx.triggered[0]["value"]):
            return no_update, no_update
        context = get_context()
        if not metric:
            return message("Choose a metric first.", False), no_update
        try:
            with context.store.write() as conn:
                if ctx.triggered_id == "override-withdraw":
                    gone = overrides.withdraw_override(conn, context.catalog, metric=metric,
                                                       month=(month or "").strip(), value=region or None,
                                                       actor=user.name, reason=justification or "")
                    said = "Override withdrawn." if gone else "There was no override for that cell."
                else:
                    done = overrides.set_override(conn, context.catalog, metric=metric,
                                                  month=(month or "").strip(), value=region or None,
                                                  rag=rag, justification=justification, actor=user.name)
                    said = f"Chair's RAG set to {done['rag'].title()} (computed {done['computed_rag'].title()})."
        except (ValueError, KeyError) as exc:
            return message(f"Nothing was changed: {exc}", False), no_update
        with context.store.read() as conn:
            listed = overrides.overrides_in_force(conn)
        return message(said, True), overrides_list(listed, context.catalog)


def _located(error: UploadError) -> str:
    row = f"row {error.row}" if error.row is not None else "file"
    column = f", {error.column}" if error.column else ""
    return f"{error.sheet} {row}{column}: {error.message}"
