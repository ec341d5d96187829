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
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matrix import conditions
from matrix.calendar import Clock, Pause
from matrix.errors import FactError
from matrix.facts import PAUSING_STATUSES, parse_datetime, parse_facts
from matrix.facts import format_datetime as _iso
from matrix.schema import Matrix, Queue, Tier, Trigger


@dataclass(slots=True)
class Sla:
    reply_by: datetime
    resolve_by: datetime
    calendar: str
    paused_minutes: int
    paused: bool
    reply_breached: bool
    resolve_breached: bool
    # (clock, created_at, reply minutes, resolve minutes, pauses, warning fraction): the pre-breach warning
    # instants are computed from these only when read, so deciding stays cheap.
    _warn_inputs: tuple[Any, ...] = ()

    def _warn_at(self, minutes_index: int) -> datetime | None:
        if not self._warn_inputs:
            return None
        clock, created, reply_min, resolve_min, pauses, fraction = self._warn_inputs
        minutes = (reply_min, resolve_min)[minutes_index]
        return clock.add(created, minutes * fraction, pauses)

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


class TraceStep:
    """One step of the decision: a rule considered, whether it matched, and the facts it read.

    The explanation of a condition is rendered on first read of ``detail``: deciding stays cheap, and whoever
    looks at the trace gets the same text every time.
    """

    __slots__ = ("_cond", "_detail", "_facts", "result", "rule")

    def __init__(
        self,
        rule: str,
        result: str,
        detail: str | Callable[[], str] | None = None,
        cond: dict[str, Any] | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        self.rule = rule
        self.result = result  # matched | no_match | pending | applied
        self._detail = detail
        self._cond = cond
        self._facts = facts

    @property
    def detail(self) -> str:
        if self._detail is None:
            self._detail = conditions.explain(self._cond or {}, self._facts or {})[1]
        elif callable(self._detail):
            self._detail = self._detail()
        return self._detail

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "result": self.result, "detail": self.detail}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TraceStep) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.rule, self.result, self.detail))

    def __repr__(self) -> str:
        return f"TraceStep({self.rule!r}, {self.result!r}, {self.detail!r})"


@dataclass(slots=True)
class Decision:
    """The escalation decision. Treat it as read-only; ``to_json`` is its canonical form."""

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
    trace: tuple[TraceStep, ...]
    matrix_version: str
    evaluated_at: datetime
    tier_entered_at: datetime | None = None  # when the decided tier was (or is now) entered

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


@dataclass(frozen=True, slots=True)
class _Rule:
    trigger: Trigger
    test: conditions.Predicate
    rank: int


