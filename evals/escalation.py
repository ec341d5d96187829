"""Is "should I escalate?" answered right: the facts behind each decision, and where the decision lands.

Scored per case from the labels a set carries (FORMAT.md): ``expected_facts`` (severity, issue type, signals …),
``tier``, ``category`` and the case's ``language``. A measure a set has no labels for is ``None`` (not measured,
shown as "—"), never 0.0.

- ``facts``: per fact, accuracy, macro-F1 and confusion (severity, issue type); per signal, precision, recall
  and F1 (a signal expected or inferred counts).
- ``must_escalate``: of the cases that must leave Tier 1 (security, data loss, multi-customer outages, known defects
  without a fix), the share that did.
- ``by_category`` / ``by_language`` / ``by_rule`` (the rule that decided) / ``by_week`` (ISO week of the ticket):
  tier accuracy and deflection (kept / correct / false) per group. On a set exported from agents' feedback, tier
  accuracy is the agreement with the agents: by rule, by tier (the tier confusion) and over time.
- ``deflection_by_kind``: deflection by the kind of knowledge the answer came from (kept) or lives in (not kept).
- ``cross_account_citations``: citations of a past ticket of another account (must be 0).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from evals import metrics
from ingest.documents import PUBLIC, is_ticket_source

# Categories of escalation_b2b (and any set that uses the same names) that must never stay at Tier 1.
MUST_ESCALATE = frozenset({"security", "data_loss", "data_loss_multi", "outage_multi", "known_defect_no_fix"})
SINGLE_FACTS = ("severity", "issue_type")


def _expected(row: dict[str, Any]) -> dict[str, Any] | None:
    found = (row.get("labels") or {}).get("expected_facts")
    return found if isinstance(found, dict) else None


def fact_scores(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    labelled = [(r, e) for r in rows if (e := _expected(r)) is not None]
    if not labelled:
        return None
    out: dict[str, Any] = {}
    for name in SINGLE_FACTS:
        pairs = [(str(e[name]), r["facts"].get(name)) for r, e in labelled if e.get(name) is not None]
        out[name] = metrics.classification([g for g, _ in pairs], [p for _, p in pairs]) if pairs else None
        if out[name] is not None:
            out[name]["by_confidence"] = by_confidence(labelled, name)
    signals: dict[str, Any] = {}
    names = sorted({s for _, e in labelled for s in e.get("signals") or []})
    for signal in names:
        tp = fp = fn = 0
        for r, e in labelled:
            want = signal in (e.get("signals") or [])
            got = signal in (r["facts"].get("signals") or [])
            tp, fp, fn = tp + (want and got), fp + (got and not want), fn + (want and not got)
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0 if tp + fn else None
        signals[signal] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    out["signals"] = signals
    return out


def must_escalate(rows: list[dict[str, Any]], first_tier: str) -> dict[str, Any] | None:
    cases = [r for r in rows if (r.get("labels") or {}).get("category") in MUST_ESCALATE]
    if not cases:
        return None
    left = [r for r in cases if r["tier"] != first_tier]
    return {
        "n": len(cases),
        "recall": len(left) / len(cases),
        "kept_at_first_tier": sorted(r["id"] for r in cases if r["tier"] == first_tier),
    }


def _group(rows: list[dict[str, Any]]) -> dict[str, Any]:
    tiered = [r for r in rows if (r.get("labels") or {}).get("tier")]
    deflectable = [r for r in rows if (r.get("labels") or {}).get("deflectable") is not None]
    kept = [r for r in deflectable if r["kept"]]
    return {
        "n": len(rows),
        "tier_accuracy": (sum(r["tier"] == r["labels"]["tier"] for r in tiered) / len(tiered)) if tiered else None,
        "kept": len(kept),
        "correct_deflection": (
            sum(r["kept"] and r["labels"]["deflectable"] for r in deflectable)
            / max(1, sum(bool(r["labels"]["deflectable"]) for r in deflectable))
            if any(r["labels"]["deflectable"] for r in deflectable)
            else None
        ),
        "false_deflection": (sum(not r["labels"]["deflectable"] for r in kept) / len(kept)) if kept else None,
    }


def _week(created_at: Any) -> str | None:
    if not created_at:
        return None
    try:
        year, week, _ = datetime.fromisoformat(str(created_at)).isocalendar()
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def by_confidence(labelled: list[tuple[dict[str, Any], dict[str, Any]]], name: str) -> dict[str, Any]:
    """How often an inferred fact was right at each confidence it carried (one decimal), the facts left to the agent
    included (their suggestion is scored): the check that a fact's confidence means what it says."""
    bands: dict[str, list[bool]] = defaultdict(list)
    for r, e in labelled:
        suggested = (r.get("needs_agent") or {}).get(name)
        value = r["facts"].get(name) if suggested is None else suggested
        confidence = (r.get("fact_confidence") or {}).get(name)
        if e.get(name) is None or value is None or confidence is None:
            continue
        bands[f"{confidence:.1f}"].append(str(value) == str(e[name]))
    return {band: {"n": len(hits), "accuracy": sum(hits) / len(hits)} for band, hits in sorted(bands.items())}


def grouped(rows: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if key == "week":
            value = _week(r.get("created_at"))
        else:
            value = (r.get("labels") or {}).get(key) if key == "category" else r.get(key)
        if value:
            groups[str(value)].append(r)
    return {name: _group(group) for name, group in sorted(groups.items())} or None


def by_knowledge_kind(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Deflection per kind of knowledge: a kept case counts for the kind its answer's first citation came from, a
    case not kept for the kind that holds its labelled answer (its first relevant source), so correct deflection
    is over every deflectable case of that kind and false deflection over every case kept with it."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["kept"] and r["cited_meta"]:
            kind = r["cited_meta"][0]["source"]
        elif not r["kept"] and r.get("relevant_kinds"):
            kind = r["relevant_kinds"][0]
        else:
            continue
        groups["past_tickets" if is_ticket_source(kind) else kind].append(r)
    return {name: _group(group) for name, group in sorted(groups.items())} or None


def cross_account_citations(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Citations of a past ticket that belongs to another account than the case's (must be none)."""
    found = []
    for r in rows:
        for meta in r["cited_meta"]:
            owner = meta.get("account")
            if is_ticket_source(meta["source"]) and owner not in (PUBLIC, r.get("account_id")):
                found.append({"case": r["id"], "source_id": meta["source_id"], "account": str(owner)})
    return found


def escalation_report(rows: list[dict[str, Any]], first_tier: str) -> dict[str, Any]:
    tiered = [r for r in rows if (r.get("labels") or {}).get("tier")]
    crossing = cross_account_citations(rows)
    return {
        "tier_accuracy": (sum(r["tier"] == r["labels"]["tier"] for r in tiered) / len(tiered)) if tiered else None,
        "facts": fact_scores(rows),
        "must_escalate": must_escalate(rows, first_tier),
        "by_category": grouped(rows, "category"),
        "by_language": grouped(rows, "language"),
        "by_rule": grouped(rows, "rule_id"),
        "by_week": grouped(rows, "week"),
        "deflection_by_kind": by_knowledge_kind(rows),
        "cross_account_citations": {"n": len(crossing), "cases": crossing[:20]},
    }
