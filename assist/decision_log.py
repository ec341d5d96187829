"""The decision log, resolutions and API keys: SQLite by default, PostgreSQL when a URL is configured.

Every decision is recorded with its input facts, the decision, the matrix version and the time, so it can be
replayed. Schema changes are numbered migrations applied at start-up (``schema_version`` records how far).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

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


# -- the SLA clock tracker (issue: time enforces it) ------------------------------------------------------------
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


def _m1(con: Connection) -> None:
    for table in (decisions, resolutions, api_keys):
        table.create(con, checkfirst=True)


def _m2(con: Connection) -> None:
    for table in (tickets, timeline, outbox):
        table.create(con, checkfirst=True)


MIGRATIONS: list[Callable[[Connection], None]] = [_m1, _m2]


def connect(url: str) -> Engine:
    """Open the database and bring its schema up to date."""
    engine = create_engine(url, future=True, pool_pre_ping=True)
    with engine.begin() as con:
        con.execute(text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
        current = con.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0
        for number, migration in enumerate(MIGRATIONS, start=1):
            if number > current:
                migration(con)
                con.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": number})
    return engine


def as_utc(dt: datetime | None) -> datetime | None:
    """Databases hand back naive (SQLite) or zoned (PostgreSQL) timestamps; both mean UTC here."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: str  # agent | admin
    account_id: str | None


class DecisionLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # decisions -------------------------------------------------------------------------------------------------
    def record(
        self,
        ticket_id: str | None,
        account_id: str | None,
        facts: dict[str, Any],
        decision: dict[str, Any],
        now: datetime,
        deflected: bool,
    ) -> str:
        body = json.dumps(decision, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(f"{ticket_id}|{account_id}|{now.isoformat()}|{body}".encode()).hexdigest()[:32]
        with self.engine.begin() as con:
            exists = con.execute(select(decisions.c.id).where(decisions.c.id == digest)).first()
            if exists is None:
                con.execute(
                    insert(decisions).values(
                        id=digest,
                        ticket_id=ticket_id,
                        account_id=account_id,
                        created_at=now,
                        tier=decision["tier"],
                        queue=decision.get("queue"),
                        rule_id=decision["rule_id"],
                        escalate=decision["escalate"],
                        deflected=deflected,
                        matrix_version=decision["matrix_version"],
                        facts=json.dumps(facts, sort_keys=True, default=str),
                        decision=body,
                    )
                )
        return digest

    def list(
        self,
        account_id: str | None = None,
        tier: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        restrict_account: str | None = None,
    ) -> list[dict[str, Any]]:
        q = select(decisions).order_by(decisions.c.created_at.desc(), decisions.c.id).limit(limit)
        if restrict_account is not None:
            q = q.where(decisions.c.account_id == restrict_account)
        if account_id is not None:
            q = q.where(decisions.c.account_id == account_id)
        if tier is not None:
            q = q.where(decisions.c.tier == tier)
        if since is not None:
            q = q.where(decisions.c.created_at >= since)
        if until is not None:
            q = q.where(decisions.c.created_at < until)
        with self.engine.connect() as con:
            rows = con.execute(q).mappings().all()
        return [
            {
                "id": r["id"],
                "ticket_id": r["ticket_id"],
                "account_id": r["account_id"],
                "created_at": as_utc(r["created_at"]).isoformat().replace("+00:00", "Z"),  # type: ignore[union-attr]
                "tier": r["tier"],
                "queue": r["queue"],
                "rule_id": r["rule_id"],
                "escalate": r["escalate"],
                "deflected": r["deflected"],
                "matrix_version": r["matrix_version"],
                "facts": json.loads(r["facts"]),
                "decision": json.loads(r["decision"]),
            }
            for r in rows
        ]

    def ticket_account(self, ticket_id: str) -> tuple[bool, str | None]:
        """Whether the ticket is known, and its account."""
        with self.engine.connect() as con:
            row = con.execute(
                select(decisions.c.account_id)
                .where(decisions.c.ticket_id == ticket_id)
                .order_by(decisions.c.created_at.desc())
                .limit(1)
            ).first()
        return (row is not None, row[0] if row else None)

    # resolutions -----------------------------------------------------------------------------------------------
    def add_resolution(
        self, ticket_id: str, account_id: str | None, issue_key: str, summary: str, resolution: str, now: datetime
    ) -> int:
        """Record it; return how many resolutions of the same issue fell in the 30 days up to ``now``."""
        with self.engine.begin() as con:
            con.execute(
                insert(resolutions).values(
                    ticket_id=ticket_id,
                    account_id=account_id,
                    issue_key=issue_key,
                    summary=summary,
                    resolution=resolution,
                    created_at=now,
                )
            )
            return int(
                con.execute(
                    select(func.count())
                    .select_from(resolutions)
                    .where(
                        resolutions.c.issue_key == issue_key,
                        resolutions.c.created_at > now - timedelta(days=30),
                        resolutions.c.created_at <= now,
                    )
                ).scalar()
                or 0
            )

    # api keys --------------------------------------------------------------------------------------------------
    @staticmethod
    def hash_key(raw: str) -> str:
        # Keys are 32 random bytes: a plain SHA-256 is enough (no dictionary to guess from), and it is constant
        # time to look up by hash.
        return hashlib.sha256(raw.encode()).hexdigest()

    def create_key(self, name: str, role: str, account_id: str | None, now: datetime) -> tuple[str, ApiKey]:
        if role not in ("agent", "admin"):
            raise ValueError(f"role: must be agent or admin, got {role!r}")
        raw = "ea_" + secrets.token_urlsafe(32)
        key = ApiKey(secrets.token_hex(8), name, role, account_id)
        with self.engine.begin() as con:
            con.execute(
                insert(api_keys).values(
                    id=key.id,
                    name=name,
                    key_hash=self.hash_key(raw),
                    role=role,
                    account_id=account_id,
                    created_at=now,
                    revoked=False,
                )
            )
        return raw, key

    def find_key(self, raw: str) -> ApiKey | None:
        with self.engine.connect() as con:
            row = (
                con.execute(
                    select(api_keys).where(api_keys.c.key_hash == self.hash_key(raw), api_keys.c.revoked.is_(False))
                )
                .mappings()
                .first()
            )
        return ApiKey(row["id"], row["name"], row["role"], row["account_id"]) if row else None

    def key_count(self) -> int:
        with self.engine.connect() as con:
            return int(con.execute(select(func.count()).select_from(api_keys)).scalar() or 0)
