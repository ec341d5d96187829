"""Time enforces it: open tickets, SLA clocks, automatic escalation and a transactional notification outbox.

The helpdesk registers a ticket and sends its changes; every change re-evaluates the matrix. A sweeper
(``sweep(now)``) finds each ticket whose next check is due — an escalation window ending, a pre-breach warning, a
breach, a customer-update reminder — and acts on it. Every action writes its timeline entry and its notifications
(outbox rows with unique dedup keys) in the same transaction as the ticket change, so nothing is lost and nothing
is recorded twice. ``deliver(now)`` sends pending outbox rows with retries and backoff.

Concurrency: on PostgreSQL due tickets and outbox rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several
sweepers share the work and never process the same row at once; on SQLite (one sweeper on one machine) every
ticket update also checks a version number, so an accidental second sweeper fails instead of doubling.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from assist.decision_log import as_utc as _aware
from assist.decision_log import outbox, resolutions, tickets, timeline
from assist.notify import DeliveryFailed, NotConfigured, NotifyConfig, send
from matrix import Decision, Matrix, evaluate
from matrix.facts import PAUSING_STATUSES, parse_datetime
from matrix.facts import format_datetime as _iso

MAX_ATTEMPTS = 12


class TicketNotFound(LookupError):
    code = "not_found"


class TicketExists(ValueError):
    code = "conflict"


class Conflict(RuntimeError):
    """Another writer changed the ticket first (optimistic check on SQLite)."""

    code = "conflict"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


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


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


class Tracker:
    def __init__(self, engine: Engine, matrix: Matrix, notify: NotifyConfig | None = None) -> None:
        self.engine = engine
        self.matrix = matrix
        self.notify_config = notify or NotifyConfig({})
        self.rank = {t.id: i for i, t in enumerate(matrix.tiers)}
        self.postgres = engine.dialect.name == "postgresql"

    # -- helpdesk side -------------------------------------------------------------------------------------------
    def register(self, ticket_id: str, account_id: str | None, facts: dict[str, Any], now: datetime) -> dict[str, Any]:
        facts = dict(facts)
        facts.setdefault("created_at", _iso(now))
        facts.setdefault("status", "new")
        evaluate(self.matrix, facts, now)  # validate first: a bad fact writes nothing
        with self.engine.begin() as con:
            if con.execute(select(tickets.c.id).where(tickets.c.id == ticket_id)).first() is not None:
                raise TicketExists(f"ticket {ticket_id} is already registered; PATCH it instead")
            created = parse_datetime("facts.created_at", facts["created_at"])
            con.execute(
                insert(tickets).values(
                    id=ticket_id,
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
                )
            )
            self._log(con, ticket_id, now, "registered", {"facts": facts})
            row = self._row(con, ticket_id, lock=True)
            return self._process(con, row, now, "registered")

    def change(
        self, ticket_id: str, changes: dict[str, Any], now: datetime, restrict_account: str | None = None
    ) -> dict[str, Any]:
        """Apply the helpdesk's changes (facts, status, first reply …), handle pauses, re-evaluate."""
        with self.engine.begin() as con:
            row = self._row(con, ticket_id, lock=True)
            if row is None or (restrict_account is not None and row["account_id"] != restrict_account):
                raise TicketNotFound(f"ticket {ticket_id} not found")
            facts = json.loads(row["facts"])
            old_status = facts.get("status", "new")
            new_facts = {**facts, **{k: v for k, v in changes.items() if k != "customer_update_at"}}
            new_status = new_facts.get("status", "new")
            pauses = list(new_facts.get("pauses") or [])
            paused_before = old_status in PAUSING_STATUSES or old_status == "solved"
            paused_after = new_status in PAUSING_STATUSES or new_status == "solved"
            if not paused_before and paused_after:
                pauses.append({"start": _iso(now), "end": None})
                self._log(con, ticket_id, now, "pause", {"status": new_status})
            elif paused_before and not paused_after:
                if pauses and pauses[-1].get("end") is None:
                    pauses[-1] = {**pauses[-1], "end": _iso(now)}
                self._log(
                    con, ticket_id, now, "reopened" if old_status == "solved" else "resume", {"status": new_status}
                )
            if pauses:
                new_facts["pauses"] = pauses
            evaluate(self.matrix, new_facts, now)  # validate before writing anything
            values: dict[str, Any] = {"facts": json.dumps(new_facts), "status": new_status}
            if changes.get("customer_update_at"):
                values["last_update_at"] = parse_datetime("customer_update_at", changes["customer_update_at"])
            if new_status == "solved" and old_status != "solved":
                values["resolved_at"] = now
            elif new_status != "solved":
                values["resolved_at"] = None
            self._write(con, row, values)
            self._log(con, ticket_id, now, "updated", {"changes": changes})
            row = self._row(con, ticket_id, lock=False)
            result = self._process(con, row, now, "updated")
            if new_status == "solved" and old_status != "solved":
                self._resolved(con, row, now)
            return result

    # -- the sweeper -----------------------------------------------------------------------------------------
    def sweep(self, now: datetime, batch: int = 200, max_batches: int | None = None) -> SweepStats:
        """One pass: every ticket whose next check is due by ``now`` is processed (in batches)."""
        stats = SweepStats()
        done = 0
        while max_batches is None or done < max_batches:
            done += 1
            with self.engine.begin() as con:
                q = (
                    select(tickets)
                    .where(and_(tickets.c.next_check_at <= now, tickets.c.status != "solved"))
                    .order_by(tickets.c.next_check_at, tickets.c.id)
                    .limit(batch)
                )
                if self.postgres:
                    q = q.with_for_update(skip_locked=True)
                rows = con.execute(q).mappings().all()
                if not rows:
                    break
                for row in rows:
                    self._process(con, row, now, "sweep", stats)
                    stats.processed += 1
        return stats

    # -- core ------------------------------------------------------------------------------------------------
    def _row(self, con: Connection, ticket_id: str, lock: bool) -> Any:
        q = select(tickets).where(tickets.c.id == ticket_id)
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
            raise Conflict(f"ticket {row['id']} was changed by another writer; retry")

    def _log(self, con: Connection, ticket_id: str, at: datetime, kind: str, detail: dict[str, Any]) -> None:
        con.execute(
            insert(timeline).values(
                ticket_id=ticket_id, at=at, kind=kind, detail=json.dumps(detail, sort_keys=True, default=str)
            )
        )

    def _enqueue(
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

    def _notify(
        self,
        con: Connection,
        ticket_id: str,
        d: Decision,
        event: str,
        key: str,
        summary: str,
        now: datetime,
        facts: dict[str, Any],
        stats: SweepStats | None,
    ) -> None:
        payload = {
            "summary": summary,
            "ticket_id": ticket_id,
            "tier": d.tier,
            "queue": d.queue,
            "owner_role": d.owner_role,
            "backup_role": d.backup_role,
            "rule_id": d.rule_id,
            "reason": d.reason,
            "severity": facts.get("severity"),
            "incident_key": f"{ticket_id}:{d.tier}",
            "reply_by": _iso(d.sla.reply_by),
            "resolve_by": _iso(d.sla.resolve_by),
        }
        for target in d.notify:
            if self._enqueue(con, ticket_id, f"{ticket_id}:{key}:{target}", target, event, payload, now) and stats:
                stats.notifications += 1

    def _process(
        self, con: Connection, row: Any, now: datetime, cause: str, stats: SweepStats | None = None
    ) -> dict[str, Any]:
        ticket_id = row["id"]
        facts = json.loads(row["facts"])
        fired = set(json.loads(row["fired"] or "[]"))
        d = evaluate(self.matrix, facts, now)
        before = facts.get("current_tier")
        tier_entered = _iso(d.tier_entered_at or now)
        if before is None or self.rank[d.tier] > self.rank.get(before, -1):
            facts["current_tier"] = d.tier
            facts["tier_entered_at"] = tier_entered
            kind = "escalation" if before is not None else "routed"
            clock_steps = [s.to_dict() for s in d.trace if s.rule.startswith("time:") or s.rule == d.rule_id]
            self._log(
                con,
                ticket_id,
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
            )
            self._notify(
                con,
                ticket_id,
                d,
                kind,
                f"{kind}:{d.tier}",
                f"[{d.tier}] ticket {ticket_id} {'escalated' if before else 'routed'}: {d.reason}",
                now,
                facts,
                stats,
            )
            if stats is not None and before is not None:
                stats.escalated += 1
            d = evaluate(self.matrix, facts, now)  # the new tier's clock, from when it was entered
        self._log(
            con,
            ticket_id,
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
                    key = f"{kind}:{clock_name}"
                    if at is None or key in fired:
                        continue
                    if at <= now:
                        fired.add(key)
                        minutes_left = max(int((deadline - now).total_seconds() // 60), 0)
                        detail = {
                            "clock": clock_name,
                            "deadline": _iso(deadline),
                            "at": _iso(at),
                            "paused_minutes": d.sla.paused_minutes,
                            "minutes_left": minutes_left,
                        }
                        self._log(con, ticket_id, now, kind, detail)
                        text = (
                            f"SLA {kind} on ticket {ticket_id}: time to {clock_name} "
                            f"{'ends' if kind == 'warning' else 'ended'} {_iso(deadline)}"
                        )
                        self._notify(con, ticket_id, d, kind, key, text, now, facts, stats)
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
                    self._log(
                        con,
                        ticket_id,
                        now,
                        "update_reminder",
                        {"every_minutes": d.customer_update_every, "last_update_at": _iso(last)},
                    )
                    self._enqueue(
                        con,
                        ticket_id,
                        f"{ticket_id}:update:{period}",
                        f"role:{d.owner_role}",
                        "update_reminder",
                        {
                            "summary": f"Customer update due on ticket {ticket_id}",
                            "ticket_id": ticket_id,
                            "every_minutes": d.customer_update_every,
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
            },
        )
        body = d.to_dict()
        body["next_check_at"] = _iso(next_check)
        return body

    def _resolved(self, con: Connection, row: Any, now: datetime) -> None:
        """A resolved ticket resolves its PagerDuty incidents (same dedup key) and is closed in the timeline."""
        self._log(con, row["id"], now, "resolved", {})
        rows = con.execute(
            select(outbox.c.target, outbox.c.payload).where(
                and_(outbox.c.ticket_id == row["id"], outbox.c.target.like("pagerduty:%"))
            )
        ).all()
        for target, payload in rows:
            incident = json.loads(payload).get("incident_key")
            if incident:
                self._enqueue(
                    con,
                    row["id"],
                    f"{row['id']}:resolved:{incident}:{target}",
                    target,
                    "resolved",
                    {"summary": f"ticket {row['id']} resolved", "incident_key": incident, "ticket_id": row["id"]},
                    now,
                )

    # -- delivery ----------------------------------------------------------------------------------------------
    def deliver(self, now: datetime, batch: int = 100) -> DeliveryStats:
        """Send due outbox rows. A failure is retried with backoff; after MAX_ATTEMPTS the row is dead."""
        stats = DeliveryStats()
        while True:
            with self.engine.begin() as con:
                q = (
                    select(outbox)
                    .where(and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now))
                    .order_by(outbox.c.id)
                    .limit(batch)
                )
                if self.postgres:
                    q = q.with_for_update(skip_locked=True)
                rows = con.execute(q).mappings().all()
                if not rows:
                    return stats
                for row in rows:
                    self._deliver_one(con, row, now, stats)

    def _deliver_one(self, con: Connection, row: Any, now: datetime, stats: DeliveryStats) -> None:
        attempts = row["attempts"] + 1
        try:
            send(self.notify_config, row["target"], row["event"], json.loads(row["payload"]), row["dedup_key"])
        except NotConfigured as exc:
            con.execute(
                update(outbox)
                .where(outbox.c.id == row["id"])
                .values(status="skipped", attempts=attempts, last_error=str(exc))
            )
            stats.skipped += 1
            return
        except DeliveryFailed as exc:
            dead = attempts >= MAX_ATTEMPTS
            con.execute(
                update(outbox)
                .where(outbox.c.id == row["id"])
                .values(
                    status="dead" if dead else "pending",
                    attempts=attempts,
                    last_error=str(exc)[:500],
                    next_attempt_at=now + backoff(attempts),
                )
            )
            stats.dead += dead
            stats.failed += 1
            stats.errors.append(str(exc)[:200])
            return
        con.execute(
            update(outbox)
            .where(outbox.c.id == row["id"])
            .values(status="sent", attempts=attempts, sent_at=now, last_error=None)
        )
        self._log(
            con,
            row["ticket_id"],
            now,
            "notification",
            {"target": row["target"], "event": row["event"], "dedup_key": row["dedup_key"], "attempts": attempts},
        )
        stats.sent += 1

    # -- reading -------------------------------------------------------------------------------------------------
    def timeline(self, ticket_id: str, restrict_account: str | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as con:
            row = con.execute(select(tickets.c.account_id).where(tickets.c.id == ticket_id)).first()
            if row is None or (restrict_account is not None and row[0] != restrict_account):
                raise TicketNotFound(f"ticket {ticket_id} not found")
            rows = (
                con.execute(
                    select(timeline).where(timeline.c.ticket_id == ticket_id).order_by(timeline.c.at, timeline.c.id)
                )
                .mappings()
                .all()
            )
        return [{"at": _iso(_aware(r["at"])), "kind": r["kind"], **json.loads(r["detail"])} for r in rows]

    def report(self, now: datetime, restrict_account: str | None = None) -> dict[str, Any]:
        """The leadership view: volume, time to reply/resolve per tier against SLA, breach rate, recurring issues."""
        with self.engine.connect() as con:
            tq = select(tickets)
            if restrict_account is not None:
                tq = tq.where(tickets.c.account_id == restrict_account)
            rows = con.execute(tq).mappings().all()
            ids = {r["id"] for r in rows}
            events = [
                e
                for e in con.execute(
                    select(timeline.c.ticket_id, timeline.c.kind, timeline.c.detail).where(
                        timeline.c.kind.in_(["escalation", "routed", "breach"])
                    )
                ).all()
                if e[0] in ids
            ]
            rq = (
                select(resolutions.c.issue_key, func.count(), func.min(resolutions.c.summary))
                .where(resolutions.c.created_at > now - timedelta(days=30))
                .group_by(resolutions.c.issue_key)
            )
            if restrict_account is not None:
                rq = rq.where(resolutions.c.account_id == restrict_account)
            recurring = sorted(con.execute(rq).all(), key=lambda r: (-r[1], r[0]))[:10]
        by = {dim: Counter() for dim in ("tier", "queue", "rule", "plan")}  # type: ignore[var-annotated]
        plan_of = {
            r["id"]: json.loads(r["facts"]).get("customer_tier", self.matrix.defaults.customer_tier) for r in rows
        }
        breached = set()
        for ticket_id, kind, detail in events:
            data = json.loads(detail)
            if kind == "breach":
                breached.add(ticket_id)
                continue
            if kind == "escalation":
                by["tier"][data["to"]] += 1
                by["queue"][data.get("queue") or "-"] += 1
                by["rule"][data["rule_id"]] += 1
                by["plan"][plan_of.get(ticket_id, "-")] += 1
        per_tier: dict[str, dict[str, list[float]]] = defaultdict(
            lambda: {"reply": [], "resolve": [], "reply_sla": [], "resolve_sla": []}
        )
        for r in rows:
            facts = json.loads(r["facts"])
            sev = facts.get("severity", self.matrix.defaults.severity)
            plan = facts.get("customer_tier", self.matrix.defaults.customer_tier)
            target = next(p for p in self.matrix.plans if p.id == plan).sla[sev]
            created = _aware(r["created_at"])
            assert created is not None
            slot = per_tier[r["tier"] or "-"]
            if facts.get("first_reply_at"):
                slot["reply"].append(
                    (parse_datetime("first_reply_at", facts["first_reply_at"]) - created).total_seconds() / 60
                )
                slot["reply_sla"].append(target.reply)
            if r["resolved_at"] is not None:
                slot["resolve"].append((_aware(r["resolved_at"]) - created).total_seconds() / 60)  # type: ignore[operator]
                slot["resolve_sla"].append(target.resolve)

        def mean(xs: list[float]) -> float | None:
            return round(sum(xs) / len(xs), 1) if xs else None

        return {
            "tickets": len(rows),
            "open": sum(r["status"] != "solved" for r in rows),
            "escalations": {dim: dict(sorted(c.items())) for dim, c in by.items()},
            "breach_rate": round(len(breached) / len(rows), 4) if rows else 0.0,
            "per_tier": {
                tier: {
                    "mean_minutes_to_reply": mean(v["reply"]),
                    "mean_reply_sla": mean(v["reply_sla"]),
                    "mean_minutes_to_resolve": mean(v["resolve"]),
                    "mean_resolve_sla": mean(v["resolve_sla"]),
                    "resolved": len(v["resolve"]),
                }
                for tier, v in sorted(per_tier.items())
            },
            "recurring_issues": [{"issue_key": k, "resolved_in_30_days": n, "example": s} for k, n, s in recurring],
        }
