"""What the action log page draws: filters (as links, so the URL holds them), the action table with
each action's history of revised dates, the administrator's forms, and the chair's RAG overrides.

Every piece of text an action or override carries is passed to components as text, never HTML.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

from dash import dcc, html

from metrics.records.actions import OPEN, dmy
from metrics.months import month_label
from metrics.records.overrides import cell_label

from .scroll_box import scroll_box
from .. import theme
from .rag import rag_badge

STATUS_FILTERS = (("open", "Open"), ("overdue", "Overdue"), ("closed", "Closed"), ("all", "All"))
FIELD_LABELS = {"text": "action", "owner": "owner", "raised_on": "date raised",
                "target_on": "target date", "revised_on": "revised target date", "status": "status",
                "closed_on": "closed on", "month": "month", "metrics": "metrics", "notes": "notes",
                "ref": "id"}


def href(owner: str | None, status: str | None, **extra) -> str:
    params = [(k, v) for k, v in (("owner", owner), ("status", status), *extra.items()) if v]
    return "/actions" + (f"?{urlencode(params, quote_via=quote)}" if params else "")


def filters(owners: list[str], owner: str | None, status: str, metric=None) -> html.Div:
    """Status and owner as links (the URL holds the filters); a metric filter shows as a chip."""
    keep = {"metric": metric.id} if metric else {}

    def chip(label, target, active, element_id):
        return dcc.Link(label, href=target, id=element_id,
                        className="filter-chip" + (" active" if active else ""))
    owner_links = [chip("All owners", href(None, status, **keep), owner is None, "actions-owner-all")]
    owner_links += [chip(o, href(o, status, **keep), o == owner, f"actions-owner-{i}")
                    for i, o in enumerate(owners)]
    status_links = [chip(label, href(owner, key, **keep), key == status, f"actions-status-{key}")
                    for key, label in STATUS_FILTERS]
    rows = [html.Div([html.Span("Status", className="control-label"), *status_links], className="filter-row"),
            html.Div([html.Span("Owner", className="control-label"), *owner_links], className="filter-row")]
    if metric:
        rows.append(html.Div([html.Span("Metric", className="control-label"),
                              chip(f"{metric.title} ✕", href(owner, status), True, "actions-metric-clear")],
                             className="filter-row"))
    return html.Div(rows, className="actions-filters", id="actions-filters")


def status_mark(action: dict) -> html.Span:
    if action["status"] != OPEN:
        closed = f" {dmy(action['closed_on'])}" if action.get("closed_on") else ""
        return html.Span(f"✓ Closed{closed}", className="action-status status-closed")
    if action["overdue"]:
        days = action["days_overdue"]
        return html.Span(f"⚑ Overdue {days:,} day{'s' if days != 1 else ''}",
                         className="action-status status-overdue")
    return html.Span("○ Open", className="action-status status-open")


def _change_text(field: str, old, new) -> str:
    def show(v):
        if v in (None, "", [], ()):
            return "—"
        if isinstance(v, (list, tuple)):
            return ", ".join(v)
        if field.endswith("_on") and isinstance(v, str) and len(v) == 10:
            return dmy(v)
        return str(v)
    if old in (None, "", [], ()):
        return f"{FIELD_LABELS.get(field, field)} {show(new)}"
    return f"{FIELD_LABELS.get(field, field)} {show(old)} → {show(new)}"


def history_list(entries: list[dict], source: str | None = None) -> html.Details:
    """An action's changes, oldest first; moved target dates lead the line so they stand out."""
    items = []
    for e in entries:
        changes = e["changes"]
        order = sorted(changes, key=lambda f: (f not in ("target_on", "revised_on"), f))
        if e["kind"] in ("added", "imported") and all(changes[f][0] in (None, "") for f in changes):
            order = [f for f in order if f in ("target_on", "revised_on")]  # the rest is the row itself
        text = "; ".join(_change_text(f, *changes[f]) for f in order if f not in ("ref", "text"))
        items.append(html.Li([html.Span(f"{e['at']:%-d %b %Y %H:%M}", className="hist-when"),
                              f" {e['actor']} · {e['kind']}", f" — {text}" if text else "",
                              html.Span(f" ({e['reason']})", className="hist-reason") if e.get("reason") else None]))
    moved = sum(1 for e in entries if {"target_on", "revised_on"} & set(e["changes"])
                and e["kind"] not in ("added", "imported"))
    label = f"History ({len(entries)})" + (f" · target moved {moved}×" if moved else "")
    return html.Details([html.Summary(label), html.Ul(items, className="hist-list"),
                         html.Div(f"Source: {source}", className="action-source") if source else None],
                        className="action-history")


