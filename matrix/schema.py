"""The escalation matrix file: its schema (pydantic, unknown keys rejected) and the cross-reference checks.

The model is the canonical form of a matrix: YAML and spreadsheets both load into it and dump from it. Durations
are stored as whole minutes; the YAML may write ``15``, ``"15m"``, ``"4h"``, ``"2d"`` or ``"1h30m"``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator

from matrix import conditions
from matrix.calendar import AlwaysOpen, BusinessHours, Clock
from matrix.errors import FactError
from matrix.facts import ENUM, INTEGER, NUMBER, OPS_BY_KIND, SET, FactSpec, core_vocabulary

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m?)?\s*$")
_ID = r"^[A-Za-z][A-Za-z0-9_.-]*$"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TARGET = re.compile(r"^(slack|pagerduty|email|webhook|role):\S+$")


def parse_duration(raw: Any) -> int:
    """Minutes from ``15`` / ``"15m"`` / ``"4h"`` / ``"1d"`` / ``"1h30m"``."""
    if isinstance(raw, bool):
        raise ValueError(f"a duration must be minutes or text like '15m', '4h', '1d', got {raw!r}")
    if isinstance(raw, int):
        minutes = raw
    elif isinstance(raw, str) and raw.strip() and (m := _DURATION.match(raw)) and any(m.groups()):
        d, h, mins = (int(g) if g else 0 for g in m.groups())
        minutes = d * 1440 + h * 60 + mins
    else:
        raise ValueError(f"a duration must be minutes or text like '15m', '4h', '1d', got {raw!r}")
    if minutes <= 0:
        raise ValueError(f"a duration must be positive, got {raw!r}")
    return minutes


def format_duration(minutes: int) -> str:
    """The shortest text form: 1440 -> '1d', 90 -> '1h30m', 15 -> '15m'."""
    d, rest = divmod(minutes, 1440)
    h, m = divmod(rest, 60)
    return "".join(f"{n}{u}" for n, u in ((d, "d"), (h, "h"), (m, "m")) if n) or "0m"


Minutes = Annotated[int, BeforeValidator(parse_duration), PlainSerializer(format_duration, when_used="json")]
Id = Annotated[str, Field(pattern=_ID, max_length=64)]


def _parse_hours(raw: Any) -> list[tuple[int, int]]:
    """'09:00-17:00' or ['08:00-12:00', '13:00-17:00'] -> [(540, 1020)]; '24:00' closes at midnight."""
    items = [part for part in raw.split(",") if part.strip()] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        raise ValueError(f"opening hours must be 'HH:MM-HH:MM' or a list of them, got {raw!r}")
    out = []
    for item in items:
        m = re.fullmatch(r"\s*(\d\d):(\d\d)\s*-\s*(\d\d):(\d\d)\s*", str(item))
        if not m:
            raise ValueError(f"opening hours must look like '09:00-17:00', got {item!r}")
        oh, om, ch, cm = (int(g) for g in m.groups())
        opens, closes = oh * 60 + om, ch * 60 + cm
        if oh > 23 or om > 59 or cm > 59 or closes > 1440 or closes <= opens:
            raise ValueError(f"opening hours {item!r} must open before they close, within one day")
        out.append((opens, closes))
    out.sort()
    for (_, c1), (o2, _) in itertools.pairwise(out):
        if o2 < c1:
            raise ValueError(f"opening hours overlap in {raw!r}")
    return out


def _format_hours(spans: list[tuple[int, int]]) -> str:
    return ", ".join(f"{o // 60:02d}:{o % 60:02d}-{c // 60:02d}:{c % 60:02d}" for o, c in spans)


Hours = Annotated[list[tuple[int, int]], BeforeValidator(_parse_hours), PlainSerializer(_format_hours)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FactDecl(Strict):
    """A fact this matrix adds to the core vocabulary."""

    name: Id
    kind: Literal["enum", "set", "number", "integer", "string", "boolean"]
    values: list[Id] = []
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""

    def spec(self) -> FactSpec:
        return FactSpec(self.name, self.kind, tuple(self.values), self.minimum, self.maximum, self.description)


class Tier(Strict):
    id: Id
    name: str
    responsibility: str = ""  # one sentence: where this tier's job ends (lint flags it when missing)
    owner_role: str
    backup_role: str | None = None
    notify: list[str] = []


class Severity(Strict):
    id: Id
    name: str
    description: str = ""
    entry_tier: str  # where a new ticket of this severity starts
    notify: list[str] = []


class CalendarDecl(Strict):
    """24x7 (no ``hours``) or business hours in a time zone, with holidays (local dates)."""

    id: Id
    timezone: str = "UTC"
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], Hours] | None = None
    holidays: list[date] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    @field_validator("hours")
    @classmethod
    def _some_hours(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and not any(value.values()):
            raise ValueError("business hours must open on at least one day (leave 'hours' out for 24x7)")
        return value

    @property
    def is_24x7(self) -> bool:
        return self.hours is None

    def clock(self) -> Clock:
        if self.hours is None:
            return AlwaysOpen()
        return BusinessHours(self.timezone, {WEEKDAYS.index(d): list(s) for d, s in self.hours.items()}, self.holidays)


class SlaTarget(Strict):
    reply: Minutes  # time to first reply
    resolve: Minutes  # time to resolution


class Plan(Strict):
    """A customer plan (the ``customer_tier`` fact) with its contract SLA per severity."""

    id: Id
    name: str
    calendar: str
    sla: dict[str, SlaTarget]


class Queue(Strict):
    """A specialist queue inside a tier (functional routing). Its roles override the tier's."""

    id: Id
    name: str
    tier: str
    owner_role: str | None = None
    backup_role: str | None = None
    notify: list[str] = []


