"""The actions command: import an action log (CSV or XLSX)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from metrics.cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, read_file, store_and_catalog


def cmd_actions(args) -> int:
    from metrics.records.actions import import_actions

    store, catalog, settings = store_and_catalog(args)
    path, limit = Path(args.file), settings.max_upload_bytes
    data = read_file(path, limit)
    if data is None:
        return EXIT_USAGE
    report = import_actions(store, catalog, data, path.name, actor=args.user, dry_run=args.dry_run,
                            max_bytes=limit)
    if args.json:
        print(json.dumps({"outcome": report.outcome, "added": report.added, "updated": report.updated,
                          "unchanged": report.unchanged, "errors": [e.as_dict() for e in report.errors]},
                         indent=1))
    else:
        for error in report.errors:
            print(error, file=sys.stderr)
        for column in report.ignored_columns:
            print(f"note: column {column!r} ignored")
        print(("dry run: " if args.dry_run and report.outcome != "rejected" else "") + report.message)
    return EXIT_REJECTED if report.outcome == "rejected" else EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("actions", help="the OPSG action log")
    acts = p.add_subparsers(dest="actions_command", required=True, metavar="ACTION")
    a = acts.add_parser("import", help="validate a CSV or XLSX action log and add or update its "
                                       "actions (nothing is written if any row is wrong)")
    a.add_argument("file", help="columns as the minutes: Action ID, Action, Owner, Date Raised, "
                                "Last Target Date, Revised Target Date, Status [, Metrics, Month, Notes]")
    a.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    a.add_argument("--user", default="cli", help="recorded as who made the change (default cli)")
    a.add_argument("--json", action="store_true", help="print the outcome (and errors) as JSON")
    p.set_defaults(func=cmd_actions)
