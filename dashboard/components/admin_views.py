"""What the Administration page draws: users, thresholds (with the form) and the audit trail."""
from __future__ import annotations

import json

from dash import dcc, html

from metrics.accounts.users import ALL_ROLES
from metrics.catalog import Catalog
from metrics.months import add_months, month_label, month_range
from metrics.formatting import format_threshold

from .tools import column, month_column, text_grid, wrap

ROLES = [{"label": f"{role.name.capitalize()} — {role.description}", "value": role.name}
         for role in ALL_ROLES]
AUDIT_GROUPS = [("", "Every event"), ("sign_", "Sign-ins and sign-outs"), ("upload_", "Uploads"),
                ("rollback", "Rollbacks"), ("threshold_", "Threshold changes"), ("role_", "Role changes"),
                ("user_", "Users added, disabled, enabled"), ("session_", "Sessions expired or ended"),
                ("token_", "API tokens"), ("meeting_", "Meeting record")]


def users_grid(users: list[dict]) -> html.Div:
    rows = [{"name": u["name"], "role": u["role"].capitalize(),
             "state": "Disabled" if u["disabled"] else "Active",
             "created": u["created_at"].isoformat(sep=" ", timespec="minutes")} for u in users]
    state_rules = {"state-disabled": "params.value == 'Disabled'"}
    return text_grid("admin-users-grid", [column("name", "User name"), column("role", "Role", maxWidth=140),
                                          column("state", "State", maxWidth=130, cellClassRules=state_rules),
                                          column("created", "Added (UTC)", maxWidth=190)], rows, max_height=520)


def user_options(users: list[dict]) -> list[dict]:
    return [{"label": f"{u['name']} ({u['role']}{', disabled' if u['disabled'] else ''})", "value": u["name"]}
            for u in users]


def _when(value) -> str:
    return value.isoformat(sep=" ", timespec="minutes") if value else "never"


def access_grids(access: dict | None) -> list:
    """A user's live sessions and API tokens (never a session key or a token itself), each listed
    once: a row is chosen by clicking it, for the End session and Revoke token buttons."""
    if access is None:
        return [html.P("Choose a user under 'Change a user' to see their sessions and API tokens.",
                       className="text-muted")]
    sessions = [{"id": s.id, "row_id": str(s.id), "created": _when(s.created_at), "seen": _when(s.last_seen_at),
                 "ends": _when(s.expires_at), "ip": s.ip, "agent": s.user_agent} for s in access["sessions"]]
    tokens = [{"id": t["id"], "row_id": str(t["id"]), "label": t["label"], "created": _when(t["created_at"]),
               "expires": _when(t["expires_at"]), "used": _when(t["last_used_at"]), "state": t["state"]}
              for t in access["tokens"]]
    shown = [
        html.H3("Signed-in sessions", className="h6"),
        text_grid("admin-sessions-grid", [column("id", "#", maxWidth=80), column("created", "Signed in (UTC)"),
                                          column("seen", "Last seen"), column("ends", "Ends at the latest"),
                                          column("ip", "Address", maxWidth=150),
                                          wrap("agent", "Browser", flex=2, minWidth=200)], sessions, max_height=260,
                  selectable=True)
        if sessions else html.P("Not signed in anywhere.", className="text-muted", id="admin-no-sessions"),
        html.H3("API tokens", className="h6 mt-3"),
        text_grid("admin-tokens-grid", [column("id", "#", maxWidth=80), column("label", "Label"),
                                        column("created", "Created (UTC)"), column("expires", "Expires"),
                                        column("used", "Last used"), column("state", "State", maxWidth=120)],
                  tokens, max_height=260, selectable=True)
        if tokens else html.P("No API tokens.", className="text-muted", id="admin-no-tokens"),
    ]
    for grid in (shown[1], shown[3]):
        if hasattr(grid, "rowData"):
            grid.getRowId = "params.data.row_id"  # selection follows the row, not its position
    return shown


def field(label: str, control, field_id: str, hint: str | None = None) -> html.Div:
    return html.Div([html.Label(label, htmlFor=field_id, className="form-label"), control,
                     html.Div(hint, className="form-text") if hint else None], className="mb-3")


def _limit(value: float, unit: str, decimals: int) -> str:
    return format_threshold(value, unit, decimals)


