"""`python -m metrics ingest` starts with only what ingest needs (issue 13): no web framework,
no charts, no document writer, no holiday calendars. A list of modules, not a time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"dash", "plotly", "flask", "werkzeug", "docx", "holidays", "openpyxl", "report", "dashboard"}

PROBE = """
import runpy, sys
sys.argv = ["metrics", "ingest", sys.argv[1], "--reason", "probe"]
try:
    runpy.run_module("metrics", run_name="__main__")
except SystemExit as stop:
    code = stop.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(%r))
print("EXIT", code)
print("HEAVY", ",".join(heavy))
"""


def heavy_imports(tmp_path, url: str, heavy: set[str]) -> str:
    """Ingest a small file with ``python -m metrics ingest``; which of ``heavy`` it imported."""
    csv = tmp_path / "incidents.csv"
    csv.write_text("month,category,count\n2021-12,1,2\n2021-12,3,5\n")
    env = {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", PROBE % sorted(heavy), str(csv)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    lines = dict(line.split(" ", 1) if " " in line else (line, "") for line in done.stdout.splitlines()
                 if line.startswith(("EXIT", "HEAVY")))
    assert lines.get("EXIT") == "0", done.stdout[-800:] + done.stderr[-800:]
    return lines.get("HEAVY", "")


def test_cli001_ingest_imports_no_web_chart_or_document_library(tmp_path):
    found = heavy_imports(tmp_path, f"sqlite:///{tmp_path / 'cli.db'}", HEAVY)
    assert found == "", f"ingest imported {found}"


def test_cli002_on_a_migrated_database_ingest_does_not_load_alembic(tmp_path):
    """Every start asks whether the schema is current: one query against the migration files' own
    revision lines, not Alembic and Mako (~0.2 s of a command-line ingest)."""
    from metrics.store.engine import Store

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    store.migrate()
    assert store.at_heads()
    store.dispose()
    found = heavy_imports(tmp_path, url, HEAVY | {"alembic", "mako"})
    assert found == "", f"ingest imported {found}"
