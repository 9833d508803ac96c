"""Overview `/`: the month's RAG matrix, what needs attention and why, and data completeness."""
from __future__ import annotations

from datetime import date

import dash
from dash import dcc, html

from metrics.records import actions, overrides
from metrics.months import month_label
from metrics.read.narrative import data_news, sentence
from metrics.read.queries import completeness
from metrics.rag import AMBER, GREEN, NO_DATA, RED
from metrics.read.summary import month_summary

from dashboard import theme
from dashboard.components.scroll_box import scroll_box
from dashboard.components import empty_state, page_header, rag_badge, sparkline, status_chip
from dashboard.components.cards import limits_text
from dashboard.state.cache import cached_layout
from dashboard.state.view import resolve_view
from dashboard.components.rag import change_text, not_green_text, override_mark, value_text
from dashboard.context import get_context
from dashboard.layout import page

dash.register_page(__name__, path="/", name="Overview", order=0, title="OPSG service metrics — overview")

RANK = {rag: i for i, rag in enumerate(theme.RAG_ORDER)}


@cached_layout(records=True)
def layout(**query):
    view = resolve_view(query)
    if view.month is None:
        return page(view, [empty_state("No figures have been uploaded yet.", view)])
    context = get_context()
    catalog = context.catalog
    with context.store.read() as conn:
        entries = overrides.apply(month_summary(conn, catalog, view.month, view.as_of),
                                  overrides.overrides_in_force(conn, view.month))
        open_actions = actions.open_by_metric(
            conn, today=actions.judgement_day(view.month, view.as_of, date.today()))
        datasets = completeness(conn, catalog, view.month, view.as_of)
    dim = catalog.dimensions["csp_region"]
    columns = [None, *dim.headline]
    return page(view, [
        page_header("RAG overview", "Every metric for the month against its target and minimum "
                    "service level, with the change on the previous month and how long it has not "
                    "been Green.", view),
        html.Div([
            html.Div([scroll_box(rag_matrix(entries, columns, view, open_actions), "RAG overview table"),
                      html.P("◐ provisional figure · change is on the previous month · a run of "
                             "months not Green is counted over the last 24 months · — not split "
                             "by region", className="matrix-key")], className="overview-main"),
            html.Aside([attention(entries, datasets, view.month), completeness_panel(datasets, view)],
                       className="overview-side"),
        ], className="overview-grid"),
    ])


def _cell(entry: dict | None) -> html.Td:
    if entry is None:
        return html.Td(html.Span("—", title="not split by region", className="not-applicable"),
                       className="rag-cell rag-cell-na")
    provisional = entry.get("status") == "provisional"
    return html.Td([
        html.Div([html.Span(value_text(entry), className="cell-value"),
                  html.Span("◐", className="provisional-mark", title="Provisional figure")
                  if provisional else None,
                  rag_badge(entry["rag"], "rag-badge-sm")], className="cell-top"),
        html.Div([change_text(entry), not_green_text(entry)], className="cell-bottom"),
        html.Div(override_mark(entry), className="cell-override") if entry.get("override") else None,
    ], className=f"rag-cell rag-tint-{(entry.get('override') or entry)['rag']}")


def action_badge(metric_id: str, linked: list[dict], month: str | None = None) -> html.Div | None:
    """'⚑ 3 open actions (2 overdue)' as they stood for the month, linking to them in the log."""
    if not linked:
        return None
    overdue = sum(a["overdue"] for a in linked)
    text = f"⚑ {len(linked)} open action{'s' if len(linked) > 1 else ''}"
    return html.Div(dcc.Link(text + (f" ({overdue} overdue)" if overdue else ""),
                             href=f"/actions?metric={metric_id}" + (f"&month={month}" if month else ""), className="action-badge"
                             + (" action-badge-overdue" if overdue else ""),
                             id=f"overview-actions-{metric_id}"))


