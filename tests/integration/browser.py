"""What the browser tests do to a page, written once: open it, wait for it, click, type, drop a file,
pick a month or a region, read a grid.

Every wait is a wait *until* something the page shows: Selenium's WebDriverWait polls the condition
and fails naming what it waited for. None sleeps for a fixed time, so a slow machine makes a test
slower, never wrong, and a fast one does not wait for nothing.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from selenium.common.exceptions import (ElementClickInterceptedException, NoAlertPresentException,
                                        StaleElementReferenceException, TimeoutException)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

POLL = 0.1  # seconds between two looks at the page

# Idle: the renderer has no callback requested, queued or running (Dash's own store, as dash.testing
# reads it), no component is loading, every chart has drawn its SVG, and every grid on show has
# drawn its rows or says it has none.
IDLE = """
    const state = window.store && window.store.getState();
    if (state) {
        if (state.isLoading) return false;
        const callbacks = Object.assign({}, state.callbacks);
        delete callbacks.stored; delete callbacks.completed;
        if (Object.values(callbacks).some(list => list && list.length)) return false;
    }
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    if (!Array.from(document.querySelectorAll('.dash-graph')).every(g => g.querySelector('.main-svg')))
        return false;
    return Array.from(document.querySelectorAll('.ag-root-wrapper'))
        .filter(g => g.offsetParent !== null)
        .every(g => g.querySelector('.ag-row, .ag-overlay-no-rows-center'));"""


def wait_until(dash_duo, condition, timeout: float = 30, what: str = "condition"):
    """Until ``condition()`` is true; returns its value. Fails with TimeoutException naming `what`."""
    return WebDriverWait(dash_duo.driver, timeout, poll_frequency=POLL).until(
        lambda _driver: condition(), message=f"waited {timeout} s for {what}")


def wait_idle(dash_duo, timeout: float = 20) -> None:
    """Until no callback is pending and every chart and grid on the page has drawn."""
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(IDLE), timeout,
               "the page to finish its callbacks, charts and grids")


def wait_for_url(dash_duo, ending: str, timeout: float = 20) -> None:
    try:
        wait_until(dash_duo, lambda: dash_duo.driver.current_url.endswith(ending), timeout)
    except TimeoutException:
        raise AssertionError(f"address is {dash_duo.driver.current_url}, expected it to end {ending}") from None


def open_page(dash_duo, path: str, title: str) -> None:
    """Open `path` of the server under test; wait for its title to say `title` and for it to settle."""
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_contains_text(".page-title", title, timeout=20)
    wait_idle(dash_duo)


def click(dash_duo, target, timeout: float = 10) -> None:
    """Click an element (or the one a CSS selector finds), as a person would: scrolled to the middle
    of the window at once (Bootstrap makes scrolling smooth, and a click during an animated scroll
    lands on whatever passes under the pointer; a 1080-pixel window cuts some elements off), and
    again while something else still covers it (a grid drawing after the page, a date picker's popup
    closing: what the person clicked first would have blurred, so blur it)."""
    driver = dash_duo.driver

    def clicked(_driver) -> bool:
        element = dash_duo.find_element(target) if isinstance(target, str) else target
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        try:
            element.click()
        except ElementClickInterceptedException:
            driver.execute_script("document.activeElement && document.activeElement.blur()")
            return False
        return True

    ignored = (StaleElementReferenceException,) if isinstance(target, str) else ()
    WebDriverWait(driver, timeout, poll_frequency=POLL, ignored_exceptions=ignored).until(
        clicked, message=f"waited {timeout} s to click {target if isinstance(target, str) else target.tag_name}")


def type_into(dash_duo, selector: str, text: str) -> None:
    """Replace the field's text (clear() does not reach React's state)."""
    field = dash_duo.find_element(selector)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE, text)


def drop(dash_duo, path) -> None:
    """Drop a file on the upload page's drop zone."""
    dash_duo.find_element("#upload-dropzone input[type=file]").send_keys(str(path))


def grid_text(dash_duo, selector: str) -> str:
    """What a grid shows, as text ('' while it is not there)."""
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector({selector!r}); return g ? g.innerText : ''")


def no_alert(driver) -> bool:
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def pick_month(dash_duo, label: str) -> None:
    """Choose `label` (e.g. "January 2020") in the header's month picker."""
    dash_duo.find_element("#month-picker .dash-dropdown").click()
    dash_duo.wait_for_element_by_css_selector("[role=option]")
    options = [o for o in dash_duo.driver.find_elements(By.CSS_SELECTOR, "[role=option]")
               if o.text.strip() == label]
    assert options, f"no month option {label!r}"
    options[0].click()


def pick_region(dash_duo, label: str) -> None:
    labels = [x for x in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#region-filter label")
              if x.text.strip() == label]
    assert labels, f"no region option {label!r}"
    labels[0].click()


def checked_region(dash_duo) -> str:
    return dash_duo.driver.execute_script(
        "const i = document.querySelector('#region-filter input:checked'); return i ? i.value : null;")


def query(dash_duo) -> dict:
    """The address's query string, one value a parameter."""
    return {k: v[-1] for k, v in parse_qs(urlparse(dash_duo.driver.current_url).query).items()}


def history_length(dash_duo) -> int:
    return dash_duo.driver.execute_script("return history.length")
