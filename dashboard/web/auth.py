"""Who is asking: an API bearer token or a signed-in session; role checks for every route."""
from __future__ import annotations

import logging
from datetime import datetime
from functools import wraps

from flask import abort, g, request

from metrics.accounts.users import User, authenticate_token, record_token_use

from dashboard.context import get_context


def clock() -> datetime:
    """Now (naive UTC), from the app's clock (``store.clock``: the system's, or a test's)."""
    return get_context().store.clock.now()


def _token_user(token: str) -> User | None:
    """The user of a live token; its last use is written at most once a minute."""
    store, now = get_context().store, clock()
    with store.read() as conn:
        found = authenticate_token(conn, token, now)
    if found is None:
        return None
    if found.needs_recording(now):
        with store.write() as conn:
            record_token_use(conn, found.token_id, now)
    return found.user


def current_user() -> User | None:
    """The user behind this request (bearer token first, then the session), cached per request."""
    if "opsg_user" in g:
        return g.opsg_user
    user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = _token_user(header[7:].strip())
    else:
        try:
            from flask_login import current_user as session_user
            if session_user and session_user.is_authenticated:
                user = session_user.user
        except Exception:  # flask-login not initialised on this app
            user = None
    g.opsg_user = user
    return user


def can_read() -> bool:
    return get_context().settings.public_read or current_user() is not None


def require(role: str | None, on_fail):
    """Decorator: run the view only for a signed-in user with ``role`` (None: any reader)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if role is None and can_read():
                return view(*args, **kwargs)
            if user is None:
                return on_fail(401, "sign in or send an API token (Authorization: Bearer TOKEN)")
            if role is not None and not user.can(role):
                return on_fail(403, f"this needs the {role} role; you are {user.role}")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def allowed(role: str | None) -> bool:
    """May the current user see what needs ``role`` (None: anything a reader may see)?"""
    if role is None:
        return can_read()
    user = current_user()
    return user is not None and user.can(role)


def callback_requires(role: str):
    """Decorator for a Dash callback that changes data (or shows what only ``role`` may see).

    The check runs inside the callback on every call, whatever the page showed: a request from
    anyone without the role is refused with HTTP 403 before the callback body runs. The role is
    kept on the function (``required_role``) so tests can list every guarded callback.
    """
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None or not user.can(role):
                logging.getLogger("opsg.auth").warning(
                    "refused %s: needs %s, caller %s", func.__name__, role,
                    f"{user.name} ({user.role})" if user else "anonymous")
                abort(403, description=f"this needs the {role} role")
            return func(*args, **kwargs)
        wrapper.required_role = role
        return wrapper
    return decorate