def rag_matrix(entries: list[dict], columns: list, view, open_actions: dict | None = None) -> html.Table:
    catalog = get_context().catalog
    region = catalog.dimensions["csp_region"]
    by_key = {(e["metric"], e["dimension_value"]): e for e in entries}
    head = html.Thead(html.Tr([html.Th("Metric", scope="col", className="col-metric"),
                               html.Th("Last 12 months (All)", scope="col", className="col-spark"),
                               *[html.Th(region.label(c) if c else region.short(None), scope="col",
                                         className="col-rag") for c in columns]]))
    body = []
    for family in catalog.families:
        href = family.path + view.state.search()
        body.append(html.Tr(html.Th(dcc.Link([family.title, html.Span(" → charts", className="go")],
                                             href=href), colSpan=2 + len(columns), scope="rowgroup"),
                            className="family-row"))
        for metric_id in family.metrics:
            total = by_key.get((metric_id, None))
            if total is None:
                continue
            body.append(html.Tr([
                html.Th([html.Div(total["title"], className="metric-name"),
                         html.Div(limits_text(total), className="metric-limits"),
                         action_badge(metric_id, (open_actions or {}).get(metric_id), view.state.month)],
                        scope="row", className="col-metric"),
                html.Td(sparkline(total["spark"], total["unit"], total["decimals"]), className="col-spark"),
                *[_cell(by_key.get((metric_id, c))) for c in columns],
            ], id=f"overview-row-{metric_id}"))
    return html.Table([head, html.Tbody(body)], className="rag-matrix", id="overview-rag-matrix")


def _folded(title: str, entries: list[dict], element_id: str) -> html.Details | None:
    if not entries:
        return None
    return html.Details([html.Summary(f"{title} ({len(entries)})"),
                         html.Ul([html.Li([rag_badge(e["rag"], "rag-badge-sm"), html.Span(sentence(e))],
                                          className="attention-item") for e in entries],
                                 className="attention-list")], id=element_id)


def attention(entries: list[dict], datasets: list[dict], month: str) -> html.Section:
    """Missing and late datasets first, then Red and Amber sentences; Green and No data folded away
    separately (a missing figure is never counted as good news)."""
    ordered = sorted(entries, key=lambda e: (RANK.get(e["rag"], 9), -(e.get("months_not_green") or 0)))
    urgent = [e for e in ordered if e["rag"] in (RED, AMBER)]
    news = data_news(datasets, month)
    items = [html.Li([status_chip("missing"), html.Span(text)], className="attention-item attention-data")
             for text in news]
    items += [html.Li([rag_badge(e["rag"], "rag-badge-sm"), html.Span(sentence(e))],
                      className="attention-item") for e in urgent]
    no_data = [e for e in ordered if e["rag"] == NO_DATA]
    if items:
        lead = None
    elif no_data:
        lead = html.P("Nothing Red or Amber; some metrics have no figure (below).", className="all-green")
    else:
        lead = html.P("Every metric is Green this month.", className="all-green")
    return html.Section([
        html.H2(f"Needs attention ({len(items)})", className="panel-title"),
        html.Ol(items, className="attention-list", id="overview-attention") if items else lead,
        _folded("No data", no_data, "overview-no-data"),
        _folded("Green", [e for e in ordered if e["rag"] == GREEN], "overview-green"),
    ], className="panel", id="overview-narrative")


def completeness_panel(datasets: list[dict], view) -> html.Section:
    counts = {s: sum(d["status"] == s for d in datasets) for s in ("final", "provisional", "missing")}
    summary = " · ".join(f"{n} {theme.STATUS_LABELS[s].lower()}" for s, n in counts.items() if n)
    rows = [html.Tr([html.Th(d["title"], scope="row"), html.Td(status_chip(d["status"])),
                     html.Td([f"stored {d['stored_at'][:10]}" if d["stored_at"] else "not uploaded",
                              html.Span(f" · ⚑ late: not final by {d['late_since']}",
                                        className="late-flag") if d.get("late_since") else None],
                             className="text-muted")]) for d in datasets]
    late = sum(bool(d.get("late_since")) for d in datasets)
    if late:
        summary += f" · ⚑ {late} late"
    return html.Section([
        html.H2(f"Data for {month_label(view.month)}", className="panel-title"),
        html.P(summary, className="completeness-summary"),
        html.Table(html.Tbody(rows), className="completeness-table"),
    ], className="panel", id="overview-completeness")
