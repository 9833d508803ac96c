"""Meeting mode: the chair's keys walk every slide in agenda order, each slide fits 1920x1080 and
1366x768 without scrolling and reads without hovering, the figures can be frozen "as at" a moment,
and bad links are reported, not fatal."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from metrics.records import overrides
from metrics.ingest.write import ingest
from tests.conftest import require_browser
from tests.integration.conftest import hand_clock
from tests.integration.test_actions_log import render

SIZES = ((1920, 1080), (1366, 768))
CORRECTION = "month,csp_region,attempted,succeeded\n2020-01,North,100000,91000\n" \
             "2020-01,Central,150000,147000\n2020-01,South,170000,166600\n"

# In the browser: is the slide drawn, and what does it show?
DRAWN = """
    const slide = document.querySelector('.meeting-mode');
    if (!slide || document.querySelector('[data-dash-is-loading="true"]')) return null;
    const graphs = Array.from(document.querySelectorAll('.slide-graph'));
    if (!graphs.every(g => g.querySelector('.main-svg'))) return null;
    const page = slide.getAttribute('data-page') || '1';
    return slide.getAttribute('data-slide') + (page === '1' ? '' : '/' + page);"""
HERE = """
    const s = document.querySelector('.meeting-mode');
    return [+s.getAttribute('data-slide'), +s.getAttribute('data-page'), +s.getAttribute('data-pages'),
            Array.from(document.querySelectorAll('#meeting-actions td.action-ref')).map(td => td.textContent),
            (document.querySelector('.actions-lead strong') || {}).textContent];"""
MEASURE = """
    const root = document.documentElement;
    const clipped = Array.from(document.querySelectorAll(
            '.slide-body, .fit, .slide-chart, .slide-head, .slide-toolbar'))
        .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
        .map(e => e.className);
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    return {scrollHeight: root.scrollHeight, innerHeight: window.innerHeight,
            scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, clipped: clipped,
            hover: plots.filter(p => !(p._context && p._context.staticPlot)
                                     || p._fullLayout.hovermode !== false).length,
            svgText: Array.from(document.querySelectorAll('.slide-graph svg text')).map(t => t.textContent),
            text: document.querySelector('.meeting-mode').innerText,
            title: document.querySelector('#meeting-title').textContent};"""


def open_meeting(dash_duo, query: str = "month=2020-01") -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}/meeting?{query}")
    wait_slide(dash_duo, "1")


def wait_slide(dash_duo, number: str, timeout: float = 20) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if dash_duo.driver.execute_script(DRAWN) == number:
            return
        time.sleep(0.05)
    raise TimeoutError(f"slide {number} not drawn (showing {dash_duo.driver.execute_script(DRAWN)})")


def press(dash_duo, key) -> None:
    ActionChains(dash_duo.driver).send_keys(key).perform()


def url_slide(dash_duo) -> str:
    return parse_qs(urlparse(dash_duo.driver.current_url).query).get("slide", ["1"])[-1]


def viewport(driver, width: int, height: int) -> None:
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if inner != [width, height]:  # size the viewport, not the window frame
        driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])


@pytest.mark.browser
def test_mtg001_the_chairs_keys_walk_every_slide_in_agenda_order(dash_duo, make_app, catalog):
    """Every agenda item in order; the actions slide pages through every open action with the
    same keys (none is cut, none shown twice)."""
    require_browser()
    dash_duo.start_server(make_app(PUBLIC_READ=True))
    open_meeting(dash_duo)
    total = len(catalog.agenda)
    titles, steps, refs, lead = [dash_duo.find_element("#meeting-title").text], ["1"], [], None
    while True:
        slide, page, pages, shown, said = dash_duo.driver.execute_script(HERE)
        refs += shown
        lead = said or lead
        if slide == total and page == pages:
            break
        step = f"{slide}/{page + 1}" if page < pages else str(slide + 1)
        press(dash_duo, Keys.ARROW_RIGHT)
        wait_slide(dash_duo, step)
        assert url_slide(dash_duo) == step.split("/")[0]
        steps.append(step)
        if page == pages:
            titles.append(dash_duo.find_element("#meeting-title").text)
    assert titles == [item.title for item in catalog.agenda]
    assert pages > 1 and f"{total}/{pages}" in steps  # more open actions than one slide holds
    assert dash_duo.find_element("#meeting-page").text == f"({pages} of {pages})"
    assert len(refs) == len(set(refs)) == int(lead.split()[0])  # every open action, once
    assert "more open actions" not in dash_duo.find_element(".meeting-mode").text
    press(dash_duo, Keys.ARROW_RIGHT)  # past the last page of the last slide: stays
    time.sleep(0.3)
    wait_slide(dash_duo, steps[-1])
    for key, expected in ((Keys.HOME, "1"), (Keys.PAGE_DOWN, "2"), (Keys.PAGE_DOWN, "3"),
                          (Keys.PAGE_UP, "2"), (Keys.END, steps[-1]), (Keys.ARROW_LEFT, steps[-2]),
                          (Keys.HOME, "1"), (Keys.END, steps[-1])):
        press(dash_duo, key)
        wait_slide(dash_duo, expected)
        assert url_slide(dash_duo) == expected.split("/")[0]
    dash_duo.driver.back()  # every step was a URL: Back returns to the slide before
    wait_slide(dash_duo, "1")
    assert "month=2020-01" in dash_duo.driver.current_url
    assert not dash_duo.find_element(".app-header").is_displayed()  # no navigation chrome
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_mtg002_every_slide_fits_both_screens_and_reads_without_hovering(dash_duo, make_app, catalog,
                                                                         tmp_path):
    require_browser()
    app = make_app(PUBLIC_READ=True, CLASSIFICATION="WHITE — may be shared publicly")
    context = app.server.extensions["opsg"]
    with context.store.write() as conn:  # the longest cell and the longest "why" a slide can have
        overrides.set_override(conn, context.catalog, metric="ota_success_rate", value="North",
                               month="2020-01", rag="amber", actor="chair",
                               justification="Remediation plan presented; Green (99%) targeted by the "
                                             "end of March, with monthly updates to the group")
    dash_duo.start_server(app)
    driver = dash_duo.driver
    for width, height in SIZES:
        viewport(driver, width, height)
        driver.get(f"{dash_duo.server_url}/meeting/freeze?month=2020-01&slide=1")  # frozen stamp
        wait_slide(dash_duo, "1")
        for number, item in enumerate(catalog.agenda, start=1):
            if number > 1:
                press(dash_duo, Keys.ARROW_RIGHT)
                wait_slide(dash_duo, str(number))
            time.sleep(0.15)  # let the charts settle to the slide's size
            seen = driver.execute_script(MEASURE)
            where = f"slide {number} ({item.id}) at {width}x{height}"
            assert seen["scrollHeight"] <= seen["innerHeight"], where
            assert seen["scrollWidth"] <= seen["innerWidth"], where
            assert seen["clipped"] == [], where
            assert seen["hover"] == 0, where  # static charts: nothing is hidden behind a hover
            assert seen["title"] == item.title
            assert "WHITE — may be shared publicly" in seen["text"] and "(frozen)" in seen["text"]
            if item.metrics:
                # the annotation's title is written on the chart and its detail on the slide
                assert "Fibre cable incident" in seen["svgText"], where
                assert "latency increased for a period" in seen["text"], where
                # every chart labels its latest value; a lone series labels every value
                assert any("%" in t or any(ch.isdigit() for ch in t) for t in seen["svgText"]), where
            driver.save_screenshot(str(tmp_path / f"slide-{number:02d}-{width}x{height}.png"))
    assert dash_duo.get_logs() == []


def test_mtg003_frozen_figures_do_not_move_when_a_correction_arrives(make_app):
    app = make_app(PUBLIC_READ=True)
    context = app.server.extensions["opsg"]
    clock = hand_clock(app)
    frozen = clock.now().isoformat()
    clock.advance(seconds=1)
    report = ingest(context.store, context.catalog, CORRECTION.encode(), "late.csv", reason="late")
    assert report.outcome == "accepted", report.errors
    then = json.dumps(render(app, "/meeting", month="2020-01", slide="3", as_of=frozen), ensure_ascii=False)
    now = json.dumps(render(app, "/meeting", month="2020-01", slide="3"), ensure_ascii=False)
    assert "87.07%" in then and "91.00%" not in then and "(frozen)" in then
    assert "91.00%" in now and "(frozen)" not in now
    assert "❄ Frozen · go live" in then and "Freeze figures now" in now


def test_mtg004_the_link_holds_month_slide_and_as_of_and_bad_values_are_reported(make_app, tmp_path):
    app = make_app(PUBLIC_READ=True, CLASSIFICATION="WHITE — may be shared publicly")
    slide = json.dumps(render(app, "/meeting", month="2020-01", slide="4"), ensure_ascii=False)
    assert '"meeting-title"' in slide and "CSP North" in slide and "January 2020" in slide
    assert '"data-slide": "4"' in slide and "4 / 11" in slide
    assert "slide=5" in slide and "slide=3" in slide  # next and previous keep the month
    assert slide.count("WHITE — may be shared publicly") == 2  # top and bottom
    assert "/meeting/pack.pdf?month=2020-01" in slide
    odd = json.dumps(render(app, "/meeting", month="2020-13", slide="99"), ensure_ascii=False)
    assert "Ignored in the link: slide '99' is not a slide number 1 to 11" in odd
    assert "Ignored in the link: month" in odd and '"data-slide": "1"' in odd
    actions = json.dumps(render(app, "/meeting", month="2020-01", slide="11", page="2"), ensure_ascii=False)
    assert '"data-page": "2"' in actions and "(2 of 2)" in actions and "slide=11&page=1" not in actions
    assert '"href": "/meeting?month=2020-01&slide=11", "className": "tool", "id": "meeting-prev"' in actions
    bad_page = json.dumps(render(app, "/meeting", month="2020-01", slide="11", page="9"), ensure_ascii=False)
    assert "Ignored in the link: page '9' is not a page number 1 to 2" in bad_page
    assert '"data-page": "1"' in bad_page and "slide=11&page=2" in bad_page  # next: page 2
    from dashboard import create_app

    empty = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "PUBLIC_READ": True},
                       demo=False)
    assert "Nothing to show yet" in json.dumps(render(empty, "/meeting"))
