"""What the History page draws: the upload attempts, one upload's detail, one slice's revisions.

Pure functions of what ``metrics.ingest.history`` and ``metrics.ingest.revisions`` return; file names, reasons
and figures are text.
"""
from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from metrics.catalog import Catalog
from metrics.months import month_label

from .tools import badge, column, outcome_badge, text_grid, wrap
from .upload_views import KIND_TEXT, changes_grid, example_text, row_changes

SOURCE_LABELS = {"web": "Upload page", "api": "API", "cli": "Command line", "inbox": "Inbox folder",
                 "demo": "Demo loader", "rollback": "Rollback"}
SHORT_SOURCES = {"web": "Web", "cli": "CLI", "inbox": "Inbox", "demo": "Demo"}


def when(iso: str) -> str:
    """'2026-11-28T12:10:05' -> '28 Nov 2026 12:10' (UTC)."""
    from datetime import datetime
    return datetime.fromisoformat(iso).strftime("%-d %b %Y %H:%M")


def history_href(**state) -> str:
    query = {k: v for k, v in state.items() if v not in (None, "")}
    return "/history" + ("?" + urlencode(query) if query else "")


def attempts_grid(rows: list[dict]):
    outcome_rules = {f"outcome-cell outcome-{k}": f"params.value == '{k.capitalize()}'"
                     for k in ("accepted", "unchanged", "rejected")}
    data = [{**r, "row_id": str(r["id"]), "when": when(r["uploaded_at"]), "source": SHORT_SOURCES.get(r["source"], SOURCE_LABELS.get(
             r["source"], r["source"])), "outcome": r["outcome"].capitalize(), "sha": r["sha256"][:10] + "…",
             "reason": r.get("reason") or ""} for r in rows]
    columns = [column("id", "#", minWidth=64, maxWidth=80, type="rightAligned", sort="desc"),
               column("when", "When (UTC)", minWidth=176, maxWidth=190),
               column("uploaded_by", "Who", minWidth=110, maxWidth=160, tooltipField="uploaded_by"),
               column("filename", "File", minWidth=170, tooltipField="filename"),
               column("source", "How", minWidth=84, maxWidth=110), column("status", "Figures", minWidth=118, maxWidth=130),
               column("outcome", "Outcome", minWidth=112, maxWidth=130, cellClassRules=outcome_rules),
               column("did", "What it did", minWidth=112, maxWidth=170),
               column("sha", "SHA-256", minWidth=124, maxWidth=140, tooltipField="sha256", cellClass="mono"),
               column("reason", "Reason", minWidth=130, flex=2, tooltipField="reason")]
    grid = text_grid("history-uploads-grid", columns, data, max_height=430, selectable=True,
                     pagination=len(data) > 200, paginationPageSize=200)
    grid.getRowId = "params.data.row_id"  # AG Grid wants a string id; selection and scrolling use it
    return grid


def _fact(label: str, value) -> html.Div:
    return html.Div([html.Dt(label), html.Dd(value)], className="fact")


