"""Facts agents corrected, reused on the next ticket that says the same thing.

An agent who sets a ticket's severity or signals in the sidebar tells the service what those words mean here. A new
ticket of the same account whose text is nearly the same (cosine similarity of the sentence embeddings at least
``similarity``) gets the corrected facts, each saying it came from an agent's correction; the lexicons fill the
rest. Each corrected ticket's text is embedded once, when its correction arrives; each request is one matrix
product. Only fact values are reused, never a ticket's text or which ticket it was, and only within the account
whose agent made the correction: another account never learns that a ticket like it exists.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from assist.infer import Inferred
from ingest.embed import Embedder

# Nearly the same words: the same problem told again, not a neighbouring one (retellings in other words score
# 0.75-0.9 with this model; an agent's correction should reach only what it was about).
SAME_TEXT_SIMILARITY = 0.85


class CorrectedFacts:
    """``count()``: how many corrections set facts; ``examples()``: (account, ticket text, facts the agent set)."""

    def __init__(
        self,
        embedder: Embedder,
        count: Callable[[], int],
        examples: Callable[[], list[tuple[str | None, str, dict[str, Any]]]],
        similarity: float = SAME_TEXT_SIMILARITY,
        recheck_seconds: float = 30.0,
    ) -> None:
        self.embedder, self.count, self.examples = embedder, count, examples
        self.similarity, self.recheck_seconds = similarity, recheck_seconds
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._loaded_for = 0
        # (embeddings of the corrected tickets, the account and the facts set of each), swapped whole
        self._memory: tuple[np.ndarray, list[tuple[str | None, dict[str, Any]]]] = (np.zeros((0, 0)), [])
        self._vectors: dict[str, Any] = {}  # ticket text -> its embedding

    def refresh(self) -> None:
        """Reload at the next request (an agent just corrected facts here)."""
        self._checked_at = -math.inf

    def facts_for(self, vector: Any, account: str | None) -> dict[str, Inferred]:
        """The facts an agent of ``account`` set on its most similar corrected ticket, when that says nearly the
        same thing."""
        self._reload()
        matrix, examples = self._memory
        own = [i for i, (owner, _) in enumerate(examples) if owner == account]
        if not own:
            return {}
        similarities = matrix[own] @ np.asarray(vector, dtype=np.float32)
        best = int(np.argmax(similarities))
        similarity = float(similarities[best])
        if similarity < self.similarity:
            return {}
        why = f"an agent's correction of a ticket saying nearly the same (similarity {similarity:.2f})"
        return {
            name: Inferred.by("agent_correction", frozenset(value) if isinstance(value, list) else value, why)
            for name, value in examples[own[best]][1].items()
        }

    def _reload(self) -> None:
        if time.monotonic() - self._checked_at < self.recheck_seconds:
            return
        self._checked_at = time.monotonic()
        with self._lock:
            n = self.count()
            if n == self._loaded_for:
                return
            examples = [(account, text, facts) for account, text, facts in self.examples() if facts]
            # Only texts not embedded before: one new correction costs one embedding, not one per correction.
            new = sorted({text for _, text, _ in examples} - self._vectors.keys())
            if new:
                self._vectors.update(zip(new, self.embedder.embed(new), strict=True))
            vectors = [self._vectors[text] for _, text, _ in examples]
            self._memory = (np.asarray(vectors, dtype=np.float32), [(a, f) for a, _, f in examples])
            self._loaded_for = n
