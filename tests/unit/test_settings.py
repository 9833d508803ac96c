"""Every setting is declared once, with help, and the README's table is generated from the registry."""
from pathlib import Path

import pytest

from metrics.settings import SETTINGS, load_settings, settings_table_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_set001_readme_table_matches_registry():
    text = README.read_text()
    start, end = text.index("<!-- settings:start -->"), text.index("<!-- settings:end -->")
    assert text[start:end].split("\n", 1)[1].strip() == settings_table_markdown().strip()


def test_set002_each_setting_has_help_and_unique_name():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(len(s.help) > 20 for s in SETTINGS)


def test_set003_precedence_explicit_then_environment_then_default(monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "123")
    assert load_settings()["MAX_UPLOAD_BYTES"] == 123
    assert load_settings(MAX_UPLOAD_BYTES=7)["MAX_UPLOAD_BYTES"] == 7
    monkeypatch.delenv("MAX_UPLOAD_BYTES")
    assert load_settings()["MAX_UPLOAD_BYTES"] == 20_000_000
    with pytest.raises(KeyError, match="NOPE"):
        load_settings(NOPE=1)
