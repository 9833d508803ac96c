"""Users, roles and API tokens. Passwords and tokens are stored hashed, never in clear."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, func, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from . import schema
from .store import audit, utcnow

ROLES = ("viewer", "uploader", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or above (viewer < uploader < admin)."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


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


def set_role(conn: Connection, name: str, role: str, actor: str) -> None:
    u = schema.users
    previous = conn.execute(select(u.c.role).where(u.c.name == name)).scalar()
    if previous is None:
        raise ValueError(f"no user {name!r}")
    conn.execute(update(u).where(u.c.name == name).values(role=_check_role(role)))
    audit(conn, actor, "role_changed", name, role=role, previous=previous)


def set_disabled(conn: Connection, name: str, disabled: bool, actor: str) -> None:
    """Disable (or enable again) a user: a disabled user cannot sign in and their tokens stop working."""
    result = conn.execute(update(schema.users).where(schema.users.c.name == name)
                          .values(disabled=bool(disabled)))
    if not result.rowcount:
        raise ValueError(f"no user {name!r}")
    audit(conn, actor, "user_disabled" if disabled else "user_enabled", name)


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


def new_token(conn: Connection, name: str, actor: str = "cli") -> str:
    """Create an API token for ``name``; only its hash is stored, so show it once."""
    user = get_user(conn, name)
    if user is None:
        raise ValueError(f"no user {name!r}")
    token = "opsg_" + secrets.token_urlsafe(32)
    conn.execute(insert(schema.api_tokens).values(user_id=user.id, token_hash=_token_hash(token),
                                                  created_at=utcnow()))
    audit(conn, actor, "token_created", name)
    return token


def user_for_token(conn: Connection, token: str) -> User | None:
    t, u = schema.api_tokens, schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role).join(t, t.c.user_id == u.c.id)
                       .where(t.c.token_hash == _token_hash(token), u.c.disabled.is_(False))).first()
    return User(row.id, row.name, row.role) if row else None


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
