"""The "should I escalate?" measures on hand-made rows: what a set labels is scored, what it does not is None."""

from __future__ import annotations

from typing import Any

from evals.escalation import escalation_report


def row(i: int, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"c{i}",
        "account_id": "acme",
        "language": "en",
        "tier": "T1",
        "kept": False,
        "facts": {},
        "cited_meta": [],
        "labels": {},
    }
    return {**base, **over}


def test_unlabelled_measures_are_not_measured() -> None:
    report = escalation_report([row(1), row(2)], "T1")
    assert report["tier_accuracy"] is None and report["facts"] is None and report["must_escalate"] is None
    assert report["by_category"] is None and report["deflection_by_kind"] is None
    assert report["cross_account_citations"]["n"] == 0


def test_facts_tier_must_escalate_and_breakdowns() -> None:
    rows = [
        row(
            1,
            tier="T3",
            facts={"severity": "S1", "signals": ["data_loss"]},
            labels={
                "tier": "T3",
                "category": "data_loss",
                "expected_facts": {"severity": "S1", "signals": ["data_loss"]},
            },
        ),
        row(
            2,
            tier="T1",
            language="de",
            facts={"severity": "S3"},
            labels={
                "tier": "T2",
                "category": "security",
                "expected_facts": {"severity": "S2", "signals": ["security_incident"]},
            },
        ),
        row(
            3,
            kept=True,
            cited_meta=[{"source": "docs", "source_id": "a.md", "account": "public"}],
            labels={"tier": "T1", "deflectable": True, "category": "docs_howto"},
        ),
        row(
            4,
            kept=True,
            cited_meta=[{"source": "tickets", "source_id": "T-9", "account": "globex"}],
            labels={"tier": "T1", "deflectable": False, "category": "other_account_only"},
        ),
        # Answerable from a doc and not kept: it counts against the docs' correct deflection.
        row(
            5,
            tier="T2",
            relevant_kinds=["docs"],
            labels={"tier": "T2", "deflectable": True, "category": "docs_error_code"},
        ),
    ]
    r = escalation_report(rows, "T1")
    assert r["tier_accuracy"] == 0.8
    assert r["facts"]["severity"]["accuracy"] == 0.5
    assert r["facts"]["signals"]["data_loss"]["recall"] == 1.0
    assert r["facts"]["signals"]["security_incident"]["recall"] == 0.0
    assert r["must_escalate"] == {"n": 2, "recall": 0.5, "kept_at_first_tier": ["c2"]}
    assert r["by_language"]["de"]["tier_accuracy"] == 0.0 and r["by_language"]["en"]["tier_accuracy"] == 1.0
    assert r["deflection_by_kind"]["docs"]["correct_deflection"] == 0.5
    assert r["deflection_by_kind"]["docs"]["false_deflection"] == 0.0
    assert r["deflection_by_kind"]["past_tickets"]["false_deflection"] == 1.0
    assert r["cross_account_citations"] == {"n": 1, "cases": [{"case": "c4", "source_id": "T-9", "account": "globex"}]}


def test_tier_agreement_by_deciding_rule_and_by_week() -> None:
    rows = [
        row(1, tier="T2", rule_id="reproducible_bug", created_at="2026-11-16T10:00:00Z", labels={"tier": "T2"}),
        row(2, tier="T2", rule_id="reproducible_bug", created_at="2026-11-24T10:00:00Z", labels={"tier": "T1"}),
        row(3, tier="T1", rule_id="kb_answer", created_at="2026-11-24T11:00:00Z", labels={"tier": "T1"}),
        row(4, tier="T1", rule_id="kb_answer"),  # no time: in no week
    ]
    report = escalation_report(rows, "T1")
    assert report["by_rule"]["reproducible_bug"]["tier_accuracy"] == 0.5
    assert report["by_rule"]["kb_answer"]["n"] == 2
    assert report["by_week"] == {
        "2026-W47": {"n": 1, "tier_accuracy": 1.0, "kept": 0, "correct_deflection": None, "false_deflection": None},
        "2026-W48": {"n": 2, "tier_accuracy": 0.5, "kept": 0, "correct_deflection": None, "false_deflection": None},
    }
