"""Catalog revisions (SPEC §9): check, apply, export; located refusals that write nothing; the
catalog in force per moment; a process picking a new revision up. SQLite and PostgreSQL."""
from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from metrics import catalog_revisions as revisions
from metrics.catalog import DEFAULT_CATALOG_PATH, parse_catalog
from metrics.cli.commands import main
from metrics.ingest.write import ingest
from metrics.store import schema
from metrics.store.engine import utcnow

FRAGMENT = Path(__file__).resolve().parents[1] / "fixtures" / "opsg29_smets1_operated.toml"


@pytest.fixture
def started(store):
    revisions.ensure_first(store, DEFAULT_CATALOG_PATH)
    return store


def counts(store) -> tuple[int, int]:
    with store.read() as conn:
        return (conn.execute(select(func.count()).select_from(schema.catalog_revisions)).scalar(),
                conn.execute(select(func.count()).select_from(schema.audit_events)).scalar())


def test_crv001_the_2907_fragment_becomes_revision_2_in_force_from_its_apply(started):
    before = utcnow() - timedelta(seconds=1)
    ticks = [0.0]
    live = revisions.LiveCatalog(started, check_seconds=2.0, clock=lambda: ticks[0])
    assert "smets1_operational_share" not in live.current().metrics
    result, number = revisions.apply(started, FRAGMENT.read_bytes(), actor="secas", reason="OPSG 29/07",
                                     source="cli")
    assert result.errors == [] and number == 2
    assert {"entry": "datasets.smets1_operated", "change": "added"} in result.changes
    assert "smets1_operational_share" not in live.current().metrics  # not re-read within 2 s
    ticks[0] = 2.0
    catalog = live.current()
    metric = catalog.metric("smets1_operational_share")
    assert (metric.numerator, metric.denominator, metric.dimensions) == (
        ("operational",), ("operational", "non_operational"), ("customer",))
    assert [(t.target, t.minimum) for t in catalog.thresholds if t.metric == metric.id] == [(98.0, 95.0)]
    assert catalog.family("smets1_operated").path == "/smets1-operated"
    assert catalog.agenda[-1].id == "smets1_operated"
    assert "smets1_operational_share" not in live.at(before).metrics  # as_of before the apply
    with started.read() as conn:
        assert revisions.in_force_number(conn, before) == 1
        event = conn.execute(select(schema.audit_events).where(
            schema.audit_events.c.action == "catalog_applied")).one()
    assert (event.actor, event.subject) == ("secas", "catalog revision 2")


def test_crv002_every_error_names_its_entry_and_nothing_is_written(started):
    bad = """
[columns.volume]
type = "money"

[datasets.broken]
title = "Broken"
columns = ["month", "region_x", "count"]
dimensions = ["galaxy"]
measures = ["count"]

[[metrics]]
id = "broken_share"
title = "Broken share"
family = "nowhere"
dataset = "broken"
numerator = ["attempted"]
unit = "%"
decimals = 1
direction = "higher_is_better"

[[metrics]]
id = "broken_share"
title = "Twice"

[[thresholds]]
metric = "no_such_metric"
target = 1
minimum = 2
effective_from = "2020-01"

[[families]]
id = "clash"
title = "Clash"
path = "/stability"
metrics = ["ghost_metric"]

[[families]]
id = "taken"
title = "Taken"
path = "/upload"

[[agenda]]
id = "ghost"
title = "Ghost"
metrics = ["ghost_metric"]
"""
    before = counts(started)
    with started.read() as conn:
        result = revisions.check(conn, revisions.raw_of(conn, 1), bad)
    errors = result.errors
    expected = [
        "columns.volume: type 'money'",
        "datasets.broken: column 'region_x' is not defined",
        "datasets.broken: dimensions names 'galaxy', not one of its columns",
        "datasets.broken: dimension 'galaxy' is not defined under [dimensions]",
        "metrics[id=broken_share]: defined twice in the fragment",
        "metrics[id=broken_share]: numerator 'attempted' is not a measure of broken",
        "metrics[id=broken_share]: family 'nowhere'",
        "thresholds[no_such_metric, 2020-01]: unknown metric 'no_such_metric'",
        "families[id=clash]: path '/stability' is used by another family",
        "families[id=clash]: unknown metric 'ghost_metric'",
        "families[id=taken]: path '/upload' is another page's",
        "agenda[id=ghost]: unknown metric 'ghost_metric'",
    ]
    for text in expected:
        assert any(e.startswith(text) for e in errors), (text, errors)
    result, number = revisions.apply(started, bad, actor="secas", reason="try", source="cli")
    assert number is None and result.errors
    assert counts(started) == before


