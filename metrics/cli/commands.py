"""The command line: ``python -m metrics COMMAND``. Exit 0 done, 1 rejected or failed, 2 usage."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from metrics.cli import catalog as catalog_cli
from metrics.cli import minutes as minutes_cli
from metrics.cli import notify as notify_cli
from metrics.accounts.users import ROLES
from metrics.catalog import CatalogError, load_catalog
from metrics.settings import load_settings

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def _store_and_catalog(args):
    from metrics.demo.bootstrap import catalog_in_force, open_store

    settings = load_settings(DATABASE_URL=args.database)
    store = open_store(settings)
    return store, catalog_in_force(store, settings), settings


def _read_file(path: Path, limit: int) -> bytes | None:
    """The file's bytes, one past ``limit`` at most (so "too large" is still reported); None and a
    message when there is no such file."""
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return None
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def cmd_ingest(args) -> int:
    from metrics.ingest.write import ingest

    store, catalog, settings = _store_and_catalog(args)
    path, limit = Path(args.file), int(settings["MAX_UPLOAD_BYTES"])
    data = _read_file(path, limit)
    if data is None:
        return EXIT_USAGE
    report = ingest(store, catalog, data, path.name, user=args.user, source="cli",
                    dataset=args.dataset, dry_run=args.dry_run, status=args.status,
                    reason=args.reason, max_bytes=limit)
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, default=str))
    else:
        for error in report.errors:
            print(error, file=sys.stderr)
        for sheet in report.ignored_sheets:
            print(f"note: sheet {sheet!r} ignored (not a dataset)")
        for warning in report.warnings:
            print(f"note: {warning}")
        for change in report.changes:
            detail = ""
            if change.kind == "changed":
                detail = (f" (+{change.rows_added} -{change.rows_removed} ~{change.rows_changed} rows"
                          + (f", {change.previous_status} -> {change.status}"
                             if change.previous_status != change.status else "") + ")")
                for ex in change.examples:
                    key = ", ".join(f"{k}={v}" for k, v in ex["key"].items())
                    detail += f"\n    {key}: {ex['column']} {ex['old']} -> {ex['new']}"
            print(f"{change.dataset} {change.month}: {change.kind}, {change.rows} rows{detail}")
        print(report.message)
    return EXIT_REJECTED if report.outcome == "rejected" else EXIT_OK


def cmd_template(args) -> int:
    from metrics.upload.templates import template_csv, template_xlsx

    _, catalog, _ = _store_and_catalog(args)  # the revision in force: applied datasets too
    if args.dataset != "all" and args.dataset not in catalog.datasets:
        print(f"unknown dataset {args.dataset!r}; one of: all, {', '.join(catalog.datasets)}",
              file=sys.stderr)
        return EXIT_USAGE
    if args.xlsx:
        data = template_xlsx(catalog, None if args.dataset == "all" else [args.dataset])
        default = f"opsg-{args.dataset}-template.xlsx"
    else:
        if args.dataset == "all":
            print("a CSV holds one dataset: name it, or use --xlsx for all", file=sys.stderr)
            return EXIT_USAGE
        data = template_csv(catalog, args.dataset)
        default = f"{args.dataset}.csv"
    out = Path(args.output or default)
    out.write_bytes(data)
    print(f"wrote {out}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from metrics.demo.bootstrap import load_demo

    store, catalog, _ = _store_and_catalog(args)
    for report in load_demo(store, catalog):
        print(report.message)
    return EXIT_OK


def cmd_export(args) -> int:
    from metrics.read.export import export_workbook
    from metrics.months import parse_as_of

    store, catalog, _ = _store_and_catalog(args)
    with store.read() as conn:
        data = export_workbook(conn, catalog, as_of=parse_as_of(args.as_of))
    out = Path(args.output)
    out.write_bytes(data)
    print(f"wrote {out}")
    return EXIT_OK


def cmd_backup(args) -> int:
    from metrics.store.backup import backup

    store, _, _ = _store_and_catalog(args)
    print(f"wrote {backup(store, Path(args.output))}")
    return EXIT_OK


def cmd_restore(args) -> int:
    from metrics.store.backup import restore

    store, _, _ = _store_and_catalog(args)
    restore(store, Path(args.file))
    print(f"restored {args.file}")
    return EXIT_OK


def cmd_scheduler(args) -> int:
    import logging

    from metrics.jobs.scheduler import run_forever, run_once

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from metrics.catalog_revisions import LiveCatalog

    store, _, settings = _store_and_catalog(args)
    catalog = LiveCatalog(store)  # each job runs with the revision in force (SPEC §9)
    if args.once:
        outcomes = run_once(store, catalog, settings)
        for name, outcome in outcomes.items():
            print(f"{name}: {outcome or 'not run (another scheduler holds the lock)'}")
        return EXIT_REJECTED if "failed" in outcomes.values() else EXIT_OK
    run_forever(store, catalog, settings)
    return EXIT_OK


def cmd_users(args) -> int:
    from metrics.accounts import users as accounts
    from metrics.notify import events as notify

    store, _, _ = _store_and_catalog(args)
    if args.users_command == "list":
        with store.read() as conn:
            for u in accounts.list_users(conn):
                print(f"{u['name']}\t{u['role']}\t{'disabled' if u['disabled'] else 'active'}"
                      f"\t{notify.email_of(conn, u['name']) or ''}")
        return EXIT_OK
    if args.users_command == "set-email":
        with store.write() as conn:
            email = notify.set_email(conn, args.name, args.address)
        print(f"{args.name}: e-mail {email or 'cleared'}")
        return EXIT_OK
    if args.users_command == "add":
        generated = sys.stdin.isatty() or args.generate
        password = accounts.generate_password() if generated else sys.stdin.readline().rstrip("\n")
        with store.write() as conn:
            accounts.add_user(conn, args.name, args.role, password)
            if args.email:  # checked before anything commits: a bad address adds no user
                notify.set_email(conn, args.name, args.email)
        print(f"added {args.name} ({args.role})")
        if generated:
            print(f"password: {password}")
        return EXIT_OK
    if args.users_command == "set-password":
        generated = sys.stdin.isatty() or args.generate
        password = accounts.generate_password() if generated else sys.stdin.readline().rstrip("\n")
        with store.write() as conn:
            accounts.set_password(conn, args.name, password, actor="cli")
        print(f"new password set for {args.name}; their sessions have ended")
        if generated:
            print(f"password: {password}")
        return EXIT_OK
    if args.users_command == "tokens":
        with store.read() as conn:
            tokens = accounts.list_tokens(conn, args.name)
        print("id\tlabel\tcreated\texpires\tlast used\tstate")
        for t in tokens:
            when = [t[k].isoformat(sep=" ", timespec="minutes") if t[k] else "never"
                    for k in ("created_at", "expires_at", "last_used_at")]
            print("\t".join([str(t["id"]), t["label"] or "-", *when, t["state"]]))
        return EXIT_OK
    if args.users_command == "revoke-tokens":
        with store.write() as conn:
            count = accounts.revoke_tokens(conn, args.name, "cli", token_id=args.id)
        print(f"revoked {count} token{'s' * (count != 1)} of {args.name}")
        return EXIT_OK
    with store.write() as conn:
        token = accounts.new_token(conn, args.name, label=args.label or "", expires_days=args.expires_days)
    print(f"API token for {args.name} (shown once; send as Authorization: Bearer TOKEN; "
          f"expires in {args.expires_days} days):")
    print(token)
    return EXIT_OK


def cmd_pack(args) -> int:
    from metrics import params
    from metrics.read.queries import latest_month

    store, catalog, settings = _store_and_catalog(args)
    as_of, month = params.as_of(args.as_of, "--as-of"), params.month(args.month, "--month")
    with store.read() as conn:
        month = month or latest_month(conn, as_of)
    if month is None:
        print("no figures have been uploaded yet", file=sys.stderr)
        return EXIT_REJECTED
    # The pack's charts are the meeting slides' figures, drawn by the dashboard's builders.
    from report.pack import build_pack

    pdf, facts = build_pack(store, catalog, settings, month, as_of)
    out = Path(args.output or f"opsg-meeting-pack-{month}.pdf")
    out.write_bytes(pdf)
    if args.html:
        Path(args.html).write_text(facts["html"], encoding="utf-8")
    print(f"wrote {out}: {facts['pages']} pages ({facts['charts']} charts) in {facts['seconds']} s")
    if args.notify:
        import hashlib

        from metrics.notify.events import record_pack

        with store.write() as conn:
            queued = record_pack(conn, catalog, month, pdf, out.name, hashlib.sha256(pdf).hexdigest())
        print(f"queued the pack for {queued} recipient(s)" if queued else
              "nobody new to tell: this pack was announced already, or nobody subscribes to pack")
    return EXIT_OK


def cmd_actions(args) -> int:
    from metrics.records.actions import import_actions

    store, catalog, settings = _store_and_catalog(args)
    path, limit = Path(args.file), int(settings["MAX_UPLOAD_BYTES"])
    data = _read_file(path, limit)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics",
                                     description="OPSG service metrics: ingest, templates, export, "
                                                 "backup and users. DATABASE_URL selects the database.")
    parser.add_argument("--database", metavar="URL", help="database URL (default: DATABASE_URL or data/opsg.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="validate and store a CSV or XLSX upload")
    p.add_argument("file", help="the CSV (one dataset) or XLSX workbook (a sheet per dataset)")
    p.add_argument("--dataset", help="the dataset a CSV holds (default: recognised from its columns)")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument("--status", choices=["provisional", "final"], default="provisional",
                   help="whether these figures are provisional or final (default provisional)")
    p.add_argument("--reason", help="why (required when the upload changes figures already stored)")
    p.add_argument("--user", default="cli", help="recorded as the uploader (default cli)")
    p.add_argument("--json", action="store_true", help="print the report (and errors) as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("template", help="write an upload template with example rows")
    p.add_argument("dataset", help="a dataset name, or 'all' with --xlsx")
    p.add_argument("--xlsx", action="store_true", help="an Excel workbook with a Notes sheet (default CSV)")
    p.add_argument("-o", "--output", help="file to write (default named after the dataset)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("demo", help="load the synthetic demo data (2018-01 to 2021-12)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("export", help="write the figures in force as an XLSX workbook (upload format)")
    p.add_argument("-o", "--output", default="opsg-export.xlsx", help="file to write")
    p.add_argument("--as-of", help="the figures in force then (YYYY-MM-DD or ISO timestamp)")
    p.set_defaults(func=cmd_export)

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

    p = sub.add_parser("pack", help="write the meeting pack PDF: a cover, then a page per agenda item")
    p.add_argument("--month", help="the reporting month YYYY-MM (default: the latest with figures)")
    p.add_argument("--as-of", help="the figures in force then (YYYY-MM-DD or ISO timestamp): the "
                                   "moment the papers went out")
    p.add_argument("-o", "--output", help="file to write (default opsg-meeting-pack-MONTH.pdf)")
    p.add_argument("--html", metavar="FILE", help="also write the print HTML the PDF was made from")
    p.add_argument("--notify", action="store_true", help="announce the pack to `pack` subscribers "
                                                         "(attached, or linked when over 10 MB)")
    p.set_defaults(func=cmd_pack)

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

    from metrics.accounts.users import TOKEN_DAYS

    p = sub.add_parser("users", help="manage users and API tokens")
    us = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    a = us.add_parser("add", help="add a user (password from stdin, or generated and printed)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=list(ROLES))
    a.add_argument("--generate", action="store_true", help="generate the password even if stdin is piped")
    a.add_argument("--email", metavar="ADDRESS", help="e-mail address for notifications")
    e = us.add_parser("set-email", help="set a user's e-mail address for notifications ('' clears it)")
    e.add_argument("name")
    e.add_argument("address")
    us.add_parser("list", help="list users and roles")
    t = us.add_parser("token", help="print a new API token for a user (last line); the user's "
                                    "other tokens stay valid")
    t.add_argument("name")
    t.add_argument("--label", metavar="TEXT", help="what the token is for, shown in `users tokens` (e.g. 'DCC upload job')")
    t.add_argument("--expires-days", type=int, default=TOKEN_DAYS, metavar="N",
                   help="days until the token stops working (default %(default)s)")
    t = us.add_parser("tokens", help="list a user's API tokens: id, label, created, expires, last "
                                     "used, state (never the token itself)")
    t.add_argument("name")
    t = us.add_parser("revoke-tokens", help="revoke a user's API tokens: all of them, or one with --id")
    t.add_argument("name")
    t.add_argument("--id", type=int, metavar="ID", help="revoke only this token (an id from `users tokens`)")
    t = us.add_parser("set-password", help="set a user's password (from stdin, or generated and "
                                           "printed); their sessions end")
    t.add_argument("name")
    t.add_argument("--generate", action="store_true", help="generate the password even if stdin is piped")
    p.set_defaults(func=cmd_users)
    notify_cli.add_parsers(sub)  # subscribe, unsubscribe, subscriptions, webhooks, notify
    minutes_cli.add_parsers(sub)  # minutes, meetings
    catalog_cli.add_parsers(sub)  # catalog check | apply | export | history
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
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
