"""``evaluate(matrix, facts, now) -> Decision``: the deterministic escalation decision, with its reasons.

How a decision is made (the same words appear in the trace):
  1. *floor*: a ticket never moves down on its own, and never sits below its severity's entry tier.
  2. *triggers*, top to bottom; the first that matches decides the target tier and queue. A trigger with
     ``after`` fires only once the ticket has spent that long in its tier; until then it is *pending* and sets
     ``next_escalation_at``. Without ``bypass`` a trigger moves the ticket one tier at a time.
  3. *time*: if the ticket's time in its tier ran out (per plan and severity), it moves up; the catch-up repeats
     tier by tier, each new tier entered at the moment the previous one's time ran out.
  4. SLA deadlines from the plan's calendar, minus paused time; who owns and who is notified; the next automatic
     escalation; the customer update cadence; the post-resolution actions that will apply.

Nothing here reads a clock, a file or the network: same facts, same ``now``, same matrix -> identical Decision.

Speed comes from preparing each matrix once (``CompiledMatrix``: conditions compiled to closures, lookups
indexed; business-hours calendars keep a cumulative index of open time, see ``calendar``), and from rendering
the trace's explanations only when someone reads them. There are no memos of decisions or their parts.

Extending the vocabulary (at most three files):
  * a new fact of an existing kind: declare it in ``facts.core_vocabulary`` (or in a matrix's own ``facts:``);
  * a new fact kind: its parser and allowed operators in ``facts`` (``_PARSERS``, ``OPS_BY_KIND``);
  * a new condition operator: its predicate in ``conditions._leaf_predicate``, its text in ``conditions.render``'s
    operator table, and the kinds that may use it in ``facts.OPS_BY_KIND``.
The engine reads facts only through compiled conditions, so neither change touches this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from matrix.calendar import Pause
from matrix.compiled import CompiledMatrix, Situation, compiled
from matrix.errors import FactError
from matrix.facts import format_datetime as _iso
from matrix.facts import parse_datetime
from matrix.schema import Matrix


@dataclass(frozen=True, slots=True)
class Sla:
    reply_by: datetime
    resolve_by: datetime
    calendar: str
    paused_minutes: int
    paused: bool
    reply_breached: bool
    resolve_breached: bool
    # (minutes of active time from creation -> instant, reply minutes, resolve minutes, warning share): the
    # pre-breach warning instants are counted only when read; the tracker reads them, a decision does not need to.
    _warn: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def _warn_at(self, which: int) -> datetime | None:
        if not self._warn:
            return None
        clock, created, pauses, reply_min, resolve_min, fraction = self._warn
        return clock.add(created, (reply_min, resolve_min)[which] * fraction, pauses)

    @property
    def reply_warn_at(self) -> datetime | None:
        """When the pre-breach warning for the reply SLA is due (e.g. at 75% of the window, in active time)."""
        return self._warn_at(0)

    @property
    def resolve_warn_at(self) -> datetime | None:
        return self._warn_at(1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reply_by": _iso(self.reply_by),
            "resolve_by": _iso(self.resolve_by),
            "reply_warn_at": _iso(self.reply_warn_at),
            "resolve_warn_at": _iso(self.resolve_warn_at),
            "calendar": self.calendar,
            "paused_minutes": self.paused_minutes,
            "paused": self.paused,
            "reply_breached": self.reply_breached,
            "resolve_breached": self.resolve_breached,
        }


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of the decision: a rule considered, whether it matched, and the facts it read."""

    rule: str
    result: str  # matched | no_match | pending | applied
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "result": self.result, "detail": self.detail}