Condition = Annotated[dict[str, Any], BeforeValidator(conditions.normalise)]


class Trigger(Strict):
    """Conditions over facts that move a ticket to a tier (and queue). Checked top to bottom; first match decides.

    ``after``: the trigger fires only once the ticket has spent this much active time in its current tier
    (e.g. "enterprise downtime goes to T2 if not resolved at T1 within 15 minutes"). ``bypass``: jump straight to
    the target tier instead of stepping one tier at a time.
    """

    id: Id
    when: Condition
    tier: str
    queue: str | None = None
    bypass: bool = False
    after: Minutes | None = None
    reason: str
    notify: list[str] = []


class TimeEscalation(Strict):
    """Severity sets the clock, time enforces it: minutes allowed in ``tier`` per plan and severity, then ``to``."""

    tier: str
    to: str
    minutes: dict[str, dict[str, Minutes]]  # plan -> severity -> minutes


class PostResolution(Strict):
    id: Id
    action: str
    when: Condition | None = None


class Defaults(Strict):
    """Values the engine assumes when the helpdesk does not send them (the trace says so)."""

    severity: str
    customer_tier: str


class Matrix(Strict):
    """A whole escalation matrix. Load it with ``matrix.load_matrix``; evaluate with ``matrix.evaluate``."""

    name: str
    owner: str
    last_reviewed: date
    adopted: date | None = None  # review monthly for 90 days after adoption, quarterly after that
    defaults: Defaults
    facts: list[FactDecl] = []
    tiers: list[Tier]
    severities: list[Severity]  # worst first
    calendars: list[CalendarDecl]
    plans: list[Plan]  # highest plan first
    queues: list[Queue] = []
    triggers: list[Trigger]
    time_escalation: list[TimeEscalation] = []
    customer_updates: dict[str, Minutes] = {}  # severity -> cadence of customer updates
    pre_breach_warning: float = Field(0.75, gt=0, lt=1)  # warn when this share of an SLA window has elapsed
    post_resolution: list[PostResolution] = []

    @cached_property
    def version(self) -> str:
        """A hash of the matrix content: the same policy has the same version whatever its formatting."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @cached_property
    def vocabulary(self) -> dict[str, FactSpec]:
        """Core facts (with this matrix's severities, plans and tiers as their values) plus declared facts."""
        vocab = core_vocabulary()
        for name, values in (
            ("severity", [s.id for s in self.severities]),
            ("customer_tier", [p.id for p in self.plans]),
            ("current_tier", [t.id for t in self.tiers]),
        ):
            vocab[name] = FactSpec(name, ENUM, tuple(values), description=vocab[name].description)
        for decl in self.facts:
            vocab[decl.name] = decl.spec()
        return vocab

    def tier_rank(self, tier_id: str) -> int:
        return [t.id for t in self.tiers].index(tier_id)


def check_references(m: Matrix) -> list[tuple[tuple[str | int, ...], str]]:
    """Everything pydantic cannot see: ids that must exist, complete SLA tables, facts rules may read."""
    problems: list[tuple[tuple[str | int, ...], str]] = []

    def dup(section: str, items: list[Any]) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(((section, i, "id"), f"duplicate id {item.id!r}"))
            seen.add(item.id)
        return seen

    tiers = dup("tiers", m.tiers)
    severities = dup("severities", m.severities)
    calendars = dup("calendars", m.calendars)
    plans = dup("plans", m.plans)
    queues = dup("queues", m.queues)
    dup("triggers", m.triggers)
    dup("post_resolution", m.post_resolution)
    queue_tier = {q.id: q.tier for q in m.queues}

    with_notify: tuple[tuple[str, list[Any]], ...] = (
        ("tiers", list(m.tiers)),
        ("severities", list(m.severities)),
        ("queues", list(m.queues)),
    )
    for section, items in with_notify:
        for i, item in enumerate(items):
            for j, target in enumerate(item.notify):
                if not TARGET.match(target):
                    problems.append(
                        (
                            (section, i, "notify", j),
                            f"{target!r} must look like slack:#chan, pagerduty:service, "
                            "email:addr, webhook:name or role:name",
                        )
                    )
    for i, tr in enumerate(m.triggers):
        for j, target in enumerate(tr.notify):
            if not TARGET.match(target):
                problems.append((("triggers", i, "notify", j), f"{target!r} is not a notification target"))

    core = core_vocabulary()
    for i, decl in enumerate(m.facts):
        if decl.name in core:
            problems.append((("facts", i, "name"), f"{decl.name!r} is a core fact; pick another name"))
        if decl.kind in (ENUM, SET) and not decl.values:
            problems.append((("facts", i, "values"), f"a {decl.kind} fact needs a list of values"))
        if decl.kind not in (ENUM, SET) and decl.values:
            problems.append((("facts", i, "values"), f"a {decl.kind} fact takes no values list"))
        if decl.kind not in (NUMBER, INTEGER) and (decl.minimum is not None or decl.maximum is not None):
            problems.append((("facts", i, "minimum"), "only number and integer facts take bounds"))

    for i, sev_decl in enumerate(m.severities):
        if sev_decl.entry_tier not in tiers:
            problems.append((("severities", i, "entry_tier"), f"unknown tier {sev_decl.entry_tier!r}"))
    for i, q in enumerate(m.queues):
        if q.tier not in tiers:
            problems.append((("queues", i, "tier"), f"unknown tier {q.tier!r}"))
    for i, plan_decl in enumerate(m.plans):
        if plan_decl.calendar not in calendars:
            problems.append((("plans", i, "calendar"), f"unknown calendar {plan_decl.calendar!r}"))
        for sev in plan_decl.sla:
            if sev not in severities:
                problems.append((("plans", i, "sla", sev), f"unknown severity {sev!r}"))
        for sev in severities - set(plan_decl.sla):
            problems.append((("plans", i, "sla"), f"no SLA target for severity {sev!r}"))
        for sev, target in plan_decl.sla.items():
            if target.reply > target.resolve:
                problems.append((("plans", i, "sla", sev, "reply"), "time to reply is longer than time to resolve"))
    if m.defaults.severity not in severities:
        problems.append((("defaults", "severity"), f"unknown severity {m.defaults.severity!r}"))
    if m.defaults.customer_tier not in plans:
        problems.append((("defaults", "customer_tier"), f"unknown plan {m.defaults.customer_tier!r}"))
    for sev in m.customer_updates:
        if sev not in severities:
            problems.append((("customer_updates", sev), f"unknown severity {sev!r}"))

    vocab = m.vocabulary if not problems else None
    for i, tr in enumerate(m.triggers):
        if tr.tier not in tiers:
            problems.append((("triggers", i, "tier"), f"unknown tier {tr.tier!r}"))
        if tr.queue is not None:
            if tr.queue not in queues:
                problems.append((("triggers", i, "queue"), f"unknown queue {tr.queue!r}"))
            elif queue_tier[tr.queue] != tr.tier:
                problems.append(
                    (("triggers", i, "queue"), f"queue {tr.queue!r} belongs to {queue_tier[tr.queue]}, not {tr.tier}")
                )
        if vocab is not None:
            problems += [(("triggers", i, "when", *loc), msg) for loc, msg in check_condition(tr.when, vocab)]
    for i, pr in enumerate(m.post_resolution):
        if vocab is not None and pr.when is not None:
            problems += [(("post_resolution", i, "when", *loc), msg) for loc, msg in check_condition(pr.when, vocab)]

    for i, te in enumerate(m.time_escalation):
        for key in ("tier", "to"):
            if getattr(te, key) not in tiers:
                problems.append((("time_escalation", i, key), f"unknown tier {getattr(te, key)!r}"))
        if te.tier in tiers and te.to in tiers and m.tier_rank(te.to) <= m.tier_rank(te.tier):
            problems.append((("time_escalation", i, "to"), f"{te.to} is not above {te.tier}"))
        for plan, by_sev in te.minutes.items():
            if plan not in plans:
                problems.append((("time_escalation", i, "minutes", plan), f"unknown plan {plan!r}"))
            for sev in by_sev:
                if sev not in severities:
                    problems.append((("time_escalation", i, "minutes", plan, sev), f"unknown severity {sev!r}"))
    seen_tiers = [te.tier for te in m.time_escalation]
    for t in {t for t in seen_tiers if seen_tiers.count(t) > 1}:
        problems.append((("time_escalation",), f"tier {t!r} has more than one time-based escalation"))
    return problems


def check_condition(cond: dict[str, Any], vocab: dict[str, FactSpec]) -> list[tuple[tuple[str | int, ...], str]]:
    """A rule may only name declared facts, with operators that fit the fact and values inside its domain."""
    problems: list[tuple[tuple[str | int, ...], str]] = []

    def walk(c: dict[str, Any], loc: tuple[str | int, ...]) -> None:
        if "fact" not in c:
            if "not" in c:
                walk(c["not"], (*loc, "not"))
                return
            key = next(iter(c))
            for i, child in enumerate(c[key]):
                walk(child, (*loc, key, i))
            return
        spec = vocab.get(c["fact"])
        if spec is None:
            problems.append(((*loc, "fact"), f"unknown fact {c['fact']!r}; declare it under 'facts'"))
            return
        if c["op"] not in OPS_BY_KIND[spec.kind]:
            allowed = ", ".join(sorted(OPS_BY_KIND[spec.kind]))
            problems.append(
                ((*loc, "op"), f"operator {c['op']!r} does not apply to {spec.kind} fact {spec.name!r} (use {allowed})")
            )
            return
        try:
            checked = spec.check_rule_value(c["op"], c.get("value"))
        except FactError as exc:
            problems.append(((*loc, "value"), exc.message + f" (got {exc.value!r})"))
            return
        if checked is not None:
            # Store the normalised value (e.g. an integer fact written as 5.0) so compiled rules compare like facts.
            c["value"] = checked

    walk(cond, ())
    return problems
