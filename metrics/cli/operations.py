"""Commands for running the service: backup, restore, the scheduler."""
from __future__ import annotations

import argparse
from pathlib import Path

from metrics.cli.common import EXIT_OK, EXIT_REJECTED, store_and_catalog


def cmd_backup(args) -> int:
    from metrics.store.backup import backup

    store, _, _ = store_and_catalog(args)
    print(f"wrote {backup(store, Path(args.output))}")
    return EXIT_OK


def cmd_restore(args) -> int:
    from metrics.store.backup import restore

    store, _, _ = store_and_catalog(args)
    restore(store, Path(args.file))
    print(f"restored {args.file}")
    return EXIT_OK


def cmd_scheduler(args) -> int:
    import logging

    from metrics.jobs.scheduler import run_forever, run_once

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The command line is the wiring: it adds report/'s packs job (printing the meeting pack).
    from report.pack_jobs import scheduled

    from metrics.catalog_revisions import LiveCatalog

    store, _, settings = store_and_catalog(args)
    catalog = LiveCatalog(store)  # each job runs with the revision in force (SPEC §9)
    extra = scheduled(settings)
    if args.once:
        outcomes = run_once(store, catalog, settings, extra)
        for name, outcome in outcomes.items():
            print(f"{name}: {outcome or 'not run (another scheduler holds the lock)'}")
        return EXIT_REJECTED if "failed" in outcomes.values() else EXIT_OK
    run_forever(store, catalog, settings, extra)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write a full database backup")
    p.add_argument("-o", "--output", default="opsg-backup", help="file to write (suffix added)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup")
    p.add_argument("file", help="a file written by backup")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("scheduler", help="run the scheduled jobs (inbox, late submissions, nightly "
                                         "backup); one process runs them, others stand by")
    p.add_argument("--once", action="store_true", help="run every job once now and exit")
    p.set_defaults(func=cmd_scheduler)