class CompiledMatrix:
    """A matrix prepared for fast evaluation: predicates compiled, lookups indexed. Built once per matrix."""

    def __init__(self, m: Matrix) -> None:
        self.matrix = m
        self.version = m.version
        self.vocabulary = m.vocabulary
        self.tier_ids = [t.id for t in m.tiers]
        self.rank = {t: i for i, t in enumerate(self.tier_ids)}
        self.tiers: dict[str, Tier] = {t.id: t for t in m.tiers}
        self.queues: dict[str, Queue] = {q.id: q for q in m.queues}
        self.entry_rank = {s.id: self.rank[s.entry_tier] for s in m.severities}
        self.severity_notify = {s.id: tuple(s.notify) for s in m.severities}
        calendars = {c.id: c for c in m.calendars}
        self.clocks: dict[str, Clock] = {p.id: calendars[p.calendar].clock() for p in m.plans}
        self.calendar_of = {p.id: p.calendar for p in m.plans}
        self.sla = {p.id: {s: (t.reply, t.resolve) for s, t in p.sla.items()} for p in m.plans}
        self.rules = tuple(_Rule(t, conditions.compile_condition(t.when), self.rank[t.tier]) for t in m.triggers)
        # tier -> (next tier, {(plan, severity): minutes})
        self.time = {
            te.tier: (te.to, {(p, s): mins for p, by in te.minutes.items() for s, mins in by.items()})
            for te in m.time_escalation
        }
        self.updates = dict(m.customer_updates)
        self.warning_fraction = m.pre_breach_warning
        self.post = tuple((p.id, conditions.compile_condition(p.when) if p.when else None) for p in m.post_resolution)
        self.signature = _signature_function(m)
        self._rule_hits: dict[tuple[Any, ...], tuple[bool, ...]] = {}
        self._post_ids: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self._notify: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def rule_hits(self, f: Mapping[str, Any]) -> tuple[bool, ...]:
        """Which triggers' conditions hold. Memoised on the facts' signature: rules only compare facts with the
        values they name, so tickets with the same signature match the same rules (exactly, not approximately)."""
        key = self.signature(f)
        hits = self._rule_hits.get(key)
        if hits is None:
            hits = tuple(rule.test(f) for rule in self.rules)
            _remember(self._rule_hits, key, hits)
        return hits

    def post_resolution(self, f: Mapping[str, Any], tier_id: str) -> tuple[str, ...]:
        """Post-resolution actions read the facts as they will be once resolved: at the decided tier."""
        key = (self.signature(f), tier_id)
        ids = self._post_ids.get(key)
        if ids is None:
            view = f if f.get("current_tier") == tier_id else {**f, "current_tier": tier_id}
            ids = tuple(pid for pid, test in self.post if test is None or test(view))
            _remember(self._post_ids, key, ids)
        return ids

    def notify(self, tier_id: str, queue: str | None, trigger: tuple[str, ...], severity: str) -> tuple[str, ...]:
        """Tier, queue, trigger and severity targets, in that order, without duplicates."""
        key = (tier_id, queue, trigger, severity)
        targets = self._notify.get(key)
        if targets is None:
            merged: dict[str, None] = dict.fromkeys(self.tiers[tier_id].notify)
            if queue is not None:
                merged.update(dict.fromkeys(self.queues[queue].notify))
            merged.update(dict.fromkeys(trigger))
            merged.update(dict.fromkeys(self.severity_notify[severity]))
            targets = tuple(merged)
            _remember(self._notify, key, targets)
        return targets


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= 100_000:  # bounded: a stream of distinct signatures cannot grow memory without limit
        memo.clear()
    memo[key] = value


