"""The evaluator: decisions, SLA clocks, pauses, trace and determinism on hand-computed cases."""

from __future__ import annotations

import pytest

from matrix import FactError, Matrix, evaluate


def test_same_input_gives_byte_identical_decision(dm: Matrix) -> None:
    facts = {
        "severity": "S2",
        "customer_tier": "business",
        "issue_type": "bug",
        "signals": ["reproducible"],
        "created_at": "2026-03-06T16:00:00-05:00",
        "pauses": [{"start": "2026-03-09T10:00:00-04:00", "end": "2026-03-09T11:00:00-04:00"}],
    }
    a = evaluate(dm, facts, "2026-03-10T12:00:00Z").to_json()
    b = evaluate(dm, dict(reversed(list(facts.items()))), "2026-03-10T12:00:00+00:00").to_json()
    assert a == b


def test_the_trace_is_rendered_once_when_read(dm: Matrix) -> None:
    d = evaluate(dm, {"severity": "S2", "signals": ["data_loss"]}, "2026-03-10T12:00:00Z")
    first = d.trace
    assert first and d.trace is first  # rendered on first read, the same object after
    assert [s.result for s in first].count("matched") == 1 and first[-1].rule == d.rule_id == "data_loss"


def test_enterprise_sla_is_wall_clock(dm: Matrix) -> None:
    d = evaluate(
        dm,
        {"severity": "S1", "customer_tier": "enterprise", "created_at": "2026-03-07T23:50:00Z"},
        "2026-03-07T23:55:00Z",
    )
    assert d.sla.reply_by.isoformat() == "2026-03-08T00:05:00+00:00"  # 15 min, across midnight on a Saturday
    assert d.sla.resolve_by.isoformat() == "2026-03-08T03:50:00+00:00"
    assert d.sla.calendar == "always"


def test_smb_sla_counts_business_hours_across_a_weekend(dm: Matrix) -> None:
    # Friday 2026-03-06 16:00 New York (EST, UTC-5). S2 reply = 4 business hours:
    # 1h Friday (16-17), then Monday 09:00-12:00 EDT (DST started Sunday 2026-03-08) -> 12:00 EDT = 16:00Z.
    d = evaluate(
        dm, {"severity": "S2", "customer_tier": "smb", "created_at": "2026-03-06T21:00:00Z"}, "2026-03-06T21:30:00Z"
    )
    assert d.to_dict()["sla"]["reply_by"] == "2026-03-09T16:00:00Z"


def test_smb_sla_skips_a_holiday(dm: Matrix) -> None:
    # Wednesday 2026-11-25 16:00 EST; Thursday 26th is Thanksgiving (a holiday in the calendar).
    # S3 reply = 8 business hours: 1h Wed, Thu closed, 7h Fri -> Fri 16:00 EST = 21:00Z.
    d = evaluate(
        dm, {"severity": "S3", "customer_tier": "smb", "created_at": "2026-11-25T21:00:00Z"}, "2026-11-25T21:10:00Z"
    )
    assert d.to_dict()["sla"]["reply_by"] == "2026-11-27T21:00:00Z"


def test_pause_moves_deadlines_and_is_reported(dm: Matrix) -> None:
    base = {"severity": "S2", "customer_tier": "enterprise", "created_at": "2026-03-02T10:00:00Z"}
    paused = {**base, "pauses": [{"start": "2026-03-02T10:10:00Z", "end": "2026-03-02T10:40:00Z"}]}
    a = evaluate(dm, base, "2026-03-02T10:45:00Z")
    b = evaluate(dm, paused, "2026-03-02T10:45:00Z")
    assert (b.sla.reply_by - a.sla.reply_by).total_seconds() == 30 * 60
    assert b.sla.paused_minutes == 30 and not b.sla.paused


def test_open_pause_stops_escalation_clock(dm: Matrix) -> None:
    facts = {
        "severity": "S3",
        "customer_tier": "enterprise",
        "issue_type": "bug",
        "current_tier": "T1",
        "status": "pending",
        "created_at": "2026-03-02T10:00:00Z",
        "pauses": [{"start": "2026-03-02T10:30:00Z", "end": None}],
    }
    d = evaluate(dm, facts, "2026-03-02T20:00:00Z")  # T1 allowance for enterprise/S3 is 2h; only 30 min ran
    assert d.sla.paused and d.tier == "T1" and not d.escalate and d.next_escalation_at is None
    assert d.sla.paused_minutes == 570
    resumed = {**facts, "status": "open", "pauses": [{"start": "2026-03-02T10:30:00Z", "end": "2026-03-02T20:00:00Z"}]}
    r = evaluate(dm, resumed, "2026-03-02T20:00:00Z")
    assert r.to_dict()["next_escalation_at"] == "2026-03-02T21:30:00Z"  # 90 min of allowance left