def action_table(rows: list[dict], histories: dict[str, list], catalog, *, admin: bool,
                 owner: str | None, status: str, metric=None) -> html.Div:
    head = html.Tr([html.Th(h, scope="col") for h in
                    ("Action", "What", "Owner", "Raised", "Target", "Revised target", "Status",
                     "Metrics")])
    body = []
    for a in rows:
        metrics = [dcc.Link(catalog.metric(m).title, href=catalog.family(catalog.metric(m).family).path
                            + (f"?month={a['month']}" if a.get("month") else ""), className="metric-link")
                   for m in a["metrics"]]
        what = [html.Div(a["text"], className="action-text")]
        if a.get("notes"):
            what.append(html.Div(a["notes"], className="action-notes"))
        what.append(history_list(histories.get(a["ref"], []), a.get("source")))
        ref = [html.Span(a["ref"], className="action-ref")]
        if admin:
            keep = {"metric": metric.id} if metric else {}
            ref.append(dcc.Link("Edit", href=href(owner, status, edit=a["ref"], **keep), className="edit-link"))
        body.append(html.Tr([
            html.Th(ref, scope="row"), html.Td(what, className="action-what"), html.Td(a["owner"]),
            html.Td(dmy(a["raised_on"]), className="nowrap"),
            html.Td(dmy(a["target_on"]), className="nowrap" + (" superseded" if a.get("revised_on") else "")),
            html.Td(dmy(a["revised_on"]) or "—", className="nowrap"),
            html.Td(status_mark(a)),
            html.Td(metrics or "—", className="action-metrics"),
        ], className=f"action-row {'row-overdue' if a['overdue'] else ''}".strip(),
            id={"type": "action-row", "ref": a["ref"]}))
    return scroll_box(html.Table([html.Thead(head), html.Tbody(body)], className="action-table", id="actions-table"),
                      "Action log table")


def _field(label: str, control, field_id: str, help_text: str = "") -> html.Div:
    return html.Div([html.Label(label, htmlFor=field_id, className="form-label"), control,
                     html.Div(help_text, className="form-text") if help_text else None],
                    className="form-field")


