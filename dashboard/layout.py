"""The frame around every page: banners, navigation, the view bar (month, region, generation,
as-at) and the callbacks that keep the view state in the URL.

The URL is the single source of truth. A control writes its value into the query string; the pages
router re-renders the page from ``layout(**query)``; the page draws the controls from that state.
So a copied link reopens the same view, and Back/Forward step through views.
"""
from __future__ import annotations

import json
import sys

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from metrics.demo.bootstrap import is_demo
from metrics.demo.tables import DEMO_LABEL
from metrics.months import month_label, parse_as_of

from dashboard.web.auth import allowed
from .components import cards, grid
from .context import get_context
from dashboard.web.login import account_menu
from dashboard.state.urls import parse_search, to_search

NAV_ID = {"type": "nav-link", "path": ALL}
# The pages router's own dcc.Location (refresh="callback-nav"): writing its ``search`` pushes a
# history entry and re-renders the page, which another Location's pushState would not do.
LOCATION = "_pages_location"
MONTH_ID = {"type": "view-control", "name": "month"}
AS_OF_ID = {"type": "view-date", "name": "as_of"}


def dom_id(component_id) -> str:
    """The id Dash writes into the page for a component id (a pattern-matching id as sorted JSON),
    so that a label's ``for`` can point at the control itself."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def nav_pages() -> list[dict]:
    """Overview, then one page per catalog family (catalog order), only pages that exist, then
    the tool pages (registered with ``nav="tools"``: meeting, actions, upload, history…) by order."""
    registry = {p["path"]: p for p in dash.page_registry.values()}
    pages = [registry["/"]] if "/" in registry else []
    # a family a catalog revision added while running has no registry entry of its own: it is
    # served by the family path pattern (dashboard/pages/family.py), so link it from the catalog
    pages += [registry.get(f.path) or {"name": f.title, "path": f.path}
              for f in get_context().catalog.families]
    tools = sorted((p for p in registry.values() if p.get("nav") == "tools"),
                   key=lambda p: p.get("order") or 0)
    return pages + tools


def frame():
    """The app layout (called per page load): banners, navigation, page container."""
    context = get_context()
    classification = context.settings.classification.strip()
    demo = is_demo(context.store)
    links = [dcc.Link(p["name"], href=p["path"], className="nav-link",
                      id={"type": "nav-link", "path": p["path"]})
             for p in nav_pages() if allowed(p.get("role"))]  # e.g. Upload only for uploaders
    return html.Div([
        html.A("Skip to main content", href="#main-content", className="skip-link", id="skip-link"),
        html.Div(classification, className="classification-banner", id="classification-banner",
                 role="note") if classification else None,
        html.Header([
            html.Div([
                html.A([html.Span("OPSG", className="brand-mark"), " Service metrics"], href="/",
                       className="brand"),
                html.Button([html.Span("☰", **{"aria-hidden": "true"}), " Menu"], id="nav-toggle",
                            className="nav-toggle", type="button",
                            **{"aria-controls": "main-nav", "aria-expanded": "false"}),
                html.Nav(links, className="main-nav", id="main-nav", **{"aria-label": "Pages"}),
                account_menu(),
            ], className="header-inner"),
        ], className="app-header"),
        html.Div([html.Strong("Synthetic demo data"), " — not real DCC figures. ",
                  html.Span("Upload the DCC's monthly figures to replace it.")],
                 className="demo-banner", id="demo-banner", role="note") if demo else None,
        html.Main(dash.page_container, className="page-body", id="main-content", tabIndex="-1"),
        html.Footer([
            html.Span("RAG: ✓ Green at or better than target · ! Amber between target and minimum · "
                      "✕ Red worse than minimum · – No data."),
            html.Span(f" {DEMO_LABEL}." if demo else ""),
        ], className="app-footer"),
    ], className="app")


def _month_options(view) -> list[dict]:
    return [{"label": month_label(m), "value": m} for m in view.picker_months]


def _segmented(name: str, options: list[tuple[str, str]], value: str | None, label: str):
    return html.Div([
        # A radio group has no one control to point at: the group is named by this (assets/a11y.js).
        html.Div(label, className="control-label", id=f"{name}-filter-label"),
        dcc.RadioItems(id={"type": "view-control", "name": name},
                       options=[{"label": text, "value": val} for val, text in options],
                       value=value or "", inline=True, className="segmented",
                       inputClassName="segmented-input", labelClassName="segmented-option"),
    ], className="control", id=f"{name}-filter")


def view_bar(view, uses: tuple[str, ...] = ()) -> html.Div:
    """Month picker, the filters this page uses, and the as-at date with its stamp."""
    catalog = get_context().catalog
    controls = [html.Div([
        html.Label("Month", className="control-label", htmlFor=dom_id(MONTH_ID), id="month-picker-label"),
        dcc.Dropdown(id=MONTH_ID, options=_month_options(view),
                     value=view.month, clearable=False, searchable=True, className="month-dropdown"),
    ], className="control control-month", id="month-picker")]
    if "region" in uses:
        dim = catalog.dimensions["csp_region"]
        extra = [v for v in dim.all_values if v not in dim.headline]
        # Under its heading ("CSP region") an option needs no prefix: the short label, or the value.
        options = [("", dim.short(None))] + [(v, dim.short_labels.get(v, v))
                                             for v in (*dim.headline, *extra)]
        controls.append(_segmented("region", options, view.state.region, dim.title))
    if "generation" in uses:
        gens = catalog.dimensions["smets_generation"].values
        controls.append(_segmented("generation", [("", "Both")] + [(g, g) for g in gens],
                                   view.state.generation, "Meter generation"))
    as_of = view.state.as_of
    controls.append(html.Div([
        html.Label("Figures as at", className="control-label", htmlFor=dom_id(AS_OF_ID), id="as-of-picker-label"),
        dcc.DatePickerSingle(id=AS_OF_ID,
                             date=as_of[:10] if as_of else None, placeholder="Now (latest)",
                             display_format="D MMM YYYY", clearable=True, first_day_of_week=1),
    ], className="control control-asof", id="as-of-picker"))
    drawn = {"month": view.month or "", "region": view.state.region or "",
             "generation": view.state.generation or "", "as_of": (as_of or "")[:10]}
    return html.Div([html.Div(controls, className="view-controls"), as_at_stamp(view),
                     dcc.Store(id={"type": "view-drawn", "name": "view"}, data=drawn)],
                    className="view-bar", id="view-bar")


def as_at_stamp(view) -> html.Div:
    if view.as_of is None:
        text = [html.Strong("Data as at now"), " · latest figures and thresholds in force"]
        return html.Div(text, className="as-at-stamp", id="as-at-stamp")
    moment = view.as_of
    return html.Div([
        html.Strong(f"Historic view: as at end of {moment:%-d %b %Y}" if moment.hour == 23
                    else f"Historic view: as at {moment:%-d %b %Y %H:%M} UTC"),
        " · the figures and thresholds in force then. ",
        dcc.Link("Back to now", className="back-to-now",
                 href=view.state.search(as_of="") or "?"),
    ], className="as-at-stamp as-at-historic", id="as-at-stamp")


def page(view, children, uses: tuple[str, ...] = ()) -> html.Div:
    """A page body: the view bar, any ignored URL parameters, then the page's own content."""
    problems = [html.Div(f"Ignored in the link: {p}.", className="alert alert-warning py-2")
                for p in view.problems]
    return html.Div([view_bar(view, uses), *problems, *children], className="page")


