"""Single sign-on, the domain side: its settings, the group-to-role map, roles from a provider's
claims, accounts linked to a provider's subject, and the one-time state of sign-ins awaiting their
callback. Plain Python and SQL; the Flask routes and the OpenID Connect protocol (Authlib) are in
``dashboard/web/oidc.py``.

A person is known by (issuer, subject), never by name: a provider account called ``admin`` does not
become the local ``admin``. Their role is decided afresh at every sign-in from their groups, so
taking someone out of the admin group takes the role away at their next sign-in (and ends their
other sessions, as any change of role does).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select

from metrics.settings import Settings
from metrics.accounts import users as accounts
from metrics.store import schema
from metrics.store.engine import audit, utcnow

STATE_LIFETIME = timedelta(minutes=10)  # time allowed at the provider between leaving and coming back
NO_PASSWORD = "!sso"  # a password hash nothing matches: a single sign-on user has no local password
ACTOR = "sso"  # the audit trail's actor for what a sign-in itself changes (new user, new role)


class Refused(Exception):
    """A sign-in the dashboard turns down: ``reason`` names why (audit trail and page), ``detail``
    says more (e.g. the groups the person has)."""

    def __init__(self, reason: str, status: int = 401, **detail):
        super().__init__(reason)
        self.reason, self.status, self.detail = reason, status, detail


def parse_role_map(text: str) -> dict[str, str]:
    """``"opsg-admins=admin, opsg-dcc=uploader"`` -> {group: role}; a bad entry is a ValueError naming it."""
    mapping: dict[str, str] = {}
    for entry in (part.strip() for part in str(text or "").split(",")):
        if not entry:
            continue
        group, sep, role = (piece.strip() for piece in entry.rpartition("="))
        if not sep or not group or not role:
            raise ValueError(f"OIDC_ROLE_MAP: {entry!r} is not group=role")
        if role not in accounts.ROLES:
            raise ValueError(f"OIDC_ROLE_MAP: {entry!r}: the role must be one of "
                             f"{', '.join(accounts.ROLES)}")
        if group in mapping and mapping[group] != role:
            raise ValueError(f"OIDC_ROLE_MAP: group {group!r} is mapped twice")
        mapping[group] = role
    return mapping


@dataclass(frozen=True)
class Config:
    """Single sign-on settings, checked once when the app starts."""

    issuer: str
    client_id: str
    client_secret: str
    name: str
    scopes: str
    roles_claim: str
    role_map: dict
    local_login: bool
    base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "Config":
        issuer = str(settings.oidc_issuer or "").strip().rstrip("/")
        config = cls(
            issuer=issuer, client_id=str(settings.oidc_client_id or "").strip(),
            client_secret=str(settings.oidc_client_secret or ""),
            name=str(settings.oidc_name or "single sign-on").strip(),
            scopes=str(settings.oidc_scopes or "openid").strip(),
            roles_claim=str(settings.oidc_roles_claim or "groups").strip(),
            role_map=parse_role_map(settings.oidc_role_map),
            local_login=bool(settings.local_login),
            base_url=str(settings.base_url or "").strip().rstrip("/"))
        if issuer:
            if not issuer.startswith(("https://", "http://")):
                raise ValueError(f"OIDC_ISSUER must be an https:// URL, not {issuer!r}")
            if not config.client_id:
                raise ValueError("OIDC_ISSUER is set but OIDC_CLIENT_ID is not")
            if "openid" not in config.scopes.split():
                raise ValueError("OIDC_SCOPES must include openid")
            if not config.role_map:
                raise ValueError("OIDC_ISSUER is set but OIDC_ROLE_MAP is empty: nobody could sign in "
                                 "(e.g. OIDC_ROLE_MAP=opsg-admins=admin,opsg-members=viewer)")
        return config

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/login/oidc/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.base_url}/login/oidc/signed-out"


def groups_in(claims: dict, claim: str) -> list[str]:
    """The groups (or roles) a claim holds: a list of strings, or one string; a dotted name reaches
    into objects (``realm_access.roles``). Anything else counts as no groups."""
    value = claims.get(claim) if claim in claims else None
    if value is None and "." in claim:
        value = claims
        for part in claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if isinstance(v, (str, int))]
    return []


def role_for(groups: list[str], role_map: dict[str, str]) -> str | None:
    """The highest role any of ``groups`` maps to, or None."""
    roles = [role_map[g] for g in groups if g in role_map]
    return max(roles, key=accounts.ROLE_RANK.__getitem__) if roles else None


def name_from_claims(claims: dict) -> str:
    """The user name a new account takes: preferred_username, else email, else the subject."""
    for key in ("preferred_username", "email", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:80]
    return "sso-user"


def _free_name(conn: Connection, wanted: str, subject: str) -> str:
    """``wanted`` unless another account has it, then ``wanted-<6 hex of the subject>``."""
    u = schema.users
    taken = lambda name: conn.execute(select(u.c.id).where(u.c.name == name)).first() is not None  # noqa: E731
    if not taken(wanted):
        return wanted
    suffix = hashlib.sha256(subject.encode()).hexdigest()[:6]
    name = f"{wanted[:73]}-{suffix}"
    number = 2
    while taken(name):
        name, number = f"{wanted[:70]}-{suffix}-{number}", number + 1
    return name


@dataclass(frozen=True)
class Outcome:
    user: accounts.User
    created: bool
    previous_role: str | None  # set when this sign-in changed the role


def sign_in(conn: Connection, config: Config, claims: dict, ip: str = "") -> Outcome:
    """Find or create the account behind verified ID token ``claims`` and give it the role its groups
    map to now; audited. Raises Refused when no group maps or the account is disabled (audited too).

    Call inside a write transaction."""
    subject, issuer = str(claims["sub"]), config.issuer
    groups = groups_in(claims, config.roles_claim)
    role = role_for(groups, config.role_map)
    u = schema.users
    row = conn.execute(select(u.c.id, u.c.name, u.c.role, u.c.disabled)
                       .where(u.c.oidc_issuer == issuer, u.c.oidc_subject == subject)).first()
    who = row.name if row else name_from_claims(claims)
    if role is None:
        raise Refused("no_role", 403, name=who, groups=groups[:50])
    if row is not None and row.disabled:
        raise Refused("disabled", 403, name=who)
    if row is None:
        name = _free_name(conn, who, subject)
        email = claims.get("email") if claims.get("email_verified") is True else None
        uid = conn.execute(insert(u).values(
            name=name, role=role, password_hash=NO_PASSWORD, created_at=utcnow(), disabled=False,
            email=email[:254] if isinstance(email, str) else None, oidc_issuer=issuer,
            oidc_subject=subject).returning(u.c.id)).scalar_one()
        audit(conn, ACTOR, "user_added", name, role=role, method="oidc", issuer=issuer,
              sub=subject, groups=groups[:50])
        return Outcome(accounts.User(uid, name, role), True, None)
    if row.role != role:
        accounts.set_role(conn, row.name, role, actor=ACTOR)  # ends their other sessions, audited
        return Outcome(accounts.User(row.id, row.name, role), False, row.role)
    return Outcome(accounts.User(row.id, row.name, row.role), False, None)


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def save_state(conn: Connection, state: str, data: dict, now: datetime | None = None) -> None:
    """Keep what the callback for ``state`` will need (nonce, PKCE verifier, next); expired ones go."""
    now = now or utcnow()
    t = schema.oidc_states
    conn.execute(delete(t).where(t.c.expires_at <= now))
    conn.execute(insert(t).values(state_hash=_state_hash(state), data=json.dumps(data),
                                  expires_at=now + STATE_LIFETIME))


def take_state(conn: Connection, state: str | None, now: datetime | None = None) -> dict | None:
    """The data saved for ``state``, once: the row is deleted, so a replayed callback finds nothing.
    None when unknown, used already or expired. Call inside a write transaction."""
    if not state or not isinstance(state, str) or len(state) > 200:
        return None
    t = schema.oidc_states
    key = _state_hash(state)
    row = conn.execute(select(t.c.data, t.c.expires_at).where(t.c.state_hash == key)).first()
    if row is None or not conn.execute(delete(t).where(t.c.state_hash == key)).rowcount:
        return None
    return json.loads(row.data) if row.expires_at > (now or utcnow()) else None
