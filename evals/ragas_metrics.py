"""ragas metrics for an eval run: the reference-based ones always, the LLM-judged ones when a judge is given.

* Always (no model calls): ragas' ``NonLLMContextPrecisionWithReference`` and ``NonLLMContextRecall`` (string
  similarity between the retrieved chunks and the gold answer sentences) and ``IDBasedContextPrecision`` /
  ``IDBasedContextRecall`` (the retrieved source ids against ``relevant_source_ids``).
* With ``--llm``: ``Faithfulness`` (is every claim of the answer supported by the retrieved chunks?) and
  ``AnswerRelevancy`` (do questions generated back from the answer match the ticket? cosine similarity with our
  own embedding model), judged by the same litellm model string, API base and key as the answers.

ragas is imported lazily (it takes seconds and is an install extra) with its usage tracking off.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    """What ragas reads of one case."""

    user_input: str
    response: str
    retrieved_contexts: list[str]
    retrieved_ids: list[str]
    reference_contexts: list[str] = field(default_factory=list)  # gold answer sentences / reference answer
    reference_ids: list[str] = field(default_factory=list)  # relevant_source_ids


@dataclass(frozen=True)
class Judge:
    """The model that judges faithfulness and relevancy (any litellm model string)."""

    model: str
    api_base: str | None = None
    api_key: str | None = None


def _import_ragas() -> tuple[Any, Any]:
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # ragas reports usage over the network otherwise
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import ragas
        from ragas import metrics

    return ragas, metrics


def available() -> str | None:
    """The installed ragas version, or None when the ``evals`` extra is not installed."""
    try:
        ragas, _ = _import_ragas()
    except ImportError:
        return None
    return str(ragas.__version__)


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.fmean(kept) if kept else None


def reference_scores(samples: list[Sample]) -> dict[str, Any]:
    """ragas' reference-based metrics, each averaged over the cases that carry its reference."""
    ragas, m = _import_ragas()
    from ragas import SingleTurnSample

    with warnings.catch_warnings():
        # ragas 0.4 moves these to ragas.metrics.collections (with another API) and warns on every access.
        warnings.simplefilter("ignore", DeprecationWarning)
        metrics = {
            "context_precision": (m.NonLLMContextPrecisionWithReference(), "text"),
            "context_recall": (m.NonLLMContextRecall(), "text"),
            "id_context_precision": (m.IDBasedContextPrecision(), "ids"),
            "id_context_recall": (m.IDBasedContextRecall(), "ids"),
        }
    out: dict[str, Any] = {"version": ragas.__version__}
    for name, (metric, needs) in metrics.items():
        values: list[float | None] = []
        for s in samples:
            if needs == "text" and not (s.reference_contexts and s.retrieved_contexts):
                continue
            if needs == "ids" and not (s.reference_ids and s.retrieved_ids):
                continue
            sample = SingleTurnSample(
                user_input=s.user_input,
                response=s.response,
                retrieved_contexts=s.retrieved_contexts,
                reference_contexts=s.reference_contexts or None,
                retrieved_context_ids=s.retrieved_ids,
                reference_context_ids=s.reference_ids or None,
            )
            values.append(float(metric.single_turn_score(sample)))
        out[name] = _mean(values)
        out[f"{name}_n"] = len(values)
    return out


class _Embeddings:
    """ragas' embedding interface over our embedder (the model on disk: no download, no API)."""

    def __init__(self, embedder: Any) -> None:
        from ragas.embeddings.base import BaseRagasEmbedding

        outer = self

        class Adapter(BaseRagasEmbedding):
            def embed_text(self, text: str, **kwargs: Any) -> list[float]:
                return list(outer.embedder.embed([text])[0])

            async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
                return self.embed_text(text)

            def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
                return [list(v) for v in outer.embedder.embed(list(texts))]

            async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
                return self.embed_texts(texts)

        self.embedder = embedder
        self.ragas = Adapter()


def judged_scores(samples: list[Sample], judge: Judge, embedder: Any) -> dict[str, Any]:
    """Faithfulness and answer relevancy, judged by ``judge``; a case the judge fails on is counted, not scored."""
    _import_ragas()
    import instructor
    import litellm
    from ragas.llms.litellm_llm import LiteLLMStructuredLLM
    from ragas.metrics.collections import AnswerRelevancy, Faithfulness

    litellm.telemetry = False
    client = instructor.from_litellm(litellm.acompletion, mode=instructor.Mode.JSON)
    args: dict[str, Any] = {"temperature": 0}
    if judge.api_base:
        args["api_base"] = judge.api_base
    if judge.api_key:
        args["api_key"] = judge.api_key
    llm = LiteLLMStructuredLLM(client=client, model=judge.model, provider="litellm", **args)
    faithfulness = Faithfulness(llm=llm)
    relevancy = AnswerRelevancy(llm=llm, embeddings=_Embeddings(embedder).ragas, strictness=1)

    async def score_all() -> tuple[list[float], list[float], list[str]]:
        faith: list[float] = []
        rel: list[float] = []
        errors: list[str] = []
        for s in samples:
            if not s.response.strip() or not s.retrieved_contexts:
                continue
            jobs = (
                (
                    faith,
                    "faithfulness",
                    lambda s=s: faithfulness.ascore(s.user_input, s.response, s.retrieved_contexts),
                ),
                (rel, "answer_relevancy", lambda s=s: relevancy.ascore(s.user_input, s.response)),
            )
            for sink, name, job in jobs:
                try:
                    sink.append(float((await job()).value))
                except Exception as exc:  # a judge that times out or replies badly: the case is not scored
                    errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:160]}")
        return faith, rel, errors

    faith, rel, errors = asyncio.run(score_all())
    return {
        "judge": judge.model,
        "faithfulness": _mean(faith),
        "faithfulness_n": len([v for v in faith if not math.isnan(v)]),
        "answer_relevancy": _mean(rel),
        "answer_relevancy_n": len([v for v in rel if not math.isnan(v)]),
        "judge_errors": len(errors),
        "judge_error_examples": errors[:3],
    }
