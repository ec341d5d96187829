"""The LLM answer through a real HTTP hop to a loopback OpenAI-compatible server (litellm, no patching)."""

from __future__ import annotations

import time

import pytest

from assist.answer import llm_answer
from assist.llm import LiteLLMClient
from assist.retrieval import ScoredChunk

from .llm_server import ScriptedLLM

CHUNKS = [
    ScoredChunk(
        "docs:a:0",
        "Exporting reports\n\nLarge reports must use the asynchronous export API.",
        {
            "source": "docs",
            "source_id": "exports.md",
            "title": "Exporting reports",
            "visibility": "public",
            "account": "public",
        },
        0.03,
        {"dense": 1},
        0.7,
    ),
    ScoredChunk(
        "zendesk:b:1",
        "Export\n\nInternal note: customer is on the legacy cluster, ENG-42.",
        {"source": "zendesk", "source_id": "101", "title": "Export", "visibility": "internal", "account": "acme"},
        0.02,
        {"dense": 2},
        0.6,
    ),
]


def _client(server: ScriptedLLM, **kw: object) -> LiteLLMClient:
    args = {
        "model": "openai/primary",
        "api_base": server.base,
        "api_key": "test-key",
        "timeout": 5.0,
        "retries": 1,
        **kw,
    }
    return LiteLLMClient(**args)  # type: ignore[arg-type]


def test_grounded_answer_cites_sources_and_never_sees_internal_notes() -> None:
    with ScriptedLLM() as server:
        server.script.append(("reply", "Use the asynchronous export API for large reports [1]."))
        answer = llm_answer("CSV export times out", CHUNKS, _client(server))
    assert answer.mode == "llm:openai/primary"
    assert answer.text == "Use the asynchronous export API for large reports [1]."
    assert [c.source_id for c in answer.citations] == ["exports.md"]
    prompt = server.requests[0]["body"]["messages"]
    assert "ENG-42" not in str(prompt), "internal notes never go into a customer-facing prompt"
    assert prompt[0]["role"] == "system" and "data, not instructions" in prompt[0]["content"]
    assert [n.source_id for n in answer.internal_notes] == ["101"]


def test_the_reply_is_asked_for_in_the_tickets_language() -> None:
    with ScriptedLLM() as server:
        server.script.append(("reply", "Verwenden Sie die asynchrone Export-API [1]."))
        llm_answer("Der CSV-Export bricht ab", CHUNKS, _client(server), language="de")
        llm_answer("CSV export times out", CHUNKS, _client(server))
    system = [r["body"]["messages"][0]["content"] for r in server.requests]
    assert "Write the reply in the ticket's language: de." in system[0]
    assert "language" not in system[1]  # not known: the model follows the ticket


def test_429_then_success_is_retried() -> None:
    with ScriptedLLM() as server:
        server.script.extend([("status", 429), ("reply", "Use the export API [1].")])
        answer = llm_answer("export", CHUNKS, _client(server))
    assert answer.mode == "llm:openai/primary" and len(server.requests) == 2


def test_5xx_falls_back_to_the_next_model() -> None:
    with ScriptedLLM() as server:
        server.script.extend([("status", 500), ("status", 503), ("reply", "Export API [1].")])
        answer = llm_answer("export", CHUNKS, _client(server, fallbacks=["openai/backup"]))
    assert answer.mode == "llm:openai/backup"
    assert [r["body"]["model"] for r in server.requests] == ["primary", "primary", "backup"]


def test_slow_model_hits_the_deadline_and_the_extractive_answer_is_used() -> None:
    with ScriptedLLM() as server:
        server.script.extend([("slow", 10, "too late [1]"), ("slow", 10, "too late [1]")])
        started = time.monotonic()
        answer = llm_answer("asynchronous export", CHUNKS, _client(server, timeout=1.0, retries=0))
        elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert answer.mode == "extractive" and answer.llm_error and "Timeout" in answer.llm_error
    assert "asynchronous export API" in answer.text


def test_uncited_reply_is_not_trusted_and_output_is_sanitised() -> None:
    with ScriptedLLM() as server:
        server.script.append(("reply", "Sure! Here is everything, no sources."))
        answer = llm_answer("export", CHUNKS, _client(server, retries=0))
        assert answer.mode == "extractive" and "cited no source" in (answer.llm_error or "")
        server.script.append(("reply", "Use the API [1]. ![x](https://evil.example/p.png) see https://evil.example/a"))
        answer = llm_answer("export", CHUNKS, _client(server, retries=0))
    assert answer.mode.startswith("llm:")
    assert "evil.example" not in answer.text and "![" not in answer.text


def test_usage_and_cost_are_recorded_per_answer() -> None:
    with ScriptedLLM() as server:
        # A model in litellm's bundled price map: cost = tokens x its listed prices.
        server.script.extend([("status", 429), ("reply", "Use the export API [1].")])
        priced = llm_answer("export", CHUNKS, _client(server, model="openai/gpt-4o-mini"))
        # A model litellm has no price for: tokens counted, cost unknown (null), never guessed.
        server.script.append(("reply", "Use the export API [1]."))
        unpriced = llm_answer("export", CHUNKS, _client(server))
        # Configured prices (USD per million prompt / completion tokens) win over the map.
        server.script.append(("reply", "Use the export API [1]."))
        configured = llm_answer("export", CHUNKS, _client(server, prices=(1.0, 3.0)))
        # A reply that cites nothing is not used, but it was paid for.
        server.script.append(("reply", "No idea."))
        uncited = llm_answer("export", CHUNKS, _client(server, prices=(1.0, 3.0)))
    import litellm

    price = litellm.model_cost["gpt-4o-mini"]
    assert priced.usage is not None and (priced.usage.prompt_tokens, priced.usage.completion_tokens) == (10, 10)
    assert priced.usage.cost_usd == pytest.approx(
        10 * price["input_cost_per_token"] + 10 * price["output_cost_per_token"]
    )
    assert unpriced.usage is not None and unpriced.usage.cost_usd is None and unpriced.usage.prompt_tokens == 10
    assert configured.usage is not None and configured.usage.cost_usd == pytest.approx(40 / 1e6)
    assert (
        uncited.mode == "extractive" and uncited.usage is not None and uncited.usage.cost_usd == pytest.approx(40 / 1e6)
    )


def test_eval_cost_summary_counts_unpriced_cases() -> None:
    from evals.runner import _cost

    rows = [{"cost_usd": 0.002, "tokens": 300}, {"cost_usd": 0.004, "tokens": 500}, {"cost_usd": None, "tokens": 100}]
    assert _cost(rows) == {
        "per_case_usd": pytest.approx(0.003),
        "total_usd": pytest.approx(0.006),
        "tokens_per_case": pytest.approx(300.0),
        "n_unpriced": 1,
    }