def _signature_function(m: Matrix) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Facts -> a hashable key that determines the outcome of every trigger and post-resolution condition."""
    read: dict[str, list[Any]] = {}
    for cond in [t.when for t in m.triggers] + [p.when for p in m.post_resolution if p.when]:
        for leaf in conditions.leaves(cond):
            value = leaf.get("value")
            read.setdefault(leaf["fact"], []).extend(value if isinstance(value, list) else [value])
    vocab = m.vocabulary
    parts: list[Callable[[Mapping[str, Any]], Any]] = []
    for name in sorted(read):
        kind = vocab[name].kind
        if kind in ("number", "integer"):
            cuts = sorted({v for v in read[name] if isinstance(v, int | float) and not isinstance(v, bool)})
            # (interval between the thresholds, equal to one of them) decides every comparison with them.
            parts.append(_number_key(name, cuts))
        elif kind in ("datetime", "intervals"):
            parts.append(_presence_key(name))
        else:  # enum, set (a frozenset), string, boolean: the value itself
            parts.append(_value_key(name))
    getters = tuple(parts)
    return lambda f: tuple([g(f) for g in getters])


def _number_key(name: str, cuts: list[float]) -> Callable[[Mapping[str, Any]], Any]:
    exact = frozenset(cuts)
    return lambda f: None if name not in f else (bisect_left(cuts, f[name]), f[name] in exact)


def _presence_key(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda f: name in f


def _value_key(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda f: f.get(name)


def compiled(m: Matrix) -> CompiledMatrix:
    """The compiled form of a matrix, cached on the (immutable) matrix object."""
    cm = m.__dict__.get("_compiled")
    if cm is None:
        cm = CompiledMatrix(m)
        m.__dict__["_compiled"] = cm
    return cm


def _pauses(facts: Mapping[str, Any], now: datetime) -> tuple[Pause, ...]:
    """Pause intervals cut at ``now``: an open pause counts until now, so deadlines read "if it resumed now"."""
    out = []
    for start, end in facts.get("pauses", ()):
        end = now if end is None or end > now else end
        if end > start:
            out.append((start, end))
    return tuple(out)


def _pending_text(t: Trigger, entered: datetime, fire_at: datetime, paused: bool) -> Callable[[], str]:
    # Rendered only when someone reads the trace.
    return lambda: (
        f"conditions hold; fires {t.after} active min after {_iso(entered)} = {_iso(fire_at)}"
        + (" (clock paused)" if paused else "")
    )


def _time_text(
    tier: str, minutes: int, plan: str, severity: str, since: datetime, ran_out: datetime
) -> Callable[[], str]:
    return lambda: (
        f"{minutes} active min allowed in {tier} for {plan}/{severity} from {_iso(since)}: ran out at {_iso(ran_out)}"
    )


def evaluate(matrix: Matrix, facts: Mapping[str, Any], now: datetime | str) -> Decision:
    """Decide escalation for one ticket. ``facts`` is validated against the matrix vocabulary first.

    >>> from matrix import default_matrix
    >>> d = evaluate(default_matrix(), {"severity": "S2", "signals": ["data_loss"]}, "2026-03-02T10:00:00Z")
    >>> (d.escalate, d.tier, d.rule_id)
    (True, 'T3', 'data_loss')
    """
    cm = compiled(matrix)
    now_dt = parse_datetime("now", now)
    f = parse_facts(facts, cm.vocabulary)
    return _decide(cm, f, now_dt)


def _decide(cm: CompiledMatrix, f: dict[str, Any], now: datetime) -> Decision:
    m = cm.matrix
    trace: list[TraceStep] = []
    severity = f.get("severity")
    if severity is None:
        severity = f["severity"] = m.defaults.severity
        trace.append(TraceStep("defaults", "applied", f"severity absent: assumed {severity}"))
    plan = f.get("customer_tier")
    if plan is None:
        plan = f["customer_tier"] = m.defaults.customer_tier
        trace.append(TraceStep("defaults", "applied", f"customer_tier absent: assumed {plan}"))
    status = f.get("status", "new")
    created = f.get("created_at", now)
    if created > now:
        raise FactError("created_at", _iso(created), f"is after now ({_iso(now)})")
    entered = max(f.get("tier_entered_at", created), created)
    clock = cm.clocks[plan]
    pauses = _pauses(f, now)
    paused = status in PAUSING_STATUSES
    solved = status == "solved"

    current = f.get("current_tier")
    held = cm.rank[current] if current is not None else 0
    entry = cm.entry_rank[severity]
    floor = max(held, entry)
    if entry > held:
        trace.append(
            TraceStep(f"severity:{severity}", "applied", f"{severity} starts at {cm.tier_ids[entry]} (entry tier)")
        )

    # -- triggers ---------------------------------------------------------------------------------------------
    decided: _Rule | None = None
    pending: list[tuple[datetime, _Rule]] = []
    if solved:
        trace.append(TraceStep("status", "applied", "ticket is solved: no escalation, clocks stopped"))
    else:
        hits = cm.rule_hits(f)
        for i, rule in enumerate(cm.rules):
            t = rule.trigger
            if not hits[i]:
                trace.append(TraceStep(t.id, "no_match", cond=t.when, facts=f))
                continue
            if t.after is not None:
                fire_at = clock.add(entered, t.after, pauses)
                if paused or fire_at > now:
                    trace.append(TraceStep(t.id, "pending", _pending_text(t, entered, fire_at, paused)))
                    if not paused and rule.rank > floor:
                        pending.append((fire_at, rule))
                    continue
            trace.append(TraceStep(t.id, "matched", cond=t.when, facts=f))
            decided = rule
            break

    tier = floor
    rule_id = f"severity:{severity}" if entry > held else "current_tier"
    reason = (
        f"{severity} tickets start at {cm.tier_ids[entry]}."
        if entry > held
        else f"Stays at {cm.tier_ids[floor]}: no rule moves it."
    )
    queue: str | None = None
    trigger_notify: tuple[str, ...] = ()
    if decided is not None:
        t = decided.trigger
        rule_id, reason, trigger_notify = t.id, t.reason, tuple(t.notify)
        if decided.rank > floor:
            tier = decided.rank if (t.bypass or decided.rank == floor + 1) else floor + 1
            if tier != decided.rank:
                reason += f" Steps to {cm.tier_ids[tier]} first (no bypass to {t.tier})."
        elif decided.rank < floor:
            reason += f" Already at {cm.tier_ids[floor]}: tickets do not move down on their own."
        if tier == decided.rank:
            queue = t.queue

    # -- time: severity sets the clock, time enforces it -----------------------------------------------------------
    at = held if current is not None else entry  # the tier the ticket has actually been sitting in since `entered`
    since = entered
    if not solved and not paused:
        while at < len(cm.tier_ids) and cm.tier_ids[at] in cm.time:
            to, allowed = cm.time[cm.tier_ids[at]]
            minutes = allowed.get((plan, severity))
            if minutes is None:
                break
            ran_out = clock.add(since, minutes, pauses)
            if ran_out > now:
                break
            trace.append(
                TraceStep(
                    f"time:{cm.tier_ids[at]}",
                    "applied",
                    _time_text(cm.tier_ids[at], minutes, plan, severity, since, ran_out),
                )
            )
            ran_out_in = cm.tier_ids[at]
            at, since = cm.rank[to], ran_out
            if at > tier:
                tier, queue, trigger_notify = at, None, ()
                rule_id = f"time:{ran_out_in}"
                reason = f"Time in {ran_out_in} ran out ({minutes} active min for {plan}/{severity}); moved up to {to}."

    if rule_id == "current_tier":
        trace.append(TraceStep("current_tier", "applied", f"no rule moves it: stays at {cm.tier_ids[tier]}"))
    base = held if current is not None else 0
    escalate = tier > base and not solved
    tier_id = cm.tier_ids[tier]
    if tier > at:
        since = now  # it enters the decided tier now; that tier's clock starts now

    # -- next automatic escalation ------------------------------------------------------------------------------
    next_at: datetime | None = None
    if not solved and not paused:
        if tier_id in cm.time:
            minutes = cm.time[tier_id][1].get((plan, severity))
            if minutes is not None:
                next_at = clock.add(since, minutes, pauses)
        if not escalate:
            for fire_at, rule in pending:
                if rule.rank > tier and (next_at is None or fire_at < next_at):
                    next_at = fire_at

    # -- SLA ----------------------------------------------------------------------------------------------------
    reply_min, resolve_min = cm.sla[plan][severity]
    first_reply = f.get("first_reply_at")
    reply_by = clock.add(created, reply_min, pauses)
    resolve_by = clock.add(created, resolve_min, pauses)
    paused_minutes = int(sum(clock.active_minutes(s, e) for s, e in pauses if e > created)) if pauses else 0
    sla = Sla(
        reply_by=reply_by,
        resolve_by=resolve_by,
        calendar=cm.calendar_of[plan],
        paused_minutes=paused_minutes,
        paused=paused,
        reply_breached=(first_reply if first_reply is not None else now) > reply_by,
        resolve_breached=not solved and now > resolve_by,
        _warn_inputs=(clock, created, reply_min, resolve_min, pauses, cm.warning_fraction),
    )

    # -- who -----------------------------------------------------------------------------------------------------
    tier_obj = cm.tiers[tier_id]
    q = cm.queues[queue] if queue is not None else None
    owner = (q.owner_role if q and q.owner_role else None) or tier_obj.owner_role
    backup = (q.backup_role if q and q.backup_role else None) or tier_obj.backup_role
    notify = cm.notify(tier_id, queue, trigger_notify, severity)
    post = cm.post_resolution(f, tier_id)
    return Decision(
        escalate=escalate,
        tier=tier_id,
        queue=queue,
        owner_role=owner,
        backup_role=backup,
        notify=notify,
        sla=sla,
        next_escalation_at=next_at,
        customer_update_every=cm.updates.get(severity, 0),
        post_resolution=post,
        rule_id=rule_id,
        reason=reason,
        trace=tuple(trace),
        matrix_version=cm.version,
        evaluated_at=now,
        tier_entered_at=since,
    )
