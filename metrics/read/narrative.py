"""Plain-English sentences about a month's figures, for the overview, meeting slides and pack."""
from __future__ import annotations

from metrics.formatting import format_change, format_threshold, format_value  # noqa: F401 (pack imports them here)
from metrics.months import month_label
from metrics.rag import AMBER, GREEN, NO_DATA, RAG_LABELS, RED


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def subject(entry: dict) -> str:
    """'CSP North OTA firmware success', or the metric's title for totals."""
    value = entry.get("dimension_value")
    if value is None:
        return entry["title"]
    if entry.get("dimension") == "csp_region":
        title = entry["title"]
        if not title[1:2].isupper():  # keep acronyms: "OTA firmware", "CH installs"
            title = title[:1].lower() + title[1:]
        return f"CSP {value} {title}"
    return f"{entry['title']} ({value})"


def target_phrase(entry: dict) -> str:
    target = format_threshold(entry["target"], entry["unit"], 2)
    if entry["unit"] == "%":
        return f"the {target} target"
    if entry["direction"] == "lower_is_better":
        return f"the target of {target} or fewer"
    return f"the target of {target} or more"



def sentence(entry: dict) -> str:
    """Value and month, change from the previous month, RAG and how long it has not been Green.

    e.g. "CSP North OTA firmware success was 87.07% in January 2020, up 2.36 points from December;
    Red against the 99% target, not Green for the 4th month running."
    """
    unit, dec = entry["unit"], entry["decimals"]
    when = month_label(entry["month"])
    if entry["rag"] == NO_DATA and entry["value"] is None:
        return f"{subject(entry)}: no figure for {when} yet."
    verb = "were" if unit == "count" else "was"  # count metrics are named in the plural
    text = f"{subject(entry)} {verb} {format_value(entry['value'], unit, dec)} in {when}"
    change = entry.get("change")
    if change is not None and entry.get("previous_month"):
        prev = month_label(entry["previous_month"]).split()[0]
        amount = format_value(abs(change), "count" if unit == "%" else unit, dec)
        if round(change, dec) == 0:
            text += f", unchanged from {prev}"
        else:
            direction = "up" if change > 0 else "down"
            text += f", {direction} {amount}{' points' if unit == '%' else ''} from {prev}"
    rag = entry["rag"]
    if rag == NO_DATA or entry.get("target") is None:
        return text + "."
    text += f"; {RAG_LABELS[rag]} against {target_phrase(entry)}"
    run = entry.get("months_not_green", 0)
    window = entry.get("history_months")
    if rag in (AMBER, RED) and window and run >= window:
        text += f", not Green in any of the last {window} months"
    elif rag in (AMBER, RED) and run > 1:
        text += f", not Green for the {ordinal(run)} month running"
    return text + "."


def data_news(datasets: list[dict], month: str) -> list[str]:
    """Missing and late datasets for ``month`` as sentences (``queries.completeness`` rows): news
    for "Needs attention", never folded in with Green."""
    when = month_label(month)
    missing = [d["title"] for d in datasets if d["status"] == "missing"]
    out = []
    if missing:
        out.append(f"No figures for {when} from {len(missing)} of {len(datasets)} datasets: "
                   f"{', '.join(missing)}.")
    for d in datasets:
        if d.get("late_since"):
            state = "still missing" if d["status"] == "missing" else f"still {d['status']}"
            out.append(f"{d['title']} for {when} is late: not final by {d['late_since']} ({state}).")
    return out
