"""Family views in the catalog: validated with errors that name the family and the view; the
defaults for a family that declares none; dimension labels; value formatting in one place."""
import copy
import re
import tomllib

import pytest

from metrics.catalog import DEFAULT_CATALOG_PATH, CatalogError, parse_catalog
from metrics.formatting import compact, format_cell, format_change, format_threshold, format_value
from metrics.views import KINDS


@pytest.fixture(scope="module")
def base():
    with open(DEFAULT_CATALOG_PATH, "rb") as fh:
        return tomllib.load(fh)


def family(raw, family_id):
    return next(f for f in raw["families"] if f["id"] == family_id)


def broken(base, family_id, index, **changes):
    raw = copy.deepcopy(base)
    view = family(raw, family_id)["views"][index]
    for key, value in changes.items():
        if value is None:
            view.pop(key, None)
        else:
            view[key] = value
    return raw


@pytest.mark.parametrize("family_id, index, changes, message", [
    ("ota", 1, {"kind": "pie"}, "families[id=ota].views[1]: kind 'pie' is not one of"),
    ("ota", 1, {"metric": "ghost"}, "families[id=ota].views[1] (compare ota-trend): unknown metric 'ghost'"),
    ("alerts", 3, {"by": "colour"},
     "families[id=alerts].views[3] (top alerts-codes): by names unknown dimension 'colour'"),
    ("ota", 1, {"by": "smets_generation"},
     "families[id=ota].views[1] (compare ota-trend): by 'smets_generation' is not a dimension of ota_success_rate"),
    ("smets1", 3, {"order_by": "ghost"}, "families[id=smets1].views[3] (split smets1-failure): unknown metric 'ghost'"),
    ("alerts", 4, {"metrics": ["alerts_superfluous", "nope"]},
     "families[id=alerts].views[4] (share alerts-share): unknown metric 'nope'"),
    ("alerts", 4, {"metrics": ["alerts_superfluous"]}, "a share takes two metrics"),
    ("stability", 1, {"colour": "red"}, "families[id=stability].views[1] (split stability-incidents): "
                                        "unknown option 'colour'"),
    ("stability", 1, {"by": None}, "families[id=stability].views[1] (split stability-incidents): missing 'by'"),
    ("stability", 2, {"chart": "pie"}, "chart 'pie' is not one of ['line', 'bar']"),
    ("stability", 2, {"half": "yes"}, "half should be true or false"),
    ("stability", 2, {"height": 10}, "height should be a whole number from 200"),
    ("stability", 2, {"title": "Incidents in {country}"}, "title uses {country}"),
    ("stability", 2, {"id": "stability-incidents"}, "families[id=stability].views[2]: id 'stability-incidents' "
                                                    "is used twice"),
    ("stability", 2, {"id": "Major Incidents"}, "id 'Major Incidents' should be lower-case"),
    ("alerts", 2, {"parts": ["a", "b"]}, "(compare alerts-region): parts are shown for ratios only"),
    ("stability", 2, {"parts": ["a", "b"]}, "(trend stability-major): unknown option 'parts'"),
    ("ch_installs", 0, {"per_value": "reason"}, "per_value 'reason' is not a dimension of ch_installed"),
])
def test_vie001_a_bad_view_gets_an_error_naming_the_family_and_the_view(base, family_id, index, changes, message):
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse_catalog(broken(base, family_id, index, **changes))


@pytest.mark.parametrize("changes, message", [
    ({"path": "ota firmware"}, "families[id=ota]: path 'ota firmware' should look like /ota-firmware"),
    ({"metrics": ["ota_success_rate", "ghost"]}, "families[id=ota]: unknown metric 'ghost'"),
    ({"controls": ["device_model"]}, "families[id=ota]: control 'device_model' is not one of"),
    ({"controls": ["smets_generation"]}, "families[id=ota]: control 'smets_generation' is not a dimension"),
    ({"intro": "For {whom}"}, "families[id=ota]: intro uses {whom}"),
    ({"path": "/alerts"}, "families: path '/alerts' is used twice"),
    ({"views": {"kind": "tiles"}}, "families[id=ota]: views should be a list"),
])
def test_vie002_a_bad_family_gets_an_error_naming_it(base, changes, message):
    raw = copy.deepcopy(base)
    family(raw, "ota").update(changes)
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse_catalog(raw)


