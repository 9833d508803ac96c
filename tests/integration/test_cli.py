"""The command line (SPEC §5): exit codes, located error lines, JSON, templates, users, export."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.cli.commands import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_cli001_ingest_accept_unchanged_reject(db, tmp_path, capsys):
    good = write(tmp_path, "ota.csv", "month,csp_region,attempted,succeeded\n2020-01,North,100,87\n")
    assert main(["ingest", good]) == 0
    assert "accepted" in capsys.readouterr().out
    assert main(["ingest", good]) == 0
    assert "unchanged" in capsys.readouterr().out
    bad = write(tmp_path, "bad.csv", "month,csp_region,attempted,succeeded\n2020-01,Nroth,100,187\nJanuary,North,-1,0\n")
    assert main(["ingest", bad]) == 1
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith("bad.csv:2:csp_region: ") and "did you mean North" in line for line in err)
    assert any(line.startswith("bad.csv:2:succeeded: ") for line in err)
    assert any(line.startswith("bad.csv:3:month: ") for line in err)
    assert any(line.startswith("bad.csv:3:attempted: ") for line in err)


def test_cli002_json_errors(db, tmp_path, capsys):
    bad = write(tmp_path, "bad.csv", "month,csp_region,attempted,succeeded\n2020-01,Nroth,100,87\n")
    assert main(["ingest", bad, "--json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["outcome"] == "rejected"
    assert {"sheet", "row", "column", "value", "message"} == set(body["errors"][0])
    assert body["errors"][0]["value"] == "Nroth"


def test_cli003_usage_errors_exit_2(db, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["ingest"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "x.csv", "--status", "maybe"])
    assert exc.value.code == 2
    assert main(["ingest", str(tmp_path / "missing.csv")]) == 2


def test_cli004_dry_run_and_reason(db, tmp_path, capsys):
    first = write(tmp_path, "a.csv", "month,category,count\n2020-01,1,2\n")
    assert main(["ingest", first, "--status", "final"]) == 0
    fixed = write(tmp_path, "b.csv", "month,category,count\n2020-01,1,3\n")
    capsys.readouterr()
    assert main(["ingest", fixed, "--dry-run"]) == 1  # a change needs a reason
    out = capsys.readouterr()
    assert "give a reason" in out.err and "category=1: count 2 -> 3" in out.out
    assert main(["ingest", fixed, "--reason", "late correction"]) == 0
    assert "changed" in capsys.readouterr().out


def test_cli005_xlsx_template_round_trip(db, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["template", "all", "--xlsx", "-o", str(out)]) == 0
    from tests.unit.test_templates import filled_in  # the examples typed onto the dataset sheets

    out.write_bytes(filled_in(out.read_bytes()))
    assert main(["ingest", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "ota_firmware" in text and "note: sheet 'Notes' ignored" in text
    csv = tmp_path / "alerts.csv"
    assert main(["template", "alerts", "-o", str(csv)]) == 0
    assert csv.read_text().splitlines()[0].startswith("month,csp_region,smets_generation,alert_code,count")
    assert main(["template", "nope"]) == 2


def test_cli006_users_and_tokens(db, capsys):
    assert main(["users", "add", "alice", "--role", "uploader", "--generate"]) == 0
    out = capsys.readouterr().out
    assert "password: " in out
    assert main(["users", "token", "alice"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("opsg_") and len(token) > 30
    assert main(["users", "list"]) == 0
    assert "alice\tuploader" in capsys.readouterr().out
    assert main(["users", "add", "alice", "--role", "viewer", "--generate"]) == 2


def test_cli007_export_is_formula_safe_and_reingests(db, tmp_path, capsys):
    notes = write(tmp_path, "n.csv", "date,title,detail\n2020-01-31,=HYPERLINK(\"http://x\"),@SUM(A1)\n")
    assert main(["ingest", notes]) == 0
    assert main(["ingest", write(tmp_path, "o.csv", "month,csp_region,attempted,succeeded\n2020-01,North,100,87\n")]) == 0
    out = tmp_path / "export.xlsx"
    assert main(["export", "-o", str(out)]) == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    # string cells, exactly as stored: an XLSX string cell is never a formula, so no apostrophe
    assert wb["annotations"]["B2"].value == '=HYPERLINK("http://x")'
    assert wb["annotations"]["B2"].data_type == "s" and wb["annotations"]["C2"].value == "@SUM(A1)"
    assert wb["ota_firmware"]["C2"].value == 100  # numbers stay numbers


def test_cli008_help_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "metrics", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("ingest", "template", "demo", "export", "backup", "restore", "users"):
        assert command in result.stdout


def test_cli020_template_reads_the_catalog_at_catalog_path(db, tmp_path, monkeypatch, capsys):
    """`template` reads CATALOG_PATH like every other command (it used to read data/catalog.toml)."""
    missing = tmp_path / "elsewhere" / "catalog.toml"
    monkeypatch.setenv("CATALOG_PATH", str(missing))
    assert main(["template", "alerts", "-o", str(tmp_path / "alerts.csv")]) == 1
    assert str(missing) in capsys.readouterr().err
    assert not (tmp_path / "alerts.csv").exists()
    missing.parent.mkdir()
    missing.write_bytes((ROOT / "data" / "catalog.toml").read_bytes())
    assert main(["template", "alerts", "-o", str(tmp_path / "alerts.csv")]) == 0
