"""Lint: each check fires on a matrix built to trip it, and the default matrix is clean."""

from __future__ import annotations

from datetime import date

from matrix import parse_matrix
from matrix.lint import has_problems, lint
from matrix.loader import default_matrix_text

TODAY = date(2026, 11, 27)


def _codes(text: str, today: date = TODAY) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in lint(parse_matrix(text), today):
        out.setdefault(f.code, []).append(f"{f.level} {f.where}: {f.message}")
    return out


def _edit(*pairs: tuple[str, str]) -> str:
    text = default_matrix_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_default_matrix_has_no_errors_or_warnings() -> None:
    findings = lint(parse_matrix(default_matrix_text()), TODAY)
    assert [f for f in findings if f.level != "info"] == []
    assert not has_problems(findings, strict=True)


def test_shadowed_rule() -> None:
    # A second, narrower billing rule placed after the broad one can never decide anything.
    text = _edit(
        (
            "  - id: reproducible_bug\n",
            "  - id: big_billing\n    when: billing_dispute_amount >= 10000\n"
            "    tier: T2\n    queue: billing\n    reason: big\n  - id: reproducible_bug\n",
        )
    )
    assert any("big_billing" in s for s in _codes(text)["rule_shadowed"])


def test_rule_that_never_matches() -> None:
    text = _edit(("when: issue_type = feature_request", "when: all(issue_type = feature_request, issue_type = bug)"))
    assert any("feature_request" in s for s in _codes(text)["rule_never_matches"])


def test_overlapping_rules_that_disagree() -> None:
    # Putting the T1 knowledge-base rule first hides security escalations behind it.
    text = default_matrix_text()
    kb = text[text.index("  - id: kb_answer\n") : text.index("  - id: feature_request\n")]
    text = text.replace(kb, "").replace("  - id: multi_customer_outage\n", kb + "  - id: multi_customer_outage\n", 1)
    disagree = _codes(text)["rules_disagree"]
    assert any("kb_answer / security_incident" in s and s.startswith("warning") for s in disagree)


def test_uncovered_combinations_are_reported() -> None:
    assert "uncovered_facts" in _codes(default_matrix_text())


def test_unreachable_tier_and_missing_backup_and_responsibility() -> None:
    text = _edit(
        (
            "  - id: T4\n    name: Engineering specialists\n    responsibility: Owns architecture-level failures, "
            "security incidents at scale, data loss at scale and multi-customer outages, and runs the incident to "
            "closure.\n    owner_role: incident_commander\n    backup_role: vp_engineering\n",
            "  - id: T4\n    name: Engineering specialists\n    owner_role: incident_commander\n",
        ),
    )
    # Point everything that led to T4 elsewhere.
    text = text.replace("tier: T4\n    queue: incident_response", "tier: T3\n    queue: null")
    text = text.replace(
        "  - tier: T3\n    to: T4\n    minutes:\n      enterprise: {S1: 2h, S2: 8h}\n"
        "      business: {S1: 4h, S2: 16h}\n      smb: {S1: 8h, S2: 1d}\n",
        "",
    )
    codes = _codes(text)
    assert codes["unreachable_tier"] and codes["tier_backup"] and codes["tier_responsibility"]


def test_sla_looser_for_worse_severity_or_higher_plan() -> None:
    text = _edit(("S1: {reply: 15m, resolve: 4h}", "S1: {reply: 2h, resolve: 4h}"))
    msgs = _codes(text)["sla_order"]
    assert any("reply for S1 is looser than for S2" in m for m in msgs)
    text = _edit(("S3: {reply: 4h, resolve: 1d}", "S3: {reply: 7h, resolve: 1d}"))
    assert any("looser on enterprise than on business" in m for m in _codes(text)["sla_order"])


def test_time_escalation_order() -> None:
    text = _edit(("enterprise: {S1: 15m, S2: 30m, S3: 2h, S4: 4h}", "enterprise: {S1: 45m, S2: 30m, S3: 2h, S4: 4h}"))
    assert any("S1 may stay longer in T1 than S2" in m for m in _codes(text)["time_order"])


def test_review_cadence() -> None:
    # Adopted 2026-01-05: past 90 days, so quarterly. Reviewed 2026-11-02: due 2027-02-02.
    assert "review_overdue" not in _codes(default_matrix_text(), date(2027, 2, 1))
    overdue = _codes(default_matrix_text(), date(2027, 2, 10))["review_overdue"]
    assert "quarterly review was due 2027-02-02" in overdue[0]
    # Within 90 days of adoption the review is monthly.
    text = _edit(("adopted: 2026-01-05", "adopted: 2026-10-15"))
    assert "monthly review was due 2026-12-03" in _codes(text, date(2026, 12, 10))["review_overdue"][0]
