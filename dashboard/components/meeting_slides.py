"""Meeting-mode slides: one per agenda item, sized in viewport units so a slide fills a 16:9 screen
(1920x1080 or 1366x768) without scrolling, and reads without a mouse: every figure, RAG, goal
verdict and annotation is written on the slide.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from dash import dcc, html

from metrics.records.actions import dmy
from metrics.months import month_label
from metrics.formatting import format_value
from metrics.meeting.content import short_label, stamp_text

from report.describe import describe_figure
from report.meeting_charts import slide_figure
from .rag import override_mark, rag_badge

SLIDE_ACTIONS = 14    # most rows on one actions slide; more open actions page over several
ITEM_ACTIONS = 3      # open actions listed on a metric slide
SENTENCES = 3
GRAPH_CONFIG = {"staticPlot": True, "responsive": True, "displayModeBar": False}


def slide_href(month: str | None, slide: int, as_of: str | None = None, path: str = "/meeting",
               page: int = 1) -> str:
    params = [(k, v) for k, v in (("month", month), ("slide", str(slide)),
                                  ("page", str(page) if page > 1 else None), ("as_of", as_of)) if v]
    return f"{path}?{urlencode(params, quote_via=quote)}" if params else path


def pack_href(month: str | None, as_of: str | None = None) -> str:
    params = [(k, v) for k, v in (("month", month), ("as_of", as_of)) if v]
    return "/meeting/pack.pdf" + (f"?{urlencode(params, quote_via=quote)}" if params else "")


def action_pages(count: int) -> int:
    """How many slides the open actions take: none is cut, the pages are evenly full."""
    return max(-(-count // SLIDE_ACTIONS), 1)


def page_of(actions: list, page: int, pages: int) -> list:
    per = -(-len(actions) // pages) if actions else 0
    return actions[(page - 1) * per:page * per]


def header(item: dict, content: dict, page: int = 1, pages: int = 1) -> html.Header:
    status = content["status"] if item["kind"] != "metrics" else item["status"]
    stamp = stamp_text({**content, "status": status})
    return html.Header([
        html.Div(str(item["number"]), className="slide-number", id="meeting-slide-number"),
        html.Div([html.H1(item["title"], className="slide-title", id="meeting-title"),
                  html.Span(f"({page} of {pages})", className="slide-page", id="meeting-page")
                  if pages > 1 else None], className="slide-title-row"),
        html.Div([html.Div(month_label(content["month"]), className="slide-month"),
                  html.Div(stamp, className=f"slide-stamp stamp-{status}" +
                           (" stamp-frozen" if content["as_of"] else ""), id="meeting-stamp")],
                 className="slide-when"),
    ], className="slide-head")


def toolbar(view, number: int, total: int, as_of: str | None, demo: bool, *, page: int = 1,
            pages: int = 1, pages_before: int = 1, pages_last: int = 1) -> html.Footer:
    """Previous / next (the keyboard clicks these), months, freeze, pack, exit. A slide of
    ``pages`` pages steps through them first; previous from the slide after it lands on its last
    page (``pages_before``), last on the last slide's last page (``pages_last``)."""
    month = view.month
    months = list(view.available)
    here = months.index(month) if month in months else None
    earlier = months[here - 1] if here else None
    later = months[here + 1] if here is not None and here + 1 < len(months) else None

    def step(label, target, element_id, enabled=True, cls="tool"):
        if not enabled:
            return html.Span(label, className=f"{cls} disabled", id=element_id,
                             role="link", **{"aria-disabled": "true"})
        return dcc.Link(label, href=target, className=cls, id=element_id)

    if as_of:
        freeze = dcc.Link("❄ Frozen · go live", href=slide_href(month, number), id="meeting-unfreeze",
                          className="tool tool-frozen",
                          title="The figures are frozen at the moment in the link; show the latest")
    else:
        freeze = html.A("❄ Freeze figures now", href=slide_href(month, number, path="/meeting/freeze"),
                        className="tool", id="meeting-freeze",
                        title="Keep the figures as they are now, whatever is uploaded during the meeting")
    return html.Footer([
        html.Div([
            step("⇤", slide_href(month, 1, as_of), "meeting-first", number > 1 or page > 1),
            step("← Previous", slide_href(month, number, as_of, page=page - 1) if page > 1 else
                 slide_href(month, number - 1, as_of, page=pages_before), "meeting-prev",
                 number > 1 or page > 1),
            html.Span(f"{number} / {total}", className="slide-count", id="meeting-count"),
            step("Next →", slide_href(month, number, as_of, page=page + 1) if page < pages else
                 slide_href(month, number + 1, as_of), "meeting-next", number < total or page < pages),
            step("⇥", slide_href(month, total, as_of, page=pages_last), "meeting-last",
                 number < total or page < pages),
        ], className="toolbar-group"),
        html.Div([
            step(f"◂ {month_label(earlier, 'short')}" if earlier else "◂", slide_href(earlier, number, as_of),
                 "meeting-month-prev", bool(earlier)),
            step(f"{month_label(later, 'short')} ▸" if later else "▸", slide_href(later, number, as_of),
                 "meeting-month-next", bool(later)),
            freeze,
            html.A("⬇ Meeting pack (PDF)", href=pack_href(month, as_of), className="tool",
                   id="meeting-pack", target="_blank"),
            dcc.Link("✕ Exit", href="/" + (f"?month={month}" if month else ""), className="tool",
                     id="meeting-exit"),
        ], className="toolbar-group"),
        html.Div([html.Span("Synthetic demo data — not real DCC figures", className="slide-demo")
                  if demo else None,
                  html.Span("← → PgUp PgDn Home End · Esc exits", className="slide-keys")],
                 className="toolbar-group toolbar-note"),
    ], className="slide-toolbar")


