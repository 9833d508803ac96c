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


def test_cli001_ingest_imports_no_web_chart_or_document_library(tmp_path):
    csv = tmp_path / "incidents.csv"
    csv.write_text("month,category,count\n2021-12,1,2\n2021-12,3,5\n")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", PROBE % sorted(HEAVY), str(csv)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    lines = dict(line.split(" ", 1) if " " in line else (line, "") for line in done.stdout.splitlines()
                 if line.startswith(("EXIT", "HEAVY")))
    assert lines.get("EXIT") == "0", done.stdout[-800:] + done.stderr[-800:]
    assert lines.get("HEAVY", "") == "", f"ingest imported {lines['HEAVY']}"