def action_form(catalog, editing: dict | None, owners: list[str]) -> html.Section:
    """Add a new action, or edit/close/reopen the one named in ``?edit=``."""
    e = editing or {}
    metric_options = [{"label": m.title, "value": m.id} for m in catalog.metrics.values()]

    def text_input(field_id, value, **extra):
        return dcc.Input(id=field_id, value=value or "", type="text", className="form-control",
                         debounce=False, **extra)
    title = f"Edit {e['ref']}" if e else "Add an action"
    toggle = "Close action" if e.get("status", OPEN) == OPEN else "Reopen action"
    buttons = [html.Button("Save", id="action-save", n_clicks=0, className="btn btn-primary"),
               html.Button(toggle, id="action-toggle", n_clicks=0, className="btn btn-outline-secondary",
                           style=None if e else {"display": "none"})]
    return html.Section([
        html.H2(title, className="panel-title"),
        html.Div([
            _field("Action ID", text_input("action-ref", e.get("ref"), placeholder="OPSG 30/01",
                                           disabled=bool(e)), "action-ref"),
            _field("Owner", text_input("action-owner", e.get("owner"), list="actions-owner-list"),
                   "action-owner"),
            html.Datalist([html.Option(value=o) for o in owners], id="actions-owner-list"),
        ], className="form-pair"),
        _field("Action", dcc.Textarea(id="action-text", value=e.get("text", ""), className="form-control",
                                      style={"height": "6em"}), "action-text"),
        html.Div([
            _field("Date raised", text_input("action-raised", dmy(e.get("raised_on")), placeholder="04/02/2020"),
                   "action-raised"),
            _field("Target date", text_input("action-target", dmy(e.get("target_on")), placeholder="03/03/2020"),
                   "action-target"),
            _field("Revised target", text_input("action-revised", dmy(e.get("revised_on"))),
                   "action-revised"),
        ], className="form-triple"),
        html.Div([
            _field("Month", text_input("action-month", e.get("month"), placeholder="2020-01"),
                   "action-month", "The reporting month it arose from."),
            _field("Linked metrics", dcc.Dropdown(id="action-metrics", options=metric_options, multi=True,
                                                  value=list(e.get("metrics") or [])), "action-metrics"),
        ], className="form-pair"),
        _field("Notes", dcc.Textarea(id="action-notes", value=e.get("notes", ""), className="form-control",
                                     style={"height": "3.5em"}), "action-notes"),
        _field("Reason for the change", text_input("action-reason", "", placeholder="e.g. agreed at OPSG_30"),
               "action-reason", "Needed when a target date moves; kept in the action's history."),
        html.Div(buttons, className="form-buttons"),
        dcc.Link("Add a new action instead", href="/actions", className="small") if e else None,
        html.Div(id="action-message", role="status"),
    ], className="panel actions-form", id="actions-form")


def import_panel() -> html.Section:
    return html.Section([
        html.H2("Import the action log", className="panel-title"),
        html.P("A CSV or XLSX with the minutes' columns: Action ID, Action, Owner, Date Raised, Last "
               "Target Date, Revised Target Date, Status (and optionally Metrics, Month, Notes). Dates "
               "day first. New ids are added, changed ones updated; nothing is written if any row is "
               "wrong.", className="form-text"),
        dcc.Upload(html.Div(["Drop a file here or ", html.A("choose one")]), id="actions-upload",
                   className="upload-drop", multiple=False),
        html.Div(id="actions-import-message", role="status"),
    ], className="panel", id="actions-import")


# ----------------------------------------------------------------------- chair's overrides
def overrides_list(items: list[dict], catalog) -> html.Div:
    if not items:
        return html.P("No RAG is overridden.", className="text-muted", id="overrides-list")
    rows = [html.Li([
        html.Div([html.Strong(cell_label(catalog, o["metric"], o["value"], o["month"])), " ",
                  html.Span("Chair:", className="override-label"), rag_badge(o["rag"], "rag-badge-sm"),
                  html.Span(f" computed {theme.rag_label(o['computed_rag'])} when set",
                            className="override-computed")]),
        html.Div(o["justification"], className="override-why"),
        html.Div(f"{o['created_by']} · {o['created_at']:%-d %b %Y %H:%M} UTC", className="text-muted small"),
    ], className="override-item") for o in items]
    return html.Ul(rows, className="override-list", id="overrides-list")


