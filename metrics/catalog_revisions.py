"""Catalog revisions: check, apply and export catalog fragments without code (SPEC §9).

Over 400 lines for a reason: checking a fragment (merge by key, then every reference and every
change that would break stored figures) is one pass over one merged mapping; split, each part
would need the whole merged catalog and its stored-figure facts passed around.

A fragment is TOML in the catalog's own format. Its entries add to or replace the catalog in force,
by key: ``[dimensions.X]``, ``[columns.X]``, ``[datasets.X]`` by name, ``[[metrics]]``,
``[[families]]`` and ``[[agenda]]`` by id (a family brings its views), ``[[thresholds]]`` and
``[[goals]]`` added (one with the same metric, dimension value and month replaces it).
``[remove]`` lists entries to drop: ``remove = { metrics = ["x"], datasets = ["y"] }``.

Every applied fragment is a new revision in ``catalog_revisions``; the shipped ``catalog.toml``
is revision 1, taken at first start. The newest revision is in force; an ``as_of`` read uses the
newest created by then. ``LiveCatalog`` is what a process holds: it re-reads the revision number
(one small query) at most every ``CHECK_SECONDS`` and parses a new revision once.
"""
from __future__ import annotations

import copy
import re
import hashlib
import json
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import tomli_w
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from metrics.catalog import COLUMN_TYPES, Catalog, CatalogError, parse_catalog
from metrics.store import schema
from metrics.store.engine import Store, audit, utcnow

MAX_FRAGMENT_BYTES = 256_000
MAX_DEPTH = 8  # the shipped catalog nests 5 deep (families → views → options)
MAX_TEXT = 2_000  # characters in any one string (a title, a description, an alias)
CHECK_SECONDS = 2.0  # how often a process asks for the revision number (pickup well within 10 s)
NAMED = ("dimensions", "columns", "datasets")  # tables of entries keyed by name
BY_ID = ("metrics", "families", "agenda")  # arrays of entries keyed by id
ADDED = {"thresholds": ("metric", "dimension", "value", "effective_from"),
         "goals": ("metric", "dimension", "value", "by")}
SECTIONS = (*NAMED, *BY_ID, *ADDED, "remove")
# Paths of the pages that are not families: a family may not take one.
RESERVED_PATHS = {"/", "/upload", "/history", "/actions", "/meeting", "/meeting/record", "/login",
                  "/admin", "/account", "/explore", "/404", "/api", "/logout", "/downloads",
                  "/unsubscribe", "/assets"}
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,59}")  # names and ids: storage keys, URLs, element ids
PATH_RE = re.compile(r"/[a-z0-9][a-z0-9-]{0,59}")  # one segment: served by the family path pattern


@dataclass
class Check:
    """What a fragment would do: errors (each naming its entry), or the changes and new catalog."""
    errors: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # {"entry", "change": added|changed|removed}
    raw: dict | None = None  # the whole catalog after the fragment
    catalog: Catalog | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------------------- reading