def _value(entry: dict) -> str:
    return format_value(entry["value"], entry["unit"], entry["decimals"])


def figure_cell(entry: dict | None, big: bool = False, mark_provisional: bool = True) -> html.Td:
    """Value, RAG and the chair's override; ◐ marks a provisional figure (the slide's key says so)."""
    if entry is None:
        return html.Td("—", className="fig-cell fig-na")
    prov = mark_provisional and entry.get("status") == "provisional"
    return html.Td([
        html.Span(_value(entry), className="fig-value"),
        html.Span("◐", className="fig-prov") if prov else None,
        rag_badge(entry["rag"], "" if big else "rag-badge-sm"),
        override_mark(entry, "" if big else "rag-badge-sm"),
    ], className=f"fig-cell rag-tint-{entry.get('shown_rag', entry['rag'])}")


def overview_body(item: dict, content: dict) -> html.Div:
    columns = item["matrix"]["columns"]
    head = html.Tr([html.Th("Metric")] + [html.Th("All" if c is None else short_label(c)) for c in columns]
                   + [html.Th("Actions", className="col-actions")])
    linked: dict[str, int] = {}
    for action in content["open_actions"]:
        for metric in action["metrics"]:
            linked[metric] = linked.get(metric, 0) + 1
    rows = []
    for family in item["matrix"]["families"]:
        for i, row in enumerate(family["rows"]):
            count = linked.get(row["metric"], 0)
            rows.append(html.Tr([html.Th(row["title"], scope="row")] +
                                [figure_cell(c) for c in row["cells"]] +
                                [html.Td(f"⚑ {count} open" if count else "", className="col-actions")],
                                className="family-first" if i == 0 else None))
    entries = content["entries"]
    counts = {rag: sum(e["shown_rag"] == rag for e in entries) for rag in ("red", "amber", "green", "no_data")}
    worst = sorted((e for e in entries if e["shown_rag"] == "red"),
                   key=lambda e: -(e.get("months_not_green") or 0))[:2]
    overdue = sum(a["overdue"] for a in content["open_actions"])
    return html.Div([
        html.Table([html.Colgroup([html.Col(className="col-metric"),
                                   *[html.Col(className="col-value") for _ in columns],
                                   html.Col(className="col-actions")]),
                    html.Thead(head), html.Tbody(rows)], className="slide-matrix fit", id="meeting-matrix"),
        html.Aside([
            html.Div([html.Div([rag_badge(r), html.Span(str(n), className="count-n")], className="count")
                      for r, n in counts.items()], className="slide-counts"),
            html.Ul([html.Li(text) for text in content["data_news"]], className="slide-sentences slide-data-news",
                    id="meeting-data-news") if content["data_news"] else None,
            html.H2("Longest Red", className="side-title"),
            html.Ul([html.Li(e["sentence"]) for e in worst], className="slide-sentences"),
            html.P(f"{len(content['open_actions'])} open actions, {overdue} overdue — slide "
                   f"{len(content['items'])}.", className="side-actions"),
            html.P("◐ provisional figure · ⚑ open actions on the metric", className="side-key"),
        ], className="slide-side fit"),
    ], className="slide-body slide-overview")


def _chart(chart: dict, count: int) -> html.Div:
    figure = slide_figure(chart, columns=min(count, 3))
    return html.Div([
        html.Div([html.Span(chart["title"], className="chart-label"),
                  html.Span(" · ".join(chart["key_text"]), className="chart-key")], className="chart-head"),
        dcc.Graph(id=f"meeting-chart-{chart['key']}", figure=figure,
                  config=GRAPH_CONFIG, className="slide-graph", style={"height": "100%"}),
    ], className="slide-chart", role="figure", **{"aria-label": describe_figure(chart["title"], figure)})


