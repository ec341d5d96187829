"""Numbered schema migrations, applied at start-up; ``schema_version`` records how far a database has come."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

from assist.db.schema import (
    api_keys,
    decisions,
    feedback,
    outbox,
    policies,
    resolutions,
    tickets,
    timeline,
    webhook_events,
)


def _m1(con: Connection) -> None:
    for table in (decisions, resolutions, api_keys):
        table.create(con, checkfirst=True)


def _m2(con: Connection) -> None:
    for table in (tickets, timeline, outbox):
        table.create(con, checkfirst=True)
    # Created here in its latest shape on a new database: migration 4 adds only what an older one lacks.


def _m3(con: Connection) -> None:
    policies.create(con, checkfirst=True)


def _m4(con: Connection) -> None:
    columns = {c["name"] for c in inspect(con).get_columns("tickets")}
    if "matrix_version" not in columns:
        con.execute(text("ALTER TABLE tickets ADD COLUMN matrix_version VARCHAR(40)"))
        con.execute(text("CREATE INDEX ix_tickets_matrix_version ON tickets (matrix_version)"))


def _m5(con: Connection) -> None:
    # Tickets move into their account's namespace ("<account>/<ticket id>", see assist.clock.tracker.ticket_key),
    # so two accounts may use the same ticket id. Timeline and outbox rows follow their ticket.
    owner = "COALESCE((SELECT t.account_id FROM tickets t WHERE t.id = {table}.ticket_id), '')"
    for table in ("timeline", "outbox"):
        con.execute(text(f"UPDATE {table} SET ticket_id = {owner.format(table=table)} || '/' || ticket_id"))
    con.execute(text("UPDATE tickets SET id = COALESCE(account_id, '') || '/' || id"))


def _add_columns(con: Connection, table: str, columns: dict[str, str]) -> None:
    have = {c["name"] for c in inspect(con).get_columns(table)}
    for name, kind in columns.items():
        if name not in have:
            con.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))


def _m6(con: Connection) -> None:
    # Helpdesk webhooks and agent feedback: the ticket text a decision was made on, where a ticket came from, the
    # webhook events already handled, and the feedback rows.
    for table in (decisions, tickets, webhook_events, feedback):
        table.create(con, checkfirst=True)  # a new one in its latest shape; an older one gains the columns below
    columns = {"subject": "TEXT", "body": "TEXT", "helpdesk_facts": "TEXT", "answer_score": "FLOAT"}
    _add_columns(con, "decisions", columns)
    _add_columns(con, "tickets", {"origin": "VARCHAR(30)"})


def _m7(con: Connection) -> None:
    # Verdicts recalibrate kb_confidence per kind of knowledge: a decision keeps which calibration its answer had.
    _add_columns(con, "decisions", {"answer_kind": "VARCHAR(20)"})


MIGRATIONS: list[Callable[[Connection], None]] = [_m1, _m2, _m3, _m4, _m5, _m6, _m7]


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