def _depth(value, level: int = 1) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def _long_text(value, where: str = "") -> str | None:
    if isinstance(value, str):
        return where if len(value) > MAX_TEXT else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _long_text(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def read_fragment(data: bytes | str) -> tuple[dict | None, list[str]]:
    """The fragment's mapping, or the errors that stop it being read (size, TOML, depth)."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_FRAGMENT_BYTES:
        return None, [f"fragment: {len(data):,} bytes, over the limit of {MAX_FRAGMENT_BYTES:,}"]
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None, ["fragment: not UTF-8 text"]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"fragment: not valid TOML: {exc}"]
    if _depth(raw) > MAX_DEPTH:
        return None, [f"fragment: nested more than {MAX_DEPTH} levels deep"]
    errors = [f"fragment: unknown section [{k}]; expected one of {', '.join(SECTIONS)}"
              for k in raw if k not in SECTIONS]
    too_long = _long_text(raw)
    if too_long:
        errors.append(f"{too_long}: text longer than {MAX_TEXT} characters")
    return raw, errors


# ---------------------------------------------------------------------------------------- merging
def _key(section: str, entry: dict) -> tuple:
    return tuple(entry.get(k) for k in ADDED[section])


def entry_name(section: str, key) -> str:
    if section in NAMED:
        return f"{section}.{key}"
    if section in BY_ID:
        return f"{section}[id={key}]"
    return f"{section}[{', '.join(str(k) for k in key if k is not None)}]"


def merge(base: dict, fragment: dict) -> tuple[dict, list[dict], list[str]]:
    """The catalog with the fragment's entries added, replaced or removed; the changes; errors
    about the fragment's own shape (ids twice, removals of what is not there)."""
    out, changes, errors = copy.deepcopy(base), [], []
    for section in NAMED:
        items = fragment.get(section, {})
        if not isinstance(items, dict):
            errors.append(f"{section}: should be a table of named entries")
            continue
        target = out.setdefault(section, {})
        for name, entry in items.items():
            if not isinstance(entry, dict):
                errors.append(f"{entry_name(section, name)}: should be a table")
                continue
            if target.get(name) != entry:
                changes.append({"entry": entry_name(section, name),
                                "change": "changed" if name in target else "added"})
            target[name] = entry
    for section in (*BY_ID, *ADDED):
        items = fragment.get(section, [])
        if not isinstance(items, list) or not all(isinstance(e, dict) for e in items):
            errors.append(f"{section}: should be an array of tables ([[{section}]])")
            continue
        target = out.setdefault(section, [])
        seen = set()
        for i, entry in enumerate(items):
            key = entry.get("id") if section in BY_ID else _key(section, entry)
            name = entry_name(section, key) if key not in (None, ()) else f"{section}[{i}]"
            if section in BY_ID and not isinstance(key, str):
                errors.append(f"{section}[{i}]: missing 'id'")
                continue
            if key in seen:
                errors.append(f"{name}: defined twice in the fragment")
                continue
            seen.add(key)
            match = ((lambda e: e.get("id") == key) if section in BY_ID
                     else (lambda e: _key(section, e) == key))
            at = next((j for j, e in enumerate(target) if match(e)), None)
            if at is None:
                target.append(entry)
                changes.append({"entry": name, "change": "added"})
            elif target[at] != entry:
                target[at] = entry
                changes.append({"entry": name, "change": "changed"})
    removals = fragment.get("remove", {})
    if not isinstance(removals, dict):
        errors.append("remove: should be a table, e.g. remove = { metrics = [\"id\"] }")
        removals = {}
    for section, keys in removals.items():
        if section not in NAMED + BY_ID or not isinstance(keys, list):
            errors.append(f"remove.{section}: only {', '.join(NAMED + BY_ID)} can be removed, by a list of names")
            continue
        for key in keys:
            if section in NAMED and key in out.get(section, {}):
                del out[section][key]
            elif section in BY_ID and any(e.get("id") == key for e in out.get(section, [])):
                out[section] = [e for e in out[section] if e.get("id") != key]
            else:
                errors.append(f"remove.{section}: {key!r} is not in the catalog")
                continue
            changes.append({"entry": entry_name(section, key), "change": "removed"})
            if section == "metrics":  # its default thresholds and goals go with it
                for extra in ADDED:
                    for entry in [e for e in out.get(extra, []) if e.get("metric") == key]:
                        out[extra].remove(entry)
                        changes.append({"entry": entry_name(extra, _key(extra, entry)), "change": "removed"})
    return out, changes, errors


# --------------------------------------------------------------------------------------- checking
def _references(raw: dict, fragment: dict) -> list[str]:
    """Every broken reference of the fragment's entries, each naming the entry (all of them, where
    parsing the catalog would stop at the first)."""
    errors = []
    for section in NAMED:
        for name in fragment.get(section, {}):
            if not NAME_RE.fullmatch(name):
                errors.append(f"{section}.{name}: a name is lower-case letters, digits and _, "
                              "starting with a letter (at most 60)")
    for section in BY_ID:
        for entry in fragment.get(section, []):
            if isinstance(entry.get("id"), str) and not NAME_RE.fullmatch(entry["id"]):
                errors.append(f"{section}[id={entry['id']}]: an id is lower-case letters, digits "
                              "and _, starting with a letter (at most 60)")
    dims, cols, datasets = (raw.get(s, {}) for s in NAMED)
    metrics = {m.get("id"): m for m in raw.get("metrics", [])}
    families = {f.get("id"): f for f in raw.get("families", [])}
    for name, col in fragment.get("columns", {}).items():
        ctype = col.get("type")
        if ctype not in COLUMN_TYPES:
            errors.append(f"columns.{name}: type {ctype!r} is not one of {', '.join(sorted(COLUMN_TYPES))}")
    for name, ds in fragment.get("datasets", {}).items():
        entry, listed = f"datasets.{name}", ds.get("columns", [])
        for col in listed:
            if col not in cols:
                errors.append(f"{entry}: column {col!r} is not defined under [columns]")
        for key in ("required", "dimensions", "measures"):
            for col in ds.get(key, []):
                if col not in listed:
                    errors.append(f"{entry}: {key} names {col!r}, not one of its columns")
        for dim in ds.get("dimensions", []):
            if dim not in dims:
                errors.append(f"{entry}: dimension {dim!r} is not defined under [dimensions]")
    for m in fragment.get("metrics", []):
        entry, ds = f"metrics[id={m.get('id')}]", datasets.get(m.get("dataset"))
        if ds is None:
            errors.append(f"{entry}: unknown dataset {m.get('dataset')!r}")
            continue
        den = datasets.get(m.get("denominator_dataset") or m.get("dataset"))
        for col in m.get("numerator", []):
            if col not in ds.get("measures", []):
                errors.append(f"{entry}: numerator {col!r} is not a measure of {m['dataset']}")
        for col in m.get("denominator", []):
            if den is None or col not in den.get("measures", []):
                errors.append(f"{entry}: denominator {col!r} is not a measure of "
                              f"{m.get('denominator_dataset') or m['dataset']}")
        for dim in m.get("dimensions", []):
            if dim not in ds.get("dimensions", []):
                errors.append(f"{entry}: dimension {dim!r} is not a dimension of {m['dataset']}")
        if m.get("family") not in families:
            errors.append(f"{entry}: family {m.get('family')!r} is not listed under [[families]]")
    paths = [f.get("path") for f in raw.get("families", [])]
    for f in fragment.get("families", []):
        entry = f"families[id={f.get('id')}]"
        if not isinstance(f.get("path"), str) or not PATH_RE.fullmatch(f["path"]):
            errors.append(f"{entry}: path {f.get('path')!r} should be one segment such as "
                          "'/smets1-operated' (lower-case letters, digits, hyphens)")
        elif f.get("path") in RESERVED_PATHS:
            errors.append(f"{entry}: path {f.get('path')!r} is another page's")
        elif paths.count(f.get("path")) > 1:
            errors.append(f"{entry}: path {f.get('path')!r} is used by another family")
        for mid in f.get("metrics", []):
            if mid not in metrics:
                errors.append(f"{entry}: unknown metric {mid!r}")
        for i, view in enumerate(f.get("views", [])):
            named = [view.get("metric")] if "metric" in view else list(view.get("metrics", []))
            for mid in named:
                if mid not in metrics:
                    errors.append(f"{entry}: views[{i}] (id {view.get('id', '?')}): unknown metric {mid!r}")
    for section in ADDED:
        for t in fragment.get(section, []):
            if t.get("metric") not in metrics:
                errors.append(f"{entry_name(section, _key(section, t))}: unknown metric {t.get('metric')!r}")
    for a in fragment.get("agenda", []):
        for mid in a.get("metrics", []):
            if mid not in metrics:
                errors.append(f"agenda[id={a.get('id')}]: unknown metric {mid!r}")
    return errors


def datasets_with_figures(conn: Connection) -> set[str]:
    r = schema.revisions
    return set(conn.execute(select(r.c.dataset).distinct()).scalars())


def _breaking(before: dict, after: dict, stored: set[str]) -> list[str]:
    """Changes that would misread figures already stored (any revision, superseded or not)."""
    errors = []
    for name in sorted(stored):
        old, new = before.get("datasets", {}).get(name), after.get("datasets", {}).get(name)
        if old is None:
            continue
        entry = f"datasets.{name}"
        if new is None:
            errors.append(f"{entry}: refused: it has stored figures, so it cannot be removed")
            continue
        if list(new.get("dimensions", [])) != list(old.get("dimensions", [])):
            errors.append(f"{entry}: refused: it has stored figures, so its dimensions cannot change")
        old_m, new_m = list(old.get("measures", [])), list(new.get("measures", []))
        if new_m[:len(old_m)] != old_m:
            errors.append(f"{entry}: refused: it has stored figures, so its measures may only be added to")
        for col in old.get("columns", []):
            was = before.get("columns", {}).get(col, {}).get("type")
            now = after.get("columns", {}).get(col, {}).get("type")
            if col in new.get("columns", []) and now != was:
                errors.append(f"columns.{col}: refused: {name} has stored figures with it as "
                              f"{was}, so its type cannot become {now}")
    return errors


def check(conn: Connection, base: dict, data: bytes | str) -> Check:
    """Validate a fragment against the catalog in force (``base``) and the figures stored."""
    fragment, errors = read_fragment(data)
    if fragment is None:
        return Check(errors)
    raw, changes, shape = merge(base, fragment)
    errors += shape
    malformed = [e for e in shape if "should be" in e or "missing 'id'" in e]
    if not malformed:
        try:
            errors += _references(raw, fragment)
        except (TypeError, AttributeError, KeyError):
            pass  # an entry of the wrong shape: parsing the catalog below names it
        errors += _breaking(base, raw, datasets_with_figures(conn))
    if not changes and not errors:
        errors.append("fragment: changes nothing")
    catalog = None
    if not errors:
        try:
            catalog = parse_catalog(raw)
        except CatalogError as exc:
            errors.append(str(exc).removeprefix("catalog: "))
        except (TypeError, AttributeError, KeyError, ValueError) as exc:  # a value of the wrong kind
            errors.append(f"fragment: an entry has a value of the wrong kind ({type(exc).__name__}: {exc})")
    return Check(errors, changes, raw, catalog)


# ---------------------------------------------------------------------------------------- storing
def _insert(conn: Connection, number: int, *, actor: str, source: str, reason: str,
            fragment: str, raw: dict) -> None:
    conn.execute(insert(schema.catalog_revisions).values(
        id=number, created_at=utcnow(), created_by=actor, source=source, reason=reason,
        fragment=fragment, catalog=json.dumps(raw, sort_keys=True),
        sha256=hashlib.sha256(fragment.encode()).hexdigest()))


def ensure_first(store: Store, path: str | Path) -> int | None:
    """Take the catalog file as revision 1 when the database has none (first start); when the file
    has changed since it was last taken (an upgrade), apply it over the catalog in force like a
    fragment, as a new revision. A file that would be refused stops the start, naming the entry.
    Returns the revision added, if any."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise CatalogError(f"catalog: file {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"catalog: {path} is not valid TOML: {exc}") from None
    sha = hashlib.sha256(text.encode()).hexdigest()
    c = schema.catalog_revisions
    with store.read() as conn:
        last_file = conn.execute(select(c.c.sha256).where(c.c.source == "file")
                                 .order_by(c.c.id.desc()).limit(1)).scalar()
    if last_file == sha:
        return None
    try:
        with store.write() as conn:
            number = version(conn)
            if not number:
                parse_catalog(raw)
                _insert(conn, 1, actor="system", source="file", reason=f"catalog file {path.name}",
                        fragment=text, raw=raw)
                return 1
            if conn.execute(select(c.c.sha256).where(c.c.source == "file")
                            .order_by(c.c.id.desc()).limit(1)).scalar() == sha:
                return None  # another process took it first
            result = check(conn, raw_of(conn, number), text)
            if result.errors == ["fragment: changes nothing"]:
                return None
            if result.errors:
                raise CatalogError(f"catalog: file {path}: " + "; ".join(result.errors))
            _insert(conn, number + 1, actor="system", source="file",
                    reason=f"catalog file {path.name} changed", fragment=text, raw=result.raw)
            audit(conn, "system", "catalog_applied", f"catalog revision {number + 1}",
                  reason=f"catalog file {path.name} changed",
                  changes=[f"{c['change']} {c['entry']}" for c in result.changes])
            return number + 1
    except IntegrityError:  # another process took the same number first
        return None


def version(conn: Connection) -> int:
    """The number of the newest revision (0 before the first start)."""
    return conn.execute(select(func.max(schema.catalog_revisions.c.id))).scalar() or 0


def in_force_number(conn: Connection, as_of: datetime | None = None) -> int:
    """The revision in force at ``as_of`` (the first one for moments before it)."""
    c = schema.catalog_revisions
    if as_of is None:
        return version(conn)
    number = conn.execute(select(func.max(c.c.id)).where(c.c.created_at <= as_of)).scalar()
    return number or conn.execute(select(func.min(c.c.id))).scalar() or 0


def raw_of(conn: Connection, number: int) -> dict:
    c = schema.catalog_revisions
    text = conn.execute(select(c.c.catalog).where(c.c.id == number)).scalar()
    if text is None:
        raise CatalogError(f"catalog: no revision {number}")
    return json.loads(text)


def apply(store: Store, data: bytes | str, *, actor: str, reason: str, source: str) -> tuple[Check, int | None]:
    """Check the fragment against the catalog in force and, when clean, store it as the next
    revision with an audit event, in one transaction. Returns the check and the new number."""
    reason = (reason or "").strip()
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    with store.write() as conn:
        number = version(conn)
        result = check(conn, raw_of(conn, number), data)
        if not reason:
            result.errors.append("reason: say why the catalog changes")
        if not result.ok:
            return result, None
        _insert(conn, number + 1, actor=actor, source=source, reason=reason, fragment=text,
                raw=result.raw)
        audit(conn, actor, "catalog_applied", f"catalog revision {number + 1}", reason=reason,
              changes=[f"{c['change']} {c['entry']}" for c in result.changes])
    return result, number + 1


def history(conn: Connection) -> list[dict]:
    c = schema.catalog_revisions
    rows = conn.execute(select(c.c.id, c.c.created_at, c.c.created_by, c.c.source, c.c.reason)
                        .order_by(c.c.id.desc()))
    return [dict(r._mapping) for r in rows]


def export_toml(raw: dict) -> str:
    """The catalog as one TOML file (what ``catalog export`` prints)."""
    return ("# OPSG catalog, exported from the revision in force (python -m metrics catalog export)\n"
            + tomli_w.dumps(raw))


def entry_toml(raw: dict, section: str, key: str) -> str:
    """One entry of the catalog as a fragment (what the Admin page's editor starts from)."""
    if section in NAMED:
        return tomli_w.dumps({section: {key: raw.get(section, {})[key]}})
    entry = next(e for e in raw.get(section, []) if e.get("id") == key)
    return tomli_w.dumps({section: [entry]})


# ------------------------------------------------------------------------------- the live catalog
class LiveCatalog:
    """The catalog a process holds: the revision in force, re-checked every ``check_seconds``
    with one small query, and older revisions for ``as_of`` reads, each parsed once."""

    def __init__(self, store: Store, check_seconds: float = CHECK_SECONDS, clock=time.monotonic):
        self.store, self.check_seconds, self.clock = store, check_seconds, clock
        self._parsed: dict[int, Catalog] = {}
        self._number, self._checked = 0, float("-inf")
        self._lock = threading.Lock()

    def _catalog(self, conn: Connection, number: int) -> Catalog:
        if number not in self._parsed:
            self._parsed[number] = parse_catalog(raw_of(conn, number))
            while len(self._parsed) > 16:  # keep the newest; the one in force is always kept
                self._parsed.pop(min(n for n in self._parsed if n != self._number))
        return self._parsed[number]

    @property
    def number(self) -> int:
        self.current()
        return self._number

    def fresh(self) -> Catalog:
        """The revision in force this moment (asks the database now; a scheduled job does)."""
        return self.current(force=True)

    def current(self, force: bool = False) -> Catalog:
        with self._lock:
            now = self.clock()
            if force or now - self._checked >= self.check_seconds or self._number not in self._parsed:
                with self.store.read() as conn:
                    self._number = version(conn)
                    self._catalog(conn, self._number)
                self._checked = now
            return self._parsed[self._number]

    def at(self, as_of: datetime | None) -> Catalog:
        """The catalog in force at ``as_of`` (now when None)."""
        if as_of is None:
            return self.current()
        with self._lock, self.store.read() as conn:
            return self._catalog(conn, in_force_number(conn, as_of))

    def raw(self) -> dict:
        with self.store.read() as conn:
            return raw_of(conn, version(conn))
