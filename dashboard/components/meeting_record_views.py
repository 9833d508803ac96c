"""What the secretary's window (/meeting/record) draws: the meetings, the meeting form, the agenda
beside the item being recorded, its figures as the minutes will quote them, what was recorded on
it, and the form to record a note, a decision or an action. All user text goes in as text."""
from __future__ import annotations

from urllib.parse import quote, urlencode

from dash import dcc, html

from metrics.records import actions
from metrics.meeting.record import KINDS, LISTS, VERBS, people_text
from metrics.months import month_label

from .admin_views import field

KIND_LABELS = {"note": "Note", "decision": "Decision", "action": "Action"}


def href(**params) -> str:
    items = [(k, str(v)) for k, v in params.items() if v not in (None, "")]
    return "/meeting/record" + (f"?{urlencode(items, quote_via=quote)}" if items else "")


def message(text, ok: bool = True) -> html.Div:
    return html.Div(text, className=f"alert {'alert-success' if ok else 'alert-danger'} py-2 mb-0",
                    role="status" if ok else "alert")


def problems_list(exc) -> html.Div:
    from metrics.meeting.record import LABELS
    return message([html.Div("Nothing was recorded:"),
                    html.Ul([html.Li(f"{LABELS.get(f, f)}: {m}") for f, _, m in exc.problems])], ok=False)


def meetings_list(meetings: list[dict]) -> html.Div:
    if not meetings:
        return html.P("No meetings recorded yet: create the next one below.", className="text-muted")
    return html.Ul([html.Li([dcc.Link(m["number"], href=href(meeting=m["number"]),
                                      id=f"record-open-{m['number']}"),
                             f" — {m['held_on']}, figures for {month_label(m['month'])}"
                             + (f", {m['place']}" if m["place"] else "")])
                    for m in meetings], className="record-meetings", id="record-meetings")


def meeting_form(meeting: dict | None) -> html.Section:
    """Create a meeting, or change the one shown (its number stays)."""
    m = meeting or {}
    people = m.get("people", [])

    def text(field_id, value, **extra):
        return dcc.Input(id=field_id, value=value or "", type="text", className="form-control", **extra)
    title = f"Details of {m['number']}" if m else "Create a meeting"
    return html.Section([
        html.H2(title, className="panel-title"),
        html.Div([
            field("Meeting number", text("meeting-number", m.get("number"), placeholder="OPSG_30",
                                         disabled=bool(m)), "meeting-number"),
            field("Date", text("meeting-date", actions.dmy(m.get("held_on")), placeholder="03/03/2020"),
                  "meeting-date"),
            field("Times", text("meeting-times", m.get("times"), placeholder="10:00 – 16:30"), "meeting-times"),
        ], className="form-triple"),
        html.Div([
            field("Place", text("meeting-place", m.get("place")), "meeting-place"),
            field("Month of figures reviewed", text("meeting-month", m.get("month"), placeholder="2020-02"),
                  "meeting-month"),
        ], className="form-pair"),
        field("Figures as at (optional)", text("meeting-as-of", m["figures_as_of"].isoformat()
                                              if m.get("figures_as_of") else "",
                                              placeholder="blank: the end of the meeting day"),
              "meeting-as-of", "The figures the record quotes are frozen at this moment."),
        html.Div([field(label, dcc.Textarea(id=f"meeting-{which}", value=people_text(people, which),
                                            className="form-control", style={"height": "7em"}),
                        f"meeting-{which}", "One a line, 'Category: Name'; a line without a "
                        "category continues the one above." if which == "members" else None)
                  for which, label in LISTS.items()], className="form-triple"),
        html.Button("Save the meeting" if m else "Create the meeting", id="meeting-save", n_clicks=0,
                    className="btn btn-primary"),
        html.Div(id="meeting-message", className="mt-2", **{"aria-live": "polite"}),
    ], className="panel tool-panel", id="meeting-form")


def agenda_nav(meeting: dict, current: dict, slide_numbers: dict) -> html.Nav:
    links = []
    for item in meeting["items"]:
        count = len(item["entries"])
        attrs = {"data-follow": str(slide_numbers[item["slide"]])} if item["slide"] in slide_numbers else {}
        link = dcc.Link([html.Span(f"{item['position']}. ", className="record-item-number"),
                         item["title"], html.Span(f" ({count})" if count else "",
                                                  className="record-item-count")],
                        href=href(meeting=meeting["number"], item=item["id"]),
                        className="record-item" + (" active" if item is current else ""),
                        id=f"record-item-{item['id']}")
        links.append(html.Div(link, className="record-item-wrap", **attrs))
    return html.Nav(links, className="record-agenda", id="record-agenda", **{"aria-label": "Agenda"})


def entries_list(item: dict, action_texts: dict) -> html.Div:
    rows = []
    for entry in item["entries"]:
        if entry["kind"] == "decision":
            body = ["The OPSG ", html.Strong(entry["verb"]), f" {entry['text']}"]
        elif entry["kind"] == "action":
            body = [html.Strong(f"ACTION {entry['action_ref']}: "),
                    action_texts.get(entry["action_ref"], entry["text"])]
        else:
            body = [entry["text"]]
        remove = None if entry["kind"] == "action" else html.Button(
            "Remove", id={"type": "record-remove", "entry": entry["id"]}, n_clicks=0,
            className="btn btn-sm btn-outline-secondary", **{"aria-label": f"Remove this {entry['kind']}"})
        rows.append(html.Li([html.Span(KIND_LABELS[entry["kind"]], className=f"record-kind kind-{entry['kind']}"),
                             html.Span(body, className="record-text"), remove], className="record-entry"))
    if not rows:
        return html.P("Nothing recorded on this item yet.", className="text-muted", id="record-entries")
    return html.Ol(rows, className="record-entries", id="record-entries")


def entry_form(catalog, item: dict, next_ref: str, slide_metrics: list[str]) -> html.Section:
    metric_options = [{"label": m.title, "value": m.id} for m in catalog.metrics.values()]
    return html.Section([
        html.H2("Record", className="panel-title"),
        field("Kind", dcc.RadioItems(id="record-kind", value="note", inline=True,
                                     options=[{"label": KIND_LABELS[k], "value": k} for k in KINDS],
                                     inputClassName="form-check-input", labelClassName="me-3"),
              "record-kind"),
        field("Decision", dcc.Dropdown(id="record-verb", options=[{"label": v, "value": v} for v in VERBS],
                                       value="NOTED", clearable=False), "record-verb",
              "For a decision: 'The OPSG NOTED …'. The text follows the word."),
        field("Text", dcc.Textarea(id="record-text", value="", className="form-control",
                                   style={"height": "8em"}), "record-text",
              "Ctrl+Enter records it."),
        html.Div([
            field("Owner (action)", dcc.Input(id="record-owner", value="", type="text",
                                              className="form-control", placeholder="DCC"), "record-owner"),
            field("Target date (action)", dcc.Input(id="record-target", value="", type="text",
                                                    className="form-control", placeholder="07/04/2020"),
                  "record-target"),
        ], className="form-pair"),
        field("Linked metrics (action)", dcc.Dropdown(id="record-metrics", options=metric_options,
                                                      multi=True, value=slide_metrics), "record-metrics"),
        html.Button("Record", id="record-save", n_clicks=0, className="btn btn-primary"),
        html.Span(f" An action gets the next id: {next_ref}.", className="text-muted ms-2",
                  id="record-next-ref"),
        html.Div(id="record-message", className="mt-2", **{"aria-live": "polite"}),
    ], className="panel tool-panel", id="record-form")
