"""The meeting, as data: what each agenda item shows, for the slides and the printed pack.

``meeting_content`` reads everything once: the month's judged figures (as of a moment, so a pack
frozen when the papers went out never shifts), the chair's overrides, goals, annotations and open
actions. The slides (dashboard/components/meeting_slides.py) and the pack (report/pack.py) draw it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, func, select

from metrics.records import actions, overrides
from metrics.read import goals
from metrics.store import schema
from metrics.catalog import Catalog
from metrics.months import add_months, month_range
from metrics.read.narrative import data_news, format_value, sentence
from metrics.read.queries import all_thresholds, annotations, completeness, in_force
from metrics.rag import AMBER, RED
from metrics.read.summary import headline_values, metric_points, summary_entry

WINDOW = 13           # months on a slide's chart: the month and the same month a year before
MAX_SENTENCES = 3     # per agenda item, worst first
MAX_ITEM_ACTIONS = 3  # open actions listed on an item's page (the rest are counted)
RANK = {RED: 0, AMBER: 1}


def where_label(value: str | None) -> str:
    return "All regions" if value is None else f"CSP {value}"


def short_label(value: str | None) -> str:
    return {None: "All", "North": "CSP N", "Central & South": "CSP C&S"}.get(value, f"CSP {value}")


def figures_as_at(conn: Connection, as_of: datetime | None) -> datetime | None:
    """The moment the figures shown are as at: ``as_of`` if frozen, else the latest upload in force."""
    if as_of is not None:
        return as_of
    r = schema.revisions
    return conn.execute(select(func.max(r.c.created_at)).where(*in_force(None))).scalar()


def meeting_content(conn: Connection, catalog: Catalog, month: str, *, as_of: datetime | None = None,
                    today: date | None = None) -> dict:
    """Everything the slides and the pack show for ``month``, one dict per agenda item.

    Actions are judged as they stood at ``actions.judgement_day`` (the as-of day, else the meeting
    for ``month``; ``today`` is the real date, needed only for the current month).
    """
    today = actions.judgement_day(month, as_of, today or date.today())
    thresholds = all_thresholds(conn, catalog, as_of)
    points, entries = {}, {}
    for metric_id, metric in catalog.metrics.items():
        points[metric_id] = metric_points(conn, catalog, metric_id, month, as_of, thresholds[metric_id])
        entries[metric_id] = {v: summary_entry(metric, metric.headline_dimension, v, p)
                              for v, p in points[metric_id].items()}
    every = [e for by_value in entries.values() for e in by_value.values()]
    overrides.apply(every, overrides.overrides_in_force(conn, month))
    for entry in every:
        entry["sentence"] = sentence(entry)
        entry["override_sentence"] = overrides.override_sentence(entry)
        entry["shown_rag"] = overrides.shown_rag(entry)
    open_actions = actions.list_actions(conn, status=actions.OPEN, today=today)
    notes = annotations(conn, start=add_months(month, -(WINDOW - 1)), end=month, as_of=as_of)
    datasets = completeness(conn, catalog, month, as_of)
    content = {"month": month, "as_of": as_of, "figures_as_at": figures_as_at(conn, as_of),
               "today": today, "datasets": datasets, "status": _month_status(datasets),
               "entries": every, "open_actions": open_actions, "items": [],
               "data_news": data_news(datasets, month)}
    for number, item in enumerate(catalog.agenda, start=1):
        base = {"number": number, "id": item.id, "title": item.title, "filter": dict(item.filter)}
        if item.metrics:
            base.update(_metrics_item(catalog, item, month, points, entries, notes, open_actions))
        elif item.id == "actions":
            base.update(kind="actions", actions=open_actions, status=content["status"])
        else:
            base.update(kind="overview", matrix=_matrix(catalog, entries), status=content["status"])
        content["items"].append(base)
    return content


def _month_status(datasets: list[dict]) -> str:
    statuses = {d["status"] for d in datasets}
    if statuses == {"missing"}:
        return "missing"
    return "provisional" if statuses & {"provisional", "missing"} else "final"


def _matrix(catalog: Catalog, entries: dict) -> dict:
    """The RAG summary: family rows of metric rows, one cell per headline value (None: not split)."""
    columns = [None, *catalog.dimensions["csp_region"].headline]
    families = []
    for family in catalog.families:
        rows = [{"metric": m, "title": catalog.metric(m).title,
                 "cells": [entries[m].get(c) for c in columns]} for m in family.metrics]
        families.append({"title": family.title, "rows": rows})
    return {"columns": columns, "families": families}


def _metrics_item(catalog, item, month, points, entries, notes, open_actions) -> dict:
    charts, shown, goal_notes = [], [], []
    for metric_id in item.metrics:
        metric = catalog.metric(metric_id)
        dim = metric.headline_dimension
        value = item.filter.get(dim) if dim else None
        values = [value] if value else headline_values(catalog, metric)
        shown += [entries[metric_id][v] for v in values]
        chart = _chart(catalog, item, metric, month, points[metric_id], values, notes)
        goal_notes += chart["goals"]
        charts.append(chart)
    # The story of the figures: worst computed RAG first (the chair's view is said on its own).
    ranked = sorted((e for e in shown if e["rag"] in RANK),
                    key=lambda e: (RANK[e["rag"]], -(e.get("months_not_green") or 0)))
    picked = ranked[:MAX_SENTENCES] or [e for e in shown if e.get("dimension_value") is None][:3]
    linked = [a for a in open_actions if set(a["metrics"]) & set(item.metrics)]
    seen, item_notes = set(), []
    for chart in charts:
        for note in chart["notes"]:
            key = (note["date"], note["title"])
            if key not in seen:
                seen.add(key)
                item_notes.append(note)
    statuses = {e["status"] for e in shown if e["status"]}
    return {"kind": "metrics", "metrics": list(item.metrics), "entries": shown, "charts": charts,
            "sentences": [e["sentence"] for e in picked],
            "override_sentences": [e["override_sentence"] for e in shown if e["override_sentence"]],
            "goals": goal_notes, "notes": sorted(item_notes, key=lambda n: n["date"]),
            "actions": linked[:MAX_ITEM_ACTIONS], "more_actions": max(len(linked) - MAX_ITEM_ACTIONS, 0),
            "status": "provisional" if "provisional" in statuses else "final" if statuses else "missing"}


def _chart(catalog, item, metric, month, history, values, notes) -> dict:
    """One chart's data: a line per value (regions compared only where they share thresholds)."""
    window = month_range(add_months(month, -(WINDOW - 1)), month)
    tail = {v: history[v][-WINDOW:] for v in values}
    keys = {v: [(p["target"], p["minimum"]) for p in tail[v]] for v in values}
    if len(values) > 1 and len({tuple(k) for k in keys.values()}) > 1:
        values = [None]  # regions judged against different limits: chart the total, list the rest
    judged = [goals.assess(g, metric, {p["month"]: p["value"] for p in history[v]}, month)
              for v in values for g in goals.goals_for(catalog, metric.id, v)]
    judged = [g for g in judged if g]
    months = window
    for g in judged:
        if g["goal"].by > months[-1]:
            months = month_range(months[0], min(g["goal"].by, add_months(month, 6)))
    series = []
    for v in values:
        by_month = {p["month"]: p for p in tail[v]}
        series.append({"value": v, "name": where_label(v) if metric.headline_dimension else metric.title,
                       "short": short_label(v),
                       "values": [by_month[m]["value"] if m in by_month else None for m in months],
                       "provisional": [by_month.get(m, {}).get("status") == "provisional" for m in months]})
    lead = tail[values[0]]
    pad = len(months) - len(lead)
    limits = ([p["target"] for p in lead] + [None] * pad, [p["minimum"] for p in lead] + [None] * pad)
    members = None
    if item.filter.get("csp_region"):
        members = set(catalog.dimensions["csp_region"].members(item.filter["csp_region"]))
    mine = [n for n in notes if n["metric"] in ("", metric.id)
            and (members is None or not n["csp_region"] or n["csp_region"] in members)]
    title = metric.title + (f" · {where_label(values[0])}" if len(values) == 1 and values[0] else "")
    return {"key": f"{item.id}-{metric.id}", "metric": metric.id, "title": title,
            "unit": metric.unit, "decimals": metric.decimals,
            "higher_is_better": metric.higher_is_better, "months": months, "series": series,
            "limits": limits, "notes": mine, "goals": judged,
            "key_text": chart_key(metric, lead[-1], judged, any(any(s["provisional"]) for s in series))}