def register_callbacks(app) -> None:
    """Callbacks shared by every page (registered per app, so each test app gets its own)."""

    @app.callback(Output(LOCATION, "search"),
                  Input({"type": "view-control", "name": ALL}, "value"),
                  Input({"type": "view-date", "name": ALL}, "date"),
                  State(LOCATION, "search"), State({"type": "view-drawn", "name": ALL}, "data"),
                  prevent_initial_call=True)
    def write_view_to_url(values, dates, search, drawn):
        trigger = ctx.triggered_id
        if not trigger:
            return no_update
        name = trigger["name"]
        listed = ctx.inputs_list[1] if name == "as_of" else ctx.inputs_list[0]
        value = next((i.get("value") for i in listed if i["id"] == trigger), None)
        # A control reports the value it was drawn with when it mounts (the default month too):
        # that is no change of view, and writing it would push a second history entry that Back
        # returns to for ever. Only a value the user changed is written.
        shown = str(value or "")[:10] if name == "as_of" else str(value or "")
        if drawn and shown == drawn[0].get(name, ""):
            return no_update
        state = parse_search(search)
        if name == "as_of" and value and state.get("as_of", "")[:10] == str(value)[:10]:
            return no_update  # same day as a timestamp link: keep its precision
        if name == "as_of" and value:
            try:
                parse_as_of(str(value)[:10])
            except ValueError:  # not a date the view can show: keep the URL as it is
                return no_update
            value = str(value)[:10]
        state[name] = value or ""
        new = to_search(state)
        return new if new != (search or "") else no_update

    app.clientside_callback(
        """function(search, path, ids) {
            const hrefs = ids.map(id => id.path + (search || ''));
            const classes = ids.map(id => 'nav-link' + (id.path === path ? ' active' : ''));
            return [hrefs, classes];
        }""",
        Output(NAV_ID, "href"), Output(NAV_ID, "className"),
        Input(LOCATION, "search"), Input(LOCATION, "pathname"), State(NAV_ID, "id"))
    grid.register(app)
    cards.register(app)  # charts drawn as they near the screen
    for registered in dash.page_registry.values():  # pages with callbacks register them per app
        hook = getattr(sys.modules.get(registered["module"]), "register_callbacks", None)
        if hook:
            hook(app)
