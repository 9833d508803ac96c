"""The meeting, as data and on paper: what each agenda item shows (for the slides and the pack), the
pack as a print-styled HTML document, and that document printed to PDF by headless Chromium.

``meeting_content`` reads everything once: the month's judged figures (as of a moment, so a pack
frozen when the papers went out never shifts), the chair's overrides, goals, annotations and open
actions. ``pack_html`` is a pure function of that content and the charts as inline SVG (drawn by
the dashboard's figure builders, so the paper matches the screen); every piece of user text is
escaped. ``print_pdf`` prints it: one page for the cover and one per agenda item.
"""
from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, func, select

from metrics.records import actions, overrides
from metrics.read import goals
from metrics.store import schema
from metrics.catalog import Catalog
from metrics.months import add_months, month_label, month_range
from metrics.read.narrative import data_news, format_value, sentence
from metrics.read.queries import all_thresholds, annotations, completeness, in_force
from metrics.rag import AMBER, GREEN, NO_DATA, RAG_LABELS, RED
from metrics.read.summary import headline_values, metric_points, summary_entry

WINDOW = 13           # months on a slide's chart: the month and the same month a year before
MAX_SENTENCES = 3     # per agenda item, worst first
MAX_ITEM_ACTIONS = 3  # open actions listed on an item's page (the rest are counted)
RANK = {RED: 0, AMBER: 1}
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
                "--disable-dev-shm-usage", "--no-pdf-header-footer")


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


# ----------------------------------------------------------------------------------- paper
def esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def stamp_text(content: dict) -> str:
    """'Figures as at 4 Feb 2020 09:00 UTC (frozen) — provisional'."""
    moment = content["figures_as_at"]
    when = f"{moment:%-d %b %Y %H:%M} UTC" if moment else "— (no figures)"
    frozen = " (frozen)" if content["as_of"] else ""
    return f"Figures as at {when}{frozen} — {content['status']}"


def _badge(rag: str, small: bool = False) -> str:
    icon = {"green": "✓", "amber": "!", "red": "✕"}.get(rag, "–")
    return (f'<span class="rag rag-{esc(rag)}{" sm" if small else ""}"><b>{icon}</b> '
            f'{esc(RAG_LABELS.get(rag, "No data"))}</span>')


def _cell(entry: dict | None, mark_provisional: bool = True) -> str:
    if entry is None:
        return '<td class="na">—</td>'
    override = entry.get("override")
    mark = ""
    if override:
        mark = (f'<div class="override">Chair: {_badge(override["rag"], True)} '
                f'<span class="computed">computed {esc(RAG_LABELS[entry["rag"]])}</span></div>')
    provisional = mark_provisional and entry.get("status") == "provisional"
    prov = ' <span class="prov">◐ provisional</span>' if provisional else ""
    value = format_value(entry["value"], entry["unit"], entry["decimals"])
    return (f'<td class="cell tint-{esc(entry["shown_rag"])}"><span class="value">{esc(value)}</span>'
            f'{prov} {_badge(entry["rag"], True)}{mark}</td>')


def overdue_text(action: dict) -> str:
    return f"Overdue since {actions.dmy(action['due_on'])}"


def _action_rows(items: list[dict]) -> str:
    rows = []
    for a in items:
        due = actions.dmy(a["due_on"]) + (" (revised)" if a.get("revised_on") else "")
        flag = '<span class="overdue">Overdue</span>' if a["overdue"] else '<span class="open">Open</span>'
        rows.append(f'<tr><td class="ref">{esc(a["ref"])}</td><td>{esc(a["text"])}</td>'
                    f'<td>{esc(a["owner"])}</td><td class="date">{esc(actions.dmy(a["raised_on"]))}</td>'
                    f'<td class="date">{esc(due)}</td><td>{flag}</td></tr>')
    head = ("<tr><th>Action</th><th>What</th><th>Owner</th><th>Raised</th><th>Due</th>"
            "<th>Status</th></tr>")
    return f'<table class="actions"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _action_list(items: list[dict]) -> str:
    """Open actions on an item's page: id, owner, due date and status on a line, then the text."""
    out = []
    for a in items:
        due = f"due {actions.dmy(a['due_on'])}" + (" (revised)" if a.get("revised_on") else "")
        flag = f'<span class="overdue">{esc(overdue_text(a))}</span>' if a["overdue"] else '<span class="open">Open</span>'
        out.append(f'<li><b>{esc(a["ref"])}</b> · {esc(a["owner"])} · {esc(due)} {flag}'
                   f'<div class="what">{esc(a["text"])}</div></li>')
    return f'<ul class="action-list">{"".join(out)}</ul>'


