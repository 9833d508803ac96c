"""Every setting is declared once, with help, and the README's table is generated from the registry."""
from pathlib import Path

import pytest

from metrics.settings import SETTINGS, Settings, SettingsError, load_settings, settings_table_markdown

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
    assert load_settings().max_upload_bytes == 123
    assert load_settings(MAX_UPLOAD_BYTES=7).max_upload_bytes == 7
    monkeypatch.delenv("MAX_UPLOAD_BYTES")
    assert load_settings().max_upload_bytes == 20_000_000
    with pytest.raises(KeyError, match="NOPE"):
        load_settings(NOPE=1)


def test_set004_typed_and_frozen(monkeypatch):
    monkeypatch.setenv("PUBLIC_READ", "yes")
    monkeypatch.setenv("SMTP_PORT", " 2525 ")
    settings = load_settings(SESSION_MAX_HOURS="8")  # an override given as text is parsed too
    assert isinstance(settings, Settings)
    assert (settings.public_read, settings.smtp_port, settings.session_max_hours) == (True, 2525, 8)
    with pytest.raises(AttributeError):
        settings.public_read = False  # read once: nothing changes a running app's settings


@pytest.mark.parametrize("name, value, expected", [
    ("MAX_UPLOAD_BYTES", "abc", "MAX_UPLOAD_BYTES='abc' (environment): expected a whole number"),
    ("PUBLIC_READ", "maybe", "PUBLIC_READ='maybe' (environment): expected true or false"),
])
def test_set005_bad_environment_value_names_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(expected)


def test_set006_cli_reports_a_bad_setting_in_one_line(monkeypatch, capsys, tmp_path):
    from metrics.cli.commands import EXIT_USAGE, main

    monkeypatch.setenv("MAX_UPLOAD_BYTES", "20MB")
    assert main(["template", "ota", "-o", str(tmp_path / "t.csv")]) == EXIT_USAGE
    assert capsys.readouterr().err.strip() == "error: MAX_UPLOAD_BYTES='20MB' (environment): expected a whole number"
