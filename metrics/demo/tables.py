"""Labelled synthetic demo data for every catalog dataset, 2018-01 to 2021-12.

The figures are invented (seeded, so every call gives the same tables); only the story told in the
public OPSG_29 minutes (4 February 2020) is reproduced: CSP N OTA firmware success 84.71% in
December 2019 and 87.07% in January 2020, aiming for 99% by March; January 2020 the worst month
on record with 15 incidents, 3 caused by change; alerts (mostly 8F3E) rising in every region, worst
in CSP N; aged incidents falling in four of five categories; 480 CH returns in Q3 2019 with no
fault found in any triaged hub and few FARs; Elster ~31,000 and Itron ~40,000 migrated by January
2020, then Itron at ~2,000 a day. ``demo_tables`` builds the canonical tables; ``demo_files``
writes them as the CSV files a DCC analyst would upload.
"""
from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

DEMO_LABEL = "Synthetic demo data — not real DCC figures"
SEED = 2902  # OPSG_29, 4 February 2020
MONTHS: tuple[str, ...] = tuple(pd.period_range("2018-01", "2021-12", freq="M").strftime("%Y-%m"))
REGIONS = ("North", "Central", "South")
_T = {m: i for i, m in enumerate(MONTHS)}
_N = len(MONTHS)

# Alert codes and their share of the non-8F3E remainder; 8F3E takes ~80% of the volume.
ALERT_CODES = {"8F35": 0.30, "8F36": 0.22, "8F0F": 0.20, "8F1C": 0.16, "8F72": 0.12}
EXCEPTION_TYPES = {  # open exceptions per region at 2018-01, by type
    "No or incomplete address": {"North": 300, "Central": 1500, "South": 1700},
    "CH no incident for outage": {"North": 900, "Central": 600, "South": 650},
    "Incorrect CH variant": {"North": 500, "Central": 350, "South": 380},
    "CH not commissioned": {"North": 600, "Central": 400, "South": 420},
    "No WAN coverage at install": {"North": 400, "Central": 250, "South": 200},
}
AGED_REASONS = {  # open aged incidents assigned to Service Users; only the last keeps rising
    "Incorrect or no credentials": {"2018-01": 60, "2019-10": 420, "2020-06": 150, "2021-12": 60},
    "Incorrect CH variant installed": {"2018-01": 40, "2019-10": 300, "2020-06": 120, "2021-12": 50},
    "Device status mismatch": {"2018-01": 50, "2019-10": 260, "2020-06": 110, "2021-12": 70},
    "Missing MPxN association": {"2018-01": 30, "2019-09": 200, "2020-06": 90, "2021-12": 50},
    "Incorrect certificate labelling": {"2018-01": 20, "2019-10": 140, "2020-06": 210, "2021-12": 190},
}
ANNOTATIONS = [  # date, title, detail, metric, csp_region
    ("2020-01-31", "Fibre cable incident",
     "A fibre cable failure in the national infrastructure: latency increased for a period, but the "
     "DCC infrastructure proved resilient. Some Users' systems did not reconfigure automatically.",
     "", ""),
    ("2020-02-03", "Itron automated migration tool",
     "Automated tool introduced; Itron SMETS1 migrations now about 2,000 meters a day.",
     "smets1_migrated", ""),
    ("2020-02-04", "CSP N remediation plan",
     "Action plan presented to OPSG_29; CSP N aims for Green (99%) OTA firmware success by end of March.",
     "ota_success_rate", "North"),
    ("2020-02-04", "8F3E root cause identified",
     "Root cause found for around 80% of 8F3E alerts; implementation date not yet confirmed.",
     "alerts_total", ""),
    ("2020-03-23", "COVID-19 lockdown", "Installations largely paused.", "ch_installed", ""),
    ("2020-04-30", "Core 1.1 release",
     "Target deployment, including the fix for Split Supplier SMETS1 migrations.", "", ""),
    ("2020-09-30", "8F3E remediation firmware rollout",
     "Firmware addressing the 8F3E root cause deployed across regions.", "alerts_superfluous", ""),
]


def _curve(knots: dict[str, float]) -> np.ndarray:
    """A monthly series through {month: value} knots, straight lines between, flat beyond."""
    return np.interp(np.arange(_N), [_T[m] for m in knots], list(knots.values()))


def _from(month: str) -> np.ndarray:
    """Boolean mask of the months from ``month`` on."""
    return np.arange(_N) >= _T[month]


