"""The secretary's window `/meeting/record?meeting=OPSG_30&item=ID`: record the meeting while the
chair screen-shares meeting mode.

Why a second window rather than a panel in meeting mode: the shared screen must never show the
editing panel, and the secretary is often on another laptop. This page opens meeting mode for the
shared screen (same month, figures frozen at the meeting's moment) and, in the same browser,
follows it: when the chair moves to a slide, this window moves to the agenda item on that slide
(dashboard/assets/meeting_follow.js, a BroadcastChannel) unless something is being typed. Elsewhere
the agenda is a list of links, by keyboard or mouse.

For the secretary role and administrators; every callback checks the role itself. Not cached:
what is shown depends on who is asking.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from sqlalchemy.exc import IntegrityError

from metrics.records import actions
from metrics.meeting import record as meeting_record
from metrics.meeting.record import MeetingError
from metrics.meeting.minutes import figure_sentences
from metrics.months import month_label
from metrics.meeting.content import meeting_content

from dashboard.web.auth import allowed, callback_requires, current_user
from dashboard.state.cache import remember, version_of
from dashboard.components.meeting_record_views import (agenda_nav, entries_list, entry_form, href, meeting_form,
                                                       meetings_list, message, problems_list)
from dashboard.components.tools import panel, tool_page
from dashboard.context import get_context

ROLE = "secretary"
PAGE_ID = "meeting-record"
dash.register_page(__name__, path="/meeting/record", name="Minutes", order=92, nav="tools",
                   role=ROLE, title="Meeting record — OPSG service metrics")


def _one(value):
    return value[-1] if isinstance(value, (list, tuple)) and value else value


def _access_note():
    user = current_user()
    body = (html.P(f"You are signed in as {user.name}, a {user.role}. Recording a meeting needs the "
                   "secretary role; ask a SECAS administrator if you should have it.") if user else
            html.A("Sign in", href="/login?next=/meeting/record", className="btn btn-primary"))
    return tool_page(PAGE_ID, "Meeting record", "", [
        html.Div([html.H2("Not available to you", className="h4"), body],
                 className="empty-state access-note", id=f"{PAGE_ID}-access-note")])


def _figures(context, meeting: dict) -> dict:
    """The meeting's slides, judged at its frozen moment (read once per data version)."""
    moment = meeting_record.figures_moment(meeting)
    with context.store.read() as conn:
        version = version_of(conn, records=True)

    def read():
        with context.store.read() as conn:
            content = meeting_content(conn, context.catalog, meeting["month"], as_of=moment,
                                      today=date.fromisoformat(meeting["held_on"]))
        return {item["id"]: item for item in content["items"]}
    return remember(("record-figures", context.store.url, meeting["month"], moment, version), read)


