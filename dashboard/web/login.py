"""Signing in and out: server-side sessions behind flask-login, the /login and /logout pages,
throttling, idle and absolute expiry, the sign-in gate in front of every read, and the first
administrator.

The signed cookie carries only the user id and a random session key; the session itself is a row in
the database (``metrics.accounts.sessions``), checked on every request before anything reads the user. Once
the row is gone (sign-out, an administrator, disabling the user, a new password or role, expiry) a
copy of the cookie signs nobody in, on any worker.

``install(app)`` wires it into a Dash app. Every request except the public ones below needs a
signed-in user, an API token, or PUBLIC_READ; what a request may change is checked by the route or
callback that changes it (``dashboard.web.auth``).
"""
from __future__ import annotations

import sys
from urllib.parse import urlencode, urlsplit

from dash import dcc, html
from flask import Blueprint, g, jsonify, redirect, render_template, request, session
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_login import current_user as session_user

from metrics.accounts import users as accounts, sessions, throttle
from metrics.store.engine import audit

from dashboard.web.auth import clock, current_user
from dashboard.context import get_context
from dashboard.web.security import csrf_token

PUBLIC_PATHS = frozenset({"/login", "/logout", "/api/v1/health", "/healthz", "/readyz", "/api/v1/openapi.json", "/_favicon.ico",
                          "/unsubscribe",  # the signed one-click unsubscribe link (dashboard/web/unsubscribe.py)
                          "/login/oidc", "/login/oidc/callback", "/login/oidc/signed-out"})  # dashboard/web/oidc.py
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/static/")
MAX_NEXT = 2000  # characters of a next= path kept after sign-in
SESSION_KEY = "sid"  # the cookie session's entry holding the server-side session's key

bp = Blueprint("login", __name__, template_folder="templates")


class SessionUser(UserMixin):
    """flask-login's user: wraps the account, looked up afresh on every request."""

    def __init__(self, user: accounts.User):
        self.user = user
        self.id = str(user.id)


def _load_user(user_id: str):
    """flask-login's loader: only for a session that ``_resume_session`` found live this request."""
    live = g.get("opsg_session")
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        return None
    if live is None or live.user_id != uid:
        return None
    with get_context().store.read() as conn:
        user = accounts.get_user_by_id(conn, uid)
    return SessionUser(user) if user else None


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect). Control
    characters (CR/LF would split the Location header; browsers drop tabs and newlines, so "/<tab>/x"
    would become "//x") or an overlong value mean the front page."""
    value = (value or "").strip() if isinstance(value, str) else ""
    if len(value) > MAX_NEXT or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "/"
    parts = urlsplit(value)
    if (not value.startswith("/") or value.startswith("//") or "\\" in value or parts.scheme
            or parts.netloc or parts.path in ("/login", "/logout") or parts.path.startswith("/login/")):
        return "/"
    return value


def _client_ip() -> str:
    return (request.remote_addr or "unknown")[:45]


def _render(status: int = 200, **page):
    ctx = get_context()
    page.setdefault("mode", "login")
    return render_template(
        "login.html", csrf_token=csrf_token(), next=safe_next(request.values.get("next")),
        classification=str(ctx.settings.classification or "").strip(),
        public_read=bool(ctx.settings.public_read),
        local_login=bool(ctx.settings.local_login),
        sso_name=(str(ctx.settings.oidc_name or "").strip() or "single sign-on")
        if ctx.settings.oidc_issuer else None,
        idle_minutes=int(ctx.settings.session_idle_minutes), **page), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method in ("GET", "HEAD"):  # HEAD is a GET without the body, not a sign-in attempt
        if session_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")))
        hours = int(get_context().settings.session_max_hours)
        notice = (f"Sessions last at most {hours} hours after signing in. Sign in again to carry on."
                  if request.args.get("expired") == sessions.LIFETIME else
                  "You were signed out after a period without activity. Sign in again to carry on."
                  if request.args.get("expired") else
                  "You have signed out." if request.args.get("signed_out") else None)
        return _render(notice=notice)
    if not get_context().settings.local_login:  # single sign-on only (dashboard/web/oidc.py)
        with get_context().store.write() as conn:
            audit(conn, "anonymous", "sign_in_failed", request.form.get("username", "").strip()[:80],
                  ip=_client_ip(), reason="local_login_off")
        return _render(403, error="Signing in with a password is turned off here.")
    name = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")
    if not name or not password:
        return _render(400, error="Enter your user name and password.", username=name)
    ctx, ip = get_context(), _client_ip()
    limits = throttle.Limits.from_settings(ctx.settings)
    with ctx.store.write() as conn:
        attempt, lock = throttle.begin(conn, name, ip, limits)
        if lock:
            audit(conn, "anonymous", "sign_in_locked", name, ip=ip, scope=lock.scope,
                  until=lock.until.isoformat(timespec="seconds"))
    if lock:
        who = "this user name" if lock.scope == "user" else "your network address"
        minutes = lock.minutes_left()
        return _render(429, username=name, error=(
            f"Too many failed sign-ins for {who}. Try again in {minutes} minute{'s' * (minutes != 1)}, "
            "or ask your administrator."))
    with ctx.store.read() as conn:
        user, why = accounts.check_credentials(conn, name, password)
    with ctx.store.write() as conn:
        throttle.finish(conn, attempt, user is not None)
        if user is None:
            audit(conn, "anonymous", "sign_in_failed", name, ip=ip, reason=why)
        else:
            sessions.end_key(conn, session.get(SESSION_KEY))  # signing in again replaces a session
            key = sessions.create(conn, user.id, sessions.Limits.from_settings(ctx.settings), ip=ip,
                                  user_agent=request.user_agent.string, now=clock())
            audit(conn, user.name, "sign_in", user.name, ip=ip)
    if user is None:
        return _render(401, username=name,
                       error="That user name and password do not match an active account.")
    session.clear()  # a fresh session (and CSRF token) for the signed-in user
    login_user(SessionUser(user))
    session[SESSION_KEY] = key
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if not session_user.is_authenticated:
        return redirect("/login")
    if request.method == "GET":  # signing out changes state: confirm with a POST form
        return _render(mode="logout", user=session_user.user)
    from dashboard.web.oidc import provider_sign_out_url

    with get_context().store.read() as conn:
        id_token = sessions.id_token_of(conn, session.get(SESSION_KEY))
    provider = provider_sign_out_url(id_token)  # RP-initiated logout of a single sign-on session
    with get_context().store.write() as conn:
        sessions.end_key(conn, session.get(SESSION_KEY))
        audit(conn, session_user.user.name, "sign_out", session_user.user.name, ip=_client_ip(),
              **({"method": "oidc", "provider_sign_out": bool(provider)} if id_token else {}))
    logout_user()
    session.clear()
    return redirect(provider or "/login?signed_out=1")


def _resume_session():
    """Find this request's server-side session; end it here if it is over, else note the request.

    Runs before anything reads the user: a cookie whose session row is gone (signed out, ended by
    an administrator, user disabled, password or role changed) is cleared, whatever it says.
    """
    if "_user_id" not in session or request.path.startswith(PUBLIC_PREFIXES):
        return None
    ctx, now = get_context(), clock()
    limits = sessions.Limits.from_settings(ctx.settings)
    with ctx.store.read() as conn:
        found = sessions.find(conn, session.get(SESSION_KEY))
    state = found.state(limits, now) if found else sessions.UNKNOWN
    if found and str(found.user_id) != str(session.get("_user_id")):
        state = sessions.UNKNOWN
    if state == sessions.OK:
        g.opsg_session = found
        if found.needs_touch(now):
            with ctx.store.write() as conn:
                sessions.touch(conn, found.id, now)
        return None
    logout_user()
    session.clear()
    if state == sessions.UNKNOWN:
        return None
    session["expired"] = g.session_expired = state  # so the sign-in page can say why, even after a reload
    with ctx.store.write() as conn:
        if sessions.end(conn, found.id):
            user = accounts.get_user_by_id(conn, found.user_id)
            name = user.name if user else str(found.user_id)
            detail = ({"idle_minutes": round((now - found.last_seen_at).total_seconds() / 60)}
                      if state == sessions.IDLE else
                      {"max_hours": round((found.expires_at - found.created_at).total_seconds() / 3600)})
            audit(conn, name, "session_expired", name, reason=state, **detail)
    return None


def _gate():
    """Reads need a signed-in user, an API token or PUBLIC_READ; sign-in pages and assets don't."""
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if current_user() is not None or get_context().settings.public_read:
        return None
    if path.startswith(("/api/", "/_dash", "/_reload", "/downloads/")):
        return jsonify(error="sign in, or send an API token (Authorization: Bearer TOKEN)"), 401
    query = {"next": request.full_path.rstrip("?")}
    expired = session.pop("expired", None) or g.get("session_expired")
    if expired:
        query["expired"] = sessions.LIFETIME if expired == sessions.LIFETIME else "1"
    return redirect("/login?" + urlencode(query))


