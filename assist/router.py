"""Functional routing learned from history: queue, priority and type predicted from past tickets' labels.

A logistic regression over the sentence embeddings already stored for past tickets (first chunk of each), refit
when the knowledge base changes. It reads labels across accounts — a queue name is routing metadata, not
customer content — but never returns any past ticket's text. The predicted value says which tickets taught it.
"""

from __future__ import annotations

import threading
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
    def __init__(self, store: KnowledgeStore, min_examples: int = 20) -> None:
        self.store = store
        self.min_examples = min_examples
        self._lock = threading.Lock()
        self._fitted_for = -1
        self._models: dict[str, tuple[Any, int]] = {}

    def _ensure(self) -> None:
        count = self.store.count()
        if count == self._fitted_for:
            return
        with self._lock:
            if count == self._fitted_for:
                return
            from sklearn.linear_model import LogisticRegression

            vectors: list[Any] = []
            metas: list[dict[str, Any]] = []
            offset = 0
            where = {"$and": [{"source": {"$in": list(TICKET_SOURCES)}}, {"chunk": 0}]}
            while True:
                page = self.store.collection.get(
                    where=where, include=["embeddings", "metadatas"], limit=5000, offset=offset
                )
                if not page["ids"]:
                    break
                vectors += list(page["embeddings"])
                metas += [dict(m) for m in page["metadatas"]]
                offset += len(page["ids"])
            models: dict[str, tuple[Any, int]] = {}
            for label in LABELS:
                rows = [(v, str(m[label])) for v, m in zip(vectors, metas, strict=True) if m.get(label)]
                classes = {y for _, y in rows}
                if len(rows) < self.min_examples or len(classes) < 2:
                    continue
                x = np.asarray([v for v, _ in rows], dtype=np.float32)
                model = LogisticRegression(max_iter=2000, C=10.0).fit(x, [y for _, y in rows])
                models[label] = (model, len(rows))
            self._models = models
            self._fitted_for = count

    def predict(self, vector: list[float]) -> dict[str, Prediction]:
        self._ensure()
        out = {}
        x = np.asarray([vector], dtype=np.float32)
        for label, (model, n) in self._models.items():
            probs = model.predict_proba(x)[0]
            best = int(np.argmax(probs))
            out[label] = Prediction(str(model.classes_[best]), float(probs[best]), n)
        return out