def layout(meeting=None, item=None, **_):
    if not allowed(ROLE):
        return _access_note()
    context = get_context()
    number = meeting_record.normalise_number(_one(meeting)) if meeting else None
    with context.store.read() as conn:
        found = meeting_record.get_meeting(conn, number) if number else None
        meetings = meeting_record.list_meetings(conn)
        next_ref = meeting_record.next_action_ref(conn, found["number"]) if found else None
        texts = {a["ref"]: a["text"] for a in actions.list_actions(conn, today=date.max)}
    intro = ("Notes, decisions and actions for the minutes, recorded during the meeting in this "
             "window while meeting mode is on the shared screen.")
    if found is None:
        notes = [message(f"There is no meeting {_one(meeting)!r}; choose one below.", ok=False)] if meeting else []
        return tool_page(PAGE_ID, "Meeting record", intro, [
            *notes, panel("Meetings", [meetings_list(meetings)], "record-meetings-panel"),
            meeting_form(None)])
    items = found["items"]
    wanted = _one(item)
    current = next((i for i in items if str(i["id"]) == str(wanted)), items[0] if items else None)
    slide_numbers = {a.id: n for n, a in enumerate(context.catalog.agenda, start=1)}
    moment = meeting_record.figures_moment(found)
    slide_no = slide_numbers.get(current["slide"], 1) if current else 1
    mode = "/meeting?" + urlencode([("month", found["month"]), ("as_of", moment.isoformat() + "Z"),
                                    ("slide", slide_no)], quote_via=quote)
    slide = _figures(context, found).get(current["slide"]) if current else None
    sentences = figure_sentences(slide)
    slide_metrics = list(slide.get("metrics", [])) if slide else []
    head = html.Div([
        html.P([html.Strong(found["number"]), f" · {found['held_on']}"
                + (f", {found['times']}" if found["times"] else "")
                + (f" · {found['place']}" if found["place"] else "")
                + f" · figures for {month_label(found['month'])} as at {moment:%d %b %Y %H:%M} UTC"],
               className="record-meeting-line", id="record-meeting-line"),
        html.Div([
            html.A("Open meeting mode for the shared screen", href=mode, target="opsg-meeting-window",
                   className="btn btn-outline-primary btn-sm", id="record-open-meeting"),
            html.A("Draft minutes (Word)", href=f"/meeting/minutes.docx?meeting={found['number']}",
                   className="btn btn-primary btn-sm", id="record-minutes-docx"),
            html.A("Markdown", href=f"/meeting/minutes.md?meeting={found['number']}",
                   className="btn btn-outline-secondary btn-sm", id="record-minutes-md"),
            dcc.Checklist(id="record-follow", options=[{"label": " Follow meeting mode in this browser",
                                                        "value": "follow"}],
                          value=["follow"], className="record-follow", inputClassName="form-check-input"),
        ], className="record-tools"),
    ], className="record-head")
    body = html.Div([
        html.Div([html.Div(agenda_nav(found, current, slide_numbers), id="record-agenda-area"),
                  html.Div([html.Label("New agenda item", htmlFor="record-item-title", className="visually-hidden"),
                            dcc.Input(id="record-item-title", value="", type="text",
                                      className="form-control form-control-sm",
                                      placeholder="Another agenda item"),
                            html.Button("Add item", id="record-item-add", n_clicks=0,
                                        className="btn btn-sm btn-outline-secondary")],
                           className="record-add-item"),
                  html.Div(id="record-item-message")], className="record-side"),
        html.Div([
            html.H2(f"{current['position']}. {current['title']}", className="record-item-title",
                    id="record-item-heading") if current else None,
            html.Section([html.H3("Figures the minutes will quote", className="h6"),
                          html.Ul([html.Li(s) for s in sentences], id="record-figures")],
                         className="record-figures") if sentences else None,
            html.Div(entries_list(current, texts), id="record-entries-area") if current else None,
            entry_form(context.catalog, current, next_ref, slide_metrics) if current else None,
            html.Details([html.Summary("Meeting details, attendees and apologies"),
                          meeting_form(found)], className="record-details"),
        ], className="record-main"),
    ], className="record-grid")
    return tool_page(PAGE_ID, "Meeting record", intro, [
        dcc.Store(id="record-where", data={"meeting": found["number"],
                                          "item": current["id"] if current else None}),
        head, body])


def _item_of(meeting: dict, item_id):
    return next((i for i in meeting["items"] if i["id"] == item_id), None)