def chart_key(metric, last: dict, judged: list[dict], provisional: bool) -> list[str]:
    """What a chart's colours and marks mean, written out (the charts carry no legend)."""
    parts = []
    if last.get("target") is not None:
        sign = "≥" if metric.higher_is_better else "≤"
        dec = 0 if float(last["target"]).is_integer() and float(last["minimum"]).is_integer() else metric.decimals
        parts.append(f"Green {sign} {format_value(last['target'], metric.unit, dec)} (dashed) · "
                     f"Red beyond {format_value(last['minimum'], metric.unit, dec)} (dotted)")
    for g in judged:
        who = f"{short_label(g['goal'].value)} " if g["goal"].value else ""
        parts.append(f"★ {who}goal {g['goal_text']}: {g['label'].lower()}")
    if provisional:
        parts.append("provisional: hollow points, hatched bars")
    return parts


# ------------------------------------------------------------------------- words on the page
def stamp_text(content: dict) -> str:
    """'Figures as at 4 Feb 2020 09:00 UTC (frozen) — provisional'."""
    moment = content["figures_as_at"]
    when = f"{moment:%-d %b %Y %H:%M} UTC" if moment else "— (no figures)"
    frozen = " (frozen)" if content["as_of"] else ""
    return f"Figures as at {when}{frozen} — {content['status']}"


def overdue_text(action: dict) -> str:
    return f"Overdue since {actions.dmy(action['due_on'])}"