def test_crv003_changes_that_would_break_stored_figures_are_refused(started, catalog):
    csv = b"month,category,count,change_related\n2020-01,1,0,0\n2020-01,3,12,2\n"
    assert ingest(started, catalog, csv, "i.csv", user="t", source="cli", dataset="incidents").outcome == "accepted"
    before = counts(started)
    cases = {
        'remove = { datasets = ["incidents"], metrics = ["incidents_total", "incidents_major", '
        '"incidents_change_related"] }':
            "datasets.incidents: refused: it has stored figures, so it cannot be removed",
        '[columns.count]\ntype = "percent"\n':
            "columns.count: refused: incidents has stored figures with it as count, so its type cannot become percent",
        '[datasets.incidents]\ntitle = "Incidents"\ncolumns = ["month", "category", "count"]\n'
        'dimensions = []\nmeasures = ["count"]\n':
            "datasets.incidents: refused: it has stored figures, so its dimensions cannot change",
    }
    for fragment, reason in cases.items():
        result, number = revisions.apply(started, fragment, actor="secas", reason="try", source="web")
        assert number is None and reason in result.errors, (fragment, result.errors)
    assert counts(started) == before
    # a dataset without figures may go, with what uses it (its thresholds follow its metrics)
    assert revisions.apply(started, FRAGMENT.read_bytes(), actor="secas", reason="29/07", source="cli")[1] == 2
    result, number = revisions.apply(
        started, 'remove = { datasets = ["smets1_operated"], metrics = ["smets1_operational_share", '
        '"smets1_non_operational"], families = ["smets1_operated"], agenda = ["smets1_operated"] }',
        actor="secas", reason="withdrawn", source="web")
    assert result.errors == [] and number == 3
    assert {"entry": "thresholds[smets1_operational_share, 2018-01]", "change": "removed"} in result.changes
    assert "smets1_operated" not in result.catalog.datasets


@pytest.mark.parametrize("fragment, error", [
    ("x = " + "[" * 20 + "]" * 20, "fragment: nested more than 8 levels deep"),
    ("[datasets\n", "fragment: not valid TOML"),
    ("[widgets.a]\nx = 1\n", "fragment: unknown section [widgets]"),
    ('[columns.c]\ntype = "text"\ndescription = "' + "d" * 3000 + '"\n', "columns.c.description: text longer than"),
    ('[columns."Bad Name"]\ntype = "text"\n', "columns.Bad Name: a name is lower-case"),
    ('[[families]]\nid = "f"\ntitle = "F"\npath = "/a/b"\n', "families[id=f]: path '/a/b' should be one segment"),
    ('[[metrics]]\nid = "m"\nnumerator = 5\ndataset = "incidents"\n', "metrics[id=m]"),
    ("datasets = 3\n", "datasets: should be a table"),
    ("", "fragment: changes nothing"),
])
def test_crv004_malformed_fragments_are_refused_with_the_reason(started, fragment, error):
    with started.read() as conn:
        result = revisions.check(conn, revisions.raw_of(conn, 1), fragment)
    assert any(e.startswith(error) for e in result.errors), result.errors


def test_crv005_a_fragment_over_the_size_limit_is_refused_unread(started):
    huge = "# " + "x" * revisions.MAX_FRAGMENT_BYTES
    before = counts(started)
    result, number = revisions.apply(started, huge, actor="secas", reason="big", source="cli")
    assert number is None and result.errors[0].startswith("fragment: 256,002 bytes, over the limit")
    assert counts(started) == before


def test_crv006_export_is_the_catalog_in_force_as_one_toml_file(started):
    revisions.apply(started, FRAGMENT.read_bytes(), actor="secas", reason="29/07", source="cli")
    with started.read() as conn:
        text = revisions.export_toml(revisions.raw_of(conn, revisions.version(conn)))
    exported = parse_catalog(tomllib.loads(text))
    assert "smets1_operational_share" in exported.metrics
    assert exported.datasets["smets1_operated"].measures == ("operational", "non_operational")


def test_crv007_command_line_check_apply_export_exit_codes(started, tmp_path, capsys):
    url = ["--database", started.url]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[thresholds]]\nmetric = "nope"\ntarget = 1\nminimum = 0\neffective_from = "2020-01"\n')
    assert main([*url, "catalog", "check", str(bad)]) == 1
    assert "thresholds[nope, 2020-01]: unknown metric 'nope'" in capsys.readouterr().err
    assert main([*url, "catalog", "check", str(FRAGMENT)]) == 0
    assert counts(started)[0] == 1  # check writes nothing
    assert main([*url, "catalog", "apply", str(FRAGMENT), "--reason", "OPSG 29/07"]) == 0
    assert "catalog revision 2 in force" in capsys.readouterr().out
    assert main([*url, "catalog", "export"]) == 0
    assert 'path = "/smets1-operated"' in capsys.readouterr().out
    assert main([*url, "catalog", "check", str(tmp_path / "missing.toml")]) == 2


def test_crv008_a_changed_catalog_file_is_applied_at_start_and_a_bad_one_stops_it(started, tmp_path):
    from metrics.catalog import CatalogError

    upgraded = tmp_path / "catalog.toml"
    upgraded.write_text(DEFAULT_CATALOG_PATH.read_text() + "\n" + FRAGMENT.read_text())
    assert revisions.ensure_first(started, upgraded) == 2
    assert revisions.ensure_first(started, upgraded) is None  # taken once, by whichever process starts first
    with started.read() as conn:
        assert "smets1_operated" in revisions.raw_of(conn, 2)["datasets"]
    broken = tmp_path / "broken.toml"
    broken.write_text(upgraded.read_text().replace('numerator = ["non_operational"]', 'numerator = ["nothing"]'))
    with pytest.raises(CatalogError, match=r"metrics\[id=smets1_non_operational\]: numerator 'nothing'"):
        revisions.ensure_first(started, broken)
    assert counts(started)[0] == 2
