"""Database tables (SQLAlchemy Core). Alembic migrations under ``metrics/store/migrations`` build them.

Over 400 lines on purpose: every table in one module, so the whole schema reads in one place and
the migrations test compares it with what Alembic builds. It holds declarations only, no logic.

Figures are stored by revision: each revision is one whole (dataset, month) slice. A newer upload
of the same slice supersedes the older revision (``superseded_at``) and never deletes it, so any
moment's figures can be read back ("as of"). Rollup columns are generic slots (d1-d3 for
dimensions, m1-m4 for measures) mapped by the catalog, so a new dataset needs no migration.
"""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, DateTime, Double, ForeignKey, Index, Integer, LargeBinary,
                        MetaData, String, Table, Text, text)

metadata = MetaData()

uploads = Table(
    "uploads", metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("uploaded_by", String(80), nullable=False),
    Column("uploaded_at", DateTime, nullable=False),
    Column("source", String(16), nullable=False),  # web | api | cli | inbox | demo | rollback
    Column("status", String(12), nullable=False),  # provisional | final
    Column("reason", Text),
    Column("outcome", String(12), nullable=False),  # accepted | unchanged | rejected
    Column("summary", Text, nullable=False),  # JSON: changes per slice, or errors
)

revisions = Table(
    "revisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset", String(40), nullable=False),
    Column("month", String(7), nullable=False),
    Column("upload_id", Integer, ForeignKey("uploads.id"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("content_sha", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("superseded_at", DateTime),
    Column("reason", Text),
    Index("ix_revisions_slice", "dataset", "month", "created_at"),
    Index("ux_revisions_current", "dataset", "month", unique=True,
          sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL")),
)

# A revision's rows, stored together as one compressed column-wise payload (metrics/store/payload.py):
# a revision is an immutable snapshot of a month's submission, always written and read whole,
# and storing it as one value makes ingest cost about the same as parsing the file. Queries read
# the rollups below; only a read by alert code decodes these, and only for the months it asks for.
# rollups and notes reference revisions.id without a FOREIGN KEY constraint: only ingest writes
# them, in the same transaction as the revision row, and a per-row check doubles bulk-load time.
revision_rows = Table(
    "revision_rows", metadata,
    Column("revision_id", Integer, ForeignKey("revisions.id"), primary_key=True, autoincrement=False),
    Column("payload", LargeBinary, nullable=False),
)

# Pre-aggregated sums per revision for each combination ("grain") of low-cardinality dimensions,
# so that reads never scan raw rows. grain is the comma-joined dimension names ('total': none).
rollups = Table(
    "rollups", metadata,
    Column("revision_id", Integer, nullable=False),
    Column("grain", String(120), nullable=False),
    Column("d1", String(120)), Column("d2", String(120)), Column("d3", String(120)),
    Column("m1", Double), Column("m2", Double), Column("m3", Double), Column("m4", Double),
    Index("ix_rollups_revision_grain", "revision_id", "grain"),
)

notes = Table(
    "notes", metadata,
    Column("revision_id", Integer, nullable=False, index=True),
    Column("date", String(10), nullable=False),
    Column("title", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("metric", String(60), nullable=False),
    Column("csp_region", String(40), nullable=False),
)

# Thresholds set by an administrator; the catalog's defaults apply beneath them.
thresholds = Table(
    "thresholds", metadata,
    Column("id", Integer, primary_key=True),
    Column("metric", String(60), nullable=False),
    Column("dimension", String(40)),
    Column("value", String(120)),
    Column("target", Double, nullable=False),
    Column("minimum", Double, nullable=False),
    Column("effective_from", String(7), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("reason", Text),
    Index("ix_thresholds_metric", "metric", "effective_from"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("role", String(12), nullable=False),  # viewer | uploader | admin
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=text("false")),
    Column("email", String(254)),  # optional, for notifications (metrics/notify/events.py)
    # Single sign-on (metrics/accounts/sso.py): the provider and its subject for the person; null for local users.
    Column("oidc_issuer", String(400)),
    Column("oidc_subject", String(255)),
    Index("ux_users_oidc", "oidc_issuer", "oidc_subject", unique=True),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),  # written at most once a minute per token
    Column("label", String(80), nullable=False, server_default=""),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

# Signed-in sessions (metrics/accounts/sessions.py). The cookie carries a random key; only its SHA-256 is
# stored, so a copy of this table signs nobody in. A row is deleted when its session ends.
sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),  # created_at + SESSION_MAX_HOURS
    Column("ip", String(45), nullable=False, server_default=""),
    Column("user_agent", String(200), nullable=False, server_default=""),
    Column("id_token", Text),  # a single sign-on session's ID token: the hint for the provider's sign-out
)

# Single sign-on flows begun and not yet returned (metrics/accounts/sso.py): the state's hash, what the
# callback needs (nonce, PKCE verifier, where to go next). A row is deleted when the callback uses it,
# so a state works once, on any web process.
oidc_states = Table(
    "oidc_states", metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)

# Append-only: nothing updates or deletes these rows.
audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(200), nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),
)

# Written by the scheduler's jobs (metrics/jobs/tasks.py, metrics/jobs/scheduler.py).

# A (dataset, month) whose figures were not final by the deadline. One row per slice, ever:
# resolved when the figures become final, reopened if they later stop being final.
late_flags = Table(
    "late_flags", metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset", String(40), nullable=False),
    Column("month", String(7), nullable=False),
    Column("deadline", String(10), nullable=False),  # YYYY-MM-DD, the 10th working day after month end
    Column("state", String(12), nullable=False),  # missing | provisional
    Column("raised_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Index("ux_late_flags_slice", "dataset", "month", unique=True),
)

# Which scheduler process runs the jobs: the holder keeps renewing expires_at; another process
# takes over only once it has passed (an atomic UPDATE ... WHERE expired).
scheduler_lock = Table(
    "scheduler_lock", metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(120)),
    Column("expires_at", DateTime, nullable=False),
    Column("acquired_at", DateTime),
)

job_runs = Table(
    "job_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(40), nullable=False),
    Column("holder", String(120), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("outcome", String(12), nullable=False),  # running | ok | failed | abandoned
    Column("detail", Text, nullable=False, server_default="{}"),
    Index("ix_job_runs_job_started", "job", "started_at"),
)

# Sign-in attempts (metrics/accounts/throttle.py), kept in the database so that a limit holds across web
# workers. Operational data, pruned after a week: the audit trail records sign-ins for good.
login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("user_name", String(80), nullable=False),  # as typed, trimmed and lower-cased
    Column("ip", String(45), nullable=False),
    Column("outcome", String(12), nullable=False),  # pending | success | failure | locked
    Index("ix_login_attempts_name_at", "user_name", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)

# The OPSG action log (metrics/records/actions.py). ``actions`` holds each action as it stands; every
# change (added, edited, revised date, closed, reopened, imported) is also kept in
# ``action_revisions`` with the fields it changed, so the history of revised target dates survives.
# Dates are YYYY-MM-DD text, as written in the minutes (no time of day, no time zone).
actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(20), nullable=False, unique=True),  # "OPSG 29/01"
    Column("text", Text, nullable=False),
    Column("owner", String(80), nullable=False),
    Column("raised_on", String(10), nullable=False),
    Column("target_on", String(10), nullable=False),  # the last target date agreed
    Column("revised_on", String(10)),  # a revised target date, when one was set
    Column("status", String(8), nullable=False),  # open | closed
    Column("closed_on", String(10)),
    Column("month", String(7)),  # the reporting month whose figures it arose from
    Column("metrics", Text, nullable=False, server_default=""),  # space-separated metric ids
    Column("notes", Text, nullable=False, server_default=""),
    Column("source", String(200), nullable=False, server_default=""),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(80), nullable=False),
    Index("ix_actions_status_owner", "status", "owner"),
)