def _exact_total(rng, weights: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers in proportion to noisy ``weights`` that sum to exactly ``total``."""
    noisy = weights * rng.normal(1, 0.05, len(weights))
    out = np.floor(noisy / noisy.sum() * total).astype(int)
    out[-1] += total - out.sum()
    return out


def _incidents(rng) -> pd.DataFrame:
    level = _curve({"2018-01": 4.0, "2019-01": 5.5, "2019-11": 8.0, "2020-03": 6.0, "2021-12": 4.5})
    totals = np.clip(rng.poisson(level), 2, 11)
    shares = [0.008, 0.03, 0.30, 0.40, 0.262]  # categories 1-2 (major) are rare
    rows = []
    for t, month in enumerate(MONTHS):
        if month == "2020-01":  # worst month on record: 15 incidents, 3 caused by change
            counts, change = np.array([0, 2, 5, 5, 3]), np.array([0, 1, 1, 1, 0])
        else:
            counts = rng.multinomial(totals[t], shares)
            change = rng.binomial(counts, 0.1)
            while change.sum() > 2:
                change[change.argmax()] -= 1
        rows += [(month, str(c + 1), int(counts[c]), int(change[c])) for c in range(5)]
    return pd.DataFrame(rows, columns=["month", "category", "count", "change_related"])


def _ota(rng) -> pd.DataFrame:
    rates = {
        "North": _curve({"2018-01": 97.2, "2018-12": 95.0, "2019-06": 90.5, "2019-11": 85.6,
                         "2019-12": 84.71, "2020-01": 87.07, "2020-02": 98.4, "2020-03": 99.2,
                         "2021-12": 99.5}),
        "Central": _curve({"2018-01": 99.3, "2019-03": 99.1, "2019-08": 97.6, "2020-01": 97.9,
                           "2020-02": 99.15, "2021-12": 99.5}),
        "South": _curve({"2018-01": 99.2, "2019-03": 99.0, "2019-08": 97.3, "2020-01": 97.7,
                         "2020-02": 99.1, "2021-12": 99.4}),
    }
    volume = {"North": 90_000, "Central": 140_000, "South": 160_000}
    exact = {"2019-12": 84.71, "2020-01": 87.07}  # CSP N, as reported to OPSG_29
    green_from = {"North": "2020-03", "Central": "2020-02", "South": "2020-02"}
    frames = []
    for region in REGIONS:
        attempted = np.rint(volume[region] * _curve({"2018-01": 0.6, "2020-01": 1.4, "2021-12": 1.1})
                            * rng.normal(1, 0.08, _N)).astype(int)
        # Once at SLA the margin above 99% varies but never drops below it.
        margin = np.maximum(rates[region] - 99.0, 0.1) * rng.lognormal(0, 0.3, _N)
        rate = np.where(_from(green_from[region]), 99.0 + np.minimum(margin, 0.9),
                        np.minimum(rates[region] + rng.normal(0, 0.25, _N), 99.6))
        if region == "North":
            for month, value in exact.items():
                rate[_T[month]] = value
        succeeded = np.rint(attempted * rate / 100).astype(int)
        if region == "North":  # large volumes make the reported rates exact to 2 dp
            assert all(round(100 * succeeded[_T[m]] / attempted[_T[m]], 2) == v for m, v in exact.items())
        frames.append(pd.DataFrame({"month": MONTHS, "csp_region": region, "attempted": attempted,
                                    "succeeded": succeeded,
                                    "success_rate": np.round(100 * succeeded / attempted, 2)}))
    return pd.concat(frames)


def _ch_installs(rng) -> pd.DataFrame:
    total = _curve({"2018-01": 110e3, "2018-12": 210e3, "2019-06": 330e3, "2020-02": 350e3,
                    "2020-03": 250e3, "2020-04": 40e3, "2020-05": 70e3, "2020-07": 250e3,
                    "2020-10": 330e3, "2021-12": 380e3})
    share = {"North": 0.26, "Central": 0.35, "South": 0.39}
    base = {"North": 180_000, "Central": 290_000, "South": 330_000}  # commissioned before 2018
    frames = []
    for region in REGIONS:
        installed = np.rint(total * share[region] * rng.normal(1, 0.04, _N)).astype(int)
        commissioned = np.rint(installed * rng.uniform(0.90, 0.97, _N)).astype(int)
        frames.append(pd.DataFrame({"month": MONTHS, "csp_region": region, "installed": installed,
                                    "commissioned_total": base[region] + np.cumsum(commissioned)}))
    return pd.concat(frames)


def _smets1_migration(rng) -> pd.DataFrame:
    def months(first, last="2021-12"):
        return list(MONTHS[_T[first]:_T[last] + 1])

    def per_day(knots):  # a daily rate times the days in each month
        days = [calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in MONTHS]
        return _curve(knots) * days

    migrated = {  # by January 2020: Elster ~31,000 and Itron ~40,000 in all
        "Elster": np.concatenate([
            _exact_total(rng, _curve({"2019-01": 150, "2019-08": 2500, "2020-01": 6500})[
                _T["2019-01"]:_T["2020-01"] + 1], 31_000),
            _curve({"2020-02": 7000, "2020-06": 9000, "2021-12": 5000})[_T["2020-02"]:]]),
        "Itron": np.concatenate([
            _exact_total(rng, _curve({"2019-05": 500, "2019-12": 8500, "2020-01": 9500})[
                _T["2019-05"]:_T["2020-01"] + 1], 40_000),
            per_day({"2020-02": 2000, "2020-12": 2000, "2021-12": 700})[_T["2020-02"]:]]),
        "Secure": _curve({"2020-06": 5000, "2020-12": 120_000, "2021-06": 200_000,
                          "2021-12": 220_000})[_T["2020-06"]:],
    }
    first = {"Elster": "2019-01", "Itron": "2019-05", "Secure": "2020-06"}
    fail_pct = {"Elster": {"2019-01": 7.0, "2020-01": 2.5, "2021-12": 1.0},
                "Itron": {"2019-05": 6.0, "2020-01": 3.0, "2020-03": 1.8, "2021-12": 1.0},
                "Secure": {"2020-06": 4.0, "2021-12": 1.2}}
    frames = []
    for model, values in migrated.items():
        span = months(first[model])
        noisy = np.where(np.arange(len(span)) > _T["2020-01"] - _T[first[model]],
                         values * rng.normal(1, 0.04, len(span)), values)
        done = np.rint(noisy).astype(int)
        pct = _curve(fail_pct[model])[_T[span[0]]:] / 100 * rng.normal(1, 0.08, len(span))
        frames.append(pd.DataFrame({"month": span, "device_model": model, "migrated": done,
                                    "failed": np.rint(done * pct / (1 - pct)).astype(int)}))
    return pd.concat(frames).sort_values(["month", "device_model"])


def _alerts(rng, installs: pd.DataFrame, migration: pd.DataFrame) -> pd.DataFrame:
    per_ch = {  # SMETS2 alerts per commissioned CH per month; CSP N worst, fix rolled out late 2020
        "North": _curve({"2018-01": 1.9, "2019-06": 3.0, "2020-03": 4.0, "2020-09": 4.0,
                         "2021-06": 3.1, "2021-12": 2.9}),
        "Central": _curve({"2018-01": 0.95, "2019-06": 1.6, "2020-03": 2.1, "2020-09": 2.1,
                           "2021-06": 1.6, "2021-12": 1.5}),
    }
    per_ch["South"] = per_ch["Central"] * 0.95
    share_8f3e = _curve({"2018-01": 0.74, "2020-02": 0.84, "2020-09": 0.84, "2021-06": 0.76})
    superfluous_8f3e = _curve({"2018-01": 0.55, "2020-02": 0.80, "2020-09": 0.80, "2021-06": 0.45})
    s1_split = {"North": 0.30 * 1.4, "Central": 0.35 * 0.9, "South": 0.35 * 0.9}
    s1_meters = migration.groupby("month")["migrated"].sum().reindex(MONTHS, fill_value=0).cumsum()
    frames = []
    for region in REGIONS:
        chs = installs.loc[installs.csp_region == region, "commissioned_total"].to_numpy()
        volume = {"SMETS2": chs * per_ch[region],
                  "SMETS1": s1_meters.to_numpy() * 0.5 * s1_split[region] + 2000 * _from("2019-01")}
        for generation in ("SMETS1", "SMETS2"):
            keep = _from("2019-01") if generation == "SMETS1" else _from("2018-01")
            for code, weight in {"8F3E": None, **ALERT_CODES}.items():
                share = share_8f3e if code == "8F3E" else (1 - share_8f3e) * weight
                count = np.rint(volume[generation] * share * rng.normal(1, 0.03, _N)).astype(int)
                spurious = superfluous_8f3e if code == "8F3E" else 0.1 + 0.15 * weight / 0.3
                frames.append(pd.DataFrame({
                    "month": MONTHS, "csp_region": region, "smets_generation": generation,
                    "alert_code": code, "count": count,
                    "superfluous": np.rint(count * spurious).astype(int)})[keep])
    return pd.concat(frames).sort_values(["month", "csp_region", "smets_generation", "alert_code"])


def _ch_exceptions(rng) -> pd.DataFrame:
    growth = _curve({"2018-01": 1.0, "2019-08": 2.6, "2020-06": 3.6, "2020-12": 3.8, "2021-12": 3.1})
    rows = [pd.DataFrame({"month": MONTHS, "csp_region": region, "exception_type": kind,
                          "count": np.rint(levels[region] * growth * rng.normal(1, 0.03, _N)).astype(int)})
            for kind, levels in EXCEPTION_TYPES.items() for region in REGIONS]
    return pd.concat(rows).sort_values(["month", "csp_region", "exception_type"])


def _aged_incidents(rng) -> pd.DataFrame:
    frames = [pd.DataFrame({"month": MONTHS, "reason": reason, "assigned_to": "Service Users",
                            "count": np.rint(_curve(knots) * rng.normal(1, 0.03, _N)).astype(int)})
              for reason, knots in AGED_REASONS.items()]
    for reason in ("Device status mismatch", "Missing MPxN association"):  # a few sit with the DCC
        frames.append(pd.DataFrame({"month": MONTHS, "reason": reason, "assigned_to": "DCC",
                                    "count": rng.poisson(_curve({"2018-01": 10, "2019-10": 40,
                                                                 "2021-12": 15}))}))
    return pd.concat(frames).sort_values(["month", "reason", "assigned_to"])


def _ch_returns(rng) -> pd.DataFrame:
    totals = rng.poisson(_curve({"2018-01": 100, "2019-01": 135, "2019-08": 160, "2020-03": 170,
                                 "2020-04": 60, "2020-06": 110, "2020-09": 170, "2021-12": 190}))
    totals[_T["2019-07"]:_T["2019-09"] + 1] = [152, 161, 167]  # Q3 2019: 480 returns
    audited = _from("2020-03")  # triage audit (OPSG 29/15): faults now found, FARs issued
    far_share = np.where(audited, _curve({"2020-03": 0.82, "2021-03": 0.96, "2021-12": 0.98}), 0.3)
    rows = []
    for t, month in enumerate(MONTHS):
        returned = rng.multinomial(totals[t], [0.30, 0.33, 0.37])
        triaged = rng.binomial(returned, 0.92 if audited[t] else 0.7)
        # Before the audit every triaged hub came back "no fault found" (OPSG_29 item 11).
        nff = rng.binomial(triaged, 0.45) if audited[t] else triaged
        far = rng.binomial(triaged, far_share[t])
        rows += [(month, r, *map(int, (returned[i], triaged[i], nff[i], far[i])))
                 for i, r in enumerate(REGIONS)]
    return pd.DataFrame(rows, columns=["month", "csp_region", "returned", "triaged",
                                       "no_fault_found", "far_issued"])


def _annotations(catalog) -> pd.DataFrame:
    frame = pd.DataFrame(ANNOTATIONS, columns=["date", "title", "detail", "metric", "csp_region"])
    unknown = set(frame.metric) - set(catalog.metrics) - {""}
    if unknown:
        raise ValueError(f"demo annotations name metrics not in the catalog: {sorted(unknown)}")
    return frame


def demo_tables(catalog) -> dict[str, pd.DataFrame]:
    """The synthetic tables, keyed by dataset name, with exactly the catalog's columns."""
    rngs = iter(np.random.default_rng([SEED, k]) for k in range(16))  # one stream per dataset
    installs, migration = _ch_installs(next(rngs)), _smets1_migration(next(rngs))
    built = {
        "incidents": _incidents(next(rngs)), "ota_firmware": _ota(next(rngs)),
        "alerts": _alerts(next(rngs), installs, migration), "ch_exceptions": _ch_exceptions(next(rngs)),
        "aged_incidents": _aged_incidents(next(rngs)), "ch_returns": _ch_returns(next(rngs)),
        "smets1_migration": migration, "ch_installs": installs, "annotations": _annotations(catalog),
    }
    missing = sorted(set(catalog.datasets) - set(built))
    if missing:
        raise ValueError(f"no demo data for catalog datasets: {missing}")
    tables = {}
    for name, dataset in catalog.datasets.items():
        frame = built[name]
        if not dataset.notes:
            frame = frame.sort_values(list(dataset.key), kind="stable")
        tables[name] = frame[[c.name for c in dataset.columns]].reset_index(drop=True)
    return tables


def demo_files(catalog) -> list[tuple[str, bytes]]:
    """One CSV per dataset (``incidents.csv``, ...) as an analyst would upload it: UTF-8, plain numbers."""
    return [(f"{name}.csv", table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
            for name, table in demo_tables(catalog).items()]
