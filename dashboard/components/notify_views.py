"""What the account page and the Admin page's Notifications tab draw: subscription forms, the
subscriptions and webhooks lists and the delivery log. Every value is passed as text."""
from __future__ import annotations

from dash import dcc, html

from metrics.catalog import Catalog
from metrics.notify.events import EVENT_HELP, EVENTS, MONTH_EVENTS

from .admin_views import field
from .tools import column, text_grid, wrap

STATE_LABELS = {"pending": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed",
                "cancelled": "Cancelled"}


def event_options() -> list[dict]:
    return [{"label": f" {name.capitalize()} — {EVENT_HELP[name]}", "value": name} for name in EVENTS]


def metric_options(catalog: Catalog) -> list[dict]:
    return [{"label": m.title, "value": m.id} for m in catalog.metrics.values()]


def chosen(subs: list[dict]) -> tuple[list[str], list[str]]:
    """(events, metrics) a form shows for one user's subscriptions ([] metrics = every metric)."""
    events = [e for e in EVENTS if any(s["event"] == e for s in subs)]
    filtered = [s for s in subs if s["event"] not in MONTH_EVENTS]  # final and pack are per month
    metrics = sorted({s["metric"] for s in filtered if s["metric"]})
    if any(not s["metric"] for s in filtered):
        metrics = []
    return events, metrics


def subscription_form(prefix: str, catalog: Catalog, events: list[str], metrics: list[str],
                      button: str = "Save notifications") -> list:
    return [
        field("Tell me when", dcc.Checklist(id=f"{prefix}-events", options=event_options(), value=events,
                                            className="event-checklist", inputClassName="form-check-input me-1",
                                            labelClassName="form-check d-block"), f"{prefix}-events"),
        field("Only for these metrics", dcc.Dropdown(id=f"{prefix}-metrics", options=metric_options(catalog),
                                                     value=metrics, multi=True,
                                                     placeholder="Every metric"), f"{prefix}-metrics",
              "Leave empty for every metric. Applies to Red and RAG changes, and to late figures of "
              "the metrics' datasets."),
        html.Button(button, id=f"{prefix}-save", n_clicks=0, className="btn btn-primary"),
    ]


def _when(value) -> str:
    return value.isoformat(sep=" ", timespec="minutes") if value else ""


def subscriptions_grid(grid_id: str, subs: list[dict], catalog: Catalog, *, own: bool = False) -> html.Div:
    rows = [{"user": s["user"], "email": s["email"] or "(no address: nothing is sent)",
             "event": s["event"].capitalize(),
             "metric": catalog.metrics[s["metric"]].title if s["metric"] in catalog.metrics else "Every metric",
             "since": _when(s["created_at"])} for s in subs]
    columns = [column("user", "User", maxWidth=160), column("email", "E-mail")] if not own else []
    return text_grid(grid_id, [*columns, column("event", "Event", minWidth=90, maxWidth=110),
                               column("metric", "Metric", minWidth=180),
                               column("since", "Since (UTC)", minWidth=175, maxWidth=190)], rows, max_height=320)


def webhooks_grid(hooks: list[dict]) -> html.Div:
    rows = [{"id": str(h["id"]), "url": h["url"], "events": h["events"].replace(" ", ", "),
             "added": f"{_when(h['created_at'])} by {h['created_by']}"} for h in hooks]
    return text_grid("ntf-webhooks-grid", [column("id", "Id", maxWidth=80), wrap("url", "URL"),
                                           column("events", "Events", maxWidth=160),
                                           column("added", "Added (UTC)", maxWidth=260)], rows, max_height=260)


def delivery_rows(log: list[dict]) -> list[dict]:
    return [{"id": str(r["id"]), "queued": _when(r["created_at"]),
             "to": f"{'E-mail' if r['channel'] == 'email' else 'Webhook'}: {r['recipient'] or '(removed)'}",
             "events": r["events"],
             "state": f"{STATE_LABELS.get(r['state'], r['state'])} ({r['attempts']} "
                      f"{'try' if r['attempts'] == 1 else 'tries'})",
             "when": _when(r["sent_at"]) if r["state"] == "sent" else
             (f"next try {_when(r['next_attempt_at'])}" if r["state"] == "pending" else ""),
             "error": r["last_error"] or ""} for r in log]


def delivery_grid(log: list[dict]) -> html.Div:
    state_rules = {"state-disabled": "params.value.startsWith('Failed') || params.value.startsWith('Cancelled')"}
    return text_grid("ntf-log-grid", [
        column("queued", "Queued (UTC)", minWidth=175, maxWidth=180),
        wrap("to", "Recipient", minWidth=200), column("events", "Events", minWidth=90, maxWidth=140),
        wrap("state", "State", minWidth=120, maxWidth=150, cellClassRules=state_rules),
        wrap("when", "Sent / next try (UTC)", minWidth=150),
        wrap("error", "Last error", minWidth=200)], delivery_rows(log), max_height=480)
