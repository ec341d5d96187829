"""Time enforces it: open tickets, their SLA clocks, and automatic escalation.

The helpdesk registers a ticket and sends its changes; every change re-evaluates the matrix in force (read from
the policy store, so a replacement applies to the next evaluation in every process). A sweeper (``sweep(now)``)
finds each ticket whose next check is due — an escalation window ending, a pre-breach warning, a breach, a
customer-update reminder — and acts on it. Every action writes its timeline entry and its notifications (outbox
rows with unique dedup keys) in the same transaction as the ticket change, so nothing is lost and nothing is
recorded twice; each entry records the matrix version that produced it.

Concurrency: on PostgreSQL due tickets are claimed with ``FOR UPDATE SKIP LOCKED``, so several sweepers share the
work and never process the same row at once; on SQLite (one sweeper on one machine) every ticket update also
checks a version number, so an accidental second sweeper fails instead of doubling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from assist.db import as_utc as _aware
from assist.db.schema import outbox, tickets, timeline
from assist.outbox import Outbox, log_event, zendesk_tags
from assist.policy import PolicyStore
from ingest.redact import redact_values
from matrix import Decision, Matrix, evaluate
from matrix.errors import Conflict, NotFound
from matrix.facts import PAUSING_STATUSES, parse_datetime
from matrix.facts import format_datetime as _iso


def ticket_key(account_id: str | None, ticket_id: str) -> str:
    """Ticket ids are the helpdesk's, and two accounts may use the same one: a ticket is stored under its
    account's namespace (account ids never contain "/"; a ticket of no account has an empty one)."""
    return f"{account_id or ''}/{ticket_id}"


def external_id(key: str) -> str:
    """The ticket id as the helpdesk knows it (what notifications show)."""
    return key.split("/", 1)[1]