def first_admin_notice(name: str, password: str) -> str:
    """The first-start credentials in a framed box that stands out among log lines (plain ASCII,
    so any terminal or log collector shows it as drawn)."""
    lines = ["FIRST START: an administrator account was created. Shown once only.", "",
             f"    user name:  {name}", f"    password:   {password}", "",
             "Next: sign in at /login with these, add a named account for each",
             "person on the Admin page, then disable this one. The password cannot",
             "be shown again; if it is lost, add an administrator with",
             "`python -m metrics users add NAME --role admin`."]
    width = max(len(line) for line in lines) + 4
    bar = "#" * (width + 2)
    body = [f"#  {line.ljust(width - 2)}#" for line in ["", *lines, ""]]
    return "\n".join(["", bar, *body, bar, ""]) + "\n"


def create_first_admin(store) -> None:
    """On the first start (no users at all), add ``admin`` and print its password once to stderr."""
    with store.write() as conn:
        password = accounts.ensure_first_admin(conn)
    if password:
        print(first_admin_notice(accounts.FIRST_ADMIN, password), file=sys.stderr, flush=True)


def install(app) -> None:
    """Sessions, the sign-in routes and the gate on ``app``'s server; the first admin if needed."""
    server = app.server
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(_load_user)
    server.register_blueprint(bp)
    server.before_request(_resume_session)
    server.before_request(_gate)
    if server.extensions["opsg"].settings.local_login:  # else: `users add` on the command line
        create_first_admin(server.extensions["opsg"].store)


def account_menu() -> html.Div:
    """The header's right-hand side: who is signed in, their role, and Sign out (or Sign in)."""
    user = current_user()
    if user is None:
        return html.Div(html.A("Sign in", href="/login", className="btn btn-sm btn-light"),
                        className="account-menu", id="account-menu")
    return html.Div([
        html.Span([html.Span(user.name, className="account-name"),
                   html.Span(user.role.capitalize(), className=f"role-chip role-{user.role}")],
                  className="account-who", title=f"Signed in as {user.name} ({user.role})"),
        html.Form([dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
                   html.Button("Sign out", type="submit", className="btn btn-sm btn-outline-light",
                               id="account-sign-out")],
                  action="/logout", method="POST", className="account-form"),
    ], className="account-menu", id="account-menu")
