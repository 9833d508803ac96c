"""The pack command: the meeting pack printed to PDF.

The one command that wires report/ (rendering and Chromium) into the command line: the layer
contract (pyproject.toml) allows metrics.cli.pack, and only it, to import report.pack."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from metrics.cli.common import EXIT_OK, EXIT_REJECTED, store_and_catalog


def cmd_pack(args) -> int:
    from metrics import params
    from metrics.read.queries import latest_month

    store, catalog, settings = store_and_catalog(args)
    as_of, month = params.as_of(args.as_of, "--as-of"), params.month(args.month, "--month")
    with store.read() as conn:
        month = month or latest_month(conn, as_of)
    if month is None:
        print("no figures have been uploaded yet", file=sys.stderr)
        return EXIT_REJECTED
    # Rendering and printing are report/'s: the charts are the meeting slides' own figures.
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


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pack", help="write the meeting pack PDF: a cover, then a page per agenda item")
    p.add_argument("--month", help="the reporting month YYYY-MM (default: the latest with figures)")
    p.add_argument("--as-of", help="the figures in force then (YYYY-MM-DD or ISO timestamp): the "
                                   "moment the papers went out")
    p.add_argument("-o", "--output", help="file to write (default opsg-meeting-pack-MONTH.pdf)")
    p.add_argument("--html", metavar="FILE", help="also write the print HTML the PDF was made from")
    p.add_argument("--notify", action="store_true", help="announce the pack to `pack` subscribers "
                                                         "(attached, or linked when over 10 MB)")
    p.set_defaults(func=cmd_pack)
