"""RAG and status marks: always colour plus an icon plus a word, never colour alone."""
from __future__ import annotations

from dash import html

from metrics.formatting import format_change, format_value
from metrics.rag import AMBER, GREEN, NO_DATA, RED
from metrics.read.summary import HISTORY_MONTHS

from .. import theme


def rag_badge(rag: str, size: str = "") -> html.Span:
    """A pill such as '✕ Red' on the RAG colour."""
    rag = rag if rag in theme.RAG_COLOURS else NO_DATA
    return html.Span([html.Span(theme.rag_icon(rag), className="rag-icon", **{"aria-hidden": "true"}),
                      theme.rag_label(rag)],
                     className=f"rag-badge rag-{rag} {size}".strip(), title=theme.rag_label(rag))


def override_mark(entry: dict, size: str = "rag-badge-sm") -> html.Span | None:
    """The chair's RAG beside the computed one: 'Chair: ! Amber · computed Red', with the reason
    written out (a title would need hovering)."""
    override = entry.get("override")
    if not override:
        return None
    return html.Span([html.Span("Chair:", className="override-label"), rag_badge(override["rag"], size),
                      html.Span(f"computed {theme.rag_label(entry['rag'])}", className="override-computed")],
                     className="override-mark")


def status_chip(status: str | None) -> html.Span:
    status = status or "missing"
    return html.Span([html.Span(theme.STATUS_ICONS.get(status, "○"), **{"aria-hidden": "true"}),
                      " ", theme.STATUS_LABELS.get(status, status.title())],
                     className=f"status-chip status-{status}")


def change_text(entry: dict) -> html.Span:
    """'▲ +2.36 pts' coloured by whether the move is an improvement; without this month's figure,
    the previous one ('previous 7'); 'no previous figure' only when the summary has none."""
    change, unit, dec = entry.get("change"), entry["unit"], entry["decimals"]
    if change is None:
        previous = entry.get("previous_value")
        if previous is not None:
            return html.Span(f"previous {format_value(previous, unit, dec)}", className="change change-none")
        return html.Span("no previous figure", className="change change-none")
    rounded = round(change, dec)
    if rounded == 0:
        return html.Span("= no change", className="change change-none")
    better = (rounded > 0) == (entry["direction"] == "higher_is_better")
    arrow = "▲" if rounded > 0 else "▼"
    return html.Span(f"{arrow} {format_change(change, unit, dec)}",
                     className=f"change {'change-better' if better else 'change-worse'}",
                     title="better than the previous month" if better else "worse than the previous month")


def not_green_text(entry: dict) -> html.Span | None:
    run = entry.get("months_not_green") or 0
    if entry["rag"] not in (AMBER, RED) or run == 0:
        return None
    text = "1 month not Green" if run == 1 else f"{run} months not Green"
    if run >= HISTORY_MONTHS:
        text = f"{HISTORY_MONTHS}+ months not Green"
    return html.Span(text, className="not-green")


def value_text(entry: dict) -> str:
    return format_value(entry["value"], entry["unit"], entry["decimals"])


def rag_count_summary(entries: list[dict]) -> html.Div:
    """'3 Red · 2 Amber · 9 Green' as badges."""
    counts = {rag: sum(e["rag"] == rag for e in entries) for rag in theme.RAG_ORDER}
    return html.Div([html.Span([rag_badge(rag), html.Span(str(n), className="rag-count")],
                               className="rag-count-item")
                     for rag, n in counts.items() if n or rag in (RED, AMBER, GREEN)],
                    className="rag-counts")


__all__ = ["rag_badge", "override_mark", "status_chip", "change_text", "not_green_text", "value_text",
           "rag_count_summary", "GREEN"]
