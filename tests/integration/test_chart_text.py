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
