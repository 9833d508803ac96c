"""Dimensions: the values a figure is split by (CSP region, meter generation, …), their aliases,
roll-ups and the labels pages write them with ("CSP North", "CSP N", "All regions").

One ``[dimensions.NAME]`` table of the catalog each; the labels are declared there once and
every page, legend, control and message takes them from here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


class DimensionError(ValueError):
    """A dimension table is malformed; the message names it."""


def normalise_name(text: str) -> str:
    """Lower-case, drop spaces, underscores and punctuation: 'CSP Region' -> 'cspregion'."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


@dataclass(frozen=True)
class Dimension:
    name: str
    title: str
    kind: str = "enum"  # enum (fixed values) | hex | text
    values: tuple[str, ...] = ()
    rollups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    headline: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # normalised alias -> canonical value
    rollup: bool = True  # pre-aggregated at ingest (False for high-cardinality dimensions)
    default: str | None = None  # value used when an optional dimension column is absent/blank
    label_format: str = "{value}"  # how a value is written on pages: "CSP {value}"
    all_label: str = "All"  # written for no value chosen (the total): "All regions"
    short_labels: dict[str, str] = field(default_factory=dict)  # legends, controls: "CSP N"
    all_short: str = "All"

    def label(self, value: str | None) -> str:
        """'CSP North'; the total's label for None."""
        return self.all_label if value is None else self.label_format.format(value=value)

    def short(self, value: str | None) -> str:
        """'CSP N' where the catalog gives one, else the label ('CSP South'); 'All' for None."""
        return self.all_short if value is None else self.short_labels.get(value) or self.label(value)

    def canonical(self, raw: str) -> str | None:
        """The canonical value for a raw spreadsheet value, or None if it is not one."""
        text = str(raw).strip()
        if self.kind == "hex":
            match = re.fullmatch(r"(?:0[xX])?([0-9A-Fa-f]{1,8})", text)
            return match.group(1).upper() if match else None
        if self.kind == "text":
            return text or None
        return self.aliases.get(normalise_name(text))

    def members(self, value: str) -> tuple[str, ...]:
        """The stored values a (possibly rolled-up) value stands for, itself included."""
        return (value, *self.rollups.get(value, ()))

    @property
    def all_values(self) -> tuple[str, ...]:
        return (*self.values, *self.rollups)


def parse_dimension(name: str, raw: dict) -> Dimension:
    """Validate one ``[dimensions.NAME]`` table: values, roll-ups, aliases and labels."""
    entry = f"dimensions.{name}"
    kind = raw.get("kind", "enum")
    if kind not in {"enum", "hex", "text"}:
        raise DimensionError(f"catalog: {entry}: kind {kind!r} is not enum, hex or text")
    values = tuple(str(v) for v in raw.get("values", ()))
    rollups = {str(k): tuple(str(x) for x in v) for k, v in raw.get("rollups", {}).items()}
    for rolled, parts in rollups.items():
        for part in parts:
            if part not in values:
                raise DimensionError(f"catalog: {entry}: roll-up {rolled!r} names unknown value {part!r}")
    aliases: dict[str, str] = {}
    for value in (*values, *rollups):
        aliases[normalise_name(value)] = value
    for value, names in raw.get("aliases", {}).items():
        if value not in values and value not in rollups:
            raise DimensionError(f"catalog: {entry}: aliases given for unknown value {value!r}")
        for alias in names:
            aliases[normalise_name(alias)] = value
    if kind == "enum" and not values:
        raise DimensionError(f"catalog: {entry}: an enum dimension needs values")
    headline = tuple(raw.get("headline", values))
    label = raw.get("label", "{value}")
    if not isinstance(label, str) or "{value}" not in label or label.count("{") != 1:
        raise DimensionError(f"catalog: {entry}: label {label!r} should contain {{value}} once")
    short = {str(k): str(v) for k, v in raw.get("short", {}).items()}
    for value in short:
        if value not in values and value not in rollups:
            raise DimensionError(f"catalog: {entry}: short label given for unknown value {value!r}")
    return Dimension(
        name=name, title=_title(entry, raw), kind=kind, values=values,
        rollups=rollups, headline=headline, aliases=aliases, rollup=bool(raw.get("rollup", True)),
        default=raw.get("default"), label_format=label, all_label=str(raw.get("all", "All")),
        short_labels=short, all_short=str(raw.get("short_all", "All")),
    )


def _title(entry: str, raw: dict) -> str:
    if not isinstance(raw.get("title"), str):
        raise DimensionError(f"catalog: {entry}: missing 'title'")
    return raw["title"]
