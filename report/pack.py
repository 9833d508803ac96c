"""The meeting pack on paper: ``meeting_content`` (metrics/meeting/content.py) rendered as one HTML
document with Jinja2 (templates/pack.html, autoescape on, so no value is escaped by hand) and the
print stylesheet templates/pack.css, its charts drawn as SVG by the meeting charts' builders (so
the paper matches the screen), then printed to PDF by headless Chromium.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Callable
from importlib.resources import files

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from metrics.demo.bootstrap import is_demo
from metrics.demo.tables import DEMO_LABEL
from metrics.meeting.content import meeting_content, overdue_text, short_label, stamp_text, where_label
from metrics.months import month_label
from metrics.rag import AMBER, GREEN, NO_DATA, RAG_LABELS, RED
from metrics.settings import Settings
from metrics.read.narrative import format_value
from metrics.records.actions import dmy
from metrics.store.engine import Store
from report import palette
from report.chromium import print_pdf

_printing = threading.Lock()  # one pack is printed at a time
_env = Environment(loader=PackageLoader("report", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)


def _colours() -> dict[str, str]:
    """The palette's colours as the CSS custom properties pack.css reads (var(--rag-red), …)."""
    named = {"ink": palette.INK, "muted": palette.MUTED, "grid": palette.GRID, "axis": palette.AXIS}
    named.update({f"rag-{rag}": colour for rag, colour in palette.RAG_COLOURS.items()})
    named.update({f"tint-{rag}": colour for rag, colour in palette.RAG_TINTS.items()})
    return named


def _tally(entries: list[dict]) -> str:
    """'3 Red · 2 Amber · 20 Green · 1 No data': the RAG shown, worst first."""
    counts = {rag: sum(e["shown_rag"] == rag for e in entries) for rag in (RED, AMBER, GREEN, NO_DATA)}
    return " · ".join(f"{n} {RAG_LABELS[rag]}" for rag, n in counts.items())


def _entry_of(item: dict, metric: str, value: str | None) -> dict | None:
    return next((e for e in item["entries"] if (e["metric"], e["dimension_value"]) == (metric, value)), None)


_env.globals.update(
    rag_icon=palette.rag_icon, rag_label=palette.rag_label, format_value=format_value, dmy=dmy,
    where_label=where_label, short_label=short_label, overdue_text=overdue_text, tally=_tally,
    entry_of=_entry_of, provisional_icon=palette.STATUS_ICONS["provisional"],
    provisional_mark=f"{palette.STATUS_ICONS['provisional']} provisional")


def pack_html(content: dict, charts: dict[str, str], *, classification: str = "",
              demo: str | None = None) -> str:
    """The pack as one HTML document: a cover, then one page per agenda item (A4 landscape).

    ``charts`` maps a chart's key to its SVG, inserted as it is (drawn by plotly.js, which escapes
    the text it is given); everything else is escaped by the template.
    """
    css = files("report").joinpath("templates", "pack.css").read_text(encoding="utf-8")
    return _env.get_template("pack.html").render(
        content=content, charts=charts, classification=classification, demo=demo,
        month=month_label(content["month"]), stamp=stamp_text(content), pages=len(content["items"]) + 1,
        colours=_colours(), css=Markup(css))


def build_pack(store: Store, catalog, settings: Settings, month: str, as_of: datetime | None = None,
               progress: Callable[[int, str], None] | None = None) -> tuple[bytes, dict]:
    """(PDF bytes, facts: pages, charts, seconds, html) for a month's pack; for the scheduler's packs
    job and the CLI. ``progress(percent, stage)`` hears how far it has got."""
    from report.meeting_charts import charts_svg

    step = progress or (lambda percent, stage: None)
    started = time.perf_counter()
    step(5, "reading the figures")
    with store.read() as conn:
        content = meeting_content(conn, catalog, month, as_of=as_of)
    wanted = []
    for item in content["items"]:
        for chart in item.get("charts", ()):
            wanted.append((chart["key"], chart, min(len(item["charts"]), 3)))
    step(15, f"drawing {len(wanted)} charts")
    svgs = charts_svg(wanted)
    step(60, "laying out the pages")
    document = pack_html(content, svgs, classification=settings.classification,
                         demo=DEMO_LABEL if is_demo(store) else None)
    step(70, "printing the PDF")
    with _printing:
        pdf = print_pdf(document)
    return pdf, {"pages": len(content["items"]) + 1, "charts": len(wanted),
                 "seconds": round(time.perf_counter() - started, 2), "html": document}
