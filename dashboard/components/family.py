"""Building blocks shared by the metric-family pages: tiles, trend cards and their tables.

A "series" here is {name, short, colour, frame}, where frame is a judged monthly frame from
``data.judged``. Bands are drawn from one judged frame (the total the thresholds apply to), and only
when that is meaningful; comparisons across regions whose thresholds differ become small multiples.
"""
from __future__ import annotations

from dash import html

from metrics.months import month_label
from metrics.read.summary import summary_entry

from report import figures
from dashboard import theme
from ..context import get_context
from .cards import chart_card, metric_tile
from dashboard.state.view import judged, limits, provisional, values
from .grid import number_column, text_column


def metric(metric_id: str):
    return get_context().catalog.metric(metric_id)


def dimension(name: str = "csp_region"):
    return get_context().catalog.dimensions[name]


def headline_values(name: str = "csp_region") -> list[str]:
    return list(dimension(name).headline)


def applicable(metric_id: str, filters: dict) -> dict:
    dims = metric(metric_id).dimensions
    return {k: v for k, v in filters.items() if v and k in dims}


def tile(conn, view, metric_id: str, filters: dict | None = None, frame=None, label: str | None = None):
    """A metric tile for the month, judged with the filters the metric has."""
    m = metric(metric_id)
    filters = applicable(metric_id, filters or {})
    frame = frame if frame is not None else judged(conn, metric_id, view, filters=filters)
    dim = next(iter(filters)) if filters else None
    entry = summary_entry(m, dim, filters.get(dim) if dim else None, frame)
    entry["spark"] = entry["spark"][-12:]
    suffix = " · ".join(dimension(k).label(v) for k, v in filters.items())
    slug = "-".join(str(v).lower().replace(" & ", "-").replace(" ", "-") for v in filters.values())
    return metric_tile(entry, label or (m.title + (f" · {suffix}" if suffix else "")),
                       tile_id=f"tile-{metric_id}" + (f"-{slug}" if slug else ""), spark=False)


def series(name: str, frame, colour: str, short: str | None = None, key=None) -> dict:
    return {"name": name, "short": short or name, "colour": colour, "frame": frame, "key": key}


def same_limits(frames) -> bool:
    keys = {tuple(zip(f["target"].tolist(), f["minimum"].tolist())) for f in frames}
    return len(keys) == 1


def _rag_text(rag) -> str:
    return f"{theme.rag_icon(rag)} {theme.rag_label(rag)}"


def trend_table(months: list[str], items: list[dict], metric_id: str, bands=None, total=None,
                unit: tuple[str, int] | None = None, parts: tuple[str, str] | None = None):
    """(columnDefs, rows) newest month first: one column per series, then the judgement columns.

    ``parts`` = (numerator, denominator) headers adds a ratio's counts for each series.
    """
    m = metric(metric_id)
    u, dec = unit or (m.unit, m.decimals)
    cols = [text_column("month", "Month", pinned="left", minWidth=120)]
    columns = []
    for i, s in enumerate(items):
        field = f"s{i}"
        cols.append(number_column(field, s["name"], u, dec))
        columns.append((field, values(s["frame"])))
        if parts:
            for key, header in zip(("numerator", "denominator"), parts):
                cols.append(number_column(f"{field}{key[0]}", f"{s['short']} {header}", "count", 0))
                columns.append((f"{field}{key[0]}", [number(v) for v in s["frame"][key]]))
    if total is not None:
        cols.append(number_column("total", "Total", u, dec))
        columns.append(("total", values(total)))
    if bands is not None:
        cols += [number_column("target", "Target", u, dec),
                 number_column("minimum", "Minimum", u, dec),
                 text_column("rag", "RAG", minWidth=110)]
    cols.append(text_column("status", "Status", minWidth=110))
    rows = []
    for i, month in enumerate(months):
        row = {"month": month_label(month, "short")}
        for field, vals in columns:
            row[field] = figures.clean([vals[i]], dec)[0]
        if bands is not None:
            row.update(target=number(bands["target"].iloc[i]), minimum=number(bands["minimum"].iloc[i]),
                       rag=_rag_text(bands["rag"].iloc[i]))
        statuses = {s["frame"]["status"].iloc[i] for s in items} - {None}
        statuses = {s for s in statuses if isinstance(s, str)}
        row["status"] = ("Provisional" if "provisional" in statuses else
                         "Final" if statuses else "No figures")
        rows.append(row)
    return cols, rows[::-1]


