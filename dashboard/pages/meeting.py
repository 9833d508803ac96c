"""Meeting mode `/meeting`: one slide per agenda item, for the chair to screen-share.

URL state: ``month``, ``slide`` (1 to the number of agenda items) and ``as_of`` (figures frozen at
that moment, so an upload during the meeting does not shift them). Keys ← → PgUp PgDn Home End
(dashboard/assets/meeting.js) follow the previous/next links, so every step is a URL. Read-only.
"""
from __future__ import annotations

import dash
from dash import html

from metrics.demo.bootstrap import is_demo
from metrics.meeting.content import meeting_content

from dashboard.components import empty_state
from dashboard.components.cards import coverage_note
from dashboard.state.cache import cached_layout, remember, version_of
from dashboard.state.view import resolve_view
from dashboard.components.meeting_slides import (action_pages, actions_body, header, metrics_body,
                                                 overview_body, toolbar)
from dashboard.context import get_context

dash.register_page(__name__, path="/meeting", name="Meeting", order=90, nav="tools",
                   title="Meeting mode — OPSG service metrics")


def pages_of(item: dict) -> int:
    return action_pages(len(item["actions"])) if item["kind"] == "actions" else 1


def slide_number(raw, total: int, what: str = "slide") -> tuple[int, str | None]:
    """(slide, problem): a slide (or page) number from the URL, 1 when absent or out of range."""
    raw = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
    if raw in (None, ""):
        return 1, None
    try:
        number = int(str(raw).strip())
    except ValueError:
        number = 0
    if 1 <= number <= total:
        return number, None
    return 1, f"{what} {raw!r} is not a {what} number 1 to {total}; showing {what} 1"


def _content(context, view) -> dict:
    """The month's content, read once for all its slides (each slide is its own cached render)."""
    with context.store.read() as conn:
        version = version_of(conn, records=True)

    def read():
        with context.store.read() as conn:
            return meeting_content(conn, context.catalog, view.month, as_of=view.as_of)
    return remember(("meeting-content", context.store.url, view.month, view.state.as_of, version), read)


@cached_layout(records=True)
def layout(**query):
    view = resolve_view(query)
    context = get_context()
    classification = context.settings.classification.strip()
    banner = html.Div(classification, className="meeting-classification",
                      id="meeting-classification") if classification else None
    foot_banner = html.Div(classification, className="meeting-classification") if classification else None
    if view.month is None:
        return html.Div([banner, html.Div(empty_state("No figures have been uploaded yet, so "
                                                      "there is nothing to present.", view),
                                          className="slide-body")],
                        className="page meeting-mode", id="meeting")
    content = _content(context, view)
    items = content["items"]
    number, problem = slide_number(query.get("slide"), len(items))
    item = items[number - 1]
    pages = pages_of(item)
    page, page_problem = slide_number(query.get("page"), pages, "page")
    problems = [*view.problems, *(p for p in (problem, page_problem) if p)]
    if item["kind"] == "overview":
        body = overview_body(item, content)
    elif item["kind"] == "actions":
        body = actions_body(item, content, page)
    else:
        body = metrics_body(item)
    return html.Div([
        banner,
        header(item, content, page, pages),
        html.Div([html.Span(f"Ignored in the link: {p}.") for p in problems],
                 className="slide-problems") if problems else None,
        coverage_note(view),
        body,
        toolbar(view, number, len(items), view.state.as_of, is_demo(context.store), page=page, pages=pages,
                pages_before=pages_of(items[number - 2]) if number > 1 else 1,
                pages_last=pages_of(items[-1])),
        foot_banner,
    ], className=f"page meeting-mode slide-kind-{item['kind']}", id="meeting",
       **{"data-slide": str(number), "data-slides": str(len(items)), "data-page": str(page),
          "data-pages": str(pages)})
