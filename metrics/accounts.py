"""Users, roles and API tokens. Passwords and tokens are stored hashed, never in clear."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update
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
    result = conn.execute(update(schema.users).where(schema.users.c.name == name)
                          .values(role=_check_role(role)))
    if not result.rowcount:
        raise ValueError(f"no user {name!r}")
    audit(conn, actor, "role_changed", name, role=role)


def list_users(conn: Connection) -> list[dict]:
    u = schema.users
    return [dict(r._mapping) for r in conn.execute(
        select(u.c.name, u.c.role, u.c.created_at, u.c.disabled).order_by(u.c.name))]


def get_user(conn: Connection, name: str) -> User | None:
    u = schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role).where(u.c.name == name, u.c.disabled.is_(False))).first()
    return User(row.id, row.name, row.role) if row else None


def verify_password(conn: Connection, name: str, password: str) -> User | None:
    u = schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role, u.c.password_hash)
                       .where(u.c.name == name, u.c.disabled.is_(False))).first()
    if row is None or not check_password_hash(row.password_hash, password):
        return None
    return User(row.id, row.name, row.role)


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
