"""The catalog file is data, validated at start with messages that name the entry."""
import tomllib

import pytest

from metrics.catalog import DEFAULT_CATALOG_PATH, CatalogError, load_catalog, parse_catalog


def raw():
    with open(DEFAULT_CATALOG_PATH, "rb") as fh:
        return tomllib.load(fh)


def test_cat001_spec_metrics_all_present(catalog):
    expected = {"incidents_total", "incidents_major", "incidents_change_related", "ota_success_rate",
                "alerts_total", "alerts_superfluous", "alerts_per_10k_ch", "ch_exceptions_open",
                "aged_incidents_open", "ch_returns_received", "ch_returns_far_rate", "smets1_migrated",
                "smets1_migration_failure_rate", "ch_installed"}
    assert set(catalog.metrics) == expected
    ota = catalog.metric("ota_success_rate")
    assert (ota.unit, ota.direction, ota.decimals) == ("%", "higher_is_better", 2)
    default = [t for t in catalog.thresholds if t.metric == "ota_success_rate" and t.dimension is None]
    assert (default[0].target, default[0].minimum) == (99, 95)


def test_cat002_region_aliases_and_rollup(catalog):
    region = catalog.dimensions["csp_region"]
    for alias in ("CSP N", "n", "CSP North", "north"):
        assert region.canonical(alias) == "North"
    for alias in ("CSP C&S", "C&S", "Central and South", "central & south"):
        assert region.canonical(alias) == "Central & South"
    assert region.members("Central & South") == ("Central & South", "Central", "South")
    assert region.canonical("Nroth") is None
    assert catalog.dimensions["smets_generation"].canonical("S1") == "SMETS1"
    assert catalog.dimensions["alert_code"].canonical("8f3e") == "8F3E"


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r["metrics"][0].update(dataset="nope"), "metrics[id=incidents_total]: unknown dataset 'nope'"),
    (lambda r: r["metrics"][3].update(direction="up"), "metrics[id=ota_success_rate]: direction 'up'"),
    (lambda r: r["thresholds"][3].update(minimum=100), "higher is better, so minimum must not exceed target"),
    (lambda r: r["thresholds"][0].update(effective_from="2020-13"), "is not a month YYYY-MM"),
    (lambda r: r["datasets"]["alerts"]["columns"].append("colour"), "datasets.alerts: column 'colour'"),
    (lambda r: r["families"][0]["metrics"].append("ghost"), "families[id=stability]: unknown metric 'ghost'"),
    (lambda r: r["agenda"][1]["metrics"].append("ghost"), "agenda[1] (id stability): unknown metric 'ghost'"),
])
def test_cat003_broken_catalog_names_the_entry(mutate, message):
    broken = raw()
    mutate(broken)
    with pytest.raises(CatalogError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        parse_catalog(broken)


def test_cat004_unreadable_file(tmp_path):
    bad = tmp_path / "catalog.toml"
    bad.write_text("[metrics\n")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(bad)
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "missing.toml")
