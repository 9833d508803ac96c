"""What the upload page shows about an ingest report: every error, the preview of changes, the result.

Pure functions of ``metrics.ingest.write.IngestReport`` (or its ``as_dict()``); all file content is shown
as text in grid cells.
"""
from __future__ import annotations

from dash import dcc, html

from metrics.catalog import Catalog
from metrics.months import month_label
from metrics.formatting import format_cell, format_value
from metrics.rag import NO_DATA, RED

from .rag import rag_badge, value_text
from .tools import badge, column, month_column, text_grid, wrap

KIND_ORDER = ("added", "changed", "unchanged")
KIND_TEXT = {"added": "Added", "changed": "Changed", "unchanged": "Unchanged"}


def example_text(example: dict) -> str:
    """'North · succeeded: 104,184 → 104,484'."""
    key = ", ".join(str(v) for v in example.get("key", {}).values())
    change = f"{example['column']}: {format_cell(example['old'])} → {format_cell(example['new'])}"
    return f"{key} · {change}" if key else change


def row_changes(change: dict) -> str:
    """'3 rows changed, 1 added' (or 'same figures', '47 new rows')."""
    def rows(n: int) -> str:
        return f"{n:,} row{'s' * (n != 1)}"
    if change["kind"] == "added":
        return f"{rows(change['rows'])}, all new"
    if change["kind"] == "unchanged":
        return "same figures"
    parts = [(change["rows_changed"], "changed"), (change["rows_added"], "added"),
             (change["rows_removed"], "removed")]
    parts = [(n, verb) for n, verb in parts if n]
    if not parts:
        return "same figures, new status" if change.get("previous_status") != change["status"] else "same figures"
    first = f"{rows(parts[0][0])} {parts[0][1]}"
    return ", ".join([first, *(f"{n:,} {verb}" for n, verb in parts[1:])])


def status_text(change: dict) -> str:
    before, after = change.get("previous_status"), change["status"]
    return f"{before} → {after}" if before and before != after else after


def kind_counts(changes: list[dict]) -> dict[str, int]:
    return {k: sum(c["kind"] == k for c in changes) for k in KIND_ORDER}


def _notes(report: dict) -> list:
    notes = [f"Sheet {s!r} ignored: it is not a dataset." for s in report.get("ignored_sheets", [])]
    notes += list(report.get("warnings", []))
    return [html.Ul([html.Li(n) for n in notes], className="feedback-notes")] if notes else []


def errors_view(report: dict) -> html.Div:
    """Every error at once, each pointing at its sheet, row, column and value."""
    errors = report["errors"]
    rows = [{"sheet": e["sheet"], "row": e["row"] if e["row"] is not None else "",
             "column": e["column"] or "", "value": e["value"] if e["value"] is not None else "",
             "message": e["message"]} for e in errors]
    columns = [column("sheet", "Sheet", maxWidth=220), column("row", "Row", maxWidth=90, type="rightAligned"),
               column("column", "Column", maxWidth=200), wrap("value", "Value", maxWidth=260),
               wrap("message", "What is wrong", flex=3, minWidth=320)]
    count = len(errors)
    return html.Div([
        html.Div([html.Span("✕", className="feedback-icon", **{"aria-hidden": "true"}),
                  html.Div([html.Strong(f"{report['filename']}: {count} error{'s' * (count != 1)}"),
                            html.Span(" — nothing was stored. Fix them in the file and drop it again.")])],
                 className="feedback-head feedback-error", role="alert"),
        *_notes(report),
        text_grid("upload-errors-grid", columns, rows, max_height=520),
    ], id="upload-errors", className="feedback")


def changes_grid(grid_id: str, changes: list[dict], catalog: Catalog) -> html.Div:
    """One row per (dataset, month): added, changed or unchanged, status, rows, and what changed
    (a line per old → new example)."""
    rows = [{"dataset": catalog.datasets[c["dataset"]].title if c["dataset"] in catalog.datasets
             else c["dataset"], "month": c["month"], "kind": KIND_TEXT.get(c["kind"], c["kind"]),
             "rows": c["rows"], "status": status_text(c),
             "details": "\n".join([row_changes(c), *(example_text(x) for x in c.get("examples", []))])}
            for c in changes]
    kind_rules = {f"kind-cell kind-{k}": f"params.value == '{v}'" for k, v in KIND_TEXT.items()}
    # Narrow minimum widths (wrapping text) so that the grid fits a 768-pixel tablet without scrolling.
    columns = [wrap("dataset", "Dataset", minWidth=110, maxWidth=210),
               month_column("month", minWidth=106, maxWidth=130),
               column("kind", "Change", minWidth=108, maxWidth=130, cellClassRules=kind_rules),
               wrap("status", "Status", minWidth=96, maxWidth=200),
               column("rows", "Rows", minWidth=74, maxWidth=100, type="rightAligned"),
               wrap("details", "What changes (old → new)", flex=3, minWidth=170)]
    return text_grid(grid_id, columns, rows, max_height=480)


def risks(report: dict, catalog: Catalog) -> list[str]:
    """What in this upload needs a second look before Confirm: each slice whose final figures it
    changes (or turns provisional), and each slice it removes rows from."""
    out = []
    for c in report["changes"]:
        if c["kind"] != "changed":
            continue
        title = catalog.datasets[c["dataset"]].title if c["dataset"] in catalog.datasets else c["dataset"]
        what = []
        if c.get("previous_status") == "final":
            what.append("changes final figures" + (" and makes them provisional"
                                                   if c["status"] == "provisional" else ""))
        if c.get("rows_removed"):
            what.append(f"removes {c['rows_removed']:,} row{'s' * (c['rows_removed'] != 1)} "
                        "(they are not in this file)")
        if what:
            out.append(f"{title} · {month_label(c['month'])}: {'; '.join(what)}.")
    return out