@dataclass
class SweepStats:
    processed: int = 0
    escalated: int = 0
    warnings: int = 0
    breaches: int = 0
    reminders: int = 0
    notifications: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Tracker:
    def __init__(self, engine: Engine, policy: PolicyStore, outbox: Outbox) -> None:
        self.engine = engine
        self.policy = policy  # the matrix in force is read there, once per registration, change or sweep
        self.outbox = outbox
        self.postgres = engine.dialect.name == "postgresql"

    # -- helpdesk side -------------------------------------------------------------------------------------------
    def register(
        self,
        ticket_id: str,
        account_id: str | None,
        facts: dict[str, Any],
        now: datetime,
        origin: str | None = None,
    ) -> dict[str, Any]:
        """Start the clocks of a ticket of ``account_id`` (each account has its own ticket ids). ``origin``
        "zendesk": its escalations are also written back to the Zendesk ticket."""
        key = ticket_key(account_id, ticket_id)
        facts = redact_values(dict(facts))  # kept in the ticket row and its timeline
        facts.setdefault("created_at", _iso(now))
        facts.setdefault("status", "new")
        m = self.policy.current()
        evaluate(m, facts, now)  # validate first: a bad fact writes nothing
        with self.engine.begin() as con:
            if con.execute(select(tickets.c.id).where(tickets.c.id == key)).first() is not None:
                raise Conflict(f"ticket {ticket_id} is already registered; PATCH it instead", "ticket_id")
            created = parse_datetime("facts.created_at", facts["created_at"])
            con.execute(
                insert(tickets).values(
                    id=key,
                    account_id=account_id,
                    facts=json.dumps(facts),
                    status=facts["status"],
                    tier="",
                    queue=None,
                    next_check_at=None,
                    last_update_at=None,
                    created_at=created,
                    updated_at=now,
                    resolved_at=None,
                    version=1,
                    fired="[]",
                    origin=origin,
                )
            )
            log_event(con, key, now, "registered", {"facts": facts}, m.version)
            row = self._row(con, key, lock=True)
            return self._process(con, m, row, now, "registered")

    def change(
        self, ticket_id: str, changes: dict[str, Any], now: datetime, account_id: str | None = None
    ) -> dict[str, Any]:
        """Apply the helpdesk's changes (facts, status, first reply …), handle pauses, re-evaluate."""
        changes = redact_values(changes)
        m = self.policy.current()
        with self.engine.begin() as con:
            key = ticket_key(account_id, ticket_id)
            row = self._row(con, key, lock=True)
            if row is None:
                raise NotFound(f"ticket {ticket_id} not found", "ticket_id")
            facts = json.loads(row["facts"])
            old_status = facts.get("status", "new")
            new_facts = {**facts, **{k: v for k, v in changes.items() if k != "customer_update_at"}}
            new_status = new_facts.get("status", "new")
            pauses = list(new_facts.get("pauses") or [])
            paused_before = old_status in PAUSING_STATUSES or old_status == "solved"
            paused_after = new_status in PAUSING_STATUSES or new_status == "solved"
            if not paused_before and paused_after:
                pauses.append({"start": _iso(now), "end": None})
                log_event(con, key, now, "pause", {"status": new_status}, m.version)
            elif paused_before and not paused_after:
                if pauses and pauses[-1].get("end") is None:
                    pauses[-1] = {**pauses[-1], "end": _iso(now)}
                kind = "reopened" if old_status == "solved" else "resume"
                log_event(con, key, now, kind, {"status": new_status}, m.version)
            if pauses:
                new_facts["pauses"] = pauses
            evaluate(m, new_facts, now)  # validate before writing anything
            values: dict[str, Any] = {"facts": json.dumps(new_facts), "status": new_status}
            if changes.get("customer_update_at"):
                values["last_update_at"] = parse_datetime("customer_update_at", changes["customer_update_at"])
            if new_status == "solved" and old_status != "solved":
                values["resolved_at"] = now
            elif new_status != "solved":
                values["resolved_at"] = None
            self._write(con, row, values)
            log_event(con, key, now, "updated", {"changes": changes}, m.version)
            row = self._row(con, key, lock=False)
            result = self._process(con, m, row, now, "updated")
            if new_status == "solved" and old_status != "solved":
                self._resolved(con, m, row, now)
            return result

    # -- the sweeper -----------------------------------------------------------------------------------------
    def sweep(self, now: datetime, batch: int = 200, max_batches: int | None = None) -> SweepStats:
        """One pass: every ticket whose next check is due by ``now`` is processed (in batches), all with the
        matrix that was in force when the pass began."""
        m = self.policy.current()
        stats = SweepStats()
        done = 0
        while max_batches is None or done < max_batches:
            done += 1
            with self.engine.begin() as con:
                # Due tickets, and open tickets whose deadlines were computed under another matrix version (a
                # replacement can move their next check earlier) -- of those that existed by ``now``.
                stale = or_(tickets.c.matrix_version.is_(None), tickets.c.matrix_version != m.version)
                q = (
                    select(tickets)
                    .where(
                        and_(
                            or_(tickets.c.next_check_at <= now, stale),
                            tickets.c.status != "solved",
                            tickets.c.created_at <= now,
                        )
                    )
                    .order_by(tickets.c.next_check_at, tickets.c.id)
                    .limit(batch)
                )
                if self.postgres:
                    q = q.with_for_update(skip_locked=True)
                rows = con.execute(q).mappings().all()
                if not rows:
                    break
                for row in rows:
                    self._process(con, m, row, now, "sweep", stats)
                    stats.processed += 1
        return stats

    # -- core ------------------------------------------------------------------------------------------------
    def _row(self, con: Connection, key: str, lock: bool) -> Any:
        q = select(tickets).where(tickets.c.id == key)
        if lock and self.postgres:
            q = q.with_for_update()
        return con.execute(q).mappings().first()

    def _write(self, con: Connection, row: Any, values: dict[str, Any]) -> None:
        result = con.execute(
            update(tickets)
            .where(and_(tickets.c.id == row["id"], tickets.c.version == row["version"]))
            .values(**values, version=row["version"] + 1)
        )
        if result.rowcount != 1:
            raise Conflict(f"ticket {external_id(row['id'])} was changed by another writer; retry", "ticket_id")

    def _notify(
        self,
        con: Connection,
        key: str,
        d: Decision,
        event: str,
        dedup: str,
        summary: str,
        now: datetime,
        facts: dict[str, Any],
        stats: SweepStats | None,
    ) -> None:
        payload = {
            "summary": summary,
            "ticket_id": external_id(key),
            "tier": d.tier,
            "queue": d.queue,
            "owner_role": d.owner_role,
            "backup_role": d.backup_role,
            "rule_id": d.rule_id,
            "reason": d.reason,
            "severity": facts.get("severity"),
            "incident_key": f"{key}:{d.tier}",
            "reply_by": _iso(d.sla.reply_by),
            "resolve_by": _iso(d.sla.resolve_by),
            "matrix_version": d.matrix_version,
        }
        for target in d.notify:
            if self.outbox.enqueue(con, key, f"{key}:{dedup}:{target}", target, event, payload, now) and stats:
                stats.notifications += 1

    def _write_back(self, con: Connection, key: str, d: Decision, now: datetime) -> None:
        """An escalation of a Zendesk ticket: a private note and the new tier's tags on the ticket, once."""
        note = (
            f"Escalation assist: escalated to {d.tier}" + (f" (queue {d.queue})" if d.queue else "") + ".\n"
            f"{d.reason}\nOwner: {d.owner_role}. Reply by {_iso(d.sla.reply_by)}, resolve by "
            f"{_iso(d.sla.resolve_by)}. Matrix {d.matrix_version}."
        )
        payload = {
            "zendesk_ticket_id": external_id(key),
            "note": note,
            "tags": zendesk_tags(d.tier, d.queue, "assist_escalated"),
            "queue": d.queue,
            "matrix_version": d.matrix_version,
        }
        self.outbox.enqueue(
            con, key, f"{key}:escalation:{d.tier}:zendesk", "zendesk:ticket", "escalation", payload, now
        )

    def _process(
        self, con: Connection, m: Matrix, row: Any, now: datetime, cause: str, stats: SweepStats | None = None
    ) -> dict[str, Any]:
        key = row["id"]
        facts = json.loads(row["facts"])
        fired = set(json.loads(row["fired"] or "[]"))
        rank = {t.id: i for i, t in enumerate(m.tiers)}
        d = evaluate(m, facts, now)
        before = facts.get("current_tier")
        tier_entered = _iso(d.tier_entered_at or now)
        if before is None or rank[d.tier] > rank.get(before, -1):
            facts["current_tier"] = d.tier
            facts["tier_entered_at"] = tier_entered
            kind = "escalation" if before is not None else "routed"
            clock_steps = [s.to_dict() for s in d.trace if s.rule.startswith("time:") or s.rule == d.rule_id]
            log_event(
                con,
                key,
                now,
                kind,
                {
                    "from": before,
                    "to": d.tier,
                    "queue": d.queue,
                    "rule_id": d.rule_id,
                    "reason": d.reason,
                    "tier_entered_at": tier_entered,
                    "clock": clock_steps,
                },
                m.version,
            )
            self._notify(
                con,
                key,
                d,
                kind,
                f"{kind}:{d.tier}",
                f"[{d.tier}] ticket {external_id(key)} {'escalated' if before else 'routed'}: {d.reason}",
                now,
                facts,
                stats,
            )
            if before is not None and row["origin"] == "zendesk":
                self._write_back(con, key, d, now)
            if stats is not None and before is not None:
                stats.escalated += 1
            d = evaluate(m, facts, now)  # the new tier's clock, from when it was entered
        log_event(
            con,
            key,
            now,
            "evaluation",
            {
                "cause": cause,
                "tier": d.tier,
                "rule_id": d.rule_id,
                "next_escalation_at": _iso(d.next_escalation_at),
                "reply_by": _iso(d.sla.reply_by),
                "resolve_by": _iso(d.sla.resolve_by),
                "paused_minutes": d.sla.paused_minutes,
            },
            m.version,
        )
        status = facts.get("status", "new")
        active = status not in PAUSING_STATUSES and status != "solved"
        candidates: list[datetime] = []
        if d.next_escalation_at is not None:
            candidates.append(d.next_escalation_at)
        if active:
            for clock_name, deadline, warn_at, done in (
                ("reply", d.sla.reply_by, d.sla.reply_warn_at, facts.get("first_reply_at") is not None),
                ("resolve", d.sla.resolve_by, d.sla.resolve_warn_at, False),
            ):
                if done:
                    continue
                for kind, at in (("warning", warn_at), ("breach", deadline)):
                    event = f"{kind}:{clock_name}"
                    if at is None or event in fired:
                        continue
                    if at <= now:
                        fired.add(event)
                        minutes_left = max(int((deadline - now).total_seconds() // 60), 0)
                        detail = {
                            "clock": clock_name,
                            "deadline": _iso(deadline),
                            "at": _iso(at),
                            "paused_minutes": d.sla.paused_minutes,
                            "minutes_left": minutes_left,
                        }
                        log_event(con, key, now, kind, detail, m.version)
                        text = (
                            f"SLA {kind} on ticket {external_id(key)}: time to {clock_name} "
                            f"{'ends' if kind == 'warning' else 'ended'} {_iso(deadline)}"
                        )
                        self._notify(con, key, d, kind, event, text, now, facts, stats)
                        if stats is not None:
                            setattr(
                                stats,
                                "warnings" if kind == "warning" else "breaches",
                                getattr(stats, "warnings" if kind == "warning" else "breaches") + 1,
                            )
                    else:
                        candidates.append(at)
            # Customer updates at the matrix's cadence, counted from the last update (or creation).
            cadence = timedelta(minutes=d.customer_update_every) if d.customer_update_every else None
            if cadence:
                last = _aware(row["last_update_at"]) or parse_datetime("created_at", facts["created_at"])
                due = last + cadence
                if due <= now:
                    period = int((now - parse_datetime("created_at", facts["created_at"])) / cadence)
                    log_event(
                        con,
                        key,
                        now,
                        "update_reminder",
                        {"every_minutes": d.customer_update_every, "last_update_at": _iso(last)},
                        m.version,
                    )
                    self.outbox.enqueue(
                        con,
                        key,
                        f"{key}:update:{period}",
                        f"role:{d.owner_role}",
                        "update_reminder",
                        {
                            "summary": f"Customer update due on ticket {external_id(key)}",
                            "ticket_id": external_id(key),
                            "every_minutes": d.customer_update_every,
                            "matrix_version": d.matrix_version,
                        },
                        now,
                    )
                    if stats is not None:
                        stats.reminders += 1
                    last = now
                    due = now + cadence
                candidates.append(due)
                if last == now:
                    row = dict(row)
                    row["last_update_at"] = now
        next_check = min((c for c in candidates if c > now), default=None) if active else None
        self._write(
            con,
            row,
            {
                "facts": json.dumps(facts),
                "tier": d.tier,
                "queue": d.queue,
                "next_check_at": next_check,
                "updated_at": now,
                "fired": json.dumps(sorted(fired)),
                "last_update_at": row["last_update_at"],
                "matrix_version": m.version,
            },
        )
        body = d.to_dict()
        body["next_check_at"] = _iso(next_check)
        return body

    def _resolved(self, con: Connection, m: Matrix, row: Any, now: datetime) -> None:
        """A resolved ticket resolves its PagerDuty incidents (same dedup key) and is closed in the timeline."""
        log_event(con, row["id"], now, "resolved", {}, m.version)
        rows = con.execute(
            select(outbox.c.target, outbox.c.payload).where(
                and_(outbox.c.ticket_id == row["id"], outbox.c.target.like("pagerduty:%"))
            )
        ).all()
        for target, payload in rows:
            incident = json.loads(payload).get("incident_key")
            if incident:
                self.outbox.enqueue(
                    con,
                    row["id"],
                    f"{row['id']}:resolved:{incident}:{target}",
                    target,
                    "resolved",
                    {
                        "summary": f"ticket {external_id(row['id'])} resolved",
                        "incident_key": incident,
                        "ticket_id": external_id(row["id"]),
                        "matrix_version": m.version,
                    },
                    now,
                )

    # -- reading -------------------------------------------------------------------------------------------------
    def facts(self, ticket_id: str, account_id: str | None = None) -> dict[str, Any] | None:
        """The facts a tracked ticket is evaluated on, or None when it is not tracked."""
        with self.engine.connect() as con:
            row = con.execute(select(tickets.c.facts).where(tickets.c.id == ticket_key(account_id, ticket_id))).first()
        return None if row is None else dict(json.loads(row[0]))

    def timeline(self, ticket_id: str, account_id: str | None = None) -> list[dict[str, Any]]:
        key = ticket_key(account_id, ticket_id)
        with self.engine.connect() as con:
            row = con.execute(select(tickets.c.account_id).where(tickets.c.id == key)).first()
            if row is None:
                raise NotFound(f"ticket {ticket_id} not found", "ticket_id")
            rows = (
                con.execute(select(timeline).where(timeline.c.ticket_id == key).order_by(timeline.c.at, timeline.c.id))
                .mappings()
                .all()
            )
        return [{"at": _iso(_aware(r["at"])), "kind": r["kind"], **json.loads(r["detail"])} for r in rows]
