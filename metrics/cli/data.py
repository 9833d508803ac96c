"""Commands for figures: ingest an upload, write a template, load the demo, export."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from metrics.cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, read_file, store_and_catalog


def cmd_ingest(args) -> int:
    from metrics.ingest.write import ingest

    store, catalog, settings = store_and_catalog(args)
    path, limit = Path(args.file), settings.max_upload_bytes
    data = read_file(path, limit)
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

    _, catalog, _ = store_and_catalog(args)  # the revision in force: applied datasets too
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

    store, catalog, _ = store_and_catalog(args)
    for report in load_demo(store, catalog):
        print(report.message)
    return EXIT_OK


def cmd_export(args) -> int:
    from metrics.read.export import export_workbook
    from metrics.months import parse_as_of

    store, catalog, _ = store_and_catalog(args)
    with store.read() as conn:
        data = export_workbook(conn, catalog, as_of=parse_as_of(args.as_of))
    out = Path(args.output)
    out.write_bytes(data)
    print(f"wrote {out}")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
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
