"""The catalog: datasets, columns, metrics, thresholds, families, agenda and goals, read from TOML.

The catalog is data (``data/catalog.toml``). ``load_catalog`` validates it and raises
``CatalogError`` naming the entry at fault, so a broken edit stops the program at start.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .dimensions import Dimension, DimensionError, normalise_name, parse_dimension  # noqa: F401
from .errors import UnknownMetric
from .views import Family, ViewError, parse_family

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "catalog.toml"

COLUMN_TYPES = {"month", "date", "count", "percent", "dimension", "text"}
DIRECTIONS = {"higher_is_better", "lower_is_better"}
DIMENSION_SLOTS = ("d1", "d2", "d3")
MEASURE_SLOTS = ("m1", "m2", "m3", "m4")


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    aliases: tuple[str, ...]
    description: str
    example: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    not_greater: tuple[tuple[str, str], ...] = ()
    rate_checks: tuple[tuple[str, str, str], ...] = ()
    notes: bool = False  # annotations: dated notes, not monthly figures
    rollup_dimensions: tuple[str, ...] = ()  # pre-aggregated at ingest (not high-cardinality ones)

    @cached_property
    def slots(self) -> dict[str, str]:
        """Storage column for each dimension and measure: {'csp_region': 'd1', 'count': 'm1'}."""
        mapping = dict(zip(self.dimensions, DIMENSION_SLOTS))
        mapping.update(zip(self.measures, MEASURE_SLOTS))
        return mapping

    @property
    def key(self) -> tuple[str, ...]:
        return ("month", *self.dimensions)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    family: str
    dataset: str
    numerator: tuple[str, ...]
    unit: str
    decimals: int
    direction: str
    dimensions: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    denominator_dataset: str | None = None
    scale: float = 1.0
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_ratio(self) -> bool:
        return bool(self.denominator)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"

    @property
    def headline_dimension(self) -> str | None:
        """The dimension the overview splits this metric by (CSP region where it has one)."""
        if "csp_region" in self.dimensions:
            return "csp_region"
        return None


@dataclass(frozen=True)
class Threshold:
    metric: str
    target: float
    minimum: float
    effective_from: str  # YYYY-MM
    dimension: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class AgendaItem:
    id: str
    title: str
    metrics: tuple[str, ...]
    filter: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Goal:
    """A value a metric (or one dimension value of it) should reach by a month (``[[goals]]``)."""
    metric: str
    target: float
    set_in: str  # YYYY-MM: the month whose figure the trajectory starts from
    by: str  # YYYY-MM: the month the target should be reached in
    label: str
    dimension: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Catalog:
    dimensions: dict[str, Dimension]
    columns: dict[str, Column]
    datasets: dict[str, Dataset]
    metrics: dict[str, Metric]
    thresholds: tuple[Threshold, ...]
    families: tuple[Family, ...]
    agenda: tuple[AgendaItem, ...]
    goals: tuple[Goal, ...] = ()

    def metric(self, metric_id: str) -> Metric:
        try:
            return self.metrics[metric_id]
        except KeyError:
            raise UnknownMetric(metric_id) from None

    def family(self, family_id: str) -> Family:
        return next(f for f in self.families if f.id == family_id)

    @property
    def monthly_datasets(self) -> dict[str, Dataset]:
        return {n: d for n, d in self.datasets.items() if not d.notes}


def _require(entry: str, table: dict, key: str, kind=None):
    if key not in table:
        raise CatalogError(f"catalog: {entry}: missing '{key}'")
    value = table[key]
    if kind is not None and not isinstance(value, kind):
        raise CatalogError(f"catalog: {entry}: '{key}' should be {kind.__name__ if isinstance(kind, type) else kind}")
    return value


def _month(entry: str, text, key: str = "effective_from") -> str:
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise CatalogError(f"catalog: {entry}: {key} {text!r} is not a month YYYY-MM")
    return text


def _dimension(name: str, raw: dict) -> Dimension:
    try:
        return parse_dimension(name, raw)
    except DimensionError as exc:
        raise CatalogError(str(exc)) from None


def _column(name: str, raw: dict) -> Column:
    entry = f"columns.{name}"
    ctype = _require(entry, raw, "type", str)
    if ctype not in COLUMN_TYPES:
        raise CatalogError(f"catalog: {entry}: type {ctype!r} is not one of {sorted(COLUMN_TYPES)}")
    return Column(name, ctype, tuple(raw.get("aliases", ())), raw.get("description", ""),
                  str(raw.get("example", "")))


def _dataset(name: str, raw: dict, columns: dict[str, Column], dimensions: dict) -> Dataset:
    entry = f"datasets.{name}"
    names = _require(entry, raw, "columns", list)
    for col in names:
        if col not in columns:
            raise CatalogError(f"catalog: {entry}: column {col!r} is not defined under [columns]")
    for listed in ("required", "dimensions", "measures"):
        for col in raw.get(listed, ()):
            if col not in names:
                raise CatalogError(f"catalog: {entry}: {listed} names {col!r}, not one of its columns")
    dims = tuple(raw.get("dimensions", ()))
    measures = tuple(raw.get("measures", ()))
    if len(dims) > len(DIMENSION_SLOTS) or len(measures) > len(MEASURE_SLOTS):
        raise CatalogError(f"catalog: {entry}: at most {len(DIMENSION_SLOTS)} dimensions and "
                           f"{len(MEASURE_SLOTS)} measures fit the storage")
    for dim in dims:
        if dim not in dimensions:
            raise CatalogError(f"catalog: {entry}: dimension {dim!r} is not defined under [dimensions]")
    notes = bool(raw.get("notes", False))
    if not notes and "month" not in names:
        raise CatalogError(f"catalog: {entry}: a monthly dataset needs a 'month' column")
    return Dataset(
        name=name, title=_require(entry, raw, "title", str),
        columns=tuple(columns[c] for c in names), required=tuple(raw.get("required", ())),
        dimensions=dims, measures=measures,
        not_greater=tuple(tuple(p) for p in raw.get("not_greater", ())),
        rate_checks=tuple(tuple(p) for p in raw.get("rate_checks", ())), notes=notes,
        rollup_dimensions=tuple(d for d in dims if dimensions[d].rollup),
    )


def _metric(raw: dict, datasets: dict[str, Dataset], families: set[str]) -> Metric:
    mid = raw.get("id", "?")
    entry = f"metrics[id={mid}]"
    dataset = _require(entry, raw, "dataset", str)
    if dataset not in datasets:
        raise CatalogError(f"catalog: {entry}: unknown dataset {dataset!r}")
    ds = datasets[dataset]
    denominator_dataset = raw.get("denominator_dataset")
    den_ds = datasets.get(denominator_dataset or dataset)
    if den_ds is None:
        raise CatalogError(f"catalog: {entry}: unknown denominator_dataset {denominator_dataset!r}")
    for col in _require(entry, raw, "numerator", list):
        if col not in ds.measures:
            raise CatalogError(f"catalog: {entry}: numerator {col!r} is not a measure of {dataset}")
    for col in raw.get("denominator", ()):
        if col not in den_ds.measures:
            raise CatalogError(f"catalog: {entry}: denominator {col!r} is not a measure of {den_ds.name}")
    for dim in raw.get("dimensions", ()):
        if dim not in ds.dimensions:
            raise CatalogError(f"catalog: {entry}: dimension {dim!r} is not a dimension of {dataset}")
        if denominator_dataset and dim not in den_ds.dimensions:
            raise CatalogError(f"catalog: {entry}: dimension {dim!r} is not in {den_ds.name} too")
    for dim in raw.get("where", {}):
        if dim not in ds.dimensions:
            raise CatalogError(f"catalog: {entry}: where names {dim!r}, not a dimension of {dataset}")
    direction = _require(entry, raw, "direction", str)
    if direction not in DIRECTIONS:
        raise CatalogError(f"catalog: {entry}: direction {direction!r} is not one of {sorted(DIRECTIONS)}")
    family = _require(entry, raw, "family", str)
    if family not in families:
        raise CatalogError(f"catalog: {entry}: family {family!r} is not listed under [[families]]")
    decimals = _require(entry, raw, "decimals", int)
    if not 0 <= decimals <= 6:
        raise CatalogError(f"catalog: {entry}: decimals must be 0 to 6")
    return Metric(
        id=_require(entry, raw, "id", str), title=_require(entry, raw, "title", str), family=family,
        dataset=dataset, numerator=tuple(raw["numerator"]), unit=_require(entry, raw, "unit", str),
        decimals=decimals, direction=direction, dimensions=tuple(raw.get("dimensions", ())),
        denominator=tuple(raw.get("denominator", ())), denominator_dataset=denominator_dataset,
        scale=float(raw.get("scale", 1)),
        where={k: tuple(str(x) for x in v) for k, v in raw.get("where", {}).items()},
    )


def _threshold(index: int, raw: dict, metrics: dict[str, Metric], dimensions) -> Threshold:
    entry = f"thresholds[{index}] (metric {raw.get('metric', '?')})"
    metric_id = _require(entry, raw, "metric", str)
    if metric_id not in metrics:
        raise CatalogError(f"catalog: {entry}: unknown metric {metric_id!r}")
    metric = metrics[metric_id]
    target, minimum = _require(entry, raw, "target"), _require(entry, raw, "minimum")
    for label, value in (("target", target), ("minimum", minimum)):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise CatalogError(f"catalog: {entry}: {label} must be a number")
    if metric.higher_is_better and minimum > target:
        raise CatalogError(f"catalog: {entry}: higher is better, so minimum must not exceed target")
    if not metric.higher_is_better and minimum < target:
        raise CatalogError(f"catalog: {entry}: lower is better, so minimum must not be below target")
    dimension, value = raw.get("dimension"), raw.get("value")
    if (dimension is None) != (value is None):
        raise CatalogError(f"catalog: {entry}: give both dimension and value, or neither")
    if dimension is not None:
        if dimension not in metric.dimensions:
            raise CatalogError(f"catalog: {entry}: {dimension!r} is not a dimension of {metric_id}")
        canonical = dimensions[dimension].canonical(str(value))
        if canonical is None:
            raise CatalogError(f"catalog: {entry}: {value!r} is not a value of {dimension}")
        value = canonical
    return Threshold(metric_id, float(target), float(minimum),
                     _month(entry, raw.get("effective_from")), dimension, value)


def _goal(index: int, raw: dict, metrics: dict[str, Metric], dimensions) -> Goal:
    entry = f"goals[{index}] (metric {raw.get('metric', '?')})"
    metric_id = _require(entry, raw, "metric", str)
    if metric_id not in metrics:
        raise CatalogError(f"catalog: {entry}: unknown metric {metric_id!r}")
    target = _require(entry, raw, "target")
    if not isinstance(target, (int, float)) or isinstance(target, bool):
        raise CatalogError(f"catalog: {entry}: target must be a number")
    set_in, by = (_month(entry, raw.get(k), k) for k in ("set_in", "by"))
    if by <= set_in:
        raise CatalogError(f"catalog: {entry}: by ({by}) must be after set_in ({set_in})")
    dimension, value = raw.get("dimension"), raw.get("value")
    if (dimension is None) != (value is None):
        raise CatalogError(f"catalog: {entry}: give both dimension and value, or neither")
    if dimension is not None:
        if dimension not in metrics[metric_id].dimensions:
            raise CatalogError(f"catalog: {entry}: {dimension!r} is not a dimension of {metric_id}")
        value = dimensions[dimension].canonical(str(value))
        if value is None:
            raise CatalogError(f"catalog: {entry}: {raw['value']!r} is not a value of {dimension}")
    return Goal(metric_id, float(target), set_in, by, _require(entry, raw, "label", str),
                dimension, value)


def parse_catalog(raw: dict) -> Catalog:
    """Build and validate a Catalog from the parsed TOML mapping."""
    dimensions = {n: _dimension(n, d) for n, d in raw.get("dimensions", {}).items()}
    columns = {n: _column(n, c) for n, c in raw.get("columns", {}).items()}
    datasets = {n: _dataset(n, d, columns, dimensions) for n, d in raw.get("datasets", {}).items()}
    family_ids = {f.get("id") for f in raw.get("families", ())}
    metrics: dict[str, Metric] = {}
    for m in raw.get("metrics", ()):
        metric = _metric(m, datasets, family_ids)
        if metric.id in metrics:
            raise CatalogError(f"catalog: metrics[id={metric.id}]: defined twice")
        metrics[metric.id] = metric
    try:
        families = tuple(parse_family(i, f, metrics, dimensions) for i, f in enumerate(raw.get("families", ())))
    except ViewError as exc:
        raise CatalogError(str(exc)) from None
    for label, taken in (("id", [f.id for f in families]), ("path", [f.path for f in families])):
        twice = next((t for t in taken if taken.count(t) > 1), None)
        if twice is not None:
            raise CatalogError(f"catalog: families: {label} {twice!r} is used twice")
    thresholds = tuple(_threshold(i, t, metrics, dimensions) for i, t in enumerate(raw.get("thresholds", ())))
    agenda = []
    for i, a in enumerate(raw.get("agenda", ())):
        entry = f"agenda[{i}] (id {a.get('id', '?')})"
        for mid in a.get("metrics", ()):
            if mid not in metrics:
                raise CatalogError(f"catalog: {entry}: unknown metric {mid!r}")
        agenda.append(AgendaItem(_require(entry, a, "id", str), _require(entry, a, "title", str),
                                 tuple(a.get("metrics", ())), dict(a.get("filter", {}))))
    goals = tuple(_goal(i, g, metrics, dimensions) for i, g in enumerate(raw.get("goals", ())))
    return Catalog(dimensions, columns, datasets, metrics, thresholds, families, tuple(agenda), goals)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate the catalog file (default ``data/catalog.toml``)."""
    path = Path(path or DEFAULT_CATALOG_PATH)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogError(f"catalog: file {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"catalog: {path} is not valid TOML: {exc}") from None
    return parse_catalog(raw)
