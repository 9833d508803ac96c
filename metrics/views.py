"""What a family page shows: the ``[[families.views]]`` of the catalog, validated.

Each family declares its views in ``data/catalog.toml``, in page order. One page module draws any
family from these (``dashboard/pages/family.py``), so a family added to the catalog gets its page
without code. A family that declares none gets the default ones (SPEC §9): headline tiles, a trend
per headline value against its thresholds, each with its figures table.

Kinds (options beyond ``kind`` and ``id`` in brackets):

- ``tiles``: one tile per metric for the month [metrics, per_value].
- ``trend``: one metric as one series, with RAG bands [metric, name, chart, bands, unfiltered_only].
- ``split``: one series per value of a dimension, stacked bars by default, bands for the total
  [metric, by, chart, stacked, bands, cumulative, total, order_by, mark_worst, subtitle_one].
- ``compare``: the headline values of a dimension side by side, one chart if their thresholds
  agree, small multiples if not [metric, by, chart, bands, include_all, unfiltered_only, parts].
- ``top``: the month's largest values of a dimension, and a table of them [metric, by, n, rows, noun].
- ``share``: 100 × one metric ÷ another, a ratio without thresholds [metrics = [part, whole], name].
- ``month_by``: the month's values of a dimension grouped by the headline values of another
  [metric, by, across].

Every kind also takes title, subtitle, half (two half-width cards share a row), height and
unbanded_note (said where a filter leaves the thresholds meaningless, so no bands are drawn).
Titles may use {region} (the chosen CSP region, or all), {scope} (every chosen filter),
{month} and, in ``compare``, {values}.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass

# Dimensions a page can be filtered by (the view state in the URL carries these two).
CONTROL_DIMENSIONS = ("csp_region", "smets_generation")
CHARTS = ("line", "bar")
PLACEHOLDERS = {"region", "scope", "month", "values"}
COMMON = {"kind", "id", "title", "subtitle", "half", "height", "unbanded_note"}
KINDS: dict[str, set[str]] = {
    "tiles": {"metrics", "per_value"},
    "trend": {"metric", "name", "chart", "bands", "unfiltered_only"},
    "split": {"metric", "by", "chart", "stacked", "bands", "cumulative", "total", "order_by",
              "mark_worst", "subtitle_one"},
    "compare": {"metric", "by", "chart", "bands", "include_all", "unfiltered_only", "parts"},
    "top": {"metric", "by", "n", "rows", "noun"},
    "share": {"metrics", "name"},
    "month_by": {"metric", "by", "across"},
}
REQUIRED = {"tiles": ("metrics",), "trend": ("metric",), "split": ("metric", "by"),
            "compare": ("metric",), "top": ("metric", "by"), "share": ("metrics",),
            "month_by": ("metric", "by")}


class ViewError(ValueError):
    """A family's views are malformed; the message names the family and the view."""


@dataclass(frozen=True)
class View:
    """One card (or row of tiles) of a family page."""
    kind: str
    id: str  # element id stem: "ota-trend" draws #ota-trend-card and #ota-trend-graph
    metrics: tuple[str, ...]  # the metric shown (tiles, share: several)
    title: str = ""
    subtitle: str = ""
    by: str | None = None  # the dimension split by, compared across or ranked
    across: str | None = None  # month_by: the dimension whose headline values are grouped
    chart: str = "line"
    stacked: bool = False
    bands: bool = True
    half: bool = False
    height: int | None = None
    name: str = ""  # the series' name (trend, share)
    total: str = ""  # split: the name of a series for the total, drawn first
    per_value: str | None = None  # tiles: one more per headline value of this dimension
    cumulative: bool = False
    order_by: str | None = None  # split: order values by this metric's size (same colours)
    mark_worst: bool = False
    include_all: bool = False
    unfiltered_only: bool = False
    parts: tuple[str, ...] = ()  # (numerator, denominator) headers: a ratio's counts in the table
    n: int = 10
    rows: int = 50
    noun: str = "values"
    subtitle_one: str = ""
    unbanded_note: str = ""

    @property
    def metric(self) -> str:
        return self.metrics[0]