@dataclass(eq=False, slots=True)
class Decision:
    """The escalation decision. Treat it as read-only; ``to_json`` is its canonical form. Two decisions are equal
    when their canonical forms are."""

    escalate: bool
    tier: str
    queue: str | None
    owner_role: str
    backup_role: str | None
    notify: tuple[str, ...]
    sla: Sla
    next_escalation_at: datetime | None
    customer_update_every: int  # minutes
    post_resolution: tuple[str, ...]
    rule_id: str
    reason: str
    matrix_version: str
    evaluated_at: datetime
    tier_entered_at: datetime | None = None  # when the decided tier was (or is now) entered
    # What the trace is rendered from (see ``_trace``): explaining every rule costs more than deciding, and most
    # callers never read it.
    _trace_inputs: tuple[Any, ...] = field(default=(), repr=False)
    _trace: tuple[TraceStep, ...] | None = field(default=None, repr=False)

    @property
    def trace(self) -> tuple[TraceStep, ...]:
        """Every rule considered, whether it matched, and the facts it read."""
        if self._trace is None:
            self._trace = _trace(*self._trace_inputs) if self._trace_inputs else ()
        return self._trace

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decision) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {
            "escalate": self.escalate,
            "tier": self.tier,
            "queue": self.queue,
            "owner_role": self.owner_role,
            "backup_role": self.backup_role,
            "notify": list(self.notify),
            "sla": self.sla.to_dict(),
            "next_escalation_at": _iso(self.next_escalation_at),
            "customer_update_every_minutes": self.customer_update_every,
            "post_resolution": list(self.post_resolution),
            "rule_id": self.rule_id,
            "reason": self.reason,
            "trace": [s.to_dict() for s in self.trace],
            "matrix_version": self.matrix_version,
            "evaluated_at": _iso(self.evaluated_at),
            "tier_entered_at": _iso(self.tier_entered_at),
        }

    def to_json(self) -> str:
        """Canonical JSON: the same decision always serialises to the same bytes."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


def evaluate(matrix: Matrix, facts: Mapping[str, Any], now: datetime | str) -> Decision:
    """Decide escalation for one ticket. ``facts`` is validated against the matrix vocabulary first.

    >>> from matrix import default_matrix
    >>> d = evaluate(default_matrix(), {"severity": "S2", "signals": ["data_loss"]}, "2026-03-02T10:00:00Z")
    >>> (d.escalate, d.tier, d.rule_id)
    (True, 'T3', 'data_loss')
    """
    cm = compiled(matrix)
    return _decide(cm, cm.parse_facts(facts), parse_datetime("now", now))


# A decision allocates few objects on purpose: on a busy worker the garbage collector's passes over new objects
# cost as much as the arithmetic (measured: half of a first-sight decision). So no per-decision closures or state
# objects; the trace is rendered from one tuple of inputs when it is read.


def _decide(cm: CompiledMatrix, f: dict[str, Any], now: datetime) -> Decision:
    defaulted = ("severity" not in f, "customer_tier" not in f)
    if defaulted[0]:
        f["severity"] = cm.matrix.defaults.severity
    if defaulted[1]:
        f["customer_tier"] = cm.matrix.defaults.customer_tier
    st, reading = cm.situation(f)  # 1. the floor, and everything else the facts decide without a clock
    clock = st.clock
    created = f.get("created_at", now)
    if created > now:
        raise FactError("created_at", _iso(created), f"is after now ({_iso(now)})")
    entered = f.get("tier_entered_at", created)
    if entered < created:
        entered = created
    pauses = _pauses(f, now) if "pauses" in f else ()
    active = not st.solved and not st.paused

    # -- 2. triggers: the first that holds decides; a timed one (``after``) only once its time in tier has passed
    decided = -1
    waiting: dict[int, datetime] | None = None
    for i, after in st.candidates:
        if after is not None:
            fire_at = clock.add(entered, after, pauses)
            if st.paused or fire_at > now:
                waiting = waiting or {}
                waiting[i] = fire_at
                continue
        decided = i
        break
    tier = st.tier_of(decided)

    # -- 3. time: each tier's clock starts when the previous one's ran out, so the catch-up adds the allowances
    # up from ``entered`` (exact: adding a then b active minutes lands where adding a + b does).
    at, since = st.start, entered
    ran: list[tuple[int, int, datetime, datetime]] | None = None
    next_at: datetime | None = None
    if active and st.chain:
        for (held, to, minutes, _), ran_out in zip(
            st.chain, clock.add_each(entered, st.chain_minutes, pauses), strict=True
        ):
            if ran_out > now:
                if held >= tier:
                    next_at = ran_out  # still in that tier: its clock's end is the next automatic escalation
                break
            ran = ran or []
            ran.append((held, minutes, since, ran_out))
            at, since = to, ran_out
    moved_by_time = at > tier
    if moved_by_time:
        tier = at
    elif tier > at:
        since = now  # it enters the decided tier now; that tier's clock starts now
        limit = st.limits[tier]
        if active and limit is not None:
            next_at = clock.add(now, limit[1], pauses)
    escalate = tier > st.base and not st.solved
    if waiting and not escalate and active:
        for i, fire_at in waiting.items():
            if cm.rules[i].rank > tier and (next_at is None or fire_at < next_at):
                next_at = fire_at
    tier_id, queue, owner, backup, notify, rule_id, reason = st.outcome(decided, ran[-1][0] if moved_by_time else -1)  # type: ignore[index]

    # -- 4. SLA from the plan's calendar, minus paused time ------------------------------------------------------
    reply_min, resolve_min = st.sla_minutes
    reply_by, resolve_by = clock.add_each(created, st.sla_minutes, pauses)
    first_reply = f.get("first_reply_at")
    sla = Sla(
        reply_by,
        resolve_by,
        st.calendar,
        int(sum(clock.active_minutes(s, e) for s, e in pauses if e > created)) if pauses else 0,
        st.paused,
        (now if first_reply is None else first_reply) > reply_by,
        not st.solved and now > resolve_by,
        (clock, created, pauses, reply_min, resolve_min, cm.warning_fraction),
    )
    return Decision(
        escalate,
        tier_id,
        queue,
        owner,
        backup,
        notify,
        sla,
        next_at,
        st.update_every,
        reading.post_resolution(tier_id),
        rule_id,
        reason,
        cm.version,
        now,
        since,
        (st, f, defaulted, entered, waiting, ran, rule_id, tier_id),
    )


def _trace(
    st: Situation,
    f: dict[str, Any],
    defaulted: tuple[bool, bool],
    entered: datetime,
    waiting: dict[int, datetime] | None,
    ran: list[tuple[int, int, datetime, datetime]] | None,
    rule_id: str,
    tier_id: str,
) -> tuple[TraceStep, ...]:
    """The trace of a decision, from the inputs ``_decide`` kept: every rule considered, and why."""
    cm, severity, plan = st.cm, st.severity, st.plan
    waiting = waiting or {}
    steps: list[TraceStep] = []
    if defaulted[0]:
        steps.append(TraceStep("defaults", "applied", f"severity absent: assumed {severity}"))
    if defaulted[1]:
        steps.append(TraceStep("defaults", "applied", f"customer_tier absent: assumed {plan}"))
    if st.entry > st.held:
        entry = cm.tier_ids[st.entry]
        steps.append(TraceStep(f"severity:{severity}", "applied", f"{severity} starts at {entry} (entry tier)"))
    if st.solved:
        steps.append(TraceStep("status", "applied", "ticket is solved: no escalation, clocks stopped"))
    for i, hit in enumerate(st.hits):
        rule = cm.rules[i]
        t = rule.trigger
        if i in waiting:
            text = f"conditions hold; fires {t.after} active min after {_iso(entered)} = {_iso(waiting[i])}"
            steps.append(TraceStep(t.id, "pending", text + (" (clock paused)" if st.paused else "")))
        else:
            steps.append(TraceStep(t.id, "matched" if hit else "no_match", rule.explain(f)[1]))
            if hit:
                break  # the deciding rule: none after it was considered
    for at, minutes, since, ran_out in ran or ():
        tier = cm.tier_ids[at]
        steps.append(
            TraceStep(
                f"time:{tier}",
                "applied",
                f"{minutes} active min allowed in {tier} for {plan}/{severity} from {_iso(since)}: "
                f"ran out at {_iso(ran_out)}",
            )
        )
    if rule_id == "current_tier":
        steps.append(TraceStep("current_tier", "applied", f"no rule moves it: stays at {tier_id}"))
    return tuple(steps)


def _pauses(facts: Mapping[str, Any], now: datetime) -> tuple[Pause, ...]:
    """Pause intervals cut at ``now``: an open pause counts until now, so deadlines read "if it resumed now"."""
    out = []
    for start, end in facts.get("pauses", ()):
        end = now if end is None or end > now else end
        if end > start:
            out.append((start, end))
    return tuple(out)