def override_form(catalog, month: str | None) -> html.Section:
    region = catalog.dimensions["csp_region"]
    regions = region.headline
    return html.Section([
        html.H2("Override a RAG", className="panel-title"),
        html.P("The chair's judgement for one cell, shown beside the computed RAG on the overview, "
               "the meeting slides and the pack. A justification is required; every change is audited.",
               className="form-text"),
        _field("Metric", dcc.Dropdown(id="override-metric", clearable=False,
                                      options=[{"label": m.title, "value": m.id} for m in catalog.metrics.values()]),
               "override-metric"),
        html.Div([
            _field("Region", dcc.Dropdown(id="override-region", value="", clearable=False,
                                          options=[{"label": region.short(None), "value": ""}] +
                                          [{"label": region.label(r), "value": r} for r in regions]),
                   "override-region"),
            _field("Month", dcc.Input(id="override-month", value=month or "", className="form-control",
                                      placeholder="2020-01"), "override-month",
                   month_label(month) if month else ""),
        ], className="form-pair"),
        _field("Chair's RAG", dcc.RadioItems(id="override-rag", value="amber", inline=True,
                                             options=[{"label": f" {theme.rag_label(r)} ", "value": r}
                                                      for r in ("green", "amber", "red")]), "override-rag"),
        _field("Justification", dcc.Textarea(id="override-justification", className="form-control",
                                             style={"height": "4em"}), "override-justification"),
        html.Div([html.Button("Set override", id="override-set", n_clicks=0, className="btn btn-primary"),
                  html.Button("Withdraw override", id="override-withdraw", n_clicks=0,
                              className="btn btn-outline-secondary")], className="form-buttons"),
        html.Div(id="override-message", role="status"),
    ], className="panel", id="overrides-form")


# ----------------------------------------------------------------------------- page areas
def _last(value):
    return value[-1] if isinstance(value, (list, tuple)) and value else value


def clean_metric(metric, catalog) -> tuple[object | None, list[str]]:
    """(the catalog metric, problems) for a ``metric`` filter from the URL."""
    metric = _last(metric)
    if not metric:
        return None, []
    if metric not in catalog.metrics:
        return None, [f"metric {metric!r} is not a metric id; showing actions for every metric"]
    return catalog.metric(metric), []


def clean_filters(owner, status, owners: list[str]) -> tuple[str | None, str, list[str]]:
    """(owner, status, problems) from the URL: an unknown owner or status is dropped and said."""
    problems = []
    owner, status = _last(owner), _last(status)
    if owner and owner not in owners:
        problems.append(f"owner {owner!r} has no actions; showing every owner")
        owner = None
    if status and status not in dict(STATUS_FILTERS):
        problems.append(f"status {status!r} is not open, overdue, closed or all; showing open actions")
        status = None
    return owner or None, status or "open", problems


def table_area(owner, status, metric=None, on: date | None = None) -> html.Div:
    """The summary line and the action table for the filters (re-drawn after a change), as the
    log stood ``on`` a day (default today)."""
    from metrics.records import actions

    from dashboard.web.auth import current_user
    from ..context import get_context

    context = get_context()
    today = on or date.today()
    with context.store.read() as conn:
        everything = actions.list_actions(conn, today=today)
        owners = sorted({a["owner"] for a in everything})
        owner, status, _ = clean_filters(owner, status, owners)
        histories = actions.histories(conn)
    metric, _ = clean_metric(metric, context.catalog)
    shown = [a for a in everything if (owner is None or a["owner"] == owner) and (
        status == "all" or (status == "overdue" and a["overdue"]) or a["status"] == status)
        and (metric is None or metric.id in a["metrics"])]
    open_count = sum(a["status"] == OPEN for a in everything)
    overdue = sum(a["overdue"] for a in everything)
    user = current_user()
    summary = html.P([html.Strong(f"{open_count} open"), f" · {overdue} overdue · "
                      f"{len(everything) - open_count} closed", f" — showing {len(shown)}",
                      f" ({owner})" if owner else "", f" for {metric.title}" if metric else "",
                      f" — as the log stood on {today:%-d %B %Y}" if on else "", ". Overdue: still open after the revised target "
                      "date, or the target date where none was set."], className="actions-summary",
                     id="actions-summary")
    table = action_table(shown, histories, context.catalog, admin=bool(user and user.can("admin")),
                         owner=owner, status=status, metric=metric) if shown else \
        html.P("No actions match these filters.", className="text-muted", id="actions-table")
    return html.Div([summary, table])