def default_views(family_id: str, metrics: tuple[str, ...], headline: dict[str, str | None]) -> tuple[View, ...]:
    """Headline tiles, then a trend per headline value of each metric against its thresholds."""
    slug = family_id.replace("_", "-")
    per_value = next((d for d in headline.values() if d), None)
    views = [View("tiles", f"{slug}-tiles", metrics, per_value=per_value)]
    for metric in metrics:
        dim = headline.get(metric)
        views.append(View("compare", f"{slug}-{metric.replace('_', '-')}", (metric,), by=dim))
    return tuple(views)


def parse_views(entry: str, raw, catalog_parts) -> tuple[View, ...]:
    """Validate one family's ``views`` list; ``catalog_parts`` = (metrics, dimensions)."""
    metrics, dimensions = catalog_parts
    if not isinstance(raw, list):
        raise ViewError(f"catalog: {entry}: views should be a list of tables ([[families.views]])")
    views, seen = [], set()
    for index, item in enumerate(raw):
        view = _view(f"{entry}.views[{index}]", item, metrics, dimensions)
        if view.id in seen:
            raise ViewError(f"catalog: {entry}.views[{index}]: id {view.id!r} is used twice")
        seen.add(view.id)
        views.append(view)
    return tuple(views)


def _view(entry: str, raw, metrics: dict, dimensions: dict) -> View:
    if not isinstance(raw, dict):
        raise ViewError(f"catalog: {entry}: a view is a table with a kind")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ViewError(f"catalog: {entry}: kind {kind!r} is not one of {sorted(KINDS)}")
    entry = f"{entry} ({kind} {raw.get('id', '?')})"
    unknown = set(raw) - COMMON - KINDS[kind]
    if unknown:
        raise ViewError(f"catalog: {entry}: unknown option {sorted(unknown)[0]!r}; a {kind} view takes "
                        f"{', '.join(sorted(KINDS[kind] | COMMON - {'kind'}))}")
    for key in ("id", *REQUIRED[kind]):
        if key not in raw:
            raise ViewError(f"catalog: {entry}: missing '{key}'")
    view_id = raw["id"]
    if not isinstance(view_id, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", view_id):
        raise ViewError(f"catalog: {entry}: id {view_id!r} should be lower-case letters, digits and '-'")
    names = raw.get("metrics", [raw.get("metric")])
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ViewError(f"catalog: {entry}: metrics should be a list of metric ids")
    if kind == "share" and len(names) != 2:
        raise ViewError(f"catalog: {entry}: a share takes two metrics, [part, whole]")
    for name in (*names, raw.get("order_by")):
        if name is not None and name not in metrics:
            raise ViewError(f"catalog: {entry}: unknown metric {name!r}")
    for key in ("by", "across", "per_value"):
        dim = raw.get(key)
        if dim is None:
            continue
        if dim not in dimensions:
            raise ViewError(f"catalog: {entry}: {key} names unknown dimension {dim!r}")
        for name in names:
            if dim not in metrics[name].dimensions:
                raise ViewError(f"catalog: {entry}: {key} {dim!r} is not a dimension of {name}")
    chart = raw.get("chart", "bar" if kind == "split" else "line")
    if chart not in CHARTS:
        raise ViewError(f"catalog: {entry}: chart {chart!r} is not one of {list(CHARTS)}")
    for key in ("title", "subtitle", "subtitle_one", "name", "total", "noun", "unbanded_note"):
        _text(entry, raw, key)
    for key in ("half", "stacked", "bands", "cumulative", "mark_worst", "include_all", "unfiltered_only"):
        if key in raw and not isinstance(raw[key], bool):
            raise ViewError(f"catalog: {entry}: {key} should be true or false")
    for key, low in (("height", 200), ("n", 1), ("rows", 1)):
        if key in raw and (not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < low):
            raise ViewError(f"catalog: {entry}: {key} should be a whole number from {low}")
    parts = raw.get("parts", [])
    if not isinstance(parts, list) or len(parts) not in (0, 2) or not all(isinstance(p, str) for p in parts):
        raise ViewError(f"catalog: {entry}: parts should be two headers, [numerator, denominator]")
    if parts and not all(metrics[n].is_ratio for n in names):
        raise ViewError(f"catalog: {entry}: parts are shown for ratios only")
    return View(kind=kind, id=view_id, metrics=tuple(names), title=raw.get("title", ""),
                subtitle=raw.get("subtitle", ""), by=raw.get("by"), across=raw.get("across"),
                chart=chart, stacked=raw.get("stacked", kind == "split" and chart == "bar"),
                bands=raw.get("bands", True), half=raw.get("half", False), height=raw.get("height"),
                name=raw.get("name", ""), total=raw.get("total", ""), per_value=raw.get("per_value"),
                cumulative=raw.get("cumulative", False), order_by=raw.get("order_by"),
                mark_worst=raw.get("mark_worst", False), include_all=raw.get("include_all", False),
                unfiltered_only=raw.get("unfiltered_only", False), parts=tuple(parts),
                n=raw.get("n", 10), rows=raw.get("rows", 50), noun=raw.get("noun", "values"),
                subtitle_one=raw.get("subtitle_one", ""), unbanded_note=raw.get("unbanded_note", ""))


def _text(entry: str, raw: dict, key: str) -> None:
    if key not in raw:
        return
    if not isinstance(raw[key], str):
        raise ViewError(f"catalog: {entry}: {key} should be text")
    check_placeholders(entry, key, raw[key])


def check_placeholders(entry: str, key: str, text: str) -> None:
    """Only {region}, {scope}, {month} and {values} may appear in page text."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        raise ViewError(f"catalog: {entry}: {key} {text!r}: {exc} (write {{{{ for a brace)") from None
    unknown = fields - PLACEHOLDERS
    if unknown:
        raise ViewError(f"catalog: {entry}: {key} uses {{{sorted(unknown)[0]}}}; it may use "
                        f"{', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}")


@dataclass(frozen=True)
class Family:
    """A metric family: one dashboard page (``[[families]]``)."""
    id: str
    title: str
    path: str
    metrics: tuple[str, ...]
    intro: str = ""  # the line under the page title
    empty: str = ""  # said when no figures have been uploaded yet
    controls: tuple[str, ...] = ()  # the filters the page offers (CONTROL_DIMENSIONS)
    views: tuple[View, ...] = ()
    declared: bool = False  # views declared in the catalog (else the defaults)


def parse_family(index: int, raw: dict, metrics: dict, dimensions: dict) -> Family:
    """Validate one ``[[families]]`` entry, its metrics, controls and views."""
    entry = f"families[{index}]"
    if not isinstance(raw.get("id"), str):
        raise ViewError(f"catalog: {entry}: missing 'id'")
    entry = f"families[id={raw['id']}]"
    path = raw.get("path")
    if not isinstance(path, str) or not re.fullmatch(r"/[a-z0-9][a-z0-9/-]*", path):
        raise ViewError(f"catalog: {entry}: path {path!r} should look like /ota-firmware")
    names = tuple(raw.get("metrics", ()))
    for name in names:
        if name not in metrics:
            raise ViewError(f"catalog: {entry}: unknown metric {name!r}")
    controls = tuple(raw.get("controls", [d for d in CONTROL_DIMENSIONS
                                          if any(metrics[n].headline_dimension == d for n in names)]))
    for dim in controls:
        if dim not in CONTROL_DIMENSIONS:
            raise ViewError(f"catalog: {entry}: control {dim!r} is not one of {list(CONTROL_DIMENSIONS)}")
        if not any(dim in metrics[n].dimensions for n in names):
            raise ViewError(f"catalog: {entry}: control {dim!r} is not a dimension of its metrics")
    for key in ("title", "intro", "empty"):
        _text(entry, raw, key)
    title = raw.get("title", raw["id"])
    declared = "views" in raw
    views = (parse_views(entry, raw["views"], (metrics, dimensions)) if declared else
             default_views(raw["id"], names, {n: metrics[n].headline_dimension for n in names}))
    return Family(raw["id"], title, path, names, intro=raw.get("intro", ""),
                  empty=raw.get("empty", f"No {title} figures have been uploaded yet."),
                  controls=controls, views=views, declared=declared)
