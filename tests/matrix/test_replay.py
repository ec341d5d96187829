"""What-if replay: the decisions that change, and volume per tier/queue/rule before and after."""

from __future__ import annotations

from matrix import Matrix, parse_matrix
from matrix.loader import default_matrix_text
from matrix.replay import ReplayCase, replay

NOW = "2026-03-02T14:00:00Z"


def test_replay_reports_changes_and_volume(dm: Matrix) -> None:
    proposed = parse_matrix(
        default_matrix_text().replace("billing_dispute_amount >= 5000", "billing_dispute_amount >= 10000")
    )
    cases = [
        ReplayCase("small", {"billing_dispute_amount": 7000}, NOW),
        ReplayCase("big", {"billing_dispute_amount": 12000}, NOW),
        ReplayCase("sec", {"signals": ["security_incident"]}, NOW),
        ReplayCase("bad", {"severity": "S0"}, NOW),
    ]
    r = replay(dm, proposed, cases)
    assert r.n_cases == 4
    assert [c.id for c in r.changes] == ["small"]
    assert r.changes[0].fields == ["escalate", "tier", "queue", "owner_role", "rule_id", "next_escalation_at"]
    assert r.summary()["queue"]["billing"] == {"before": 2, "after": 1, "delta": -1}
    assert r.summary()["tier"]["T1"] == {"before": 0, "after": 1, "delta": 1}
    assert r.failures == [{"id": "bad", "matrix": "baseline", "error": r.failures[0]["error"]}]
    assert "severity" in r.failures[0]["error"]


def test_identical_matrices_change_nothing(dm: Matrix) -> None:
    r = replay(dm, dm, [ReplayCase(str(i), {"severity": s}, NOW) for i, s in enumerate(["S1", "S2", "S3"])])
    assert r.changes == [] and r.to_dict()["n_changed"] == 0
