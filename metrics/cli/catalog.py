"""``python -m metrics catalog check FILE | apply FILE --reason TEXT | export | history`` (SPEC §9)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from metrics import catalog_revisions as revisions

from metrics.cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, store_and_catalog


def _fragment(path: str) -> bytes | None:
    file = Path(path)
    if not file.is_file():
        print(f"{file}: no such file", file=sys.stderr)
        return None
    with open(file, "rb") as fh:
        return fh.read(revisions.MAX_FRAGMENT_BYTES + 1)


def _print(result: revisions.Check) -> None:
    for error in result.errors:
        print(error, file=sys.stderr)
    for change in result.changes:
        print(f"{change['change']}: {change['entry']}")


def cmd_catalog(args) -> int:
    store, _, _ = store_and_catalog(args)
    if args.catalog_command == "export":
        with store.read() as conn:
            raw = revisions.raw_of(conn, revisions.in_force_number(conn, _as_of(args.as_of)))
        sys.stdout.write(revisions.export_toml(raw))
        return EXIT_OK
    if args.catalog_command == "history":
        with store.read() as conn:
            for rev in revisions.history(conn):
                print(f"{rev['id']}\t{rev['created_at']:%Y-%m-%d %H:%M:%S}\t{rev['created_by']}\t"
                      f"{rev['source']}\t{rev['reason']}")
        return EXIT_OK
    data = _fragment(args.file)
    if data is None:
        return EXIT_USAGE
    if args.catalog_command == "check":
        with store.read() as conn:
            result = revisions.check(conn, revisions.raw_of(conn, revisions.version(conn)), data)
        _print(result)
        print(f"{len(result.errors)} error(s); nothing applied" if result.errors
              else "fragment is valid (check only: nothing applied)")
        return EXIT_REJECTED if result.errors else EXIT_OK
    result, number = revisions.apply(store, data, actor=args.user, reason=args.reason, source="cli")
    _print(result)
    if number is None:
        print(f"{len(result.errors)} error(s); nothing applied")
        return EXIT_REJECTED
    print(f"catalog revision {number} in force")
    return EXIT_OK


def _as_of(text):
    from metrics.months import parse_as_of

    return parse_as_of(text) if text else None


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("catalog", help="check, apply or export catalog changes (new datasets, "
                                       "metrics, families, thresholds) without code or restart")
    cs = p.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    c = cs.add_parser("check", help="validate a TOML fragment against the catalog in force; "
                                    "every error names its entry (exit 1 on any)")
    c.add_argument("file")
    a = cs.add_parser("apply", help="apply a TOML fragment as a new catalog revision (audited); "
                                    "running processes pick it up within 10 s")
    a.add_argument("file")
    a.add_argument("--reason", required=True, help="why the catalog changes (kept with the revision)")
    a.add_argument("--user", default="cli", help="recorded as the author (default cli)")
    e = cs.add_parser("export", help="print the catalog in force as one TOML file")
    e.add_argument("--as-of", help="the catalog in force then (YYYY-MM-DD or ISO timestamp)")
    cs.add_parser("history", help="list the catalog revisions: number, when, who, source, reason")
    p.set_defaults(func=cmd_catalog)
