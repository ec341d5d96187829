"""ragas wiring: the reference metrics by hand, and the LLM-judged ones over a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from evals.ragas_metrics import Judge, Sample, judged_scores, reference_scores
from tests.assist.llm_server import ScriptedLLM

SAMPLE = Sample(
    user_input="CSV export times out for large reports",
    response="Use the asynchronous export API for large reports [1]. Restart the server nightly [2].",
    retrieved_contexts=["Use the asynchronous export API for large reports.", "Billing runs on the first."],
    retrieved_ids=["exports.md", "billing.md"],
    reference_contexts=["Use the asynchronous export API for large reports."],
    reference_ids=["exports.md"],
)


def test_reference_metrics_by_hand() -> None:
    scores = reference_scores([SAMPLE, Sample("q", "a", ["x"], ["x.md"])])  # the second has no references
    # Retrieved [exports.md (relevant), billing.md]: precision 1/2, recall 1/1. The first context repeats the
    # reference word for word (string similarity 1), the second shares nothing: average precision 1, recall 1.
    assert scores["id_context_precision"] == pytest.approx(0.5)
    assert scores["id_context_recall"] == pytest.approx(1.0)
    assert scores["context_precision"] == pytest.approx(1.0, abs=1e-6)
    assert scores["context_recall"] == pytest.approx(1.0)
    assert scores["context_recall_n"] == 1 and scores["id_context_precision_n"] == 1


def test_llm_judged_metrics_over_a_loopback_model(embedder: Any) -> None:
    with ScriptedLLM() as server:
        server.script.extend(
            [
                # faithfulness: the answer's statements, then a verdict per statement against the contexts
                ("reply", json.dumps({"statements": ["Use the async export API.", "Restart the server nightly."]})),
                (
                    "reply",
                    json.dumps(
                        {
                            "statements": [
                                {"statement": "Use the async export API.", "reason": "in context 1", "verdict": 1},
                                {"statement": "Restart the server nightly.", "reason": "not in context", "verdict": 0},
                            ]
                        }
                    ),
                ),
                # answer relevancy: a question generated back from the answer
                ("reply", json.dumps({"question": "How do I export large reports?", "noncommittal": 0})),
            ]
        )
        scores = judged_scores([SAMPLE], Judge("openai/judge", server.base, "test-key"), embedder)
    assert scores["judge_errors"] == 0, scores["judge_error_examples"]
    assert scores["faithfulness"] == pytest.approx(0.5)  # one of two statements supported
    a, b = np.asarray(embedder.embed(["How do I export large reports?", SAMPLE.user_input]))
    assert scores["answer_relevancy"] == pytest.approx(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)), abs=1e-5)
    assert [r["body"]["model"] for r in server.requests] == ["judge"] * 3


def test_a_failing_judge_is_counted_not_scored(embedder: Any) -> None:
    with ScriptedLLM() as server:  # an empty script answers 500 to everything
        scores = judged_scores([SAMPLE], Judge("openai/judge", server.base, "test-key"), embedder)
    assert scores["faithfulness"] is None and scores["answer_relevancy"] is None
    assert scores["judge_errors"] == 2
