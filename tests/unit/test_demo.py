"""The synthetic demo data: deterministic, shaped like the catalog, and telling the OPSG_29 story."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from metrics.catalog import load_catalog
from metrics.demo.tables import DEMO_LABEL, MONTHS, demo_files, demo_tables

TEXT_TYPES = {"month", "date", "dimension", "text"}


@pytest.fixture(scope="module")
def demo_catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def tables(demo_catalog):
    return demo_tables(demo_catalog)


def _monthly(frame: pd.DataFrame, columns, by=()) -> pd.DataFrame:
    return frame.groupby(["month", *by])[columns].sum()


def test_demo001_deterministic(demo_catalog, tables):
    again = demo_tables(demo_catalog)
    assert again.keys() == tables.keys()
    for name in tables:
        pd.testing.assert_frame_equal(again[name], tables[name])
    assert demo_files(demo_catalog) == demo_files(demo_catalog)
    assert "Synthetic" in DEMO_LABEL and "not real DCC figures" in DEMO_LABEL


def test_demo002_every_dataset_has_the_catalog_columns(demo_catalog, tables):
    assert set(tables) == set(demo_catalog.datasets)
    for name, dataset in demo_catalog.datasets.items():
        frame = tables[name]
        assert list(frame.columns) == [c.name for c in dataset.columns], name
        assert not frame.empty, name
        assert not frame.isna().any().any(), name
        for column in dataset.columns:
            if column.type == "count":
                assert pd.api.types.is_integer_dtype(frame[column.name]), (name, column.name)
                assert (frame[column.name] >= 0).all(), (name, column.name)
        if not dataset.notes:
            assert not frame.duplicated(list(dataset.key)).any(), name
            assert frame["month"].str.fullmatch(r"\d{4}-\d{2}").all(), name
            assert frame["month"].between(MONTHS[0], MONTHS[-1]).all(), name
            for small, big in dataset.not_greater:
                assert (frame[small] <= frame[big]).all(), (name, small, big)


def test_demo003_dimension_values_are_canonical(demo_catalog, tables):
    for name, dataset in demo_catalog.monthly_datasets.items():
        for dim in dataset.dimensions:
            dimension = demo_catalog.dimensions[dim]
            values = tables[name][dim]
            assert (values.map(dimension.canonical) == values).all(), (name, dim)
            if dimension.kind == "enum":
                assert set(values) <= set(dimension.values), (name, dim)
    assert set(tables["ota_firmware"].csp_region) == {"North", "Central", "South"}
    assert set(tables["incidents"].category) == {"1", "2", "3", "4", "5"}
    codes = tables["alerts"].alert_code
    assert codes.str.fullmatch(r"[0-9A-F]{4}").all() and "8F3E" in set(codes)


def test_demo004_files_read_back_equal_the_tables(demo_catalog, tables):
    files = demo_files(demo_catalog)
    assert [name for name, _ in files] == [f"{n}.csv" for n in tables]
    for filename, data in files:
        name = filename.removesuffix(".csv")
        dataset = demo_catalog.datasets[name]
        text = data.decode("utf-8")
        assert text.splitlines()[0] == ",".join(c.name for c in dataset.columns)
        assert not text.startswith("\ufeff")
        if not dataset.notes:  # numbers plain: no 87.07%, no 31,000
            assert "%" not in text and '"' not in text, name
        as_text = {c.name: str for c in dataset.columns if c.type in TEXT_TYPES}
        back = pd.read_csv(io.BytesIO(data), dtype=as_text, keep_default_na=False)
        pd.testing.assert_frame_equal(back, tables[name], check_dtype=False)


def test_demo005_csp_north_ota_story(tables):
    ota = tables["ota_firmware"].set_index(["month", "csp_region"])
    rate = (100 * ota.succeeded / ota.attempted).round(2)
    assert (ota.success_rate == rate).all()  # the check column agrees with the counts
    north = rate.xs("North", level="csp_region")
    assert north["2019-12"] == 84.71 and north["2020-01"] == 87.07
    assert round(100 * ota.loc[("2019-12", "North"), "succeeded"]
                 / ota.loc[("2019-12", "North"), "attempted"], 2) == 84.71
    assert 98 <= north["2020-02"] < 99.5
    assert (north["2020-03":] >= 99).all()
    assert north["2018-01"] > 96
    assert north["2018-01"] - north["2019-11"] > 10  # declining from ~97% to the low 80s
    for region in ("Central", "South"):
        series = rate.xs(region, level="csp_region")
        assert (series["2019-09":"2020-01"].between(96.5, 98.6)).all(), region
        assert (series["2020-02":] >= 99).all(), region
    assert (ota.attempted.between(10_000, 999_999)).all()


def test_demo006_january_2020_worst_month_on_record(tables):
    incidents = _monthly(tables["incidents"], ["count", "change_related"])
    assert incidents.loc["2020-01", "count"] == 15
    assert incidents.loc["2020-01", "change_related"] == 3
    others = incidents.drop("2020-01")
    assert others["count"].max() < 15 and others["change_related"].max() < 3
    assert others["count"].median() <= 10
    by_category = tables["incidents"].groupby("category")["count"].sum()
    assert by_category[["1", "2"]].sum() < 0.1 * by_category.sum()  # major incidents are rare


def test_demo007_alerts_rise_in_every_region_north_worst(tables):
    alerts = tables["alerts"]
    yearly = alerts.groupby([alerts.month.str[:4], "csp_region"])["count"].sum().unstack()
    for region in ("North", "Central", "South"):
        assert yearly[region].is_monotonic_increasing and yearly[region].is_unique, region
    chs = tables["ch_installs"].set_index(["month", "csp_region"]).commissioned_total
    per_ch = (_monthly(alerts, "count", ["csp_region"]) / chs).unstack()
    assert (per_ch.North > per_ch.Central).all() and (per_ch.North > per_ch.South).all()
    share = (alerts[alerts.alert_code == "8F3E"].groupby("month")["count"].sum()
             / alerts.groupby("month")["count"].sum())
    assert share.between(0.7, 0.9).all() and share["2020-01"] > share["2018-01"]
    assert alerts.alert_code.nunique() >= 5
    smets1 = alerts[alerts.smets_generation == "SMETS1"]
    assert smets1.month.min() == "2019-01" and (smets1["count"] > 0).all()
    assert (alerts.superfluous <= alerts["count"]).all() and alerts.superfluous.sum() > 0


def test_demo008_aged_incidents_fall_in_four_of_five_categories(tables):
    aged = tables["aged_incidents"]
    users = aged[aged.assigned_to == "Service Users"].pivot(index="month", columns="reason",
                                                            values="count")
    assert users.shape[1] == 5
    falling = users.loc["2020-03"] < users.loc["2019-10"]
    assert falling.sum() == 4
    assert not falling["Incorrect certificate labelling"]
    assert falling["Incorrect or no credentials"] and falling["Incorrect CH variant installed"]


def test_demo009_ch_installs_cumulative_and_consistent(tables):
    for region, frame in tables["ch_installs"].groupby("csp_region"):
        total, installed = frame.commissioned_total.to_numpy(), frame.installed.to_numpy()
        added = total[1:] - total[:-1]
        assert (added >= 0).all() and (added <= installed[1:]).all(), region
        assert (added >= 0.8 * installed[1:]).all(), region  # most of each month's installs
    monthly = _monthly(tables["ch_installs"], "installed")
    assert monthly.min() >= 10_000 and monthly.max() >= 100_000


def test_demo010_smets1_migration_story(tables):
    migration = tables["smets1_migration"]
    assert migration.month.min() >= "2019-01"
    to_jan = migration[migration.month <= "2020-01"].groupby("device_model").migrated.sum()
    assert abs(to_jan["Elster"] - 31_000) <= 1_000 and abs(to_jan["Itron"] - 40_000) <= 1_000
    itron = migration[migration.device_model == "Itron"].set_index("month").migrated
    assert (itron["2020-02":"2020-12"].between(50_000, 70_000)).all()  # ~2,000 a day
    for model, frame in migration.groupby("device_model"):
        rate = frame.failed / (frame.migrated + frame.failed)
        assert rate.iloc[:3].mean() > rate.iloc[-3:].mean(), model  # reduced fallback rate
        assert rate.max() < 0.1, model


def test_demo011_ch_returns_and_exceptions(tables):
    returns = tables["ch_returns"]
    q3 = returns[returns.month.between("2019-07", "2019-09")]
    assert q3.returned.sum() == 480
    assert (returns.triaged <= returns.returned).all()
    before_audit = returns[returns.month <= "2020-02"]  # FARs not issued for every triaged hub
    assert before_audit.far_issued.sum() < 0.5 * before_audit.triaged.sum()
    around_opsg29 = returns[returns.month.between("2019-07", "2020-01")]
    assert (around_opsg29.no_fault_found == around_opsg29.triaged).all()
    exceptions = tables["ch_exceptions"].pivot_table(index=["month", "csp_region"],
                                                     columns="exception_type", values="count")
    for region in ("Central", "South"):
        part = exceptions.xs(region, level="csp_region")
        assert (part.idxmax(axis=1) == "No or incomplete address").all(), region
    totals = _monthly(tables["ch_exceptions"], "count")
    assert totals["2020-01"] > totals["2019-01"] > totals["2018-01"]


def test_demo012_annotations(demo_catalog, tables):
    notes = tables["annotations"]
    assert notes.date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    by_title = notes.set_index("title")
    assert by_title.loc["Fibre cable incident", "date"] == "2020-01-31"
    assert "latency" in by_title.loc["Fibre cable incident", "detail"].lower()
    assert by_title.loc["Core 1.1 release", "date"] == "2020-04-30"
    assert 5 <= len(notes) <= 7
    assert set(notes.metric) - {""} <= set(demo_catalog.metrics) and (notes.metric != "").any()
    assert set(notes.csp_region) <= {"", "North", "Central", "South"}
    assert (notes.csp_region != "").any()
