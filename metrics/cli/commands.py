"""The command line: ``python -m metrics COMMAND``. Exit 0 done, 1 rejected or failed, 2 usage.

Each command group is a module of this package (data, operations, pack, actions, users, notify,
minutes, catalog) with its ``cmd_*`` functions and ``add_parsers``; this module joins them into one parser.
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import OperationalError

from metrics.catalog import CatalogError
from metrics.settings import load_settings
from metrics.cli import actions, catalog, data, minutes, notify, operations, pack, users
from metrics.cli.common import EXIT_REJECTED, EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics",
                                     description="OPSG service metrics: ingest, templates, export, "
                                                 "backup and users. DATABASE_URL selects the database.")
    parser.add_argument("--database", metavar="URL", help="database URL (default: DATABASE_URL or data/opsg.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (data, operations, pack, actions, users, notify, minutes, catalog):  # the order --help lists them
        group.add_parsers(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.settings = load_settings(DATABASE_URL=args.database)  # read once, for every command
        return args.func(args)
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return EXIT_REJECTED
    except OperationalError as exc:  # unreachable, read-only or full database: say so in one line
        print(f"database error: {str(exc.orig).splitlines()[0] if exc.orig else exc}", file=sys.stderr)
        return EXIT_REJECTED
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
