"""No two pieces of text overlap on any chart as drawn: every Plotly graph on each family page and
every meeting slide, at 1920x1080, 1366x768 and 768x1024, in Chromium on the demo.

The boxes are the browser's own (getBoundingClientRect) for each visible SVG text of the chart:
tick labels, axis titles, annotations, text on traces and the legend. Two boxes that overlap by
more than 1 px both ways fail, reported as page, size, chart and the two texts.
"""
from __future__ import annotations

import pytest

from tests.integration.test_accessibility import SIZES, signed_in, site  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

TOLERANCE = 1  # px each way

OVERLAPS = """
    const tol = arguments[0];
    function shown(el) {
        for (let e = el; e && e.tagName !== 'svg'; e = e.parentElement) {
            const s = getComputedStyle(e);
            if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false;
        }
        return true;
    }
    const found = [];
    document.querySelectorAll('.js-plotly-plot').forEach((plot, n) => {
        const graph = plot.closest('.dash-graph');
        const name = (graph && graph.id) || ('chart ' + (n + 1));
        const boxes = [];
        plot.querySelectorAll('svg.main-svg text').forEach(t => {
            const text = (t.textContent || '').trim();
            if (!text || !shown(t)) return;
            const r = t.getBoundingClientRect();
            if (r.width < 1 || r.height < 1) return;
            boxes.push({text, l: r.left, r: r.right, t: r.top, b: r.bottom,
                        kind: (t.getAttribute('class') || t.parentElement.getAttribute('class') || 'text')});
        });
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
            if (w > tol && h > tol) found.push({chart: name, a: a.text, b: b.text, ka: a.kind, kb: b.kind,
                                               w: Math.round(w), h: Math.round(h)});
        }
    });
    return found;"""


def chart_pages():
    from metrics.catalog import load_catalog

    catalog = load_catalog()
    pages = [pytest.param(f.path, ".page-title", id=f"family-{f.id}") for f in catalog.families]
    pages += [pytest.param(f"/meeting?month={month}&slide={n}", f'.meeting-mode[data-slide="{n}"]',
                           id=f"meeting-{month}-slide-{n:02d}-{item.id}")
              for month in ("2020-01", "2020-03")
              for n, item in enumerate(catalog.agenda, start=1) if item.metrics]
    return pages


def overlaps(site, path: str, marker: str) -> list[str]:
    problems = []
    for width, height in SIZES:
        site.viewport(width, height)
        site.open(path, marker)
        for o in site.driver.execute_script(OVERLAPS, TOLERANCE):
            problems.append(f"{path} at {width}x{height}, {o['chart']}: {o['a']!r} ({o['ka']}) and "
                            f"{o['b']!r} ({o['kb']}) overlap by {o['w']}x{o['h']} px")
    return problems


@pytest.mark.parametrize("path,marker", chart_pages())
def test_chart001_no_two_texts_overlap_on_any_chart(signed_in, path, marker):  # noqa: F811
    problems = overlaps(signed_in, path, marker)
    if problems:
        pytest.fail(f"{len(problems)} overlapping texts:\n" + "\n".join(problems), pytrace=False)
    assert signed_in.console() == []


MARGINS = """
    return Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd, n) => {
        const graph = gd.closest('.dash-graph');
        const labels = Array.from(gd.querySelectorAll('.ytick text')).map(t => t.getBBox().width);
        const legend = gd.querySelector('.legend');
        return {chart: (graph && graph.id) || ('chart ' + (n + 1)), set: gd.layout.margin,
                drawn: gd._fullLayout._size, label: Math.max(0, ...labels),
                legend: legend ? legend.getBBox().height : 0};
    });"""
UNDRAWN = "return document.querySelectorAll('.chart-slot .chart-show').length"


def family_paths() -> list[str]:
    from metrics.catalog import load_catalog

    return [f.path for f in load_catalog().families]


@pytest.mark.parametrize("path", family_paths())
def test_chart002_at_1366_every_chart_is_drawn_in_one_pass_with_no_room_wasted(signed_in, path):  # noqa: F811
    """report/figures.py sets the margins automargin would reach at 1366 px, so Plotly draws each
    chart once (a second pass was a third of the first draw); the room is what the labels need."""
    signed_in.viewport(1366, 768)
    signed_in.open(path, ".page-title")
    for _ in range(40):  # charts are drawn as they come into view: bring each one in
        if signed_in.driver.execute_script(UNDRAWN) == 0:
            break
        signed_in.driver.execute_script("window.scrollBy(0, 500)")
        signed_in.wait_for(".page-title")
    assert signed_in.driver.execute_script(UNDRAWN) == 0, f"charts on {path} not drawn when scrolled to"
    charts = signed_in.driver.execute_script(MARGINS)
    assert charts, f"no chart drawn on {path}"
    problems = []
    for c in charts:
        for side in ("l", "b"):
            if round(c["drawn"][side]) > c["set"][side]:
                problems.append(f"{c['chart']}: automargin grew {side} from {c['set'][side]} to "
                                f"{round(c['drawn'][side])} (a second drawing pass)")
        if c["label"] and c["set"]["l"] > c["label"] + 19 + 14:
            problems.append(f"{c['chart']}: left margin {c['set']['l']} for labels {round(c['label'])} px wide")
        if c["legend"] and c["set"]["b"] > c["legend"] + 64 + 10:
            problems.append(f"{c['chart']}: bottom margin {c['set']['b']} for a legend {round(c['legend'])} px tall")
    assert not problems, f"{path}:\n" + "\n".join(problems)
    assert signed_in.console() == []