def _page(content: dict, item: dict | None, body: str, classification: str) -> str:
    month = month_label(content["month"])
    banner = f'<div class="classification">{esc(classification)}</div>' if classification else ""
    if item is None:
        head = ""
    else:
        head = (f'<header><div class="num">{item["number"]}</div><h1>{esc(item["title"])}</h1>'
                f'<div class="when"><b>{esc(month)}</b><br>{esc(stamp_text(content))}</div></header>')
    foot = (f'<footer><span>OPSG meeting pack · {esc(month)}</span><span>{esc(stamp_text(content))}'
            f'</span><span>{item["number"] + 1 if item else 1} / {len(content["items"]) + 1}</span></footer>')
    return f'<section class="page">{banner}{head}<div class="body">{body}</div>{foot}{banner}</section>'


def _cover(content: dict, classification: str, demo: str | None) -> str:
    agenda = "".join(f"<li><b>{i['number']}</b> {esc(i['title'])}</li>" for i in content["items"])
    moment = content["figures_as_at"]
    frozen = ("Frozen: the figures in force at that moment (later uploads are not included)."
              if content["as_of"] else "The latest figures in force when this pack was made.")
    return (f'<div class="cover"><p class="kicker">Smart Energy Code · Operations Group</p>'
            f'<h1>Service metrics meeting pack</h1><h2>{esc(month_label(content["month"]))}</h2>'
            f'<p class="asat"><b>Figures as at {esc(f"{moment:%-d %B %Y %H:%M} UTC" if moment else "—")}</b>'
            f' — {esc(content["status"])}. {esc(frozen)}</p>'
            + (f'<p class="class-line">Classification: {esc(classification)}</p>' if classification else "")
            + (f'<p class="demo">{esc(demo)}</p>' if demo else "")
            + f'<h3>Agenda</h3><ol class="agenda">{agenda}</ol></div>')


def _overview(item: dict, content: dict) -> str:
    cols = "".join(f"<th>{esc(where_label(c) if c else 'All')}</th>" for c in item["matrix"]["columns"])
    rows = []
    for fam in item["matrix"]["families"]:
        rows.append(f'<tr class="fam"><th colspan="{len(item["matrix"]["columns"]) + 1}">{esc(fam["title"])}</th></tr>')
        for row in fam["rows"]:
            rows.append(f'<tr><th>{esc(row["title"])}</th>{"".join(_cell(c) for c in row["cells"])}</tr>')
    key = ("Cells show the value and its computed RAG; ◐ provisional; where the chair has overridden "
           "a RAG it is shown as “Chair:” with the computed RAG beside it.")
    counts = {rag: sum(e["shown_rag"] == rag for e in content["entries"]) for rag in (RED, AMBER, GREEN, NO_DATA)}
    tally = " · ".join(f"{n} {RAG_LABELS[rag]}" for rag, n in counts.items())
    news = "".join(f'<p class="news">{esc(text)}</p>' for text in content["data_news"])
    return (f'<table class="matrix"><thead><tr><th>Metric</th>{cols}</tr></thead><tbody>{"".join(rows)}'
            f'</tbody></table><p class="key">{esc(tally)}. {key}</p>{news}')


def _figures_table(item: dict) -> str:
    """The month's figures for the item: a row per metric, a column per region shown."""
    values = list(dict.fromkeys(e["dimension_value"] for e in item["entries"]))
    by_key = {(e["metric"], e["dimension_value"]): e for e in item["entries"]}
    titles = {e["metric"]: e["title"] for e in item["entries"]}
    head = "".join(f"<th>{esc(short_label(v))}</th>" for v in values)
    rows = "".join(f'<tr><th>{esc(titles[m])}</th>'
                   f'{"".join(_cell(by_key.get((m, v)), False) for v in values)}</tr>' for m in item["metrics"])
    prov = any(e.get("status") == "provisional" for e in item["entries"])
    first = "Metric" + (' <span class="prov">◐ provisional</span>' if prov else "")
    return (f'<table class="matrix figs"><thead><tr><th>{first}</th>{head}</tr></thead>'
            f'<tbody>{rows}</tbody></table>')