action_revisions = Table(
    "action_revisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("action_id", Integer, ForeignKey("actions.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("kind", String(12), nullable=False),  # added | edited | closed | reopened | imported
    Column("changes", Text, nullable=False, server_default="{}"),  # JSON {field: [old, new]}
    Column("reason", Text),
)

# The chair's RAG for one cell (metric, headline dimension value or '' for the total, month),
# with a justification. Never deleted: replacing or withdrawing one sets withdrawn_at, so at most
# one per cell is in force (partial unique index) and every earlier one stays readable.
rag_overrides = Table(
    "rag_overrides", metadata,
    Column("id", Integer, primary_key=True),
    Column("metric", String(60), nullable=False),
    Column("dimension", String(40), nullable=False, server_default=""),
    Column("value", String(120), nullable=False, server_default=""),
    Column("month", String(7), nullable=False),
    Column("rag", String(8), nullable=False),
    Column("computed_rag", String(8), nullable=False),  # the judgement it replaced, when set
    Column("justification", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("withdrawn_at", DateTime),
    Column("withdrawn_by", String(80)),
    Index("ux_rag_overrides_current", "metric", "value", "month", unique=True,
          sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
)

# Notifications (metrics/notify/events.py, SPEC §7). ``subscriptions`` and ``webhooks`` say who wants
# which events; ``outbox`` holds one message per (event group, recipient), written in the same
# transaction as the change that caused it (an upload, a late flag, a pack), and delivered by
# ``python -m metrics notify``; ``delivery_attempts`` is the delivery log shown to administrators.
subscriptions = Table(
    "subscriptions", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("event", String(8), nullable=False),  # red | rag | late | final | pack
    Column("metric", String(60), nullable=False, server_default=""),  # '' = every metric
    Column("created_at", DateTime, nullable=False),
    Index("ux_subscriptions_user_event_metric", "user_id", "event", "metric", unique=True),
)

webhooks = Table(
    "webhooks", metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("events", String(60), nullable=False),  # space-separated event names
    Column("secret", String(64), nullable=False),  # signs each POST (HMAC-SHA256); never sent
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("removed_at", DateTime),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("group_key", String(120), nullable=False),  # "upload:12", "late:…", "pack:2024-03:…"
    Column("channel", String(8), nullable=False),  # email | webhook
    Column("recipient_id", Integer, nullable=False),  # users.id or webhooks.id
    Column("events", Text, nullable=False),  # JSON list of events (kind, month, cells …)
    Column("created_at", DateTime, nullable=False),
    Column("state", String(10), nullable=False),  # pending | sending | sent | failed | cancelled
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("claimed_by", String(120)),
    Column("claimed_until", DateTime),
    Column("sent_at", DateTime),
    Column("last_error", Text),
    Index("ux_outbox_group_recipient", "group_key", "channel", "recipient_id", unique=True),
    Index("ix_outbox_state_due", "state", "next_attempt_at"),
)

# The meeting pack a ``pack`` event announces, kept so that delivery can attach it.
outbox_files = Table(
    "outbox_files", metadata,
    Column("group_key", String(120), primary_key=True),
    Column("filename", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("outcome", String(10), nullable=False),  # sent | retry | failed | cancelled
    Column("detail", Text, nullable=False, server_default=""),
)

# The meeting record (SPEC §10): a meeting, its agenda items, and what the secretary recorded on
# each (notes, decisions, and the actions raised, which live in ``actions`` under their ids).
meetings = Table(
    "meetings", metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),  # "OPSG_30"
    Column("held_on", String(10), nullable=False),  # YYYY-MM-DD
    Column("times", String(40), nullable=False, server_default=""),  # "10:00 – 16:30"
    Column("place", Text, nullable=False, server_default=""),
    Column("month", String(7), nullable=False),  # the month of figures reviewed
    Column("figures_as_of", DateTime),  # figures frozen at; blank: the end of the meeting day
    Column("people", Text, nullable=False, server_default="[]"),  # JSON [{list, category, name}]
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(80), nullable=False),
)

meeting_items = Table(
    "meeting_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("slide", String(60)),  # the catalog agenda item whose figures it quotes, if any
)

meeting_entries = Table(
    "meeting_entries", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("meeting_items.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # note | decision | action
    Column("verb", String(12)),  # NOTED | AGREED | APPROVED | ENDORSED | RECOMMENDED
    Column("text", Text, nullable=False, server_default=""),
    Column("action_ref", String(20)),  # "OPSG 30/01" for an action
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("removed_at", DateTime),
    Column("removed_by", String(80)),
)

# Uploads checked and waiting for Confirm (metrics/upload/pending.py): the bytes themselves, so that
# Confirm works on any web process of any host. Claimed once (an UPDATE ... WHERE claimed_at IS NULL)
# and deleted with the claim; expired rows are purged whenever a new upload is kept.
pending_uploads = Table(
    "pending_uploads", metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(80), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
    Column("claimed_at", DateTime),
)

# Meeting packs (metrics/meeting/packs.py): each row is both the job (queued -> building -> ready or
# failed, with progress, claimed by one builder with an atomic UPDATE) and, once ready, the PDF
# itself, so every web process on every host serves the same file. One row per (month, as-at moment,
# version of the data and records); superseded packs are deleted when a newer one is ready.
meeting_packs = Table(
    "meeting_packs", metadata,
    Column("id", Integer, primary_key=True),
    Column("month", String(7), nullable=False),
    Column("as_of", String(32), nullable=False, server_default=""),  # ISO moment, "" for "now"
    Column("version", String(64), nullable=False),
    Column("state", String(10), nullable=False),  # queued | building | ready | failed
    Column("progress", Integer, nullable=False, server_default="0"),  # 0-100
    Column("stage", String(80), nullable=False, server_default=""),
    Column("requested_by", String(80), nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    Column("holder", String(120)),
    Column("pdf", LargeBinary),
    Column("pages", Integer),
    Column("error", Text),
    Index("ux_meeting_packs_key", "month", "as_of", "version", unique=True),
    Index("ix_meeting_packs_state", "state"),
)

# The catalog's revisions (metrics/catalog_revisions.py): the shipped data/catalog.toml is the first,
# taken at first start; each `catalog apply` adds one. The newest is in force; an as_of read uses the
# newest created by then. ``catalog`` holds the whole catalog (JSON of the TOML mapping).
catalog_revisions = Table(
    "catalog_revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("created_by", String(80), nullable=False),
    Column("source", String(12), nullable=False),  # file | cli | web
    Column("reason", Text, nullable=False),
    Column("fragment", Text, nullable=False),  # the TOML applied (the whole file for revision 1)
    Column("catalog", Text, nullable=False),
    Column("sha256", String(64), nullable=False),  # of ``fragment``
)
