"""The one registry of settings: each declared once, typed, with its default and help.

``load_settings()`` reads them once per app or command: an explicit value passed to it, then the
environment variable (the field's name in capitals), then the default. The result is a frozen
``Settings``; code reads attributes (``settings.max_upload_bytes``), never strings. A value that does
not parse is refused with the variable's name. The README's settings table is generated from
``SETTINGS`` and a test keeps the two in step.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting's value does not parse; the message names the variable."""


def _bool(text: str) -> bool:
    word = str(text).strip().lower()
    if word not in _TRUE | _FALSE:
        raise ValueError("expected true or false (1/0, yes/no, on/off)")
    return word in _TRUE


def _int(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise ValueError("expected a whole number") from None


PARSERS: dict[type, Callable[[str], Any]] = {bool: _bool, int: _int, str: str}


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every setting, typed. Build with ``load_settings``; change one in a test with
    ``dataclasses.replace(settings, smtp_host="")``."""
    database_url: str = _setting(f"sqlite:///{DATA_DIR / 'opsg.db'}",
        "SQLAlchemy database URL; PostgreSQL in production, e.g. postgresql+psycopg://user@host/db.")
    catalog_path: str = _setting(str(DATA_DIR / "catalog.toml"),
        "The catalog file: datasets, metrics, default thresholds, agenda.")
    secret_key: str = _setting("",
        "Signs session cookies. Required outside development; development "
        "generates one under data/ on first start.")
    max_upload_bytes: int = _setting(20_000_000,
        "Largest upload accepted, in bytes (checked before parsing).")
    inbox_dir: str = _setting(str(DATA_DIR / "inbox"),
        "Folder the inbox job ingests files from.")
    backup_dir: str = _setting(str(DATA_DIR / "backups"),
        "Folder nightly backups are written to.")
    classification: str = _setting("",
        "Classification banner shown on every page and the meeting pack, "
        "e.g. 'WHITE — may be shared publicly'.")
    public_read: bool = _setting(False,
        "Show pages and read API to anyone without signing in (uploads "
        "still need the uploader role).")
    environment: str = _setting("development",
        "development or production; production refuses to start "
        "without a SECRET_KEY of 32 characters or more, and sends cookies over HTTPS only.")
    embed_scheduler: bool = _setting(True,
        "`python app.py` runs the scheduled jobs (inbox, late "
        "submissions, backup) in the web process. Set false where `python -m metrics scheduler` "
        "runs them as their own process (production).")
    backup_retention: int = _setting(14,
        "Nightly backups kept in BACKUP_DIR (the newest N; older ones "
        "are deleted).")
    backup_time: str = _setting("02:30",
        "Time of day (HH:MM, UK time) the nightly backup runs.")
    inbox_poll_seconds: int = _setting(60,
        "How often the inbox job looks for new files in INBOX_DIR.")
    inbox_settle_seconds: int = _setting(5,
        "Inbox files modified more recently than this are left for "
        "the next run (they may still be being copied).")
    scheduler_lease_seconds: int = _setting(60,
        "How long the scheduler lock lasts without a heartbeat; "
        "a standby scheduler takes over this long after the active one stops.")
    session_idle_minutes: int = _setting(30,
        "A signed-in session ends after this many minutes without a "
        "request; the next page asks the user to sign in again.")
    session_max_hours: int = _setting(12,
        "A signed-in session ends this many hours after sign-in, however "
        "active it is.")
    login_max_failures: int = _setting(5,
        "This many failed sign-ins for one user name within "
        "LOGIN_LOCKOUT_MINUTES lock that name (a successful sign-in starts the count again).")
    login_max_failures_per_ip: int = _setting(20,
        "This many failed sign-ins from one IP address, whatever "
        "the user names, within LOGIN_LOCKOUT_MINUTES lock that address (higher than per name: "
        "an office shares one address).")
    login_lockout_minutes: int = _setting(15,
        "Failed sign-ins are counted over this window, and a "
        "lockout lasts this long from the last of them.")
    trusted_proxies: int = _setting(0,
        "Reverse proxies in front of the app whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are trusted (1 behind one nginx); 0 trusts none. Sign-in "
        "throttling counts by the client address this gives.")
    # Notifications (SPEC §7, metrics/notify/events.py and metrics/notify/mailer.py)
    smtp_host: str = _setting("",
        "Mail server notifications are sent through; blank sends no e-mail "
        "(messages wait in the outbox until it is set).")
    smtp_port: int = _setting(25,
        "The mail server's port.")
    smtp_user: str = _setting("",
        "User name for the mail server (blank: no authentication).")
    smtp_password: str = _setting("",
        "Password for SMTP_USER.")
    smtp_tls: str = _setting("none",
        "none, starttls (upgrade the connection) or ssl (TLS from the start, "
        "usually port 465).")
    mail_from: str = _setting("opsg-dashboard@localhost",
        "The From address of notification e-mails.")
    base_url: str = _setting("http://127.0.0.1:8050",
        "The dashboard's public address, for links in "
        "notifications (BASE_URL/?month=YYYY-MM) and the unsubscribe link.")
    # Single sign-on (SPEC §11, metrics/accounts/sso.py and dashboard/web/oidc.py)
    oidc_issuer: str = _setting("",
        "The OpenID Connect provider's issuer URL (its discovery document is "
        "ISSUER/.well-known/openid-configuration); blank turns single sign-on off.")
    oidc_client_id: str = _setting("",
        "This dashboard's client id at the provider.")
    oidc_client_secret: str = _setting("",
        "This dashboard's client secret at the provider. The provider "
        "returns to BASE_URL/login/oidc/callback; register that as the redirect URI, and "
        "BASE_URL/login/oidc/signed-out as the post-logout redirect URI.")
    oidc_name: str = _setting("single sign-on",
        "Shown on the sign-in button: \"Sign in with OIDC_NAME\", "
        "e.g. Microsoft, Okta, SECAS.")
    oidc_scopes: str = _setting("openid profile email",
        "Scopes asked of the provider (Okta: add groups).")
    oidc_roles_claim: str = _setting("groups",
        "The ID token (or userinfo) claim holding the user's groups "
        "or roles; a dotted path reaches into an object (Keycloak: realm_access.roles).")
    oidc_role_map: str = _setting("",
        "group=role pairs, comma-separated, e.g. "
        "opsg-admins=admin,opsg-dcc=uploader,opsg-members=viewer; a user gets the highest role "
        "their groups map to, at every sign-in, and is refused when none maps.")
    local_login: bool = _setting(True,
        "Sign-in with a local user name and password. false hides the form "
        "and refuses it (single sign-on only; no first-start administrator on the web, make one "
        "with `python -m metrics users add`); API tokens still work.")
    # Many hosts (SPEC §8, deploy/): read by dashboard/state/shared_cache.py, /readyz and the packs job.
    redis_url: str = _setting("",
        "Redis shared by every web process (e.g. redis://127.0.0.1:6379/0): "
        "rendered pages and answers are computed once in the whole cluster. Blank: each process "
        "caches for itself. /readyz reports 503 while it is unreachable.")
    redis_prefix: str = _setting("opsg:",
        "Prefix of every Redis key this dashboard writes (give each "
        "deployment sharing one Redis its own).")
    pack_poll_seconds: int = _setting(5,
        "How often the scheduler looks for meeting packs to print (asked "
        "for on /meeting/pack.pdf, or the latest month's after new figures).")
    webhook_allow_loopback: bool = _setting(False,
        "Allow webhooks to loopback, link-local and reserved "
        "addresses (refused by default so that a webhook cannot reach this machine's own "
        "routes or a cloud metadata service); for tests only.")


DEFAULTS = Settings()  # what a setting is when nothing sets it (domain functions' default limits)


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    default: Any
    help: str
    parse: Callable[[str], Any]


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name.upper(), f.default, f.metadata["help"], PARSERS[type(f.default)])
    for f in fields(Settings))
_BY_NAME = {s.name: s for s in SETTINGS}


def _parsed(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``values`` (by environment name) as typed field values; a bad one raises SettingsError."""
    unknown = set(values) - set(_BY_NAME)
    if unknown:
        raise KeyError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    out = {}
    for name, value in values.items():
        setting = _BY_NAME[name]
        kind = type(setting.default)
        if not (isinstance(value, kind) and (kind is not int or not isinstance(value, bool))):
            try:
                value = setting.parse(str(value))
            except ValueError as exc:
                raise SettingsError(f"{name}={str(value)!r} ({source}): {exc}") from None
        out[name.lower()] = value
    return out


def load_settings(**overrides: Any) -> Settings:
    """The settings: explicit overrides (None means not given), then the environment, then defaults."""
    given = {name: value for name, value in overrides.items() if value is not None}
    from_env = {s.name: os.environ[s.name] for s in SETTINGS
                if s.name in os.environ and s.name not in given}
    return Settings(**_parsed(from_env, source="environment"), **_parsed(given, source="given"))


def settings_table_markdown() -> str:
    """The README's settings table."""
    lines = ["| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default
        if isinstance(default, str) and str(DATA_DIR) in default:
            default = default.replace(str(DATA_DIR), "data")
        lines.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(lines)
