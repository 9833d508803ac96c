"""Users, roles and API tokens. Passwords and tokens are stored hashed, never in clear."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Connection, func, insert, or_, select, update

from metrics.store import schema
from metrics.accounts import sessions
from metrics.store.engine import audit, utcnow


# werkzeug costs a quarter of a second to import: only commands that hash a password pay it.
def generate_password_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash as hash_password

    return hash_password(password)


def check_password_hash(pwhash: str, password: str) -> bool:
    from werkzeug.security import check_password_hash as check

    return check(pwhash, password)


@dataclass(frozen=True)
class Role:
    name: str
    description: str  # what it adds to the role below it (the admin page's role list)
    may: str  # completes "an account that may ..." (a page that needs this role says so)
    rank: int  # roles of one rank sit side by side: neither may do what the other does


# The one list of roles, lowest first. A role may do what every role of a lower rank may; uploader
# and secretary are side by side (a secretary records meetings, SPEC §10; an uploader sends
# figures); an admin may do both. The admin page, the command line and the role checks derive from it.
ALL_ROLES: tuple[Role, ...] = (
    Role("viewer", "reads the dashboard", "read the dashboard", 0),
    Role("uploader", "also uploads figures", "upload figures", 1),
    Role("secretary", "also records meetings and drafts the minutes", "record meetings and draft the minutes", 1),
    Role("admin", "also users, thresholds, rollbacks", "administer users, thresholds and history", 2),
)
ROLES = tuple(role.name for role in ALL_ROLES)
ROLE_BY_NAME = {role.name: role for role in ALL_ROLES}
ROLE_RANK = {role.name: role.rank for role in ALL_ROLES}
TOKEN_DAYS = 90  # a new API token's lifetime unless told otherwise
MAX_TOKEN_DAYS = 3650
TOKEN_USE_RESOLUTION = timedelta(seconds=60)  # last_used_at is written at most this often per token


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or above (viewer < uploader, secretary < admin)."""
        return self.role == role or ROLE_RANK[self.role] > ROLE_RANK[role]


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def add_user(conn: Connection, name: str, role: str, password: str, actor: str = "cli") -> User:
    name = name.strip()
    if not name or len(name) > 80:
        raise ValueError("a user name must be 1 to 80 characters")
    if len(password) < 8:
        raise ValueError("a password must be at least 8 characters")
    if conn.execute(select(schema.users.c.id).where(schema.users.c.name == name)).first():
        raise ValueError(f"user {name!r} already exists")
    uid = conn.execute(insert(schema.users).values(
        name=name, role=_check_role(role), password_hash=generate_password_hash(password),
        created_at=utcnow(), disabled=False).returning(schema.users.c.id)).scalar_one()
    audit(conn, actor, "user_added", name, role=role)
    return User(uid, name, role)


def user_id_of(conn: Connection, name: str) -> int:
    uid = conn.execute(select(schema.users.c.id).where(schema.users.c.name == name)).scalar()
    if uid is None:
        raise ValueError(f"no user {name!r}")
    return uid


def set_role(conn: Connection, name: str, role: str, actor: str) -> int:
    """Change a user's role; their sessions end (they sign in again with the new role). Returns how
    many sessions ended."""
    u = schema.users
    previous = conn.execute(select(u.c.role).where(u.c.name == name)).scalar()
    if previous is None:
        raise ValueError(f"no user {name!r}")
    conn.execute(update(u).where(u.c.name == name).values(role=_check_role(role)))
    ended = sessions.end_all(conn, user_id_of(conn, name)) if role != previous else 0
    audit(conn, actor, "role_changed", name, role=role, previous=previous, sessions_ended=ended)
    return ended


def set_disabled(conn: Connection, name: str, disabled: bool, actor: str) -> None:
    """Disable (or enable again) a user: a disabled user cannot sign in, their sessions end and
    their tokens stop working."""
    result = conn.execute(update(schema.users).where(schema.users.c.name == name)
                          .values(disabled=bool(disabled)))
    if not result.rowcount:
        raise ValueError(f"no user {name!r}")
    if disabled:
        audit(conn, actor, "user_disabled", name, sessions_ended=sessions.end_all(conn, user_id_of(conn, name)))
    else:
        audit(conn, actor, "user_enabled", name)


def set_password(conn: Connection, name: str, password: str, actor: str) -> None:
    """Give a user a new password; every session of theirs ends (a stolen one with it)."""
    if len(password) < 8:
        raise ValueError("a password must be at least 8 characters")
    uid = user_id_of(conn, name)
    conn.execute(update(schema.users).where(schema.users.c.id == uid)
                 .values(password_hash=generate_password_hash(password)))
    audit(conn, actor, "password_changed", name, sessions_ended=sessions.end_all(conn, uid))


def list_users(conn: Connection) -> list[dict]:
    u = schema.users
    return [dict(r._mapping) for r in conn.execute(
        select(u.c.name, u.c.role, u.c.created_at, u.c.disabled).order_by(u.c.name))]


def get_user_by_id(conn: Connection, user_id: int) -> User | None:
    """An enabled user by id (a session's user is looked up on every request, so disabling bites at once)."""
    u = schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role)
                       .where(u.c.id == user_id, u.c.disabled.is_(False))).first()
    return User(row.id, row.name, row.role) if row else None


def get_user(conn: Connection, name: str) -> User | None:
    u = schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role).where(u.c.name == name, u.c.disabled.is_(False))).first()
    return User(row.id, row.name, row.role) if row else None


