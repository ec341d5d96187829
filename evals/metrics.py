"""Metric functions: pure, small, each checked against hand-computed cases in tests/evals.

Every metric is computed only over the cases that carry its label (None = not scored).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any


def first_relevant_rank(ranked: Sequence[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant id, or None."""
    for i, sid in enumerate(ranked, 1):
        if sid in relevant:
            return i
    return None


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant ids found in the top k (1.0 when every relevant id is there)."""
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    rank = first_relevant_rank(ranked, relevant)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k."""
    dcg = sum(1.0 / math.log2(i + 1) for i, sid in enumerate(ranked[:k], 1) if sid in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def retrieval_summary(rankings: Sequence[tuple[Sequence[str], set[str]]]) -> dict[str, float | int]:
    """Mean recall@1/5/10, MRR and nDCG@10 over (ranked ids, relevant ids) pairs that have relevant ids."""
    rows = [(list(dict.fromkeys(r)), rel) for r, rel in rankings if rel]
    n = len(rows)
    if not n:
        return {"n": 0}
    return {
        "n": n,
        "recall@1": sum(recall_at_k(r, rel, 1) for r, rel in rows) / n,
        "recall@5": sum(recall_at_k(r, rel, 5) for r, rel in rows) / n,
        "recall@10": sum(recall_at_k(r, rel, 10) for r, rel in rows) / n,
        "mrr": sum(reciprocal_rank(r, rel) for r, rel in rows) / n,
        "ndcg@10": sum(ndcg_at_k(r, rel, 10) for r, rel in rows) / n,
    }


def classification(gold: Sequence[str], pred: Sequence[str | None]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the gold classes, per-class precision/recall/F1 and the confusion matrix."""
    pairs = [(g, p if p is not None else "(none)") for g, p in zip(gold, pred, strict=True)]
    n = len(pairs)
    if not n:
        return {"n": 0}
    classes = sorted({g for g, _ in pairs})
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    confusion = {g: dict.fromkeys(labels, 0) for g in labels}
    for g, p in pairs:
        confusion[g][p] += 1
    per_class = {}
    for c in classes:
        tp = confusion[c][c]
        fp = sum(confusion[g][c] for g in labels if g != c)
        fn = sum(v for p, v in confusion[c].items() if p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return {
        "n": n,
        "accuracy": sum(g == p for g, p in pairs) / n,
        "macro_f1": sum(v["f1"] for v in per_class.values()) / len(per_class),
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": [[confusion[g][p] for p in labels] for g in labels]},
    }


def deflection(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rows: {kept: bool (kept at T1 with a cited answer), deflectable: bool|None, cited_relevant: bool|None}.

    rate: kept / all. correct_rate: kept, labelled deflectable and (where known) a relevant source cited, over
    the labelled cases. false_rate: kept but labelled not deflectable, or citing nothing relevant, over the kept
    labelled cases. Escalation precision/recall treat "escalated" (not kept) as the positive class and "not
    deflectable" as the truth.
    """
    n = len(rows)
    labelled = [r for r in rows if r.get("deflectable") is not None]
    kept = [r for r in labelled if r["kept"]]

    def correct(r: dict[str, Any]) -> bool:
        return bool(r["deflectable"]) and r.get("cited_relevant") is not False

    false = [r for r in kept if not correct(r)]
    escalated = [r for r in labelled if not r["kept"]]
    should = [r for r in labelled if not r["deflectable"]]
    true_esc = [r for r in escalated if not r["deflectable"]]
    return {
        "n": n,
        "n_labelled": len(labelled),
        "rate": sum(r["kept"] for r in rows) / n if n else 0.0,
        "correct_rate": sum(correct(r) for r in kept) / len(labelled) if labelled else 0.0,
        "false_rate": len(false) / len(kept) if kept else 0.0,
        "escalation_precision": len(true_esc) / len(escalated) if escalated else 0.0,
        "escalation_recall": len(true_esc) / len(should) if should else 0.0,
    }


_WORD = re.compile(r"(?u)\b\w\w+\b")


def token_f1(answer: str, reference: str) -> float:
    """Bag-of-words F1 between an answer and a reference (SQuAD-style), case-insensitive."""
    a = Counter(_WORD.findall(answer.lower()))
    b = Counter(_WORD.findall(reference.lower()))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision = common / sum(a.values())
    recall = common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def context_precision_recall(contexts: Sequence[str], references: Sequence[str]) -> tuple[float, float]:
    """Non-LLM context precision/recall (in the spirit of ragas' reference-based ones): a context counts as
    relevant if it covers at least half of some reference sentence's words; recall is the share of reference
    sentences covered by some context."""
    if not contexts or not references:
        return 0.0, 0.0

    def covers(ctx: str, ref: str) -> bool:
        words = set(_WORD.findall(ref.lower()))
        return bool(words) and len(words & set(_WORD.findall(ctx.lower()))) / len(words) >= 0.5

    precision = sum(any(covers(c, r) for r in references) for c in contexts) / len(contexts)
    recall = sum(any(covers(c, r) for c in contexts) for r in references) / len(references)
    return precision, recall
