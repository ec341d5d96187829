"""A matrix prepared for evaluation, and what a ticket's facts decide without a clock.

``CompiledMatrix`` is built once per matrix: conditions compiled to closures, tiers, queues, clocks and time
allowances indexed. ``CompiledMatrix.situation(facts)`` returns what does not depend on time, from two memos —
the engine's only ones, each bounded and exact:

* ``Reading``, per *signature* of the facts: which rules hold and which post-resolution actions apply. Rules only
  compare facts with the values they name, so facts that read the same against those values (enum and set values,
  numbers by their place among the rule thresholds, timestamps by presence) match the same rules.
* ``Situation``, per (rules that hold, severity, plan, current tier, status): the floor tier, the clock and time
  allowances that apply, and the owner, queue, notifications and reason of each possible outcome.

Tickets share far fewer of either than they have distinct facts (a few thousand situations for any matrix we
ship), and together they are half the work of a first-sight decision (measured: docs/benchmarks.md).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matrix import conditions
from matrix.calendar import Clock
from matrix.facts import DATETIME, INTEGER, INTERVALS, NUMBER, PAUSING_STATUSES, FactSpec, fact_parser
from matrix.schema import Matrix, Queue, Tier, Trigger

MAX_SITUATIONS = 100_000  # per memo

# (tier id, queue, owner, backup, notify, rule id, reason)
Outcome = tuple[str, str | None, str, str | None, tuple[str, ...], str, str]


@dataclass(frozen=True)
class Rule:
    trigger: Trigger
    test: conditions.Predicate
    rank: int
    explain: conditions.Explainer


class CompiledMatrix:
    """A matrix prepared for evaluation: conditions compiled, lookups indexed. Built once per matrix."""

    def __init__(self, m: Matrix) -> None:
        self.matrix = m
        self.version = m.version
        self.vocabulary: dict[str, FactSpec] = m.vocabulary
        self.parse_facts = fact_parser(self.vocabulary)
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
        self.rules = tuple(
            Rule(t, conditions.compile_condition(t.when), self.rank[t.tier], conditions.compile_explainer(t.when))
            for t in m.triggers
        )
        self.updates = dict(m.customer_updates)
        self.warning_fraction = m.pre_breach_warning
        self.post = tuple((p.id, conditions.compile_condition(p.when) if p.when else None) for p in m.post_resolution)
        # (plan, severity) -> per tier rank: (rank it moves to, minutes allowed), or None when time does not move it
        moves = {te.tier: (te.to, te.minutes) for te in m.time_escalation}
        self.limits: dict[tuple[str, str], list[tuple[int, int] | None]] = {}
        for p in m.plans:
            for s in m.severities:
                row: list[tuple[int, int] | None] = []
                for tier in self.tier_ids:
                    to, minutes_by = moves.get(tier, (None, {}))
                    minutes = minutes_by.get(p.id, {}).get(s.id)
                    row.append((self.rank[to], minutes) if to is not None and minutes is not None else None)
                self.limits[p.id, s.id] = row
        conds = [t.when for t in m.triggers] + [p.when for p in m.post_resolution if p.when]
        self.signature = _signature_function(self.vocabulary, conds)
        # The memos (see the module docstring), each bounded: signature -> what the conditions say of the facts;
        # (rules that hold, severity, plan, current tier, status) -> Situation.
        self._readings: dict[tuple[Any, ...], Reading] = {}
        self._situations: dict[tuple[Any, ...], Situation] = {}

    def situation(self, f: Mapping[str, Any]) -> tuple[Situation, Reading]:
        """The time-independent part of the decision for parsed facts ``f`` (severity and plan filled in), and
        what the conditions say of these facts."""
        status = f.get("status", "new")
        reading = _remember(self._readings, self.signature(f), lambda: Reading(self, f))
        hits = () if status == "solved" else reading.hits
        key = (hits, f["severity"], f["customer_tier"], f.get("current_tier"), status)
        return _remember(self._situations, key, lambda: Situation(self, hits, *key[1:])), reading

    def notify(self, tier_id: str, queue: str | None, trigger: tuple[str, ...], severity: str) -> tuple[str, ...]:
        """Tier, queue, trigger and severity targets, in that order, without duplicates."""
        merged: dict[str, None] = dict.fromkeys(self.tiers[tier_id].notify)
        if queue is not None:
            merged.update(dict.fromkeys(self.queues[queue].notify))
        merged.update(dict.fromkeys(trigger))
        merged.update(dict.fromkeys(self.severity_notify[severity]))
        return tuple(merged)


def compiled(m: Matrix) -> CompiledMatrix:
    """The compiled form of a matrix, kept on the (immutable) matrix object."""
    cm = m.__dict__.get("_compiled")
    if cm is None:
        cm = m.__dict__["_compiled"] = CompiledMatrix(m)
    return cm


def _remember(memo: dict[Any, Any], key: Any, make: Callable[[], Any]) -> Any:
    found = memo.get(key)
    if found is None:
        if len(memo) >= MAX_SITUATIONS:  # bounded: free-text facts (product_area) can make many signatures
            memo.clear()
        found = memo[key] = make()
    return found


class Reading:
    """What the matrix's conditions say of one signature's facts: the rules that hold, tested in order up to the
    first hit that needs no time (no rule after it can decide), and the post-resolution actions at each tier."""

    def __init__(self, cm: CompiledMatrix, f: Mapping[str, Any]) -> None:
        self.cm, self._f = cm, f  # post-resolution conditions read only facts of the signature and current_tier
        hits: list[bool] = []
        for rule in cm.rules:
            hits.append(rule.test(f))
            if hits[-1] and rule.trigger.after is None:
                break
        self.hits = tuple(hits)
        self._post: dict[str, tuple[str, ...]] = {}

    def post_resolution(self, tier_id: str) -> tuple[str, ...]:
        """Post-resolution actions read the facts as they will be once resolved: at the decided tier."""
        found = self._post.get(tier_id)
        if found is None:
            f = self._f
            view = f if f.get("current_tier") == tier_id else {**f, "current_tier": tier_id}
            found = self._post[tier_id] = tuple(pid for pid, test in self.cm.post if test is None or test(view))
        return found


class Situation:
    """What a ticket's facts decide without a clock (see the module docstring): shared by every ticket whose
    facts make the same rules hold in the same severity, plan, current tier and status. Read-only once built, but
    for the outcomes it fills in as they are asked for."""

    def __init__(
        self, cm: CompiledMatrix, hits: tuple[bool, ...], severity: str, plan: str, current: str | None, status: str
    ) -> None:
        self.cm = cm
        self.severity, self.plan = severity, plan
        self.solved, self.paused = status == "solved", status in PAUSING_STATUSES
        self.held = cm.rank[current] if current is not None else 0
        self.entry = cm.entry_rank[self.severity]
        self.floor = max(self.held, self.entry)
        self.base = self.held if current is not None else 0  # what "escalate" compares with
        self.start = self.held if current is not None else self.entry  # the tier whose clock runs
        self.clock = cm.clocks[self.plan]
        self.calendar = cm.calendar_of[self.plan]
        self.limits = cm.limits[self.plan, self.severity]
        self.sla_minutes = cm.sla[self.plan][self.severity]
        # Time in tier, from the tier whose clock runs: (tier, the tier it moves to, its allowance, the allowances
        # added up to its end), tier after tier until one that time does not move.
        chain: list[tuple[int, int, int, int]] = []
        at, total = self.start, 0
        while (limit := self.limits[at]) is not None:
            total += limit[1]
            chain.append((at, limit[0], limit[1], total))
            at = limit[0]
        self.chain = tuple(chain)
        self.chain_minutes = tuple(c[3] for c in chain)
        self.update_every = cm.updates.get(self.severity, 0)
        self.hits = hits  # the rules tested, in order (none once solved: a solved ticket is past rules)
        self.candidates = tuple((i, cm.rules[i].trigger.after) for i, hit in enumerate(hits) if hit)
        self._outcomes: dict[tuple[int, int], Outcome] = {}

    def tier_of(self, decided: int) -> int:
        """The tier rank the deciding trigger (or -1: none) leads to, before time moves it."""
        if decided < 0:
            return self.floor
        rule = self.cm.rules[decided]
        if rule.rank <= self.floor:
            return self.floor
        return rule.rank if (rule.trigger.bypass or rule.rank == self.floor + 1) else self.floor + 1

    def outcome(self, decided: int, ran_out_in: int) -> Outcome:
        """Who owns it, where it goes and why, for the deciding trigger (or -1) and the tier whose time ran out
        last when time moved the ticket above it (or -1)."""
        found = self._outcomes.get((decided, ran_out_in))
        if found is None:
            found = self._outcomes[decided, ran_out_in] = self._outcome(decided, ran_out_in)
        return found

    def _outcome(self, decided: int, ran_out_in: int) -> Outcome:
        cm, severity = self.cm, self.severity
        tier = self.tier_of(decided)
        queue: str | None = None
        trigger_notify: tuple[str, ...] = ()
        if ran_out_in >= 0:
            to, minutes = self.limits[ran_out_in]  # type: ignore[misc]
            tier, rule_id = to, f"time:{cm.tier_ids[ran_out_in]}"
            reason = (
                f"Time in {cm.tier_ids[ran_out_in]} ran out ({minutes} active min for {self.plan}/{severity}); "
                f"moved up to {cm.tier_ids[to]}."
            )
        elif decided < 0:
            if self.entry > self.held:
                rule_id, reason = f"severity:{severity}", f"{severity} tickets start at {cm.tier_ids[self.entry]}."
            else:
                rule_id, reason = "current_tier", f"Stays at {cm.tier_ids[self.floor]}: no rule moves it."
        else:
            rule = cm.rules[decided]
            t = rule.trigger
            rule_id, reason = t.id, t.reason
            if rule.rank > self.floor and tier != rule.rank:
                reason += f" Steps to {cm.tier_ids[tier]} first (no bypass to {t.tier})."
            elif rule.rank < self.floor:
                reason += f" Already at {cm.tier_ids[self.floor]}: tickets do not move down on their own."
            if tier == rule.rank:
                queue = t.queue
            trigger_notify = tuple(t.notify)
        tier_id = cm.tier_ids[tier]
        tier_obj = cm.tiers[tier_id]
        q = cm.queues[queue] if queue is not None else None
        owner = (q.owner_role if q and q.owner_role else None) or tier_obj.owner_role
        backup = (q.backup_role if q and q.backup_role else None) or tier_obj.backup_role
        return tier_id, queue, owner, backup, cm.notify(tier_id, queue, trigger_notify, severity), rule_id, reason


def _signature_function(
    vocab: Mapping[str, FactSpec], conds: Sequence[conditions.Cond]
) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Facts -> a hashable key that determines the outcome of every condition in ``conds``: the values of the facts
    they read, numbers by their interval between the thresholds the conditions name (and whether they equal one),
    timestamps and pauses by presence (conditions can only ask whether they are there)."""
    read: dict[str, list[Any]] = {}
    for cond in conds:
        for leaf in conditions.leaves(cond):
            value = leaf.get("value")
            read.setdefault(leaf["fact"], []).extend(value if isinstance(value, list) else [value])
    values: list[str] = []
    present: list[str] = []
    numbers: list[tuple[str, list[Any], frozenset[Any]]] = []
    for name in sorted(read):
        kind = vocab[name].kind
        if kind in (NUMBER, INTEGER):
            cuts = sorted({v for v in read[name] if isinstance(v, int | float) and not isinstance(v, bool)})
            numbers.append((name, cuts, frozenset(cuts)))
        elif kind in (DATETIME, INTERVALS):
            present.append(name)
        else:
            values.append(name)

    def signature(f: Mapping[str, Any]) -> tuple[Any, ...]:
        key = [f.get(name) for name in values]
        key += [name in f for name in present]
        for name, cuts, exact in numbers:
            v = f.get(name)
            key.append(None if v is None else (bisect_left(cuts, v), v in exact))
        return tuple(key)

    return signature