def _figures_table(item: dict) -> html.Table:
    """The month's figures: a row per metric and a column per region; one metric with several
    regions is turned on its side (a row per region), so the numbers can be large."""
    values = list(dict.fromkeys(e["dimension_value"] for e in item["entries"]))
    by_key = {(e["metric"], e["dimension_value"]): e for e in item["entries"]}
    titles = {e["metric"]: e["title"] for e in item["entries"]}
    month = month_label(item["entries"][0]["month"], "short")
    if any(e.get("status") == "provisional" for e in item["entries"]):
        month = html.Span([month, html.Br(), html.Span("◐ provisional", className="fig-prov")])
    if len(item["metrics"]) == 1:
        metric = item["metrics"][0]
        head = html.Tr([html.Th(month), html.Th(titles[metric])])
        rows = [html.Tr([html.Th(short_label(v) if len(values) > 1 else "", scope="row"),
                         figure_cell(by_key.get((metric, v)), big=True, mark_provisional=False)])
                for v in values]
        return html.Table([html.Thead(head), html.Tbody(rows)], className="slide-figures single")
    head = html.Tr([html.Th(month)] + [html.Th(short_label(v)) for v in values])
    rows = [html.Tr([html.Th(titles[m], scope="row")] +
                    [figure_cell(by_key.get((m, v)), mark_provisional=False) for v in values])
            for m in item["metrics"]]
    stacked = len(values) > 1
    return html.Table([html.Thead(head), html.Tbody(rows)],
                      className="slide-figures" + (" stacked" if stacked else ""))


def overdue_flag(action: dict) -> html.Span:
    if action["overdue"]:
        return html.Span(f"Overdue since {dmy(action['due_on'])}", className="action-overdue")
    return html.Span(f"Open · due {dmy(action['due_on'])}", className="action-open")


def _action_line(a: dict) -> html.Li:
    return html.Li([html.Div([html.Span(a["ref"], className="action-ref"), overdue_flag(a),
                              html.Span(a["owner"], className="action-meta")]),
                    html.Div(a["text"], className="action-text")], className="slide-action")


def metrics_body(item: dict) -> html.Div:
    charts = item["charts"]
    chair = [html.Li(s, className="said-override") for s in item["override_sentences"]]
    said = [html.Li(s) for s in item["sentences"][:max(SENTENCES - len(chair), 1)]] + chair
    goals = [html.Li([html.Strong(f"★ {short_label(g['goal'].value) + ' ' if g['goal'].value else ''}"
                                  f"{g['goal_text']}: "), g["brief"]],
                     className=f"said-goal goal-{g['state']}") for g in item["goals"]]
    notes = [html.Li([html.Strong(f"{n['date'][8:10]}/{n['date'][5:7]} {n['title']}"),
                      f" — {n['detail']}" if n.get("detail") else ""]) for n in item["notes"][-1:]]
    more = len(item["actions"]) - ITEM_ACTIONS + item["more_actions"]
    actions = [_action_line(a) for a in item["actions"][:ITEM_ACTIONS]]
    return html.Div([
        html.Div([_chart(c, len(charts)) for c in charts], className=f"slide-charts n{len(charts)}"),
        html.Div([
            html.Div([_figures_table(item), html.Ul(goals, className="slide-goals") if goals else None],
                     className="facts-figures fit"),
            html.Div([html.H2("Why", className="side-title"), html.Ul(said, className="slide-sentences"),
                      html.Ul(notes, className="slide-notes") if notes else None],
                     className="facts-why fit"),
            html.Div([
                html.H2("Open actions", className="side-title"),
                html.Ul(actions, className="slide-actions") if actions else
                html.P("None open.", className="side-none"),
                html.P(f"+ {more} more — see the actions slide", className="side-more")
                if more > 0 else None,
            ], className="facts-side fit"),
        ], className="slide-facts"),
    ], className="slide-body slide-metrics")


def actions_body(item: dict, content: dict, page: int = 1) -> html.Div:
    """One page of the open actions (overdue first), all of them over ``action_pages`` slides."""
    open_actions = item["actions"]
    pages = action_pages(len(open_actions))
    shown = page_of(open_actions, page, pages)
    overdue = [a for a in open_actions if a["overdue"]]
    rows = [html.Tr([html.Td(a["ref"], className="action-ref"), html.Td(a["text"]),
                     html.Td(a["owner"]), html.Td(dmy(a["due_on"]) + (" (revised)" if a.get("revised_on") else ""),
                                                   className="nowrap"),
                     html.Td(html.Span("⚑ Overdue", className="action-overdue") if a["overdue"]
                             else html.Span("Open", className="action-open"))])
            for a in shown]
    first = open_actions.index(shown[0]) + 1 if shown else 0
    return html.Div([
        html.P([html.Strong(f"{len(open_actions)} open"), f" · {len(overdue)} overdue as at "
                f"{content['today']:%-d %B %Y}", " · due = the revised target date where one was set"],
               className="actions-lead"),
        html.Table([html.Thead(html.Tr([html.Th("Action"), html.Th("What"), html.Th("Owner"),
                                        html.Th("Due"), html.Th("Status")])), html.Tbody(rows)],
                   className="slide-action-table fit", id="meeting-actions"),
        html.P(f"Actions {first}–{first + len(shown) - 1} of {len(open_actions)}; "
               + ("next slide: the rest." if page < pages else "the last of them."),
               className="side-more", id="meeting-actions-range") if pages > 1 else None,
    ], className="slide-body slide-actions-body")

