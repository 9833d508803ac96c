"""View state in the URL query string, so a copied link reopens the same view.

The state is four optional parameters: ``month`` (YYYY-MM), ``region`` (a CSP region, roll-ups
such as "Central & South" included), ``generation`` (SMETS1/SMETS2) and ``as_of`` (a date or ISO
timestamp: "what did the dashboard show then"). Absent means the default (latest month, all
regions, both generations, now). Unknown or malformed values are dropped and reported, never fatal.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl, quote, urlencode

from metrics import params

PARAMS = ("month", "region", "generation", "as_of")


@dataclass(frozen=True)
class ViewState:
    month: str | None = None
    region: str | None = None
    generation: str | None = None
    as_of: str | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)

    def query(self) -> dict[str, str]:
        """The non-default parameters, in a stable order."""
        return {k: getattr(self, k) for k in PARAMS if getattr(self, k)}

    def search(self, **changes) -> str:
        """'?month=2020-01&region=North' for this state with ``changes`` applied ('' when empty)."""
        values = {**self.query(), **changes}
        return to_search(values)


def to_search(values: dict) -> str:
    """A query string from a mapping, parameters in PARAMS order, empty values left out."""
    items = [(k, str(values[k])) for k in PARAMS if values.get(k) not in (None, "")]
    return "?" + urlencode(items, quote_via=quote) if items else ""


def parse_search(search: str | None) -> dict[str, str]:
    """'?month=2020-01&x=1' -> {'month': '2020-01', 'x': '1'} (last value wins)."""
    if not search:
        return {}
    return dict(parse_qsl(search.lstrip("?"), keep_blank_values=True))


def _first(value):
    """Dash passes a repeated parameter as a list: take its last value."""
    if isinstance(value, (list, tuple)):
        return value[-1] if value else None
    return value


def parse_state(query: dict, *, canonical_region: Callable[[str], str | None] | None = None,
                generations: tuple[str, ...] = ("SMETS1", "SMETS2")) -> ViewState:
    """A clean ViewState from raw query parameters; what was dropped is listed in ``problems``."""
    problems: list[str] = []
    raw = {k: _first(query.get(k)) for k in PARAMS}
    raw = {k: v.strip()[:params.MAX_LENGTH + 1] if isinstance(v, str) else "" for k, v in raw.items()}

    month = None
    try:
        month = params.month(raw["month"])
    except params.ParameterError as exc:
        problems.append(f"{exc}; showing the latest month")

    region = raw["region"] or None
    if region and region.lower() not in ("all", "all regions"):
        value = canonical_region(region) if canonical_region else region
        if value is None:
            problems.append(f"region {params.shown(region)} is not a CSP region; showing all regions")
        region = value
    else:
        region = None

    generation = raw["generation"] or None
    if generation and generation.lower() not in ("all", "both"):
        match = next((g for g in generations if g.lower() == generation.lower().replace(" ", "")), None)
        if match is None:
            problems.append(f"generation {params.shown(generation)} is not one of {', '.join(generations)}")
        generation = match
    else:
        generation = None

    as_of = raw["as_of"] or None
    try:
        params.as_of(as_of)
    except params.ParameterError as exc:
        problems.append(f"{exc}; showing figures as they are now")
        as_of = None
    return ViewState(month, region, generation, as_of, tuple(problems))


def href(path: str, state: ViewState, **changes) -> str:
    """A link to ``path`` carrying the view state."""
    return path + state.search(**changes)


def quote_value(text: str) -> str:
    return quote(text, safe="")
