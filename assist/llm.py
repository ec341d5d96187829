"""The LLM client: any litellm model string, with a wall-clock deadline, retries and fallback models.

``LLM`` is the one-method interface the answer step needs; tests inject a client pointed at a loopback server
that speaks the OpenAI API. Nothing here is imported or called unless a model is configured.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol


@dataclass(frozen=True)
class Usage:
    """Tokens and cost of every call one answer took (retries and fallbacks that got a reply included)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0  # None: a model with no known price (set ASSIST_LLM_*_USD_PER_MTOK)

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens, cost)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": self.cost_usd,
        }


class Completion(NamedTuple):
    text: str
    model: str  # the model that answered (a fallback, maybe)
    usage: Usage


class LLM(Protocol):
    def complete(self, messages: list[dict[str, str]]) -> Completion:
        """The reply, the model that gave it, and what it cost. Raise on failure after retries and fallbacks."""
        ...


class LiteLLMClient:
    """litellm with a wall-clock deadline per call, retries and fallback models."""

    def __init__(
        self,
        model: str,
        api_base: str | None = None,
        api_key: str | None = None,
        fallbacks: list[str] | None = None,
        timeout: float = 20.0,
        retries: int = 2,
        prices: tuple[float, float] | None = None,
    ) -> None:
        self.models = [model, *(fallbacks or [])]
        self.api_base = api_base
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.prices = prices  # USD per million (prompt, completion) tokens; None: litellm's price map

    def _usage(self, litellm: Any, resp: Any) -> Usage:
        tokens = getattr(resp, "usage", None)
        prompt = int(getattr(tokens, "prompt_tokens", 0) or 0)
        completion = int(getattr(tokens, "completion_tokens", 0) or 0)
        if self.prices is not None:
            return Usage(prompt, completion, (prompt * self.prices[0] + completion * self.prices[1]) / 1e6)
        try:
            cost: float | None = float(litellm.completion_cost(completion_response=resp))
        except Exception:  # litellm raises for a model missing from its price map (self-hosted, a proxy alias)
            cost = None
        return Usage(prompt, completion, cost)

    def complete(self, messages: list[dict[str, str]]) -> Completion:
        # Offline by default: litellm would otherwise fetch its model price map over the network at import.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.telemetry = False
        litellm.suppress_debug_info = True  # no "Give Feedback" banners on stdout

        errors = []
        spent = Usage()
        deadline = time.monotonic() + self.timeout * (self.retries + 1) * len(self.models)
        for model in self.models:
            for attempt in range(self.retries + 1):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    resp = litellm.completion(
                        model=model,
                        messages=messages,
                        api_base=self.api_base,
                        api_key=self.api_key,
                        timeout=min(self.timeout, remaining),
                        num_retries=0,
                        temperature=0,
                    )
                    spent += self._usage(litellm, resp)
                    text = resp.choices[0].message.content or ""
                    if text.strip():
                        return Completion(text, model, spent)
                    errors.append(f"{model}: empty reply")
                except Exception as exc:
                    errors.append(f"{model}: {type(exc).__name__}: {str(exc)[:200]}")
                    if attempt < self.retries:
                        time.sleep(min(0.2 * 2**attempt, 2.0))
        raise RuntimeError("; ".join(errors[-4:]) or "LLM deadline exceeded")


def llm_from_settings(settings: Any) -> LiteLLMClient | None:
    """The configured client, or None when no model is configured (extractive answers)."""
    s = settings
    if not s.llm_model:
        return None
    prices = (
        (s.llm_input_usd_per_mtok or 0.0, s.llm_output_usd_per_mtok or 0.0)
        if s.llm_input_usd_per_mtok is not None or s.llm_output_usd_per_mtok is not None
        else None
    )
    return LiteLLMClient(
        s.llm_model,
        s.llm_api_base,
        s.llm_api_key.get_secret_value() if s.llm_api_key else None,
        s.llm_fallbacks,
        s.llm_timeout_seconds,
        s.llm_retries,
        prices,
    )
