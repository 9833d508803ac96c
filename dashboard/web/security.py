"""Hardening for every response: the secret key, cookie flags, CSRF tokens and security headers.

``install(server, csp_hashes)`` wires it into the Flask server. CSRF uses a per-session token: forms
send it as the ``csrf_token`` field, and Dash's renderer sends it as the ``X-CSRFToken`` header, which
it copies from the ``_csrf_token`` cookie by itself (that cookie is readable by scripts on purpose;
it is useless without the HttpOnly session cookie it must match). A request that carries no session
credential (an API call with a bearer token, an anonymous read) has nothing to forge and is not
checked, except sign-in and sign-out, which always are.
"""
from __future__ import annotations

import hmac
import os
import secrets
import sys
from pathlib import Path
from typing import Callable

from flask import Flask, Response, has_request_context, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

from metrics.settings import DATA_DIR, Settings

CSRF_FIELD, CSRF_HEADER, CSRF_COOKIE = "csrf_token", "X-CSRFToken", "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALWAYS_CHECKED = frozenset({"/login", "/logout"})
MIN_PRODUCTION_KEY = 32
# dash-ag-grid compiles the {"function": "..."} strings of column definitions with new Function(),
# so 'unsafe-eval' is needed; inline scripts are allowed only by hash (Dash's own, and clientside
# callbacks). Styles: React, Plotly and AG Grid set inline styles, which are harmless.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval' {hashes}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'{form_action}; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
CACHEABLE = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/static/")


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server without its ``Server: Werkzeug/x Python/y`` header: which
    software and versions answer is nobody else's business (``python app.py`` uses this)."""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() != "server":
            super().send_header(keyword, value)


def refuse_to_start(message: str):
    """Stop the program with a one-line reason (for app.py, gunicorn workers and tests alike)."""
    raise SystemExit(f"OPSG dashboard refuses to start: {message}")


def secret_key(settings: Settings, key_file: Path | None = None) -> str:
    """SECRET_KEY, required in production; in development one is generated once and kept (0600)."""
    environment = settings.environment.strip().lower()
    if environment not in ("development", "production"):
        refuse_to_start(f"ENVIRONMENT must be development or production, not {environment!r}")
    key = settings.secret_key
    if environment == "production":
        if len(key) < MIN_PRODUCTION_KEY:
            refuse_to_start("ENVIRONMENT=production needs SECRET_KEY set to a random value of at "
                            f"least {MIN_PRODUCTION_KEY} characters, e.g. the output of "
                            "python -c 'import secrets; print(secrets.token_hex(32))'")
        return key
    if key:
        return key
    path = Path(key_file or DATA_DIR / "secret_key")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: when two workers start together, one writes and the other reads
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        key = path.read_text().strip()
        if key:
            return key
        refuse_to_start(f"{path} is empty; delete it and start again")
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    print(f"OPSG: generated a development SECRET_KEY in {path}", file=sys.stderr)
    return path.read_text().strip()


def production(server: Flask) -> bool:
    return server.config.get("OPSG_ENVIRONMENT") == "production"


def cookie_secure(server: Flask) -> bool:
    """Cookies are HTTPS-only in production, and whenever the request itself came over HTTPS."""
    return production(server) or (has_request_context() and request.is_secure)


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return cookie_secure(app)


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def _sent_token() -> str:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = request.form.get(CSRF_FIELD, "")
    return sent


def _check_csrf():
    if request.method in SAFE_METHODS or request.headers.get("Authorization", "").startswith("Bearer "):
        return None
    if request.path not in ALWAYS_CHECKED and "_user_id" not in session:
        return None
    expected, sent = session.get(CSRF_FIELD, ""), _sent_token()
    if expected and sent and hmac.compare_digest(sent.encode(), expected.encode()):
        return None
    message = ("the form has expired or did not come from this site (CSRF token missing or wrong); "
               "reload the page and try again")
    if request.path.startswith(("/api/", "/_dash")):
        return jsonify(error=message), 400
    return Response(message, 400, mimetype="text/plain")


def _headers(server: Flask, csp_hashes: Callable[[], list[str]]):
    def add(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["Content-Security-Policy"] = CSP.format(
            hashes=" ".join(csp_hashes()),  # OPSG_FORM_ACTION: the single sign-on provider (dashboard/web/oidc.py)
            form_action="".join(f" {source}" for source in server.config.get("OPSG_FORM_ACTION", ())))
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.path.startswith(CACHEABLE):
            response.headers["Cache-Control"] = "no-store"
        for name in [h for h in response.headers.keys() if h.lower().startswith("access-control-")]:
            del response.headers[name]  # no CORS: this app is only ever called from its own pages
        token = session.get(CSRF_FIELD)
        if response.mimetype == "text/html" and not token:
            token = csrf_token()
        if token and request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, samesite="Lax", secure=cookie_secure(server),
                                httponly=False, path="/")
        return response
    return add


def install(server: Flask, csp_hashes: Callable[[], list[str]] = lambda: []) -> None:
    """Secret key, cookie flags, CSRF check and headers on ``server`` (settings from its context)."""
    from dashboard.context import get_context

    with server.app_context():
        settings = get_context().settings
    server.secret_key = secret_key(settings)
    server.config.update(
        OPSG_ENVIRONMENT=settings.environment.strip().lower(),
        SESSION_COOKIE_NAME="opsg_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=False,  # decided per request
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
    )
    server.session_interface = SessionInterface()
    proxies = settings.trusted_proxies
    if proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies)
    server.before_request(_check_csrf)
    server.after_request(_headers(server, csp_hashes))
