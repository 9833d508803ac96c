"""Figure builders: stepped RAG bands, visible annotations, provisional marks, legible labels,
plain JSON-ready dicts; and the formula-safe CSV behind every chart's table."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import orjson
import pandas as pd
from sqlalchemy import insert

from report import figures
from dashboard import theme
from dashboard.components.grid import csv_text, safe_cell
from metrics.store import schema
from metrics.ingest.write import ingest
from metrics.months import month_range
from metrics.read.queries import judge_frame, metric_frame, thresholds_for

MONTHS = month_range("2019-01", "2019-12")


def line(values, provisional=None, name="CSP North"):
    return {"name": name, "short": "CSP N", "colour": "#1f5fa8", "months": MONTHS, "values": values,
            "provisional": provisional or [False] * len(values)}


def font_sizes(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("font", "textfont", "tickfont") and isinstance(value, dict) and "size" in value:
                yield value["size"]
            yield from font_sizes(value)
    elif isinstance(node, list):
        for item in node:
            yield from font_sizes(item)


def ota_csv() -> bytes:
    rows = ["month,csp_region,attempted,succeeded"]
    for i, month in enumerate(MONTHS):
        rows.append(f"{month},North,10000,{9500 + 40 * i}")
    return "\n".join(rows).encode()


def test_fig001_threshold_runs_step_where_a_threshold_changed():
    targets = [99.0] * 6 + [98.0] * 6
    minimums = [95.0] * 6 + [90.0] * 6
    runs = figures.threshold_runs(MONTHS, targets, minimums)
    assert runs == [("2019-01", "2019-07", 99.0, 95.0), ("2019-07", "2020-01", 98.0, 90.0)]


def test_fig002_bands_step_at_an_effective_dated_threshold(sqlite_store, catalog):
    """A threshold recorded with a later effective_from moves the bands from that month only."""
    report = ingest(sqlite_store, catalog, ota_csv(), "ota.csv", reason="test")
    assert report.outcome == "accepted", report.errors
    with sqlite_store.write() as conn:
        conn.execute(insert(schema.thresholds).values(
            metric="ota_success_rate", target=98.0, minimum=90.0, effective_from="2019-07",
            created_at=datetime(2020, 1, 1), created_by="test", reason="test"))
    with sqlite_store.read() as conn:
        frame = metric_frame(conn, catalog, "ota_success_rate", start="2019-01", end="2019-12")
        judged = judge_frame(pd.DataFrame({"month": MONTHS}).merge(frame, how="left"),
                             catalog.metric("ota_success_rate"), thresholds_for(conn, catalog, "ota_success_rate"))
    fig = figures.trend_figure([line(list(judged["value"]))], MONTHS, unit="%", decimals=2,
                               higher_is_better=True, limits=(list(judged["target"]), list(judged["minimum"])))
    bands = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    green = sorted((s["x0"], s["x1"], s["y0"]) for s in bands if s["fillcolor"] == theme.BAND_FILLS["green"])
    assert green == [("2019-01-01", "2019-07-01", 99.0), ("2019-07-01", "2020-01-01", 98.0)]
    red = sorted((s["x0"], s["y1"]) for s in bands if s["fillcolor"] == theme.BAND_FILLS["red"])
    assert [y for _, y in red] == [95.0, 90.0]
    target = next(t for t in fig["data"] if t["name"].startswith("Target"))
    assert target["line"]["shape"] == "hv"
    assert target["x"] == ["2019-01-01", "2019-07-01", "2020-01-01"] and target["y"] == [99.0, 98.0, 98.0]
    # The month before the change is judged against the old target, the month after the new one.
    assert list(judged["target"])[5:7] == [99.0, 98.0]


def test_fig003_annotation_titles_are_on_the_chart_and_escaped():
    notes = [{"date": "2019-03-31", "title": "Fibre cable incident", "detail": "latency rose"},
             {"date": "2019-04-04", "title": "<img src=x onerror=alert(1)>", "detail": "javascript:alert(1)"}]
    fig = figures.trend_figure([line([99.0] * 12)], MONTHS, unit="%", decimals=2, notes=notes)
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert "Fibre cable incident" in texts
    assert "&lt;img src=x onerror=alert(1)&gt;" in texts
    assert not any("<img" in t for t in texts)
    labels = [a for a in fig["layout"]["annotations"] if a.get("yref") == "paper"]
    assert len({a["y"] for a in labels}) == 2, "close annotations are stacked, not overlapped"
    assert fig["layout"]["yaxis"]["domain"][1] < 1, "titles sit in a strip above the plot"
    lines = [s for s in fig["layout"]["shapes"] if s["type"] == "line"]
    assert [s["x0"] for s in lines] == ["2019-03-31", "2019-04-04"]


def test_fig004_provisional_points_are_hollow_dotted_and_in_the_legend():
    prov = [False] * 11 + [True]
    fig = figures.trend_figure([line([90.0 + i for i in range(12)], prov)], MONTHS, unit="%", decimals=2)
    main = fig["data"][0]
    assert main["marker"]["symbol"][-1] == "circle-open" and main["y"][-1] is None
    tail, hollow = fig["data"][1], fig["data"][2]
    assert tail["line"]["dash"] == "dot" and tail["y"] == [100.0, 101.0]
    assert hollow["marker"]["symbol"] == "circle-open" and hollow["y"] == [101.0]
    assert "(provisional)" in hollow["hovertemplate"]
    assert any(t.get("name", "").startswith("Provisional") for t in fig["data"])
    bars = figures.trend_figure([{**line([5.0] * 12, prov), "kind": "bar"}], MONTHS, unit="count",
                                decimals=0)
    assert bars["data"][0]["marker"]["pattern"]["shape"][-1] == "/"
    assert any(t.get("name") == "Provisional (hatched)" for t in bars["data"])


def test_fig005_last_points_labelled_and_apart_and_fonts_legible():
    a = line([99.30] * 12, name="CSP North")
    b = {**line([99.31] * 12, name="CSP Central & South"), "short": "CSP C&S", "colour": "#8e3b9e"}
    fig = figures.trend_figure([a, b], MONTHS, unit="%", decimals=2, limits=([99.0] * 12, [95.0] * 12))
    ends = [x for x in fig["layout"]["annotations"] if x.get("yref") == "y"]
    assert sorted(x["text"] for x in ends) == ["<b>CSP C&amp;S 99.31%</b>", "<b>CSP N 99.30%</b>"]
    assert max(abs(x["yshift"]) for x in ends) > figures.LABEL_GAP_PX - 2  # nudged apart
    sizes = list(font_sizes(fig)) + list(font_sizes(theme.TEMPLATE))
    assert sizes and min(sizes) >= 14


def test_fig006_figures_are_plain_small_json():
    values = [99.123456789] * 12
    fig = figures.trend_figure([line(values)], MONTHS, unit="%", decimals=2, limits=([99.0] * 12, [95.0] * 12))
    data = orjson.dumps(fig)
    assert b"99.123456" not in data and b"99.12" in data
    assert fig["data"][0]["x"][0] == "2019-01-15"
    assert len(data) < 12_000


def test_fig007_bands_follow_the_direction():
    fig = figures.trend_figure([line([5.0] * 12)], MONTHS, unit="count", decimals=0,
                               higher_is_better=False, limits=([6.0] * 12, [10.0] * 12))
    rects = {s["fillcolor"]: (s["y0"], s["y1"]) for s in fig["layout"]["shapes"] if s["type"] == "rect"}
    assert rects[theme.BAND_FILLS["green"]][1] == 6.0
    assert rects[theme.BAND_FILLS["amber"]] == (6.0, 10.0)
    assert rects[theme.BAND_FILLS["red"]][0] == 10.0


def test_fig008_worst_month_marker_is_labelled():
    fig = figures.trend_figure([{**line([3.0] * 11 + [15.0]), "kind": "bar"}], MONTHS, unit="count",
                               decimals=0, stacked=True,
                               markers=[{"month": "2019-12", "value": 15.0, "text": "Worst on record: 15"}])
    marker = [a for a in fig["layout"]["annotations"] if "Worst on record" in a["text"]]
    assert marker and marker[0]["showarrow"] and marker[0]["xanchor"] == "right"
    assert fig["layout"]["yaxis"]["range"][1] > 15


def test_fig009_bar_figure_largest_first_with_labels():
    fig = figures.bar_figure(["8F3E", "8F35", "<b>x</b>"], [900.0, 50.0, 7.0], unit="count", decimals=0,
                             colour="#1f5fa8")
    bar = fig["data"][0]
    assert bar["y"] == ["&lt;b&gt;x&lt;/b&gt;", "8F35", "8F3E"]  # drawn bottom-up: largest on top
    assert bar["text"][-1] == "900"


def test_fig010_csv_cells_cannot_become_formulas():
    rows = [{"type": "=HYPERLINK(\"http://x\")", "n": -3.0}, {"type": "+1", "n": 2.5},
            {"type": "@SUM(A1)", "n": None}, {"type": "\tTab", "n": 0}, {"type": "-x", "n": 10},
            {"type": "\rCR", "n": 1}, {"type": "plain text", "n": 1e6}]
    text = csv_text([("type", "Exception type"), ("n", "Open")], rows)
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["Exception type", "Open"]
    cells = [r[0] for r in parsed[1:]]
    assert cells[:6] == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "'\tTab", "'-x", "'\rCR"]
    assert cells[6] == "plain text"
    assert [r[1] for r in parsed[1:]] == ["-3", "2.5", "", "0", "10", "1", "1000000"]
    assert safe_cell(-3.0) == -3 and safe_cell("=1") == "'=1"


def test_fig011_a_rate_far_below_in_early_months_gets_a_broken_axis_that_says_so():
    months = month_range("2020-01", "2021-12")
    early, recent = [86.0 + i for i in range(12)], [98.2, 98.6, 99.1, 98.9, 99.3, 99.0, 98.7, 99.4, 99.2, 98.8, 99.1, 99.5]
    north = {"name": "CSP North", "short": "CSP N", "colour": "#1f5fa8", "months": months,
             "values": early + recent, "provisional": [False] * 24}
    fig = figures.trend_figure([north], months, unit="%", decimals=2, limits=([99.0] * 24, [95.0] * 24))
    lo, hi = fig["layout"]["yaxis"]["range"]
    assert 93.0 <= lo < 95.0 and hi <= 101  # the minimum-to-target band fills most of the plot
    notes = [a["text"] for a in fig["layout"]["annotations"] if "below" in a["text"]]
    assert notes == ["▼ Axis starts at " + notes[0].split("starts at ")[1].split(":")[0]
                     + ": earlier months lie below (lowest 86.00%, Jan 2020)"]
    # history near the band: the full axis, no note
    fig = figures.trend_figure([{**north, "values": [97.0] * 12 + recent}], months, unit="%", decimals=2,
                               limits=([99.0] * 24, [95.0] * 24))
    assert not [a for a in fig["layout"]["annotations"] if "below" in a["text"]]