def test_vie003_every_family_declares_views_of_known_kinds(catalog):
    assert [f.id for f in catalog.families] == ["stability", "ota", "alerts", "ch_exceptions",
                                                "aged_incidents", "ch_returns", "smets1", "ch_installs"]
    for fam in catalog.families:
        assert fam.declared and fam.views[0].kind == "tiles", fam.id
        assert {v.kind for v in fam.views} <= set(KINDS)
        for view in fam.views:
            assert all(m in catalog.metrics for m in view.metrics)
    alerts = catalog.family("alerts")
    assert alerts.controls == ("csp_region", "smets_generation")
    assert [v.id for v in alerts.views if v.half] == ["alerts-codes", "alerts-share"]


def test_vie004_a_family_without_views_gets_tiles_and_a_trend_per_headline_value(base):
    raw = copy.deepcopy(base)
    raw["families"].append({"id": "returns_again", "title": "Returns again", "path": "/returns-again",
                            "metrics": ["ch_returns_received", "ch_returns_far_rate"]})
    fam = parse_catalog(raw).family("returns_again")
    assert not fam.declared
    assert fam.controls == ("csp_region",)  # its metrics' headline dimension
    assert fam.empty == "No Returns again figures have been uploaded yet."
    tiles, *trends = fam.views
    assert (tiles.kind, tiles.metrics, tiles.per_value) == ("tiles", fam.metrics, "csp_region")
    assert [(v.kind, v.metric, v.by) for v in trends] == [
        ("compare", "ch_returns_received", "csp_region"), ("compare", "ch_returns_far_rate", "csp_region")]
    assert len({v.id for v in fam.views}) == len(fam.views)


def test_vie005_dimension_labels_come_from_the_catalog(catalog, base):
    region = catalog.dimensions["csp_region"]
    assert [region.label(v) for v in (None, "North", "Central & South")] == [
        "All regions", "CSP North", "CSP Central & South"]
    assert [region.short(v) for v in (None, "North", "Central & South", "South")] == [
        "All", "CSP N", "CSP C&S", "CSP South"]
    assert catalog.dimensions["category"].label("1") == "Category 1"
    assert catalog.dimensions["smets_generation"].label("SMETS1") == "SMETS1"
    raw = copy.deepcopy(base)
    raw["dimensions"]["csp_region"]["short"]["Mars"] = "CSP M"
    with pytest.raises(CatalogError, match=re.escape("dimensions.csp_region: short label given for unknown "
                                                     "value 'Mars'")):
        parse_catalog(raw)
    raw = copy.deepcopy(base)
    raw["dimensions"]["category"]["label"] = "Category"
    with pytest.raises(CatalogError, match=re.escape("dimensions.category: label 'Category' should contain")):
        parse_catalog(raw)


def test_vie006_values_are_written_one_way():
    assert format_value(87.0712, "%", 2) == "87.07%"
    assert format_value(31000, "count", 0) == "31,000"
    assert format_value(None, "count", 0) == "—"
    assert format_threshold(99.0, "%", 2) == "99%"
    assert format_threshold(97.5, "%", 2) == "97.50%"
    assert format_change(2.364, "%", 2) == "+2.36 pts"
    assert format_change(-3, "count", 0) == "−3"
    assert format_change(0.001, "count", 0) == "no change"
    assert compact(6_110_000, "count", 0) == "6.11M" and compact(28_200, "count", 0) == "28.2k"
    assert format_cell(104484.0) == "104,484" and format_cell(None) == "blank" and format_cell("N") == "N"