def verify_password(conn: Connection, name: str, password: str) -> User | None:
    return check_credentials(conn, name, password)[0]


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def check_credentials(conn: Connection, name: str, password: str) -> tuple[User | None, str]:
    """(user, "ok") or (None, why: "unknown_user" | "disabled" | "wrong_password").

    An unknown or disabled name costs a hash check too, so timing does not reveal which names exist.
    The reason is for the audit trail only; the person signing in is told the same thing whatever it is.
    """
    u = schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role, u.c.password_hash, u.c.disabled)
                       .where(u.c.name == name)).first()
    if row is None or row.disabled:
        check_password_hash(_dummy_hash(), password)
        return None, "unknown_user" if row is None else "disabled"
    if not check_password_hash(row.password_hash, password):
        return None, "wrong_password"
    return User(row.id, row.name, row.role), "ok"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(conn: Connection, name: str, actor: str = "cli", *, label: str = "",
              expires_days: int = TOKEN_DAYS, now: datetime | None = None) -> str:
    """Create an API token for ``name`` (its other tokens stay valid); only its hash is stored,
    so show it once."""
    user = get_user(conn, name)
    if user is None:
        raise ValueError(f"no user {name!r}")
    label = (label or "").strip()
    if len(label) > 80:
        raise ValueError("a token label must be at most 80 characters")
    if not isinstance(expires_days, int) or not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise ValueError(f"--expires-days must be a whole number of days from 1 to {MAX_TOKEN_DAYS}")
    now = now or utcnow()
    token = "opsg_" + secrets.token_urlsafe(32)
    t = schema.api_tokens
    token_id = conn.execute(insert(t).values(
        user_id=user.id, token_hash=_token_hash(token), created_at=now, label=label,
        expires_at=now + timedelta(days=expires_days)).returning(t.c.id)).scalar_one()
    audit(conn, actor, "token_created", name, token_id=token_id, label=label,
          expires_at=(now + timedelta(days=expires_days)).isoformat(timespec="seconds"))
    return token


@dataclass(frozen=True)
class TokenUse:
    user: User
    token_id: int
    last_used_at: datetime | None

    def needs_recording(self, now: datetime | None = None) -> bool:
        return self.last_used_at is None or (now or utcnow()) - self.last_used_at >= TOKEN_USE_RESOLUTION


def authenticate_token(conn: Connection, token: str, now: datetime | None = None) -> TokenUse | None:
    """The live token (not revoked, not expired, its user enabled) behind a bearer value, or None."""
    now = now or utcnow()
    t, u = schema.api_tokens, schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role, t.c.id.label("token_id"), t.c.last_used_at)
                       .join(t, t.c.user_id == u.c.id)
                       .where(t.c.token_hash == _token_hash(token), u.c.disabled.is_(False),
                              t.c.revoked_at.is_(None), t.c.expires_at > now)).first()
    return TokenUse(User(row.id, row.name, row.role), row.token_id, row.last_used_at) if row else None


def record_token_use(conn: Connection, token_id: int, now: datetime | None = None) -> None:
    """Stamp last_used_at; a no-op when it was stamped less than a minute ago (by any worker)."""
    now = now or utcnow()
    t = schema.api_tokens
    conn.execute(update(t).where(t.c.id == token_id, or_(t.c.last_used_at.is_(None),
                                                         t.c.last_used_at <= now - TOKEN_USE_RESOLUTION))
                 .values(last_used_at=now))


def list_tokens(conn: Connection, name: str, now: datetime | None = None) -> list[dict]:
    """A user's tokens, newest first: id, label, created, expires, last used, state (never the secret)."""
    now = now or utcnow()
    t = schema.api_tokens
    rows = conn.execute(select(t.c.id, t.c.label, t.c.created_at, t.c.expires_at, t.c.last_used_at,
                               t.c.revoked_at).where(t.c.user_id == user_id_of(conn, name))
                        .order_by(t.c.created_at.desc(), t.c.id.desc()))
    return [{**r._mapping, "state": "revoked" if r.revoked_at else "expired" if r.expires_at <= now else "live"}
            for r in rows]


def revoke_tokens(conn: Connection, name: str, actor: str, token_id: int | None = None,
                  now: datetime | None = None) -> int:
    """Revoke one of a user's tokens (``token_id``) or all of them; returns how many it revoked."""
    t = schema.api_tokens
    uid = user_id_of(conn, name)
    stmt = update(t).where(t.c.user_id == uid, t.c.revoked_at.is_(None))
    if token_id is not None:
        if conn.execute(select(t.c.id).where(t.c.id == token_id, t.c.user_id == uid)).first() is None:
            raise ValueError(f"{name} has no token {token_id}")
        stmt = stmt.where(t.c.id == token_id)
    count = conn.execute(stmt.values(revoked_at=now or utcnow())).rowcount
    audit(conn, actor, "token_revoked", name, token_id=token_id or "all", revoked=count)
    return count


def generate_password() -> str:
    return secrets.token_urlsafe(12)


FIRST_ADMIN = "admin"


def ensure_first_admin(conn: Connection) -> str | None:
    """On a database with no users, add ``admin`` with a random password and return the password.

    Call inside a write transaction: the write lock makes the check-then-add safe when several web
    workers start at once. Returns None when any user exists (there is no open setup page).
    """
    if conn.execute(select(func.count()).select_from(schema.users)).scalar():
        return None
    password = generate_password()
    add_user(conn, FIRST_ADMIN, "admin", password, actor="first-start")
    return password
