"""Command-line commands for the meeting record: ``minutes`` (the draft) and ``meetings`` (SPEC §10)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from metrics.cli.common import EXIT_OK, EXIT_REJECTED, store_and_catalog as _open

FORMATS = ("docx", "md")  # metrics.meeting.minutes.FORMATS, named here so that the parser imports no python-docx


def cmd_minutes(args) -> int:
    from metrics.meeting import minutes, record as meeting_record

    from metrics.demo.bootstrap import is_demo
    from metrics.demo.tables import DEMO_LABEL

    fmt = args.format or ("md" if Path(args.output).suffix.lower() == ".md" else "docx")
    store, catalog, settings = _open(args)
    try:
        with store.read() as conn:
            data = minutes.draft(conn, catalog, args.meeting, fmt,
                                 classification=settings.classification,
                                 demo_label=DEMO_LABEL if is_demo(store) else None)
    except meeting_record.MeetingError as exc:
        with store.read() as conn:
            known = [m["number"] for m in meeting_record.list_meetings(conn)]
        print(f"{exc}; meetings recorded: {', '.join(known) or 'none'}", file=sys.stderr)
        return EXIT_REJECTED
    Path(args.output).write_bytes(data)
    print(f"wrote the draft minutes of {meeting_record.normalise_number(args.meeting)} to "
          f"{args.output} ({fmt}, {len(data):,} bytes)")
    return EXIT_OK


def cmd_meetings(args) -> int:
    from metrics.meeting import record as meeting_record

    store, _, _ = _open(args)
    with store.read() as conn:
        for m in meeting_record.list_meetings(conn):
            print(f"{m['number']}\t{m['held_on']}\tfigures for {m['month']}\t{m['place']}")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The meeting-record commands on ``python -m metrics``."""
    p = sub.add_parser("minutes", help="write the draft minutes of a recorded meeting (DOCX or Markdown)")
    p.add_argument("--meeting", required=True, metavar="NUMBER", help="the meeting, e.g. OPSG_29")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    p.add_argument("--format", choices=FORMATS,
                   help="docx (default) or md; FILE ending .md means md")
    p.set_defaults(func=cmd_minutes)
    p = sub.add_parser("meetings", help="list the recorded meetings: number, date, month, place")
    p.set_defaults(func=cmd_meetings)