def _metrics_page(item: dict, charts: dict[str, str]) -> str:
    svgs = "".join(f'<figure><figcaption>{esc(c["title"])}<span class="key">{esc(" · ".join(c["key_text"]))}'
                   f'</span></figcaption>{charts.get(c["key"], "")}</figure>' for c in item["charts"])
    said = "".join(f"<li>{esc(s)}</li>" for s in item["sentences"])
    said += "".join(f'<li class="chair">{esc(s)}</li>' for s in item["override_sentences"])
    said += "".join(f'<li class="goal goal-{esc(g["state"])}"><b>Goal — {esc(g["goal"].label)}.</b> '
                    f'{esc(g["sentence"])}</li>' for g in item["goals"])
    notes = "".join(f'<li><b>{esc(n["date"])} {esc(n["title"])}</b>'
                    + (f' — {esc(n["detail"])}' if n.get("detail") else "") + "</li>" for n in item["notes"])
    more = (f'<p class="more">… and {item["more_actions"]} more open action(s) in the action log.</p>'
            if item["more_actions"] else "")
    acts = (_action_list(item["actions"]) + more) if item["actions"] else '<p class="none">No open actions.</p>'
    return (f'<div class="charts n{len(item["charts"])}">{svgs}</div>'
            f'<div class="lower"><div class="story">{_figures_table(item)}<ul class="said">{said}</ul></div>'
            f'<div class="records"><h3>Annotations</h3><ul class="notes">'
            f'{notes or "<li>None in these months.</li>"}</ul><h3>Open actions</h3>{acts}</div></div>')


def _actions_page(item: dict, content: dict) -> str:
    items = item["actions"]
    overdue = sum(a["overdue"] for a in items)
    size = max(6.5, min(10.0, 12.5 - 0.2 * len(items)))
    lead = (f'<p class="lead">{len(items)} open action(s), {overdue} overdue as at '
            f'{content["today"]:%-d %B %Y}. Due = the revised target date where one was set.</p>')
    return f'<div class="action-log" style="font-size:{size:.1f}pt">{lead}{_action_rows(items)}</div>'


def pack_html(content: dict, charts: dict[str, str], *, classification: str = "",
              demo: str | None = None) -> str:
    """The pack as one HTML document: a cover, then one page per agenda item (A4 landscape)."""
    pages = [_page(content, None, _cover(content, classification, demo), classification)]
    for item in content["items"]:
        if item["kind"] == "overview":
            body = _overview(item, content)
        elif item["kind"] == "actions":
            body = _actions_page(item, content)
        else:
            body = _metrics_page(item, charts)
        pages.append(_page(content, item, body, classification))
    title = f"OPSG meeting pack — {month_label(content['month'])}"
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f'<style>{PRINT_CSS}</style></head><body>{"".join(pages)}</body></html>')


def chromium_path() -> str:
    """The Chromium binary: BROWSER_PATH (as kaleido reads it), else chromium on the PATH."""
    path = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("printing the pack needs Chromium: apt-get install chromium, or set BROWSER_PATH")
    return path


def print_pdf(document: str, *, timeout: float = 120) -> bytes:
    """Print an HTML document to PDF with headless Chromium (nothing is fetched from outside)."""
    with tempfile.TemporaryDirectory(prefix="opsg-pack-") as tmp:
        source, target = Path(tmp) / "pack.html", Path(tmp) / "pack.pdf"
        source.write_text(document, encoding="utf-8")
        cmd = [chromium_path(), *CHROME_FLAGS, f"--user-data-dir={tmp}/profile",
               f"--print-to-pdf={target}", source.as_uri()]
        result = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
        if not target.is_file():
            raise RuntimeError(f"Chromium did not print the pack: {result.stderr.strip()[-500:]}")
        return target.read_bytes()


