"""Functional routing learned from history: queue, priority and type predicted from past tickets' labels.

Two logistic regressions over past tickets (first chunk of each), refit when the knowledge base changes: one on
the sentence embeddings already stored, one on TF-IDF word and bigram features of the same text; their class
probabilities are averaged (meaning from the embeddings, exact product terms from TF-IDF). It reads labels across
accounts — a queue name is routing metadata, not customer content — but never returns any past ticket's text.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.store import KnowledgeStore

LABELS = ("queue", "priority", "type")
TICKET_SOURCES = ("tickets", "zendesk", "resolutions")


@dataclass(frozen=True)
class Prediction:
    value: str
    probability: float
    trained_on: int


class HistoryRouter:
    """Refits when the store's size changed, looked at most every ``recheck_seconds`` (counting every scope of
    the store on each request would cost more than routing), or at once after ``refresh()``."""

    def __init__(self, store: KnowledgeStore, min_examples: int = 20, recheck_seconds: float = 30.0) -> None:
        self.store = store
        self.min_examples = min_examples
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._fitted_for = -1
        self._checked_at = -math.inf
        self._models: dict[str, tuple[Any, int]] = {}

    def refresh(self) -> None:
        self._checked_at = -math.inf

    def _ensure(self) -> None:
        if time.monotonic() - self._checked_at < self.recheck_seconds:
            return
        count = self.store.count()
        self._checked_at = time.monotonic()
        if count == self._fitted_for:
            return
        with self._lock:
            if count == self._fitted_for:
                return
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression

            vectors: list[Any] = []
            texts: list[str] = []
            metas: list[dict[str, Any]] = []
            where = {"$and": [{"source": {"$in": list(TICKET_SOURCES)}}, {"chunk": 0}]}
            for page in self.store.pages(where=where, include=["embeddings", "metadatas", "documents"]):
                vectors += list(page["embeddings"])
                # The question part only: the resolution text describes the fix, not where the ticket belongs.
                texts += [re.split(r"\n\n(?:Resolution|Reply): ", d, maxsplit=1)[0] for d in page["documents"]]
                metas += [dict(m) for m in page["metadatas"]]
            models: dict[str, tuple[Any, int]] = {}
            for label in LABELS:
                rows = [i for i, m in enumerate(metas) if m.get(label)]
                y = [str(metas[i][label]) for i in rows]
                if len(rows) < self.min_examples or len(set(y)) < 2:
                    continue
                x = np.asarray([vectors[i] for i in rows], dtype=np.float32)
                dense = LogisticRegression(max_iter=2000, C=10.0).fit(x, y)
                tfidf = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), max_features=50000)
                lexical = LogisticRegression(max_iter=2000, C=5.0).fit(tfidf.fit_transform([texts[i] for i in rows]), y)
                models[label] = ((dense, tfidf, lexical), len(rows))
            self._models = models
            self._fitted_for = count

    def predict(self, vector: list[float], text: str) -> dict[str, Prediction]:
        self._ensure()
        out = {}
        x = np.asarray([vector], dtype=np.float32)
        for label, ((dense, tfidf, lexical), n) in self._models.items():
            # Both models were fit on the same labels, so their classes_ are the same sorted list.
            probs = (dense.predict_proba(x)[0] + lexical.predict_proba(tfidf.transform([text]))[0]) / 2
            best = int(np.argmax(probs))
            out[label] = Prediction(str(dense.classes_[best]), float(probs[best]), n)
        return out