def _risk_warning(items: list[str]) -> html.Div | None:
    if not items:
        return None
    return html.Div([
        html.Strong("Check before you confirm: this upload overwrites figures."),
        html.Ul([html.Li(i) for i in items], className="mb-1"),
        html.Span("Tick the box below and give a reason to confirm. If this is a template or the wrong "
                  "month, drop the right file instead.", className="small"),
    ], className="alert alert-warning upload-risk", id="upload-risk-warning", role="alert")


def _short(entry: dict) -> str:
    name = entry["title"] + (f" · {entry['dimension_value']}" if entry.get("dimension_value") else "")
    limits = f" (minimum {format_value(entry['minimum'], entry['unit'], entry['decimals'])})" \
        if entry.get("minimum") is not None else ""
    before = (f"; {format_value(entry['previous_value'], entry['unit'], entry['decimals'])} in "
              f"{month_label(entry['previous_month'], 'short')}") if entry.get("previous_value") is not None else ""
    return f"{name}: {value_text(entry)}{limits}{before}"


def new_month_view(month: str, entries: list[dict]) -> html.Section:
    """What the overview will say for a month this upload adds: every headline metric's value and
    RAG, and every cell that will be Red, so a typing error shows before Confirm."""
    reds = [e for e in entries if e["rag"] == RED]
    totals = [e for e in entries if e.get("dimension_value") is None]
    shown = [e for e in totals if e["rag"] != NO_DATA]
    missing = [e["title"] for e in totals if e["rag"] == NO_DATA]
    rows = [html.Tr([html.Th(e["title"], scope="row"), html.Td(value_text(e), className="num"),
                     html.Td(rag_badge(e["rag"], "rag-badge-sm"))]) for e in shown]
    red_part = (html.Div([html.Strong(f"{len(reds)} cell{'s' * (len(reds) != 1)} will be Red:"),
                          html.Ul([html.Li(_short(e)) for e in reds])], className="new-month-reds")
                if reds else html.P("No cell will be Red.", className="new-month-reds"))
    return html.Section([
        html.H3(f"The overview for {month_label(month)} will say", className="new-month-title"),
        red_part,
        html.Table([html.Thead(html.Tr([html.Th("Metric (all regions)"), html.Th("Value", className="num"),
                                        html.Th("RAG")])), html.Tbody(rows)],
                   className="table table-sm new-month-table") if rows else None,
        html.P([rag_badge(NO_DATA, "rag-badge-sm"), f" for {len(missing)} metric{'s' * (len(missing) != 1)} "
                "whose figures are not stored for this month: " + ", ".join(missing) + "."],
               className="new-month-missing") if missing else None,
    ], className="new-month", id=f"upload-new-month-{month}")


def preview_view(report: dict, catalog: Catalog) -> html.Div:
    """What Confirm would do, per dataset and month: added, changed (old → new examples), unchanged;
    a warning for final figures changed or rows removed; what the overview will say for each new
    month."""
    changes = report["changes"]
    counts = kind_counts(changes)
    summary = [badge(k, f"{n} {KIND_TEXT[k].lower()}") for k, n in counts.items() if n]
    if report["outcome"] == "unchanged":
        head = "Nothing would change: these figures are already stored exactly."
    else:
        head = "The file is valid. Nothing is stored until you confirm."
    return html.Div([
        html.Div([html.Span("✓", className="feedback-icon", **{"aria-hidden": "true"}),
                  html.Div([html.Strong(report["filename"]), html.Span(f" — {head}")]),
                  html.Div(summary, className="feedback-counts", id="upload-preview-counts")],
                 className="feedback-head feedback-ok", role="status"),
        *_notes(report),
        _risk_warning(risks(report, catalog)),
        html.P("Month slices in this file (an upload replaces each month it contains; the figures it "
               "replaces stay in History):", className="feedback-lead"),
        changes_grid("upload-preview-grid", changes, catalog),
        html.Div([new_month_view(m, e) for m, e in sorted(report.get("new_months", {}).items())],
                 className="new-months", id="upload-new-months") if report.get("new_months") else None,
    ], id="upload-preview", className="feedback")


def result_view(report: dict, catalog: Catalog) -> html.Div:
    """After Confirm: what was stored, with links to see it."""
    if report["outcome"] == "rejected":
        return errors_view(report)
    counts = kind_counts(report["changes"])
    stored = [c for c in report["changes"] if c["kind"] != "unchanged"]
    months = sorted({c["month"] for c in stored if c["dataset"] != "annotations"})
    upload_id = report.get("upload_id")
    if report["outcome"] == "unchanged":
        text = f"Nothing changed: these figures were already stored (recorded as upload #{upload_id})."
    else:
        parts = ", ".join(f"{n} {KIND_TEXT[k].lower()}" for k, n in counts.items() if n)
        text = f"Stored as upload #{upload_id}: {parts} month slice(s)."
    links = [dcc.Link(f"See the overview for {month_label(months[-1])}", href=f"/?month={months[-1]}",
                      className="btn btn-primary", id="upload-see-overview")] if months else []
    links.append(dcc.Link("See this upload in History", href=f"/history?upload={upload_id}",
                          className="btn btn-outline-secondary", id="upload-see-history"))
    return html.Div([
        html.Div([html.Span("✓", className="feedback-icon", **{"aria-hidden": "true"}),
                  html.Div([html.Strong(report["filename"]), html.Span(f" — {text}")])],
                 className="feedback-head feedback-done", role="status", id="upload-done"),
        changes_grid("upload-result-grid", report["changes"], catalog),
        html.Div(links, className="feedback-actions"),
    ], id="upload-result", className="feedback")