def test_reply_breach_uses_first_reply(dm: Matrix) -> None:
    facts = {"severity": "S1", "customer_tier": "enterprise", "created_at": "2026-03-02T10:00:00Z"}
    late = evaluate(dm, {**facts, "first_reply_at": "2026-03-02T10:20:00Z"}, "2026-03-02T10:30:00Z")
    on_time = evaluate(dm, {**facts, "first_reply_at": "2026-03-02T10:05:00Z"}, "2026-03-02T10:30:00Z")
    assert late.sla.reply_breached and not on_time.sla.reply_breached


def test_time_catch_up_enters_each_tier_when_the_last_ran_out(dm: Matrix) -> None:
    # enterprise S2: 30 min at T1, then 2h at T2, then 8h at T3. Left alone for 3 hours -> T3 since 12:30.
    facts = {
        "severity": "S2",
        "customer_tier": "enterprise",
        "issue_type": "bug",
        "current_tier": "T1",
        "created_at": "2026-03-02T10:00:00Z",
    }
    d = evaluate(dm, facts, "2026-03-02T13:00:00Z")
    assert d.tier == "T3" and d.rule_id == "time:T2"
    assert d.to_dict()["next_escalation_at"] == "2026-03-02T20:30:00Z"  # in T3 since 12:30, 8h allowed
    steps = [s.rule for s in d.trace if s.rule.startswith("time:")]
    assert steps == ["time:T1", "time:T2"]


def test_defaults_are_applied_and_traced(dm: Matrix) -> None:
    d = evaluate(dm, {}, "2026-03-02T14:00:00Z")
    assert d.tier == "T1" and d.sla.calendar == "business_hours"
    assert [s.detail for s in d.trace if s.rule == "defaults"] == [
        "severity absent: assumed S3",
        "customer_tier absent: assumed smb",
    ]


def test_trace_says_why_a_rule_did_not_match(dm: Matrix) -> None:
    d = evaluate(dm, {"severity": "S3", "billing_dispute_amount": 100}, "2026-03-02T14:00:00Z")
    step = next(s for s in d.trace if s.rule == "billing_dispute")
    assert step.result == "no_match"
    assert "billing_dispute_amount >= 5000 is false (billing_dispute_amount=100)" in step.detail


@pytest.mark.parametrize(
    ("fact", "rule", "first", "then", "shown"),
    [
        ("billing_dispute_amount", "billing_dispute", 5000, 5000.0, "billing_dispute_amount=5000.0"),
        ("kb_confidence", "kb_answer", 0.0, -0.0, "kb_confidence=-0.0"),
    ],
)
def test_equal_numbers_written_differently_are_explained_as_written(
    dm: Matrix, fact: str, rule: str, first: float, then: float, shown: str
) -> None:
    # Explanations are remembered per rule by the values the rule reads. Equal numbers can read differently, and
    # a ticket's text must not depend on what the engine explained before.
    facts = {"severity": "S3", "issue_type": "how_to", fact: first}
    evaluate(dm, facts, "2026-03-02T14:00:00Z").to_json()
    d = evaluate(dm, {**facts, fact: then}, "2026-03-02T14:00:00Z")
    assert shown in next(s for s in d.trace if s.rule == rule).detail


def test_notify_merges_tier_queue_and_severity_without_duplicates(dm: Matrix) -> None:
    d = evaluate(dm, {"severity": "S1", "signals": ["outage", "multi_customer_impact"]}, "2026-03-02T14:00:00Z")
    assert d.notify == (
        "slack:#incidents",
        "pagerduty:major-incident",
        "email:status-page@example.com",
        "email:support-leadership@example.com",
    )


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"severity": "S9"}, "severity"),
        ({"customer_tier": "gold"}, "customer_tier"),
        ({"signals": ["data_loss", "aliens"]}, "signals"),
        ({"signals": "data_loss"}, "signals"),
        ({"kb_confidence": 1.5}, "kb_confidence"),
        ({"affected_accounts": -1}, "affected_accounts"),
        ({"affected_accounts": True}, "affected_accounts"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"created_at": "2026-03-02T10:00:00"}, "created_at"),
        ({"created_at": "2027-03-02T10:00:00Z"}, "created_at"),
        ({"first_reply_at": "0001-01-01T00:00:00Z"}, "first_reply_at"),
        ({"pauses": [{"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T09:00:00Z"}]}, "pauses[0].end"),
        ({"mood": "angry"}, "mood"),
    ],
)
def test_bad_facts_name_the_field(dm: Matrix, facts: dict[str, object], field: str) -> None:
    with pytest.raises(FactError) as err:
        evaluate(dm, facts, "2026-03-02T14:00:00Z")
    assert err.value.field == field
    assert str(err.value).startswith(field)


def test_naive_now_is_refused(dm: Matrix) -> None:
    with pytest.raises(FactError) as err:
        evaluate(dm, {}, "2026-03-02T14:00:00")
    assert err.value.field == "now"
