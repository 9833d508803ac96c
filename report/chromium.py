"""Headless Chromium: where it is, the flags it runs with, and printing an HTML document to PDF."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
                "--disable-dev-shm-usage", "--no-pdf-header-footer")


def chromium_path() -> str:
    """The Chromium binary: BROWSER_PATH (as kaleido reads it), else chromium on the PATH."""
    path = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("printing the pack needs Chromium: apt-get install chromium, or set BROWSER_PATH")
    return path


def print_pdf(document: str, *, timeout: float = 120) -> bytes:
    """Print an HTML document to PDF with headless Chromium (nothing is fetched from outside)."""
    with tempfile.TemporaryDirectory(prefix="opsg-pack-") as tmp:
        source, target = Path(tmp) / "pack.html", Path(tmp) / "pack.pdf"
        source.write_text(document, encoding="utf-8")
        cmd = [chromium_path(), *CHROME_FLAGS, f"--user-data-dir={tmp}/profile",
               f"--print-to-pdf={target}", source.as_uri()]
        result = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
        if not target.is_file():
            raise RuntimeError(f"Chromium did not print the pack: {result.stderr.strip()[-500:]}")
        return target.read_bytes()
