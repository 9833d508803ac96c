"""Action log `/actions`: the OPSG's actions ("OPSG 29/01") with owner and status filters in the URL,
overdue flags, each action's history of revised dates, and the chair's RAG overrides.

Anyone who may read sees the log; adding, editing, closing, importing and overriding are for
administrators, and each callback checks that itself (dashboard/components/actions_forms.py).
Not cached: what is shown depends on who is asking.
"""
from __future__ import annotations

from datetime import date

import dash
from dash import html

from metrics.records import actions, overrides

from dashboard.web.auth import current_user
from dashboard.components import actions_forms, empty_state
from dashboard.components.actions_views import (action_form, clean_filters, clean_metric, filters,
                                                import_panel, override_form, overrides_list,
                                                table_area)
from dashboard.state.view import resolve_view
from dashboard.context import get_context

dash.register_page(__name__, path="/actions", name="Actions", order=91, nav="tools",
                   title="Action log — OPSG service metrics")


def layout(owner=None, status=None, metric=None, edit=None, **query):
    view = resolve_view({k: v for k, v in query.items() if k in ("month", "as_of")})
    context = get_context()
    user = current_user()
    admin = bool(user and user.can("admin"))
    with context.store.read() as conn:
        owners = actions.owners(conn)
        editing = actions.get_action(conn, edit[-1] if isinstance(edit, list) else edit) if edit else None
        in_force = overrides.overrides_in_force(conn)
    owner, status, problems = clean_filters(owner, status, owners)
    # With a month (or an as-of moment) in the link, the log as it stood at that month's meeting.
    on = (actions.judgement_day(view.month, view.as_of, date.today())
          if view.state.month or view.as_of else None)
    chosen, metric_problems = clean_metric(metric, context.catalog)
    problems = [*view.problems, *problems, *metric_problems] + ([f"edit {edit!r} is not an action id"]
                                              if edit and editing is None else [])
    header = html.Div([
        html.H1("Action log", className="page-title"),
        html.P("Actions agreed at OPSG meetings, as the minutes record them: owner, date raised, "
               "target and revised target dates, status. Open actions also appear as badges on the "
               "overview rows of the metrics they concern, on the meeting's actions slide and in the "
               "meeting pack.", className="page-intro"),
    ], className="page-header")
    notes = [html.Div(f"Ignored in the link: {p}.", className="alert alert-warning py-2")
             for p in problems]
    if not owners and not admin:
        return html.Div([header, *notes, empty_state("No actions have been recorded yet. An "
                                                     "administrator can add them or import the "
                                                     "minutes' action table.")],
                        className="page actions-page", id="actions-page")
    main = [filters(owners, owner, status, chosen) if owners else
            empty_state("No actions have been recorded yet: add one, or import the minutes' table."),
            html.Div(table_area(owner, status, chosen.id if chosen else None, on=on) if owners else None,
                     id="actions-table-area")]
    side = [html.Section([html.H2("Chair's RAG overrides", className="panel-title"),
                          html.Div(overrides_list(in_force, context.catalog), id="overrides-list-area")],
                         className="panel", id="overrides-panel")]
    if admin:
        side = [action_form(context.catalog, editing, owners), import_panel(), *side,
                override_form(context.catalog, view.latest)]
    else:
        side.append(html.P("Adding, editing and closing actions, and overriding a RAG, need the "
                           "admin role.", className="text-muted", id="actions-admin-note"))
    return html.Div([header, *notes, html.Div([html.Div(main, className="actions-main"),
                                               html.Aside(side, className="actions-side")],
                                              className="actions-grid")],
                    className="page actions-page", id="actions-page")


def register_callbacks(app) -> None:
    """The action log's write callbacks, on each app (the frame calls this for every page)."""
    actions_forms.register(app)
