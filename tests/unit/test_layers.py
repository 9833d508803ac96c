"""The layer contract in pyproject.toml (import-linter): dashboard -> report -> metrics, and the
domain imports no web or charting framework. Run as `lint-imports` would, in a fresh process, so
the modules this test session has imported play no part."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("metrics", "report", "dashboard")
VERDICT = re.compile(r"^(.+) (KEPT|BROKEN)(?: \(\d+ ignored imports?\))?$", re.M)
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))")


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LINT], cwd=folder, capture_output=True, text=True,
                          timeout=120)


def test_lay001_the_layers_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("where, line, broken", [
    ("metrics/read/leak.py", "from dashboard.context import get_context", ("Layers", "The domain")),  # flask
    ("report/leak.py", "import dashboard.theme", "Layers"),
    ("metrics/upload/leak.py", "import plotly", "The domain"),
    ("metrics/leak.py", "from flask import request", "The domain"),
    ("metrics/meeting/leak.py", "from report import figures", "Layers"),
    ("metrics/meeting/leak.py", "from report import meeting_charts", ("Layers", "The domain")),  # plotly
    ("report/leak.py", "from flask_login import current_user", "Rendering"),
], ids=["metrics-dashboard", "report-dashboard", "metrics-plotly", "metrics-flask", "metrics-report",
        "metrics-report-plotly", "report-flask_login"])
def test_lay002_a_leak_breaks_the_contract(tmp_path, where, line, broken):
    """A copy of the tree with one forbidden import added fails, naming the contract it breaks."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / where).write_text(f'"""A leak."""\n{line}\n')
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = dict(VERDICT.findall(result.stdout))
    assert len(verdicts) == 3, result.stdout
    assert sorted(name for name, verdict in verdicts.items() if verdict == "BROKEN") == sorted(
        name for name in verdicts if name.startswith(broken))
    assert where[:-3].replace("/", ".") in result.stdout  # the leaking module is named
