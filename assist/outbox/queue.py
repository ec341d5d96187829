"""The transactional outbox: notifications are rows written in the same transaction as the change that caused
them, each with a unique dedup key (so a notification is recorded once), and sent later by ``Outbox.deliver`` with
retries and backoff. On PostgreSQL several deliverers share the rows (``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from assist.db.schema import outbox, timeline
from assist.outbox.channels import DeliveryFailed, NotConfigured, NotifyConfig, send

MAX_ATTEMPTS = 12
# A claimed row is due again after this when its deliverer died before it could record the outcome (at least once;
# receivers get the dedup key to drop a repeat). Longer than a whole batch of sends at their timeout (100 x 5 s).
LEASE = timedelta(minutes=15)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def log_event(
    con: Connection, ticket_id: str, at: datetime, kind: str, detail: dict[str, Any], matrix_version: str | None
) -> None:
    """One timeline entry of a ticket (the clock's and the outbox's shared history), with the version of the
    matrix that produced it."""
    detail = {**detail, "matrix_version": matrix_version}
    con.execute(
        insert(timeline).values(
            ticket_id=ticket_id, at=at, kind=kind, detail=json.dumps(detail, sort_keys=True, default=str)
        )
    )


class Outbox:
    def __init__(self, engine: Engine, config: NotifyConfig | None = None) -> None:
        self.engine = engine
        self.config = config or NotifyConfig({})
        self.postgres = engine.dialect.name == "postgresql"

    def enqueue(
        self,
        con: Connection,
        ticket_id: str,
        dedup_key: str,
        target: str,
        event: str,
        payload: dict[str, Any],
        now: datetime,
    ) -> bool:
        """Insert an outbox row unless one with the same dedup key exists. True when it is new."""
        values = {
            "dedup_key": dedup_key,
            "ticket_id": ticket_id,
            "target": target,
            "event": event,
            "payload": json.dumps(payload, sort_keys=True, default=str),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        stmt = (pg_insert(outbox) if self.postgres else sqlite_insert(outbox)).values(**values)
        result = con.execute(stmt.on_conflict_do_nothing(index_elements=["dedup_key"]))
        return bool(result.rowcount)

    def deliver(self, now: datetime, batch: int = 100, ticket_id: str | None = None) -> DeliveryStats:
        """Send due outbox rows (of one ticket, when named). A failure is retried with backoff; after MAX_ATTEMPTS
        the row is dead. Rows are claimed first, then sent with no transaction open: a slow endpoint holds no lock
        that the API's writes or another deliverer would wait on."""
        stats = DeliveryStats()
        while True:
            rows = self._claim(now, batch, ticket_id)
            if not rows:
                return stats
            for row in rows:
                self._deliver_one(row, now, stats)

    def _claim(self, now: datetime, batch: int, ticket_id: str | None) -> list[Any]:
        """Take due rows for this deliverer: each is moved past ``now`` by the lease in one short transaction, so
        another deliverer (the webhook's, a second sweeper, another process on the same SQLite file) skips it. A
        deliverer that dies mid-send leaves its rows due again when the lease runs out."""
        due = and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
        if ticket_id is not None:
            due = and_(due, outbox.c.ticket_id == ticket_id)
        with self.engine.begin() as con:
            q = select(outbox).where(due).order_by(outbox.c.id).limit(batch)
            if self.postgres:
                q = q.with_for_update(skip_locked=True)
            rows = con.execute(q).mappings().all()
            # The update checks again that the row is due: on SQLite the select above takes no lock.
            lease = {"next_attempt_at": now + LEASE}
            return [
                r for r in rows if con.execute(update(outbox).where(due, outbox.c.id == r["id"]).values(lease)).rowcount
            ]

    def _deliver_one(self, row: Any, now: datetime, stats: DeliveryStats) -> None:
        attempts = row["attempts"] + 1
        try:
            send(self.config, row["target"], row["event"], json.loads(row["payload"]), row["dedup_key"])
        except (NotConfigured, DeliveryFailed) as exc:
            with self.engine.begin() as con:
                self._not_sent(con, row, now, attempts, exc, stats)
            return
        with self.engine.begin() as con:
            con.execute(
                update(outbox)
                .where(outbox.c.id == row["id"])
                .values(status="sent", attempts=attempts, sent_at=now, last_error=None)
            )
            log_event(
                con,
                row["ticket_id"],
                now,
                "notification",
                {"target": row["target"], "event": row["event"], "dedup_key": row["dedup_key"], "attempts": attempts},
                json.loads(row["payload"]).get("matrix_version"),
            )
        stats.sent += 1

    def _not_sent(
        self, con: Connection, row: Any, now: datetime, attempts: int, exc: Exception, stats: DeliveryStats
    ) -> None:
        if not isinstance(exc, DeliveryFailed):  # no endpoint configured for the target: nothing will change that
            con.execute(
                update(outbox)
                .where(outbox.c.id == row["id"])
                .values(status="skipped", attempts=attempts, last_error=str(exc))
            )
            stats.skipped += 1
            return
        dead = attempts >= MAX_ATTEMPTS
        # The endpoint's own Retry-After wins over our backoff: it knows when it will take it.
        wait = backoff(attempts) if exc.retry_after is None else timedelta(seconds=max(exc.retry_after, 1))
        con.execute(
            update(outbox)
            .where(outbox.c.id == row["id"])
            .values(
                status="dead" if dead else "pending",
                attempts=attempts,
                last_error=str(exc)[:500],
                next_attempt_at=now + wait,
            )
        )
        stats.dead += dead
        stats.failed += 1
        stats.errors.append(str(exc)[:200])