def threshold_rows(rows: list[dict], catalog: Catalog) -> list[dict]:
    out = []
    for r in rows:
        metric = catalog.metrics.get(r["metric"])
        unit, decimals = (metric.unit, metric.decimals) if metric else ("count", 0)
        sign = "≥" if metric is None or metric.higher_is_better else "≤"
        out.append({"metric": metric.title if metric else r["metric"],
                    "applies": r["value"] if r["value"] else "Every value",
                    "target": f"{sign} {_limit(r['target'], unit, decimals)}",
                    "minimum": f"{sign} {_limit(r['minimum'], unit, decimals)}",
                    "effective_from": r["effective_from"],
                    "set_by": f"{r['set_by']} · {r['set_at']}" if r["set_at"] else r["set_by"],
                    "reason": r["reason"] or ""})
    return out


def thresholds_grid(rows: list[dict], catalog: Catalog) -> html.Div:
    columns = [column("metric", "Metric", minWidth=170, tooltipField="metric"),
               column("applies", "Applies to", minWidth=140, maxWidth=170),
               column("target", "Target", minWidth=136, maxWidth=150),
               column("minimum", "Minimum", minWidth=136, maxWidth=150),
               month_column("effective_from", "From", minWidth=96, maxWidth=120),
               column("set_by", "Set by (UTC)", minWidth=150, maxWidth=260, tooltipField="set_by"),
               wrap("reason", "Reason", minWidth=150, flex=2)]
    return text_grid("admin-thresholds-grid", columns, threshold_rows(rows, catalog), max_height=560)


def month_options(latest: str | None) -> list[dict]:
    end = add_months(latest or "2020-01", 24)
    return [{"label": month_label(m), "value": m} for m in reversed(month_range("2018-01", end))]


def threshold_form(catalog: Catalog, latest: str | None) -> html.Div:
    metrics = [{"label": m.title, "value": m.id} for m in catalog.metrics.values()]
    first = next(iter(catalog.metrics))
    return html.Div([
        field("Metric", dcc.Dropdown(id="admin-th-metric", options=metrics, value=first, clearable=False),
              "admin-th-metric"),
        html.Div(id="admin-th-current", className="threshold-current"),
        field("Applies to", dcc.Dropdown(id="admin-th-value", clearable=False, value=""), "admin-th-value",
              "A threshold for one value (e.g. CSP North) beats a general one, whatever their dates."),
        html.Div([
            field("Target", dcc.Input(id="admin-th-target", type="number", className="form-control",
                                      debounce=True), "admin-th-target"),
            field("Minimum", dcc.Input(id="admin-th-minimum", type="number", className="form-control",
                                       debounce=True), "admin-th-minimum"),
            field("In force from", dcc.Dropdown(id="admin-th-from", options=month_options(latest),
                                                value=add_months(latest, 1) if latest else None,
                                                clearable=False), "admin-th-from"),
        ], className="threshold-numbers"),
        field("Reason", dcc.Textarea(id="admin-th-reason", className="form-control", maxLength=1000,
                                     placeholder="e.g. OPSG 31 agreed a 99.5% target from April"),
              "admin-th-reason"),
        dcc.Checklist(id="admin-th-restate", options=[{
            "label": " Restate history: this change deliberately re-judges months already reported",
            "value": "restate"}], value=[], className="restate-check", inputClassName="form-check-input me-2"),
        html.Div([html.Button("Save threshold", id="admin-th-save", n_clicks=0, className="btn btn-primary")],
                 className="mt-3"),
        html.Div(id="admin-th-message", className="mt-3"),
    ], id="admin-threshold-form")


def _detail(detail: dict, short: bool) -> str:
    parts = []
    for key, value in sorted(detail.items()):
        if value in (None, "", []):
            continue
        text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        if short and key == "sha256":
            text = text[:12] + "…"
        parts.append(f"{key}={text}")
    return "; ".join(parts)


def audit_rows(events: list[dict]) -> list[dict]:
    """Grid rows; the details as key=value text (a hash shortened; the full text is the tooltip)."""
    return [{"id": e["id"], "at": e["at"], "actor": e["actor"], "action": e["action"],
             "subject": e["subject"], "detail": _detail(e["detail"], True),
             "detail_full": _detail(e["detail"], False)} for e in events]


def audit_grid(events: list[dict]) -> html.Div:
    columns = [column("id", "#", maxWidth=90, type="rightAligned"), column("at", "When (UTC)", maxWidth=190),
               column("actor", "Who", maxWidth=160), column("action", "Action", maxWidth=190),
               wrap("subject", "Subject", minWidth=180),
               wrap("detail", "Details", flex=3, minWidth=300, tooltipField="detail_full")]
    return text_grid("admin-audit-grid", columns, audit_rows(events), max_height=620,
                     pagination=True, paginationPageSize=100)