def register_callbacks(app) -> None:
    """The record's write callbacks, on each app; each checks the secretary role itself."""

    @app.callback(Output("record-message", "children"), Output("record-entries-area", "children"),
                  Output("record-text", "value"), Output("record-next-ref", "children"),
                  Output("record-agenda-area", "children"),
                  Input("record-save", "n_clicks"), State("record-where", "data"),
                  State("record-kind", "value"), State("record-verb", "value"),
                  State("record-text", "value"), State("record-owner", "value"),
                  State("record-target", "value"), State("record-metrics", "value"),
                  prevent_initial_call=True)
    @callback_requires(ROLE)
    def record_entry(clicks, where, kind, verb, text, owner, target, metrics):
        if not clicks or not where:
            return (no_update,) * 5
        context, user = get_context(), current_user()
        try:
            with context.store.write() as conn:
                entry = meeting_record.record(conn, context.catalog, where["meeting"], where["item"],
                                              {"kind": kind, "verb": verb, "text": text, "owner": owner,
                                               "target_on": target, "metrics": metrics or ()}, user.name)
        except MeetingError as exc:
            return problems_list(exc), *(no_update,) * 4
        except IntegrityError:  # another window took that action id at the same moment
            return (message("Someone recorded an action at the same moment, so that id was taken. "
                            "Nothing was recorded and your text is still here: press Record again.",
                            ok=False), *(no_update,) * 4)
        return _refreshed(context, where, entry)

    @app.callback(Output("record-message", "children", allow_duplicate=True),
                  Output("record-entries-area", "children", allow_duplicate=True),
                  Output("record-agenda-area", "children", allow_duplicate=True),
                  Input({"type": "record-remove", "entry": ALL}, "n_clicks"),
                  State("record-where", "data"), prevent_initial_call=True)
    @callback_requires(ROLE)
    def remove_entry(clicks, where):
        trigger = ctx.triggered_id
        if not trigger or not any(clicks or ()) or not where:
            return no_update, no_update, no_update
        context, user = get_context(), current_user()
        try:
            with context.store.write() as conn:
                meeting_record.remove_entry(conn, where["meeting"], trigger["entry"], user.name)
        except MeetingError as exc:
            return problems_list(exc), no_update, no_update
        _, area, _, _, agenda = _refreshed(context, where, None)
        return message("Removed from the record (kept in the audit trail)."), area, agenda

    @app.callback(Output("meeting-message", "children"), Input("meeting-save", "n_clicks"),
                  State("meeting-number", "value"), State("meeting-date", "value"),
                  State("meeting-times", "value"), State("meeting-place", "value"),
                  State("meeting-month", "value"), State("meeting-as-of", "value"),
                  State("meeting-members", "value"), State("meeting-others", "value"),
                  State("meeting-apologies", "value"), prevent_initial_call=True)
    @callback_requires(ROLE)
    def save_meeting(clicks, number, held_on, times, place, month, as_of, members, others, apologies):
        if not clicks:
            return no_update
        context, user = get_context(), current_user()
        raw = {"number": number, "held_on": held_on, "times": times, "place": place, "month": month,
               "figures_as_of": as_of, "members": members, "others": others, "apologies": apologies}
        try:
            with context.store.write() as conn:
                exists = meeting_record.get_meeting(conn, number or "") is not None
                saved = (meeting_record.update_meeting(conn, raw, user.name) if exists else
                         meeting_record.create_meeting(conn, context.catalog, raw, user.name))
        except MeetingError as exc:
            return problems_list(exc)
        return message([f"{saved['number']} {'saved' if exists else 'created'}. ",
                        dcc.Link("Open its record", href=href(meeting=saved["number"]),
                                 id="meeting-open-link")])

    @app.callback(Output("record-item-message", "children"), Input("record-item-add", "n_clicks"),
                  State("record-where", "data"), State("record-item-title", "value"),
                  prevent_initial_call=True)
    @callback_requires(ROLE)
    def add_item(clicks, where, title):
        if not clicks or not where:
            return no_update
        context, user = get_context(), current_user()
        try:
            with context.store.write() as conn:
                saved = meeting_record.add_item(conn, where["meeting"], title, user.name)
        except MeetingError as exc:
            return problems_list(exc)
        new = saved["items"][-1]
        return message(["Added. ", dcc.Link(f"{new['position']}. {new['title']}",
                                            href=href(meeting=saved["number"], item=new["id"]))])


def _refreshed(context, where: dict, entry: dict | None):
    with context.store.read() as conn:
        meeting = meeting_record.get_meeting(conn, where["meeting"])
        texts = {a["ref"]: a["text"] for a in actions.list_actions(conn, today=date.max)}
        next_ref = meeting_record.next_action_ref(conn, meeting["number"])
    item = _item_of(meeting, where["item"])
    slide_numbers = {a.id: n for n, a in enumerate(context.catalog.agenda, start=1)}
    said = None
    if entry is not None:
        said = (f"Recorded {entry['action_ref']}." if entry["kind"] == "action"
                else f"Recorded the {entry['kind']}.")
    return (message(said) if said else None, entries_list(item, texts), "",
            f" An action gets the next id: {next_ref}.", agenda_nav(meeting, item, slide_numbers))
