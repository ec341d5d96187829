"""Metric functions against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from evals import metrics


def test_ranking_metrics_by_hand() -> None:
    ranked = ["a", "b", "c", "d"]
    assert metrics.first_relevant_rank(ranked, {"c"}) == 3
    assert metrics.reciprocal_rank(ranked, {"c", "d"}) == pytest.approx(1 / 3)
    assert metrics.recall_at_k(ranked, {"b", "z"}, 2) == 0.5
    assert metrics.recall_at_k(ranked, {"z"}, 10) == 0.0
    # nDCG@10 with relevant {b, d}: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    want = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert metrics.ndcg_at_k(ranked, {"b", "d"}, 10) == pytest.approx(want)
    assert metrics.ndcg_at_k(ranked, {"a"}, 10) == 1.0


def test_retrieval_summary_skips_unlabelled_and_dedupes() -> None:
    s = metrics.retrieval_summary([(["a", "a", "b"], {"b"}), (["x"], set()), (["c"], {"c"})])
    assert s["n"] == 2 and s["recall@1"] == 0.5 and s["mrr"] == pytest.approx((1 / 2 + 1) / 2)


def test_classification_by_hand() -> None:
    gold = ["billing", "billing", "tech", "tech", "tech"]
    pred = ["billing", "tech", "tech", "tech", None]
    m = metrics.classification(gold, pred)
    assert m["accuracy"] == pytest.approx(3 / 5)
    # billing: P 1/1, R 1/2 -> F1 2/3. tech: P 2/3, R 2/3 -> F1 2/3.
    assert m["per_class"]["billing"]["f1"] == pytest.approx(2 / 3)
    assert m["per_class"]["tech"]["precision"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx(2 / 3)
    assert m["confusion"]["labels"] == ["(none)", "billing", "tech"]
    assert m["confusion"]["matrix"][2] == [1, 0, 2]  # tech row: one unpredicted, two right


def test_deflection_by_hand() -> None:
    rows = [
        {"kept": True, "deflectable": True, "cited_relevant": True},  # correct deflection
        {"kept": True, "deflectable": True, "cited_relevant": False},  # kept, cited the wrong thing: false
        {"kept": True, "deflectable": False, "cited_relevant": None},  # false deflection
        {"kept": False, "deflectable": False, "cited_relevant": None},  # right escalation
        {"kept": False, "deflectable": True, "cited_relevant": None},  # needless escalation
        {"kept": True, "deflectable": None, "cited_relevant": None},  # unlabelled: counts only in rate
    ]
    d = metrics.deflection(rows)
    assert d["rate"] == pytest.approx(4 / 6)
    assert d["correct_rate"] == pytest.approx(1 / 5)
    assert d["false_rate"] == pytest.approx(2 / 3)
    assert d["escalation_precision"] == pytest.approx(1 / 2)
    assert d["escalation_recall"] == pytest.approx(1 / 2)


def test_text_overlap_metrics() -> None:
    assert metrics.token_f1("install the missing libraries", "Install missing libraries now") == pytest.approx(
        2 * (3 / 4) * (3 / 4) / (3 / 4 + 3 / 4)
    )
    assert metrics.token_f1("nothing", "else") == 0.0
    p, r = metrics.context_precision_recall(
        ["install the missing gtk libraries", "unrelated text here"],
        ["missing gtk libraries", "contact redhat support"],
    )
    assert (p, r) == (0.5, 0.5)