PRINT_CSS = """
@page { size: A4 landscape; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: "Liberation Sans", Arial, "Helvetica Neue", sans-serif; color: #1f2328;
  font-size: 10pt; line-height: 1.3; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.page { width: 297mm; height: 210mm; padding: 7mm 11mm; display: flex; flex-direction: column;
  overflow: hidden; page-break-after: always; break-after: page; position: relative; }
.page:last-child { page-break-after: auto; break-after: auto; }
.classification { text-align: center; font-weight: 700; letter-spacing: .05em; font-size: 9pt;
  background: #24292f; color: #fff; padding: 1mm; margin: 0 0 2mm; }
.classification:last-child { margin: 2mm 0 0; }
header { display: flex; align-items: center; gap: 4mm; border-bottom: 1.2pt solid #0b2e55;
  padding-bottom: 2mm; margin-bottom: 3mm; }
header .num { background: #0b2e55; color: #fff; font-weight: 800; font-size: 16pt; border-radius: 2mm;
  padding: 1mm 3mm; }
header h1 { font-size: 20pt; margin: 0; flex: 1; color: #0b2e55; }
header .when { text-align: right; font-size: 9.5pt; color: #57606a; }
header .when b { color: #1f2328; font-size: 12pt; }
.body { flex: 1; min-height: 0; overflow: hidden; }
footer { display: flex; justify-content: space-between; font-size: 8pt; color: #57606a;
  border-top: .5pt solid #d8dee4; padding-top: 1.5mm; margin-top: 2mm; }
.cover { padding: 18mm 10mm 0; }
.cover .kicker { color: #57606a; font-size: 12pt; margin: 0; text-transform: uppercase; letter-spacing: .06em; }
.cover h1 { font-size: 32pt; color: #0b2e55; margin: 2mm 0; }
.cover h2 { font-size: 24pt; margin: 0 0 6mm; }
.cover .asat { font-size: 13pt; }
.cover .class-line { font-size: 12pt; font-weight: 700; }
.cover .demo { background: #fff8c5; border: 1pt solid #d4a72c; padding: 2mm 3mm; font-size: 11pt; display: inline-block; }
.cover h3 { margin: 6mm 0 2mm; font-size: 13pt; }
.cover .agenda { columns: 2; font-size: 12pt; padding-left: 6mm; margin: 0; }
.cover .agenda li { margin: 1mm 0; list-style: none; } .cover .agenda b { color: #0b2e55; margin-right: 2mm; }
.rag { display: inline-block; border-radius: 8pt; color: #fff; font-weight: 700; padding: .3mm 2mm; white-space: nowrap; }
.rag.sm { font-size: 8.5pt; }
.rag-green { background: #1a7f37; } .rag-amber { background: #b76e00; } .rag-red { background: #c62828; }
.rag-no_data { background: #6e7781; }
table { border-collapse: collapse; width: 100%; }
.matrix th, .matrix td { border-bottom: .5pt solid #d8dee4; padding: .55mm 2mm; text-align: left; vertical-align: middle; }
.matrix thead th { background: #eef2f6; font-size: 9pt; text-transform: uppercase; color: #57606a; }
.matrix tr.fam th { background: #f6f8fa; color: #0b2e55; font-size: 8.5pt; padding: .3mm 2mm; }
.matrix td.cell .value { font-weight: 700; font-size: 10.5pt; }
.matrix td.na { color: #8c959f; text-align: center; }
.tint-green { background: #e6f4ea; } .tint-amber { background: #fff4e0; } .tint-red { background: #fdecea; }
.override { font-size: 8.5pt; margin-top: .5mm; } .computed { color: #57606a; }
.prov { color: #6a3d00; font-weight: 700; font-size: 7.5pt; }
.key { color: #57606a; font-size: 8.5pt; margin: 1.5mm 0 0; }
.news { color: #8a4b00; font-size: 9pt; font-weight: 600; margin: 1.5mm 0 0; }
.charts { display: grid; gap: 3mm; height: 50%; }
.charts.n1 { grid-template-columns: 1fr; } .charts.n2 { grid-template-columns: 1fr 1fr; }
.charts.n3 { grid-template-columns: 1fr 1fr 1fr; }
figure { margin: 0; min-height: 0; min-width: 0; display: flex; flex-direction: column; overflow: hidden;
  border: .5pt solid #d8dee4; border-radius: 1.5mm; padding: 1mm 1.5mm 0; }
figcaption { font-weight: 700; font-size: 10pt; color: #0b2e55; }
figcaption .key { display: block; font-weight: 400; font-size: 7.5pt; color: #424a53; }
figure svg { display: block; width: 100%; height: 100%; flex: 1 1 0; min-height: 0; }
.lower { display: flex; gap: 5mm; height: 48%; margin-top: 2mm; overflow: hidden; }
.story { flex: 1.15; min-width: 0; overflow: hidden; } .records { flex: 1; min-width: 0; }
.matrix.figs { width: auto; margin-bottom: 1.5mm; } .matrix.figs td.cell { white-space: nowrap; }
.said { padding-left: 4mm; margin: 0; font-size: 9.5pt; } .said li { margin-bottom: 1mm; }
.said .goal { list-style: square; } .said .chair { list-style: circle; }
.goal-on_track b, .goal-met b { color: #1a7f37; } .goal-off_track b, .goal-missed b { color: #c62828; }
.records h3 { font-size: 10pt; margin: 0 0 1mm; color: #0b2e55; }
.records h3 + * { margin-bottom: 2mm; }
.notes { padding-left: 4mm; margin: 0; font-size: 8.5pt; } .notes li { margin-bottom: .8mm; }
.actions th, .actions td { border-bottom: .5pt solid #d8dee4; padding: .6mm 1.5mm; text-align: left; vertical-align: top; }
.actions thead th { background: #eef2f6; font-size: .9em; }
.action-list { list-style: none; padding: 0; margin: 0; font-size: 8.5pt; }
.action-list li { margin-bottom: 1.2mm; } .action-list .what { color: #2b3137; }
.actions .ref, .actions .date { white-space: nowrap; }
.overdue { color: #fff; background: #c62828; border-radius: 2pt; padding: 0 1.2mm; font-weight: 700; white-space: nowrap; }
.open { color: #57606a; }
.more, .none { color: #57606a; font-size: 8.5pt; margin: 1mm 0; }
.action-log .lead { font-size: 11pt; margin: 0 0 2mm; }
"""
