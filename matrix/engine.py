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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from matrix import conditions
from matrix.calendar import Clock, Pause
from matrix.errors import FactError
from matrix.facts import NUMBER, PAUSING_STATUSES, FactParser, FactSpec
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
        # By the clock's adder: instants from a ticket's own start are remembered with its deadlines.
        return clock.adder(created, pauses)(minutes * fraction)

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

    __slots__ = ("_detail", "_explain", "_facts", "result", "rule")

    def __init__(
        self,
        rule: str,
        result: str,
        detail: str | Callable[[], str] | None = None,
        explain: conditions.Explainer | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        self.rule = rule
        self.result = result  # matched | no_match | pending | applied
        self._detail = detail
        self._explain = explain  # the rule's condition, explained against ``facts``
        self._facts = facts

    @property
    def detail(self) -> str:
        if self._detail is None:
            self._detail = self._explain(self._facts or {})[1] if self._explain else ""
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


@dataclass(slots=True, eq=False)
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
    _recipe: tuple[Any, ...]  # what ``_trace_steps`` needs: the steps are built on first read of ``trace``
    matrix_version: str
    evaluated_at: datetime
    tier_entered_at: datetime | None = None  # when the decided tier was (or is now) entered
    _steps: tuple[TraceStep, ...] | None = None

    @property
    def trace(self) -> tuple[TraceStep, ...]:
        """Every rule considered, whether it matched, and the facts it read."""
        if self._steps is None:
            self._steps = _trace_steps(*self._recipe)
        return self._steps

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


@dataclass(frozen=True, slots=True)
class _Rule:
    trigger: Trigger
    test: conditions.Predicate
    rank: int
    explain: conditions.Explainer


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
        self.rules = tuple(
            _Rule(
                t,
                conditions.compile_condition(t.when),
                self.rank[t.tier],
                _remembered_explainer(t.when, self.vocabulary),
            )
            for t in m.triggers
        )
        # tier -> (next tier, {(plan, severity): minutes})
        self.time = {
            te.tier: (te.to, {(p, s): mins for p, by in te.minutes.items() for s, mins in by.items()})
            for te in m.time_escalation
        }
        self.updates = dict(m.customer_updates)
        self.warning_fraction = m.pre_breach_warning
        self.post = tuple((p.id, conditions.compile_condition(p.when) if p.when else None) for p in m.post_resolution)
        # Post-resolution conditions read the facts with ``current_tier`` set to the decided tier, never the
        # ticket's own, so only a trigger makes it part of a key. The facts signature decides every condition (the
        # situation -- severity, plan, current tier, status -- is a second, small key; see ``_Matched.statics``);
        # the post signature decides the post-resolution ones alone.
        post = [(p.when, ("current_tier",)) for p in m.post_resolution if p.when]
        self.signature = _signature_function(self.vocabulary, [*((t.when, ()) for t in m.triggers), *post])
        self.post_signature = _signature_function(self.vocabulary, post)
        self.facts = FactParser(self.vocabulary)
        self.parse_facts = self.facts.parse  # a bound method: calling an instance's __call__ costs more
        # (plan, severity) -> per tier rank: (rank it moves to, minutes allowed) or None when time does not move it
        self.limits: dict[tuple[str, str], list[tuple[int, int] | None]] = {}
        for p in m.plans:
            for s in m.severities:
                row: list[tuple[int, int] | None] = []
                for tier in self.tier_ids:
                    to, allowed = self.time.get(tier, (None, {}))
                    minutes = allowed.get((p.id, s.id))
                    row.append((self.rank[to], minutes) if to is not None and minutes is not None else None)
                self.limits[p.id, s.id] = row
        self.matches: dict[tuple[Any, ...], _Matched] = {}
        self._statics: dict[tuple[Any, ...], _Static] = {}
        # What _Matched objects share (see there): situation -> _Static per candidates, tier -> post-resolution
        # actions per post signature.
        self._by_candidates: dict[tuple[Any, ...], dict[Any, _Static]] = {}
        self._by_post: dict[tuple[Any, ...], dict[str, tuple[str, ...]]] = {}

    def matched(self, key: tuple[Any, ...], f: Mapping[str, Any]) -> _Matched:
        """Which rules the facts match, remembered in ``matches`` under their signature ``key`` (read it first).
        Exact, not approximate: rules only compare facts with the values they name, so tickets with the same
        signature match the same rules (numbers are keyed by their position among the rule thresholds)."""
        found = _Matched(self, f)
        _remember(self.matches, key, found)
        return found

    def static(
        self, candidates: tuple[tuple[int, int | None], ...], situation: tuple[str, str, str | None, str]
    ) -> _Static:
        """The time-independent part of the decision, shared by every ticket whose facts make the same rules
        candidates, in the same situation (severity, plan, current tier, status): far fewer than signatures."""
        key = (candidates, *situation)
        found = self._statics.get(key)
        if found is None:
            found = _Static(self, *key)
            _remember(self._statics, key, found)
        return found

    def post_resolution(self, f: Mapping[str, Any], tier_id: str) -> tuple[str, ...]:
        """Post-resolution actions read the facts as they will be once resolved: at the decided tier."""
        view = f if f.get("current_tier") == tier_id else {**f, "current_tier": tier_id}
        return tuple(pid for pid, test in self.post if test is None or test(view))

    def notify(self, tier_id: str, queue: str | None, trigger: tuple[str, ...], severity: str) -> tuple[str, ...]:
        """Tier, queue, trigger and severity targets, in that order, without duplicates."""
        merged: dict[str, None] = dict.fromkeys(self.tiers[tier_id].notify)
        if queue is not None:
            merged.update(dict.fromkeys(self.queues[queue].notify))
        merged.update(dict.fromkeys(trigger))
        merged.update(dict.fromkeys(self.severity_notify[severity]))
        return tuple(merged)


def _remember(memo: dict[Any, Any], key: Any, value: Any, bound: int = 100_000) -> None:
    if len(memo) >= bound:  # bounded: a stream of distinct keys cannot grow memory without limit
        memo.clear()
    memo[key] = value


def _shared(memo: dict[Any, dict[Any, Any]], key: Any) -> dict[Any, Any]:
    """The dict ``memo`` keeps for ``key``, a new one the first time."""
    found = memo.get(key)
    if found is None:
        found = {}
        _remember(memo, key, found)
    return found


def _remembered_explainer(cond: conditions.Cond, vocabulary: Mapping[str, FactSpec]) -> conditions.Explainer:
    """A rule's explanation, remembered by the values of the facts its condition reads: it depends on nothing
    else, tickets share those values far more often than not (issue type, plan, signals), and rendering one costs
    ten times looking it up. Takes parsed facts, whose values are all hashable.

    Not for conditions over a number fact: 5000 and 5000.0 (or 0.0 and -0.0) are one key but two texts, and the
    same facts must give the same bytes whatever was evaluated before."""
    explain = conditions.compile_explainer(cond)
    names = tuple(dict.fromkeys(leaf["fact"] for leaf in conditions.leaves(cond)))
    if any(vocabulary[name].kind == NUMBER for name in names):
        return explain
    memo: dict[tuple[Any, ...], tuple[bool, str]] = {}

    def remembered(facts: Mapping[str, Any]) -> tuple[bool, str]:
        key = tuple(map(facts.get, names))  # parsed facts hold no None: absent reads as None
        found = memo.get(key)
        if found is None:
            found = explain(facts)
            _remember(memo, key, found, bound=4096)  # per rule: a string fact can make many keys
        return found

    return remembered


def _signature_function(
    vocab: Mapping[str, FactSpec], conds: Sequence[tuple[conditions.Cond, tuple[str, ...]]]
) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Facts -> a hashable key that determines the outcome of every condition in ``conds``, each given with the
    facts it is not to read from the ticket (``skip``).

    The key holds only the facts those conditions read, so it has far fewer values than whole tickets do."""
    read: dict[str, list[Any]] = {}
    for cond, skip in conds:
        for leaf in conditions.leaves(cond):
            if leaf["fact"] not in skip:
                value = leaf.get("value")
                read.setdefault(leaf["fact"], []).extend(value if isinstance(value, list) else [value])
    values: list[str] = []  # enum, set (a frozenset), string, boolean: the value itself
    present: list[str] = []  # datetime, intervals: rules can only ask whether they are there
    numbers: list[tuple[str, list[Any], frozenset[Any]]] = []
    for name in sorted(read):
        kind = vocab[name].kind
        if kind in ("number", "integer"):
            # (interval between the thresholds, equal to one of them) decides every comparison with them.
            cuts = sorted({v for v in read[name] if isinstance(v, int | float) and not isinstance(v, bool)})
            numbers.append((name, cuts, frozenset(cuts)))
        elif kind in ("datetime", "intervals"):
            present.append(name)
        else:
            values.append(name)

    def signature(f: Mapping[str, Any]) -> tuple[Any, ...]:
        get = f.get
        key = [*map(get, values), *map(f.__contains__, present)]
        for name, cuts, exact in numbers:
            v = get(name)
            key.append(None if v is None else (bisect_left(cuts, v), v in exact))
        return tuple(key)

    return signature


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
    cm = matrix.__dict__.get("_compiled") or compiled(matrix)  # the usual hit inline, as in _decide
    if type(now) is not datetime or now.tzinfo is not UTC:
        now = cm.facts.instant("now", now)
    return _decide(cm, cm.parse_facts(facts), now)


def _decide(cm: CompiledMatrix, f: dict[str, Any], now: datetime) -> Decision:
    # Everything that depends on the facts but not on time comes from memos: which rules hold (_Matched, per
    # facts signature), the floor, who owns a tier, which clock and limits apply (_Static); what is left here is
    # the time arithmetic. This runs for every decision: memo hits are read inline, methods run only on a miss.
    defaulted: tuple[str, ...] = ()
    if "severity" not in f:
        f["severity"] = cm.matrix.defaults.severity
        defaulted += ("severity",)
    if "customer_tier" not in f:
        f["customer_tier"] = cm.matrix.defaults.customer_tier
        defaulted += ("customer_tier",)
    signature = cm.signature(f)
    matched = cm.matches.get(signature) or cm.matched(signature, f)
    situation = (f["severity"], f["customer_tier"], f.get("current_tier"), f.get("status", "new"))
    st = matched.statics.get(situation) or matched.static_for(situation)
    created = f.get("created_at", now)
    if created > now:
        raise FactError("created_at", _iso(created), f"is after now ({_iso(now)})")
    entered = f.get("tier_entered_at", created)
    if entered < created:
        entered = created
    clock, paused, solved, limits = st.clock, st.paused, st.solved, st.limits
    pauses = _pauses(f, now) if "pauses" in f else ()

    # -- triggers: the first that holds decides; a timed one (``after``) only once its time in tier has passed --
    decided = -1
    waiting: dict[int, datetime] = {}
    after_entered = clock.adder(entered, pauses)
    for i, after in st.candidates:
        if after is not None:
            fire_at = after_entered(after)
            if paused or fire_at > now:
                waiting[i] = fire_at
                continue
        decided = i
        break
    tier = st.tier_after[decided]

    # -- time: severity sets the clock, time enforces it -------------------------------------------------------
    # Each tier's clock starts when the previous one ran out, so the catch-up adds the allowances up from
    # ``entered`` (exact: adding a then b active minutes lands where adding a + b does).
    at = st.start  # the tier it has actually been sitting in since `entered`
    since = entered
    elapsed = 0
    ran: list[tuple[int, int, datetime, datetime]] = []
    next_at: datetime | None = None
    if not solved and not paused:
        while (limit := limits[at]) is not None:
            to, minutes = limit
            ran_out = after_entered(elapsed + minutes)
            if ran_out > now:
                if at >= tier:
                    next_at = ran_out  # still in that tier: its clock's end is the next automatic escalation
                break
            elapsed += minutes
            ran.append((at, minutes, since, ran_out))
            at, since = to, ran_out
    moved_by_time = at > tier
    if moved_by_time:
        tier = at
    elif tier > at:
        since = now  # it enters the decided tier now; that tier's clock starts now
        if not solved and not paused and limits[tier] is not None:
            next_at = clock.add(now, limits[tier][1], pauses)  # type: ignore[index]
    escalate = tier > st.base and not solved
    if waiting and not escalate and not solved and not paused:
        for i, fire_at in waiting.items():
            if cm.rules[i].rank > tier and (next_at is None or fire_at < next_at):
                next_at = fire_at
    key = (decided, ran[-1][0] if moved_by_time else -1)
    out = st.outcomes.get(key) or st.outcome(*key)  # a miss computes and remembers it

    # -- SLA ----------------------------------------------------------------------------------------------------
    reply_min, resolve_min = st.sla
    after_created = after_entered if entered == created else clock.adder(created, pauses)
    reply_by = after_created(reply_min)
    resolve_by = after_created(resolve_min)
    first_reply = f.get("first_reply_at")
    # Every field is set here, as __init__ would (a test checks that none is left out): the generated ``__init__``
    # is a Python call with sixteen (and eight) arguments, the costliest single step of a remembered decision. (The
    # class's own ``__new__``, not ``object.__new__``, which the compiled classes refuse.)
    sla = Sla.__new__(Sla)
    sla.reply_by = reply_by
    sla.resolve_by = resolve_by
    sla.calendar = st.calendar
    sla.paused_minutes = int(sum(clock.active_minutes(s, e) for s, e in pauses if e > created)) if pauses else 0
    sla.paused = paused
    sla.reply_breached = (now if first_reply is None else first_reply) > reply_by
    sla.resolve_breached = not solved and now > resolve_by
    sla._warn_inputs = (clock, created, reply_min, resolve_min, pauses, cm.warning_fraction)
    tier_id, queue, owner, backup, notify, rule_id, reason = out
    post = matched.post.get(tier_id)
    if post is None:
        post = matched.post_at(tier_id)
    d = Decision.__new__(Decision)
    d.escalate = escalate
    d.tier = tier_id
    d.queue = queue
    d.owner_role = owner
    d.backup_role = backup
    d.notify = notify
    d.sla = sla
    d.next_escalation_at = next_at
    d.customer_update_every = st.update_every
    d.post_resolution = post
    d.rule_id = rule_id
    d.reason = reason
    d._recipe = (matched, st, f, defaulted, waiting, decided, entered, ran, rule_id, tier_id)
    d.matrix_version = cm.version
    d.evaluated_at = now
    d.tier_entered_at = since
    d._steps = None
    return d


_Outcome = tuple[str, str | None, str, str | None, tuple[str, ...], str, str]


class _Matched:
    """What one facts signature decides: which rules hold, which of them are candidates (hit rules up to the
    first that needs no time), the time-independent part of the decision in each situation, and the
    post-resolution actions at each tier."""

    __slots__ = ("candidates", "cm", "f", "hits", "post", "statics")

    def __init__(self, cm: CompiledMatrix, f: Mapping[str, Any]) -> None:
        self.cm, self.f = cm, f
        # Rules are tested in order up to the first hit that needs no time: no rule after it can decide, and the
        # trace stops there too.
        hits: list[bool] = []
        candidates: list[tuple[int, int | None]] = []
        for i, rule in enumerate(cm.rules):
            hits.append(rule.test(f))
            if hits[-1]:
                candidates.append((i, rule.trigger.after))
                if rule.trigger.after is None:
                    break
        self.hits = tuple(hits)  # the rules tested, in order
        self.candidates = tuple(candidates)
        # Both dicts are shared with every signature that has the same candidates (or post signature): a new
        # signature is common on a ticket's first sight, and it rarely brings a new _Static or a new set of actions.
        # (severity, plan, current tier, status) -> _Static; read it first, ``static_for`` fills it
        self.statics: dict[tuple[str, str, str | None, str], _Static] = _shared(cm._by_candidates, self.candidates)
        # tier id -> post-resolution action ids; read it first, ``post_at`` fills it
        self.post: dict[str, tuple[str, ...]] = _shared(cm._by_post, cm.post_signature(f))

    def static_for(self, situation: tuple[str, str, str | None, str]) -> _Static:
        """The _Static of these rule hits in a situation; remembered in ``statics``. A solved ticket has no
        candidates: rules are not considered once it is solved."""
        candidates = () if situation[3] == "solved" else self.candidates
        found = self.statics[situation] = self.cm.static(candidates, situation)
        return found

    def post_at(self, tier_id: str) -> tuple[str, ...]:
        """The post-resolution actions at a tier, remembered in ``post``."""
        found = self.post[tier_id] = self.cm.post_resolution(self.f, tier_id)
        return found


class _Static:
    """The time-independent part of a decision: the rules that are candidates, the floor, the clock and limits
    of the plan and severity, and each possible outcome (owner, queue, notify, reason)."""

    __slots__ = (
        "base",
        "calendar",
        "candidates",
        "clock",
        "cm",
        "current",
        "entry",
        "floor",
        "held",
        "limits",
        "outcomes",
        "paused",
        "plan",
        "severity",
        "sla",
        "solved",
        "start",
        "tier_after",
        "update_every",
    )

    def __init__(
        self,
        cm: CompiledMatrix,
        candidates: tuple[tuple[int, int | None], ...],
        severity: str,
        plan: str,
        current: str | None,
        status: str,
    ) -> None:
        self.cm, self.candidates, self.severity, self.plan, self.current = cm, candidates, severity, plan, current
        self.solved = status == "solved"
        self.paused = status in PAUSING_STATUSES
        self.held = cm.rank[current] if current is not None else 0
        self.entry = cm.entry_rank[severity]
        self.floor = max(self.held, self.entry)
        self.base = self.held if current is not None else 0  # what "escalate" compares with
        self.start = self.held if current is not None else self.entry  # the tier whose clock runs
        self.clock = cm.clocks[plan]
        self.calendar = cm.calendar_of[plan]
        self.limits = cm.limits[plan, severity]
        self.sla: tuple[int, int] = cm.sla[plan][severity]
        self.update_every: int = cm.updates.get(severity, 0)
        self.outcomes: dict[tuple[int, int], _Outcome] = {}  # (deciding rule, tier that ran out) -> outcome
        # deciding rule (or -1) -> the tier it leads to before time moves the ticket
        self.tier_after = {i: self.tier_of(i) for i in [-1, *(i for i, _ in candidates)]}

    def tier_of(self, decided: int) -> int:
        """The tier rank the deciding trigger (or -1: none) leads to, before time moves it."""
        if decided < 0:
            return self.floor
        rule = self.cm.rules[decided]
        if rule.rank <= self.floor:
            return self.floor
        return rule.rank if (rule.trigger.bypass or rule.rank == self.floor + 1) else self.floor + 1

    def outcome(self, decided: int, ran_out_in: int) -> _Outcome:
        """(tier id, queue, owner, backup, notify, rule id, reason) for the deciding trigger (or -1) and the tier
        whose time ran out last when time moved the ticket above it (or -1); remembered in ``outcomes``."""
        out = self.outcomes[decided, ran_out_in] = self._outcome(decided, ran_out_in)
        return out

    def _outcome(self, decided: int, ran_out_in: int) -> _Outcome:
        cm, floor, entry, severity = self.cm, self.floor, self.entry, self.severity
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
            if entry > self.held:
                rule_id, reason = f"severity:{severity}", f"{severity} tickets start at {cm.tier_ids[entry]}."
            else:
                rule_id, reason = "current_tier", f"Stays at {cm.tier_ids[floor]}: no rule moves it."
        else:
            rule = cm.rules[decided]
            t = rule.trigger
            rule_id, reason = t.id, t.reason
            if rule.rank > floor and tier != rule.rank:
                reason += f" Steps to {cm.tier_ids[tier]} first (no bypass to {t.tier})."
            elif rule.rank < floor:
                reason += f" Already at {cm.tier_ids[floor]}: tickets do not move down on their own."
            if tier == rule.rank:
                queue = t.queue
            trigger_notify = tuple(t.notify)
        tier_id = cm.tier_ids[tier]
        tier_obj = cm.tiers[tier_id]
        q = cm.queues[queue] if queue is not None else None
        owner = (q.owner_role if q and q.owner_role else None) or tier_obj.owner_role
        backup = (q.backup_role if q and q.backup_role else None) or tier_obj.backup_role
        notify = cm.notify(tier_id, queue, trigger_notify, severity)
        return tier_id, queue, owner, backup, notify, rule_id, reason


def _trace_steps(
    matched: _Matched,
    st: _Static,
    f: Mapping[str, Any],
    defaulted: tuple[str, ...],
    waiting: dict[int, datetime],
    decided: int,
    entered: datetime,
    ran: list[tuple[int, int, datetime, datetime]],
    rule_id: str,
    tier_id: str,
) -> tuple[TraceStep, ...]:
    """The trace of a decision, from the recipe ``_decide`` kept: rendered only when someone reads it."""
    hits = matched.hits
    cm, severity, plan = st.cm, st.severity, st.plan
    trace: list[TraceStep] = []
    if "severity" in defaulted:
        trace.append(TraceStep("defaults", "applied", f"severity absent: assumed {severity}"))
    if "customer_tier" in defaulted:
        trace.append(TraceStep("defaults", "applied", f"customer_tier absent: assumed {plan}"))
    if st.entry > st.held:
        trace.append(
            TraceStep(f"severity:{severity}", "applied", f"{severity} starts at {cm.tier_ids[st.entry]} (entry tier)")
        )
    if st.solved:
        trace.append(TraceStep("status", "applied", "ticket is solved: no escalation, clocks stopped"))
    else:
        for i, rule in enumerate(cm.rules):
            t = rule.trigger
            if not hits[i]:
                trace.append(TraceStep(t.id, "no_match", explain=rule.explain, facts=f))
            elif i in waiting:
                trace.append(TraceStep(t.id, "pending", _pending_text(t, entered, waiting[i], st.paused)))
            else:
                trace.append(TraceStep(t.id, "matched", explain=rule.explain, facts=f))
                break
    for at, minutes, since, ran_out in ran:
        tier = cm.tier_ids[at]
        trace.append(TraceStep(f"time:{tier}", "applied", _time_text(tier, minutes, plan, severity, since, ran_out)))
    if rule_id == "current_tier":
        trace.append(TraceStep("current_tier", "applied", f"no rule moves it: stays at {tier_id}"))
    return tuple(trace)
