"""Hypothesis properties of the evaluator and the SLA clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matrix import Matrix, default_matrix, evaluate
from matrix.calendar import AlwaysOpen, BusinessHours, Clock
from matrix.facts import CUSTOMER_TIERS, ISSUE_TYPES, SIGNALS, STATUSES, TIERS

DM = default_matrix()
SEVERITIES = ["S1", "S2", "S3", "S4"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


@st.composite
def tickets(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """Random but valid facts and a `now` after the ticket was created."""
    created = T0 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    now = created + timedelta(minutes=draw(st.integers(0, 60 * 24 * 10)))
    facts: dict[str, Any] = {"created_at": _iso(created)}
    optional = {
        "severity": st.sampled_from(SEVERITIES),
        "customer_tier": st.sampled_from(CUSTOMER_TIERS),
        "issue_type": st.sampled_from(ISSUE_TYPES),
        "current_tier": st.sampled_from(TIERS),
        "status": st.sampled_from([s for s in STATUSES if s != "solved"]),
        "signals": st.lists(st.sampled_from(SIGNALS), unique=True),
        "billing_dispute_amount": st.floats(0, 20000, allow_nan=False),
        "affected_accounts": st.integers(0, 50),
        "kb_confidence": st.floats(0, 1, allow_nan=False),
        "product_area": st.sampled_from(["billing", "reporting", "sso"]),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            facts[name] = draw(strategy)
    if "current_tier" in facts and draw(st.booleans()):
        entered = created + (now - created) * draw(st.floats(0, 1))
        facts["tier_entered_at"] = _iso(entered)
    if draw(st.booleans()):
        start = created + (now - created) * draw(st.floats(0, 1))
        end = start + (now - start) * draw(st.floats(0, 1))
        facts["pauses"] = [
            {"start": _iso(start), "end": _iso(end) if facts.get("status") not in ("pending", "on_hold") else None}
        ]
    return facts, _iso(now)


@settings(max_examples=300, deadline=None)
@given(tickets())
def test_deterministic(ticket: tuple[dict[str, Any], str]) -> None:
    facts, now = ticket
    assert evaluate(DM, facts, now).to_json() == evaluate(DM, dict(facts), now).to_json()


@settings(max_examples=300, deadline=None)
@given(tickets())
def test_trace_names_the_deciding_rule(ticket: tuple[dict[str, Any], str]) -> None:
    facts, now = ticket
    d = evaluate(DM, facts, now)
    assert d.rule_id in [s.rule for s in d.trace]
    assert d.matrix_version == DM.version
    assert d.next_escalation_at is None or d.next_escalation_at > d.evaluated_at


@settings(max_examples=400, deadline=None)
@given(tickets(), st.sampled_from(SEVERITIES[:-1]))
def test_worse_severity_never_escalates_later_or_gets_a_looser_sla(
    ticket: tuple[dict[str, Any], str], worse: str
) -> None:
    facts, now = ticket
    milder = SEVERITIES[SEVERITIES.index(worse) + 1]
    a = evaluate(DM, {**facts, "severity": worse}, now)
    b = evaluate(DM, {**facts, "severity": milder}, now)
    rank = {t: i for i, t in enumerate(TIERS)}
    assert rank[a.tier] >= rank[b.tier], (a.reason, b.reason)
    assert a.sla.reply_by <= b.sla.reply_by
    assert a.sla.resolve_by <= b.sla.resolve_by
    if a.tier == b.tier and b.next_escalation_at is not None:
        assert a.next_escalation_at is not None and a.next_escalation_at <= b.next_escalation_at
    assert a.customer_update_every <= b.customer_update_every


@settings(max_examples=200, deadline=None)
@given(tickets(), st.sampled_from(["enterprise", "business"]))
def test_higher_plan_never_gets_a_looser_sla_in_minutes(ticket: tuple[dict[str, Any], str], plan: str) -> None:
    facts, _now = ticket
    lower = {"enterprise": "business", "business": "smb"}[plan]
    sev = facts.get("severity", "S3")
    hi = DM.plans[[p.id for p in DM.plans].index(plan)].sla[sev]
    lo = DM.plans[[p.id for p in DM.plans].index(lower)].sla[sev]
    assert hi.reply <= lo.reply and hi.resolve <= lo.resolve


# ---------------------------------------------------------------------------------------------------- clocks

NY = BusinessHours(
    "America/New_York", {d: [(9 * 60, 17 * 60)] for d in range(5)}, [date(2026, 11, 26), date(2026, 12, 25)]
)
BERLIN_SPLIT = BusinessHours("Europe/Berlin", {d: [(8 * 60, 12 * 60), (13 * 60, 17 * 60)] for d in range(6)}, [])
instants = st.integers(0, 60 * 24 * 730).map(lambda m: T0 + timedelta(minutes=m))
every_clock = st.sampled_from([NY, BERLIN_SPLIT, AlwaysOpen()])


@settings(max_examples=300, deadline=None)
@given(every_clock, instants, st.integers(1, 60 * 24 * 5))
def test_add_and_active_minutes_are_inverse(clock: Any, start: datetime, minutes: int) -> None:
    end = clock.add(start, minutes)
    assert abs(clock.active_minutes(start, end) - minutes) < 1e-6
    # The deadline lands on an open instant: no extra business time is hiding before it.
    assert end > start


@settings(max_examples=300, deadline=None)
@given(
    every_clock,
    instants,
    st.integers(1, 3000),
    st.integers(0, 5000),
    st.integers(1, 3000),
)
def test_pause_never_shortens_and_delays_at_most_its_length(
    clock: Any, start: datetime, minutes: int, pause_offset: int, pause_len: int
) -> None:
    ps = start + timedelta(minutes=pause_offset)
    pe = ps + timedelta(minutes=pause_len)
    plain = clock.add(start, minutes)
    paused = clock.add(start, minutes, [(ps, pe)])
    assert paused >= plain
    # The delay in active time equals the active time the pause swallowed before the deadline.
    swallowed = clock.active_minutes(max(ps, start), min(pe, paused))
    assert abs(clock.active_minutes(start, paused) - minutes - swallowed) < 1e-6


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([NY, BERLIN_SPLIT]),
    st.integers(-60 * 24 * 900, 60 * 24 * 900).map(lambda m: T0 + timedelta(minutes=m, seconds=m % 7)),
    st.floats(0.5, 60 * 24 * 40),
    st.integers(0, 60 * 24 * 60),
)
def test_indexed_business_hours_equal_the_window_walk(clock: Any, start: datetime, minutes: float, span: int) -> None:
    # The binary-searched index must give exactly what walking the open windows one by one gives, in any order
    # of instants (the index grows backwards and forwards as it is asked).
    assert clock.add(start, minutes) == Clock.add(clock, start, minutes)
    end = start + timedelta(minutes=span)
    assert abs(clock.active_minutes(start, end) - Clock.active_minutes(clock, start, end)) < 1e-9


@settings(max_examples=500, deadline=None)
@given(
    every_clock,
    instants,
    st.integers(1, 3000),
    st.integers(1, 3000),
    st.integers(0, 5000),
    st.integers(0, 3000),
)
def test_add_is_additive(clock: Any, start: datetime, a: int, b: int, pause_offset: int, pause_len: int) -> None:
    # The time catch-up adds each tier's allowance to the previous tier's end by adding the sum from the start:
    # exact with and without a pause (pause_len 0: none).
    ps = start + timedelta(minutes=pause_offset)
    pauses = [(ps, ps + timedelta(minutes=pause_len))] if pause_len else []
    assert clock.add(clock.add(start, a, pauses), b, pauses) == clock.add(start, a + b, pauses)


@pytest.mark.parametrize("year", [1900, 1969, 1970, 2028, 2100, 9000])
def test_indexed_business_hours_far_from_each_other(year: int) -> None:
    # Instants years apart (an ancient created_at next to a future one) each get their own index.
    clock = BusinessHours("America/New_York", {d: [(9 * 60, 17 * 60)] for d in range(5)}, [date(2026, 11, 26)])
    for start in (datetime(2026, 3, 2, 12, tzinfo=UTC), datetime(year, 1, 3, 12, tzinfo=UTC)):
        assert clock.add(start, 480) == Clock.add(clock, start, 480)
        assert clock.active_minutes(start, start + timedelta(days=9)) == Clock.active_minutes(
            clock, start, start + timedelta(days=9)
        )


def test_business_hours_across_dst_change() -> None:
    # Friday 2026-03-06 16:30 EST = 21:30Z. 60 business minutes: 30 on Friday, 30 on Monday from 09:00 EDT (13:00Z).
    start = datetime(2026, 3, 6, 21, 30, tzinfo=UTC)
    assert NY.add(start, 60) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
    # Autumn: Friday 2026-10-30 16:30 EDT = 20:30Z; Monday 2026-11-02 09:00 EST = 14:00Z.
    start = datetime(2026, 10, 30, 20, 30, tzinfo=UTC)
    assert NY.add(start, 60) == datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


def test_deadline_at_and_just_past_closing() -> None:
    # Monday 2026-03-09 16:00 EDT = 20:00Z, closing at 17:00 EDT = 21:00Z: a deadline that lands exactly at
    # closing stays that day; half a minute more of open time is needed the next morning (09:00 EDT = 13:00Z).
    start = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
    assert NY.add(start, 60) == datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
    assert NY.add(start + timedelta(seconds=30), 60) == datetime(2026, 3, 10, 13, 0, 30, tzinfo=UTC)
    assert NY.add(start + timedelta(seconds=1), 61) == datetime(2026, 3, 10, 13, 1, 1, tzinfo=UTC)


def test_business_hours_holiday_and_weekend() -> None:
    # Wednesday 2026-11-25 16:00 EST; Thursday is Thanksgiving; 2h -> Friday 10:00 EST = 15:00Z.
    assert NY.add(datetime(2026, 11, 25, 21, 0, tzinfo=UTC), 120) == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    # Saturday start: nothing counts until Monday 09:00.
    assert NY.active_minutes(datetime(2026, 11, 28, 12, tzinfo=UTC), datetime(2026, 11, 30, 14, tzinfo=UTC)) == 0
    assert NY.active_minutes(datetime(2026, 11, 28, 12, tzinfo=UTC), datetime(2026, 11, 30, 15, tzinfo=UTC)) == 60


def test_matrix_declared_calendar_matches(dm: Matrix) -> None:
    cal = next(c for c in dm.calendars if c.id == "business_hours")
    clock = cal.clock()
    assert clock.add(datetime(2026, 11, 25, 21, 0, tzinfo=UTC), 120) == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
