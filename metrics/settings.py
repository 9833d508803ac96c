"""The one registry of settings: each declared once with its default and help, read from the environment.

Order of precedence: an explicit value passed to ``load_settings``, then the environment variable,
then the default. The README's settings table is generated from ``SETTINGS`` and a test keeps the
two in step.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Setting:
    name: str  # environment variable and key
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _bool(text: str) -> bool:
    return str(text).strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", f"sqlite:///{DATA_DIR / 'opsg.db'}",
            "SQLAlchemy database URL; PostgreSQL in production, e.g. postgresql+psycopg://user@host/db."),
    Setting("CATALOG_PATH", str(DATA_DIR / "catalog.toml"),
            "The catalog file: datasets, metrics, default thresholds, agenda."),
    Setting("SECRET_KEY", "", "Signs session cookies. Required outside development; development "
            "generates one under data/ on first start."),
    Setting("MAX_UPLOAD_BYTES", 20_000_000, "Largest upload accepted, in bytes (checked before parsing).", int),
    Setting("INBOX_DIR", str(DATA_DIR / "inbox"), "Folder the inbox job ingests files from."),
    Setting("BACKUP_DIR", str(DATA_DIR / "backups"), "Folder nightly backups are written to."),
    Setting("CLASSIFICATION", "", "Classification banner shown on every page and the meeting pack, "
            "e.g. 'WHITE — may be shared publicly'."),
    Setting("PUBLIC_READ", False, "Show pages and read API to anyone without signing in (uploads "
            "still need the uploader role).", _bool),
    Setting("ENVIRONMENT", "development", "development or production; production refuses to start "
            "without a SECRET_KEY of 32 characters or more, and sends cookies over HTTPS only."),
    Setting("EMBED_SCHEDULER", True, "`python app.py` runs the scheduled jobs (inbox, late "
            "submissions, backup) in the web process. Set false where `python -m metrics scheduler` "
            "runs them as their own process (production).", _bool),
    Setting("BACKUP_RETENTION", 14, "Nightly backups kept in BACKUP_DIR (the newest N; older ones "
            "are deleted).", int),
    Setting("BACKUP_TIME", "02:30", "Time of day (HH:MM, UK time) the nightly backup runs."),
    Setting("INBOX_POLL_SECONDS", 60, "How often the inbox job looks for new files in INBOX_DIR.", int),
    Setting("INBOX_SETTLE_SECONDS", 5, "Inbox files modified more recently than this are left for "
            "the next run (they may still be being copied).", int),
    Setting("SCHEDULER_LEASE_SECONDS", 60, "How long the scheduler lock lasts without a heartbeat; "
            "a standby scheduler takes over this long after the active one stops.", int),
    Setting("SESSION_IDLE_MINUTES", 30, "A signed-in session ends after this many minutes without a "
            "request; the next page asks the user to sign in again.", int),
    Setting("SESSION_MAX_HOURS", 12, "A signed-in session ends this many hours after sign-in, however "
            "active it is.", int),
    Setting("LOGIN_MAX_FAILURES", 5, "This many failed sign-ins for one user name within "
            "LOGIN_LOCKOUT_MINUTES lock that name (a successful sign-in starts the count again).", int),
    Setting("LOGIN_MAX_FAILURES_PER_IP", 20, "This many failed sign-ins from one IP address, whatever "
            "the user names, within LOGIN_LOCKOUT_MINUTES lock that address (higher than per name: "
            "an office shares one address).", int),
    Setting("LOGIN_LOCKOUT_MINUTES", 15, "Failed sign-ins are counted over this window, and a "
            "lockout lasts this long from the last of them.", int),
    Setting("TRUSTED_PROXIES", 0, "Reverse proxies in front of the app whose X-Forwarded-For and "
            "X-Forwarded-Proto headers are trusted (1 behind one nginx); 0 trusts none. Sign-in "
            "throttling counts by the client address this gives.", int),
    # Notifications (SPEC §7, metrics/notify/events.py and metrics/notify/mailer.py)
    Setting("SMTP_HOST", "", "Mail server notifications are sent through; blank sends no e-mail "
            "(messages wait in the outbox until it is set)."),
    Setting("SMTP_PORT", 25, "The mail server's port.", int),
    Setting("SMTP_USER", "", "User name for the mail server (blank: no authentication)."),
    Setting("SMTP_PASSWORD", "", "Password for SMTP_USER."),
    Setting("SMTP_TLS", "none", "none, starttls (upgrade the connection) or ssl (TLS from the start, "
            "usually port 465)."),
    Setting("MAIL_FROM", "opsg-dashboard@localhost", "The From address of notification e-mails."),
    Setting("BASE_URL", "http://127.0.0.1:8050", "The dashboard's public address, for links in "
            "notifications (BASE_URL/?month=YYYY-MM) and the unsubscribe link."),
    # Single sign-on (SPEC §11, metrics/accounts/sso.py and dashboard/web/oidc.py)
    Setting("OIDC_ISSUER", "", "The OpenID Connect provider's issuer URL (its discovery document is "
            "ISSUER/.well-known/openid-configuration); blank turns single sign-on off."),
    Setting("OIDC_CLIENT_ID", "", "This dashboard's client id at the provider."),
    Setting("OIDC_CLIENT_SECRET", "", "This dashboard's client secret at the provider. The provider "
            "returns to BASE_URL/login/oidc/callback; register that as the redirect URI, and "
            "BASE_URL/login/oidc/signed-out as the post-logout redirect URI."),
    Setting("OIDC_NAME", "single sign-on", "Shown on the sign-in button: \"Sign in with OIDC_NAME\", "
            "e.g. Microsoft, Okta, SECAS."),
    Setting("OIDC_SCOPES", "openid profile email", "Scopes asked of the provider (Okta: add groups)."),
    Setting("OIDC_ROLES_CLAIM", "groups", "The ID token (or userinfo) claim holding the user's groups "
            "or roles; a dotted path reaches into an object (Keycloak: realm_access.roles)."),
    Setting("OIDC_ROLE_MAP", "", "group=role pairs, comma-separated, e.g. "
            "opsg-admins=admin,opsg-dcc=uploader,opsg-members=viewer; a user gets the highest role "
            "their groups map to, at every sign-in, and is refused when none maps."),
    Setting("LOCAL_LOGIN", True, "Sign-in with a local user name and password. false hides the form "
            "and refuses it (single sign-on only; no first-start administrator on the web, make one "
            "with `python -m metrics users add`); API tokens still work.", _bool),
    # Many hosts (SPEC §8, deploy/): one block, read by dashboard/state/shared_cache.py and /readyz.
    Setting("REDIS_URL", "", "Redis shared by every web process (e.g. redis://127.0.0.1:6379/0): "
            "rendered pages and answers are computed once in the whole cluster. Blank: each process "
            "caches for itself. /readyz reports 503 while it is unreachable."),
    Setting("REDIS_PREFIX", "opsg:", "Prefix of every Redis key this dashboard writes (give each "
            "deployment sharing one Redis its own)."),
    Setting("PACK_POLL_SECONDS", 5, "How often the scheduler looks for meeting packs to print (asked "
            "for on /meeting/pack.pdf, or the latest month's after new figures).", int),
    Setting("WEBHOOK_ALLOW_LOOPBACK", False, "Allow webhooks to loopback, link-local and reserved "
            "addresses (refused by default so that a webhook cannot reach this machine's own "
            "routes or a cloud metadata service); for tests only.", _bool),
)


def load_settings(**overrides: Any) -> dict[str, Any]:
    """All settings as a dict: explicit overrides, then environment, then defaults."""
    import os

    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides and overrides[setting.name] is not None:
            values[setting.name] = overrides[setting.name]
        elif setting.name in os.environ:
            values[setting.name] = setting.parse(os.environ[setting.name])
        else:
            values[setting.name] = setting.default
    unknown = set(overrides) - {s.name for s in SETTINGS}
    if unknown:
        raise KeyError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    return values


def settings_table_markdown() -> str:
    """The README's settings table."""
    lines = ["| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default
        if isinstance(default, str) and str(DATA_DIR) in default:
            default = default.replace(str(DATA_DIR), "data")
        lines.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(lines)
