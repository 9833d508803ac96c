"""What every command shares: exit codes, the store and catalog from settings, reading a file."""
from __future__ import annotations

import sys
from pathlib import Path


EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def store_and_catalog(args):
    from metrics.demo.bootstrap import catalog_in_force, open_store

    settings = args.settings  # read once by commands.main
    store = open_store(settings)
    return store, catalog_in_force(store, settings), settings


def read_file(path: Path, limit: int) -> bytes | None:
    """The file's bytes, one past ``limit`` at most (so "too large" is still reported); None and a
    message when there is no such file."""
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return None
    with open(path, "rb") as fh:
        return fh.read(limit + 1)
