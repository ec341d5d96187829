"""What-if replay: decide the same tickets under two matrices and show what would move.

Used by the eval harness (``assist eval replay``) and by anyone about to roll out a matrix change. A case whose
facts are invalid under a matrix is reported as a failure of that case, never as a crash of the whole replay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from matrix.engine import Decision, evaluate
from matrix.errors import MatrixError
from matrix.schema import Matrix

# The decision fields a support lead cares about when comparing two policies.
COMPARED = ("escalate", "tier", "queue", "owner_role", "rule_id", "reply_by", "resolve_by", "next_escalation_at")


@dataclass(frozen=True)
class ReplayCase:
    id: str
    facts: Mapping[str, Any]
    now: datetime | str


@dataclass
class ReplayChange:
    id: str
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def fields(self) -> list[str]:
        return [k for k in COMPARED if self.before.get(k) != self.after.get(k)]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "changed": self.fields, "before": self.before, "after": self.after}


@dataclass
class ReplayResult:
    baseline_version: str
    proposed_version: str
    n_cases: int = 0
    changes: list[ReplayChange] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    volume: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)  # dimension -> before/after -> counts

    def summary(self) -> dict[str, Any]:
        """Per tier, queue and rule: how many tickets before and after, and the difference."""
        out: dict[str, Any] = {}
        for dim, sides in self.volume.items():
            keys = sorted(set(sides["before"]) | set(sides["after"]))
            out[dim] = {
                k: {
                    "before": sides["before"][k],
                    "after": sides["after"][k],
                    "delta": sides["after"][k] - sides["before"][k],
                }
                for k in keys
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline_version": self.baseline_version,
            "proposed_version": self.proposed_version,
            "n_cases": self.n_cases,
            "n_changed": len(self.changes),
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
            "failures": self.failures,
        }


def _view(d: Decision) -> dict[str, Any]:
    full = d.to_dict()
    return {
        "escalate": d.escalate,
        "tier": d.tier,
        "queue": d.queue,
        "owner_role": d.owner_role,
        "rule_id": d.rule_id,
        "reply_by": full["sla"]["reply_by"],
        "resolve_by": full["sla"]["resolve_by"],
        "next_escalation_at": full["next_escalation_at"],
    }


def replay(baseline: Matrix, proposed: Matrix, cases: Iterable[ReplayCase]) -> ReplayResult:
    """Decide every case under both matrices; collect the differences and the volume per tier/queue/rule.

    >>> from matrix import default_matrix
    >>> m = default_matrix()
    >>> r = replay(m, m, [ReplayCase("t1", {"severity": "S1"}, "2026-03-02T10:00:00Z")])
    >>> (r.n_cases, len(r.changes))
    (1, 0)
    """
    result = ReplayResult(baseline.version, proposed.version)
    dims = ("tier", "queue", "rule_id", "escalate")
    result.volume = {d: {"before": Counter(), "after": Counter()} for d in dims}
    for case in cases:
        result.n_cases += 1
        try:
            before = _view(evaluate(baseline, case.facts, case.now))
        except MatrixError as exc:
            result.failures.append({"id": case.id, "matrix": "baseline", "error": str(exc)})
            continue
        try:
            after = _view(evaluate(proposed, case.facts, case.now))
        except MatrixError as exc:
            result.failures.append({"id": case.id, "matrix": "proposed", "error": str(exc)})
            continue
        for dim in dims:
            result.volume[dim]["before"][str(before[dim] if before[dim] is not None else "-")] += 1
            result.volume[dim]["after"][str(after[dim] if after[dim] is not None else "-")] += 1
        change = ReplayChange(case.id, before, after)
        if change.fields:
            result.changes.append(change)
    return result
