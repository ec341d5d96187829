"""The database schema: every table the runtime writes, in one place (SQLite by default, PostgreSQL to scale out).

Changes to it are numbered migrations in ``assist.db.migrations``; never edit a table here without adding one.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()

decisions = Table(
    "decisions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("ticket_id", String(200), nullable=True, index=True),
    Column("account_id", String(200), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("tier", String(20), nullable=False, index=True),
    Column("queue", String(100), nullable=True),
    Column("rule_id", String(100), nullable=False),
    Column("escalate", Boolean, nullable=False),
    Column("deflected", Boolean, nullable=False, default=False),
    Column("matrix_version", String(40), nullable=False),
    Column("facts", Text, nullable=False),
    Column("decision", Text, nullable=False),
    # What the ticket said (redacted) and which facts the helpdesk itself sent: agent feedback turns a decision
    # into a labelled case, which needs both (migration 6).
    Column("subject", Text, nullable=True),
    Column("body", Text, nullable=True),
    Column("helpdesk_facts", Text, nullable=True),
    Column("answer_score", Float, nullable=True),  # the confidence model's log-odds: verdicts recalibrate it
    Column("answer_kind", String(20), nullable=True),  # the kind of knowledge it was calibrated for (migration 7)
)

resolutions = Table(
    "resolutions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(200), nullable=False, index=True),
    Column("account_id", String(200), nullable=True, index=True),
    Column("issue_key", String(64), nullable=False, index=True),
    Column("summary", Text, nullable=False),
    Column("resolution", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("account_id", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)


# -- the SLA clock (assist.clock) and its outbox (assist.outbox) ---------------------------------------------------
tickets = Table(
    "tickets",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("account_id", String(200), nullable=True, index=True),
    Column("facts", Text, nullable=False),  # the facts the matrix reads, kept current by updates and the sweeper
    Column("status", String(20), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("queue", String(100), nullable=True),
    Column("next_check_at", DateTime(timezone=True), nullable=True, index=True),
    Column("last_update_at", DateTime(timezone=True), nullable=True),  # last customer update (or reminder)
    Column("fired", Text, nullable=False, default="[]"),  # one-shot events already raised (warnings, breaches)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    # The matrix version of the ticket's last evaluation: after a replacement, the sweeper re-evaluates every open
    # ticket whose deadlines were computed under another version (migration 4).
    Column("matrix_version", String(40), nullable=True, index=True),
    # Where the ticket came from ("zendesk" when its events arrive by webhook): escalations write back there.
    Column("origin", String(30), nullable=True),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(200), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(30), nullable=False, index=True),
    Column("detail", Text, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedup_key", String(300), nullable=False, unique=True),
    Column("ticket_id", String(200), nullable=False, index=True),
    Column("target", String(300), nullable=False),
    Column("event", String(30), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | sent | skipped | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
)


# -- the matrix in force (assist.policy) ----------------------------------------------------------------------------
# One row per replacement: the newest row is the matrix in force, the rows before it are the audit trail of who
# replaced which version when.
policies = Table(
    "policies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(40), nullable=False, index=True),
    Column("yaml", Text, nullable=False),
    Column("replaced_by", String(200), nullable=False),  # an API key id, "cli", or the file it was seeded from
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    Column("previous_version", String(40), nullable=True),
)


# -- the helpdesk integration (assist.helpdesk) and agent feedback (assist.feedback) --------------------------------
# Event ids already handled: a helpdesk retries a webhook it thinks failed, and an event must act once.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(300), primary_key=True),  # "<source>:<event id>"
    Column("kind", String(100), nullable=False),
    Column("ticket_id", String(200), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", String(40), nullable=False, index=True),
    Column("account_id", String(200), nullable=True, index=True),
    Column("helpful", Boolean, nullable=False),
    Column("reason", String(30), nullable=True),
    Column("corrected", Text, nullable=False),  # {"facts": {...}, "tier": …, "queue": …}
    Column("answer_sent", Text, nullable=True),
    Column("given_by", String(200), nullable=False),  # the API key id
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)
