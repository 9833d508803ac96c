"""Uploaded files waiting for Confirm: kept on the server under a random id, never sent back.

The upload page validates a dropped file (a dry run), keeps its bytes here and gives the browser
only the id; Confirm ingests exactly those bytes. Files live in a folder under the system temp
directory, so every web worker on the host finds them; each is tied to the user who uploaded it,
claimed once (an atomic rename, so a double-click cannot ingest twice) and swept after an hour.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MAX_AGE = 3600  # seconds
ID_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def folder() -> Path:
    path = Path(tempfile.gettempdir()) / "opsg-pending-uploads"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


@dataclass(frozen=True)
class Pending:
    id: str
    user: str
    filename: str
    data: bytes


def _sweep(now: float) -> None:
    for path in folder().glob("*"):
        try:
            if now - path.stat().st_mtime > MAX_AGE:
                path.unlink()
        except FileNotFoundError:
            pass


def keep(user: str, filename: str, data: bytes) -> str:
    """Store an upload for ``user``; returns its id."""
    now = time.time()
    _sweep(now)
    pending_id = secrets.token_urlsafe(24)
    base = folder() / pending_id
    meta = {"user": user, "filename": filename, "created": now}
    fd = os.open(f"{base}.bin", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    fd = os.open(f"{base}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(meta, fh)
    return pending_id


def _meta(pending_id: str, user: str) -> dict | None:
    if not isinstance(pending_id, str) or not ID_RE.match(pending_id):
        return None
    try:
        meta = json.loads((folder() / f"{pending_id}.json").read_text())
    except (FileNotFoundError, ValueError):
        return None
    if meta.get("user") != user or time.time() - float(meta.get("created", 0)) > MAX_AGE:
        return None
    return meta


def peek(pending_id: str, user: str) -> Pending | None:
    """The upload, if it exists, is ``user``'s and has not expired (it stays pending)."""
    meta = _meta(pending_id, user)
    if meta is None:
        return None
    try:
        data = (folder() / f"{pending_id}.bin").read_bytes()
    except FileNotFoundError:
        return None
    return Pending(pending_id, user, meta["filename"], data)


def claim(pending_id: str, user: str) -> Pending | None:
    """Take the upload for ingest: the first caller gets it, any later one gets None."""
    meta = _meta(pending_id, user)
    if meta is None:
        return None
    base = folder() / pending_id
    taken = folder() / f"{pending_id}.claimed-{secrets.token_hex(4)}"
    try:
        os.rename(f"{base}.bin", taken)
    except FileNotFoundError:
        return None
    try:
        return Pending(pending_id, user, meta["filename"], taken.read_bytes())
    finally:
        taken.unlink(missing_ok=True)
        Path(f"{base}.json").unlink(missing_ok=True)