def upload_detail(found: dict | None, upload_id, catalog: Catalog) -> html.Section:
    if found is None:
        body = [html.P(f"There is no upload #{upload_id}." if upload_id else
                       "Choose an upload above to see what it did.", className="text-muted")]
        return html.Section(body, className="panel tool-panel", id="history-upload-detail")
    summary = found["summary"]
    facts = html.Dl([
        _fact("When", when(found["uploaded_at"]) + " UTC"), _fact("Who", found["uploaded_by"]),
        _fact("How", SOURCE_LABELS.get(found["source"], found["source"])),
        _fact("Figures", found["status"]), _fact("Size", f"{found['size_bytes']:,} bytes"),
        _fact("SHA-256", html.Code(found["sha256"], className="sha")),
        _fact("Reason", found.get("reason") or "—"),
    ], className="facts")
    if "errors" in summary:
        rows = [{**e, "row": e["row"] if e["row"] is not None else "", "column": e["column"] or "",
                 "value": e["value"] if e["value"] is not None else ""} for e in summary["errors"]]
        shown = len(rows)
        more = summary.get("error_count", shown) - shown
        content = [html.P(f"Rejected: nothing was written. {summary.get('error_count', shown):,} error(s)"
                          + (f"; the first {shown} are kept here." if more > 0 else "."), className="mb-2"),
                   text_grid("history-errors-grid",
                             [column("sheet", "Sheet", maxWidth=200), column("row", "Row", maxWidth=80),
                              column("column", "Column", maxWidth=180), wrap("value", "Value", maxWidth=240),
                              wrap("message", "What was wrong", flex=3, minWidth=280)], rows, max_height=380)]
    else:
        links = [dcc.Link(f"{catalog.datasets[r['dataset']].title if r['dataset'] in catalog.datasets else r['dataset']}"
                          f" · {month_label(r['month'], 'short')}",
                          href=history_href(upload=found["id"], dataset=r["dataset"], month=r["month"]),
                          className="slice-link") for r in found["revisions"]]
        content = [changes_grid("history-changes-grid", summary.get("changes", []), catalog),
                   html.Div([html.Span("Revisions it wrote: ", className="text-muted"), *links]
                            if links else html.Span("It wrote no revisions.", className="text-muted"),
                            className="slice-links")]
    return html.Section([
        html.Div([html.H2([f"Upload #{found['id']} · ", html.Span(found["filename"], className="filename")],
                          className="panel-title"), outcome_badge(found["outcome"])], className="panel-head"),
        facts, *content,
    ], className="panel tool-panel", id="history-upload-detail")


def _change_text(change: dict) -> list:
    if change["kind"] == "added":
        return [html.Span(f"First figures for this month: {change['rows']:,} rows.")]
    parts = [html.Span(row_changes(change) + ".")]
    if change.get("previous_status") and change["previous_status"] != change["status"]:
        parts.append(html.Span(f" Status {change['previous_status']} → {change['status']}."))
    examples = [html.Li(example_text(x)) for x in change.get("examples", [])]
    return parts + ([html.Ul(examples, className="example-list")] if examples else [])


def revision_card(rev: dict, *, can_roll_back: bool) -> html.Li:
    change = rev["change"]
    head = [html.Strong(f"Revision {rev['id']}"),
            badge("current", "In force", "state") if rev["in_force"] else badge("old", "Replaced", "state"),
            badge(change["kind"], KIND_TEXT.get(change["kind"], change["kind"])),
            html.Span(f"{rev['status']} · {rev['rows']:,} rows", className="text-muted")]
    who = (f"{rev['created_at']} UTC · {rev['uploaded_by']} · "
           f"{SOURCE_LABELS.get(rev['source'], rev['source'])} · ")
    action = None
    if can_roll_back and not rev["in_force"]:
        action = html.Button("Roll back to this revision", n_clicks=0, className="btn btn-sm btn-outline-danger",
                             id={"type": "history-rollback-open", "revision": rev["id"]})
    return html.Li([
        html.Div(head, className="revision-head"),
        html.Div([who, dcc.Link(f"upload #{rev['upload_id']}", href=history_href(upload=rev["upload_id"])),
                  html.Span([" · ", html.Span(rev["filename"], className="filename")])], className="revision-who"),
        html.Div(["Reason: ", html.Span(rev["reason"])], className="revision-reason") if rev.get("reason") else None,
        html.Div(_change_text(change), className="revision-change"),
        action,
    ], className="revision" + (" revision-current" if rev["in_force"] else ""), id=f"history-revision-{rev['id']}")


def rollback_form() -> html.Div:
    return html.Div([
        html.H3("", id="history-rollback-title", className="h6"),
        html.P("The rows of that revision become a new revision in force; nothing is deleted, and the "
               "rollback is recorded in the audit trail.", className="form-text mt-0"),
        dcc.Textarea(id="history-rollback-reason", className="form-control mb-2", maxLength=1000,
                     placeholder="Reason (required), e.g. the resubmission was sent in error"),
        html.Div(id="history-rollback-message", className="text-danger mb-2", role="alert"),
        html.Div([html.Button("Roll back", id="history-rollback-confirm", n_clicks=0, className="btn btn-danger"),
                  html.Button("Cancel", id="history-rollback-cancel", n_clicks=0,
                              className="btn btn-outline-secondary")], className="d-flex gap-2"),
        dcc.Store(id="history-rollback-target"),
    ], id="history-rollback-form", className="rollback-form", hidden=True)