def number(value):
    """A float for the wire; None for a blank or NaN."""
    return None if value is None or value != value else float(value)


def trend_card(card_id: str, title: str, metric_id: str, items: list[dict], view, *,
               subtitle: str = "", kind: str = "line", stacked: bool = False, bands=None,
               notes=(), markers=(), note: str = "", height: int = theme.CHART_HEIGHT,
               width_hint: int = 1150, unit: tuple[str, int] | None = None,
               parts: tuple[str, str] | None = None):
    """A chart card of monthly series with RAG bands from ``bands`` (a judged frame) if given."""
    m = metric(metric_id)
    u, dec = unit or (m.unit, m.decimals)
    months = view.months
    fig_series = [{"name": s["name"], "short": s["short"], "colour": s["colour"], "kind": kind,
                   "months": months, "values": values(s["frame"]),
                   "provisional": provisional(s["frame"])} for s in items]
    figure = figures.trend_figure(
        fig_series, months, unit=u, decimals=dec, higher_is_better=m.higher_is_better,
        limits=limits(bands) if bands is not None else None, notes=list(notes), stacked=stacked,
        markers=list(markers), height=height, width_hint=width_hint)
    total = bands if stacked and bands is not None else None
    columns, rows = trend_table(months, items, metric_id, bands=bands, total=total, unit=unit,
                                parts=parts)
    caption = f"{month_label(months[0], 'short')} to {month_label(months[-1], 'short')}"
    return chart_card(card_id, title, figure, subtitle=subtitle, columns=columns, rows=rows,
                      caption=caption, note=note)


def comparison_cards(conn, view, card_id: str, title: str, metric_id: str, regions: list[str | None],
                     *, extra: dict | None = None, kind: str = "line", notes=(), bands: bool = True,
                     parts: tuple[str, str] | None = None, subtitle: str = "", by: str = "csp_region"):
    """Values of ``by`` (regions) compared: one chart if their thresholds agree, else one each."""
    extra = applicable(metric_id, extra or {})
    dim, colours = dimension(by), theme.DIMENSION_COLOURS.get(by, {})
    frames = {r: judged(conn, metric_id, view, filters={**({by: r} if r else {}), **extra})
              for r in regions}
    items = [series(dim.label(r), f, theme.colour_for(r, colours, i), dim.short(r), key=r)
             for i, (r, f) in enumerate(frames.items())]
    if len(items) == 1 or same_limits(frames.values()):
        first = next(iter(frames.values()))
        return [trend_card(card_id, title, metric_id, items, view, kind=kind, notes=notes,
                           bands=first if bands else None, parts=parts,
                           subtitle=subtitle or "Each region against the same target and minimum.")]
    return [html.Div([
        trend_card(f"{card_id}-{i}", f"{title}: {s['name']}", metric_id, [s], view, kind=kind,
                   notes=notes, bands=frames[r] if bands else None, height=380, width_hint=820,
                   parts=parts, subtitle=subtitle or f"Against {s['name']}'s own target and minimum.")
        for i, (r, s) in enumerate(zip(regions, items))], className="chart-grid")]


def split(conn, view, metric_id: str, by: str, filters: dict, colours: dict, order=None,
          label=str) -> list[dict]:
    """One series per value of ``by`` (e.g. incident category), in ``order`` or by size."""
    frame = judged(conn, metric_id, view, filters=applicable(metric_id, filters), by=by)
    groups = {value: part.reset_index(drop=True) for value, part in frame.groupby(by, sort=False)}
    keys = [k for k in order if k in groups] if order else sorted(
        groups, key=lambda k: -(groups[k]["value"].fillna(0).sum()))
    return [series(label(k), groups[k], theme.colour_for(k, colours, i), key=k) for i, k in enumerate(keys)]
