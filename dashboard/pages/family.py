"""Every metric family's page (``/stability``, ``/ota-firmware``, …), drawn from the catalog.

``register(catalog)`` adds one page per ``[[families]]`` entry (its path, title and order in the
navigation); ``layout`` draws the family's views (``metrics/views.py``) for the view in the URL.
No family has code of its own, so a family added to the catalog gets its page.
"""
from __future__ import annotations

import dash

from metrics.months import month_label, parse_as_of

from dashboard.components import empty_state, page_header
from dashboard.state.cache import cached_layout
from dashboard.state.view import resolve_view
from dashboard.components.family import dimension
from dashboard.components.family_views import Scope, render_views
from dashboard.context import get_context, use_as_of
from dashboard.layout import page

MODULE = "pages.family"  # registry entries are MODULE.<family id>
PATTERN_PAGE = f"{MODULE}._any"  # the registry entry of the /<family_path> pattern (register_any)
# The view-state name in the URL of each dimension a page can be filtered by (dashboard/state/urls.py).
STATE_NAMES = {"csp_region": "region", "smets_generation": "generation"}
FAMILY_KEY = "_family"  # the family id, passed to the cached renderer with the query


def register(catalog) -> None:
    """One page per catalog family, in catalog order after the overview; pages of families the
    catalog no longer has (another app's, in the same process) are dropped."""
    wanted = {f"{MODULE}.{f.id}" for f in catalog.families}
    for key in [k for k in dash.page_registry if k.startswith(MODULE + ".") and k not in wanted]:
        del dash.page_registry[key]
    for order, family in enumerate(catalog.families, start=1):
        dash.register_page(f"{MODULE}.{family.id}", path=family.path, name=family.title, order=order,
                           title=f"{family.title} — OPSG service metrics", layout=_layout_for(family.id))


def register_any() -> None:
    """One path-pattern page, last in the registry, for families a catalog revision adds while
    the app runs (Dash refuses ``register_page`` inside a request, but its router reads the
    registry on every navigation): ``/<family_path>`` draws the family with that path in the
    catalog in force, or the not-found page."""
    dash.register_page(PATTERN_PAGE, path_template="/<family_path>", order=1000,
                       name="Family", title=_any_title, layout=_any_layout)


def _family_at(family_path, as_of_text):
    try:
        use_as_of(parse_as_of(as_of_text))
    except ValueError:
        pass  # resolve_view drops the bad value and says so
    path = "/" + str(family_path or "").strip("/")
    return next((f for f in get_context().catalog.families if f.path == path), None)


def _any_title(family_path=None, **_):
    family = _family_at(family_path, None)
    return f"{family.title} — OPSG service metrics" if family else "Page not found — OPSG service metrics"


def _any_layout(family_path=None, **query):
    family = _family_at(family_path, query.get("as_of"))
    if family is None:
        return _not_found()
    return render(**{**query, FAMILY_KEY: family.id})


def _not_found():
    return next(p for p in dash.page_registry.values() if p["module"].endswith("not_found_404"))["layout"]()


def _layout_for(family_id: str):
    def layout(**query):
        return render(**{**query, FAMILY_KEY: family_id})
    return layout


@cached_layout
def render(**query):
    family_id = query.pop(FAMILY_KEY)
    try:
        use_as_of(parse_as_of(query.get("as_of")))  # a family added later is not there then
    except ValueError:
        pass  # resolve_view drops the bad value and says so
    family = next((f for f in get_context().catalog.families if f.id == family_id), None)
    if family is None:  # registered for another app's catalog, or not in force at as_of
        return _not_found()
    view = resolve_view(query)
    uses = tuple(STATE_NAMES[d] for d in family.controls)
    if view.month is None:
        return page(view, [empty_state(family.empty, view)], uses)
    filters = {d: getattr(view.state, STATE_NAMES[d]) for d in family.controls}
    filters = {d: v for d, v in filters.items() if v}
    texts = {"region": dimension("csp_region").label(filters.get("csp_region")),
             "scope": scope_text(family.controls, filters), "month": month_label(view.month)}
    with get_context().store.read() as conn:
        scope = Scope(conn, view, filters, texts)
        body = render_views(scope, family.views)
    return page(view, [page_header(family.title, scope.fill(family.intro), view), *body], uses)


def scope_text(controls, filters: dict) -> str:
    """'CSP North, SMETS1'; a filter not chosen on a dimension other than the region reads as all
    of its values ('All regions, SMETS1 and SMETS2')."""
    parts = [dimension("csp_region").label(filters.get("csp_region"))]
    for name in controls:
        if name == "csp_region":
            continue
        dim = dimension(name)
        chosen = filters.get(name)
        parts.append(dim.label(chosen) if chosen else " and ".join(dim.label(v) for v in dim.values))
    return ", ".join(parts)
