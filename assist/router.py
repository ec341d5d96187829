"""Functional routing learned from history: queue, priority and type predicted from past tickets' labels.

Two logistic regressions over past tickets, refit when the knowledge base changes: one on the sentence embeddings
already stored (first chunk of each), one on TF-IDF word, bigram and character n-gram features of the whole
question; their class probabilities are mixed (meaning from the embeddings, exact product terms from TF-IDF)
with a weight per label chosen on held-out past tickets (see ``_mix_weight``). It reads labels across accounts
— a queue name is routing metadata, not customer content — but never returns any past ticket's text.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.chunking import QUESTION_CHARS
from ingest.documents import TICKET_KINDS
from ingest.store import KnowledgeStore

LABELS = ("queue", "priority", "type")
# Agents' routing corrections: (ticket text, {label: value}) pairs, and how many there are (cheap, checked often).
Corrections = tuple[Callable[[], int], Callable[[], list[tuple[str, dict[str, str]]]]]


@dataclass(frozen=True)
class Prediction:
    value: str
    probability: float
    trained_on: int


class HistoryRouter:
    """Refits when the store's size changed, looked at most every ``recheck_seconds`` (counting every scope of
    the store on each request would cost more than routing), or at once after ``refresh()``.

    A refit runs in a background thread: fitting on a few thousand past tickets takes a minute on 2 cores, and no
    request should wait for it. Until the first fit is done ``predict`` returns nothing (the caller falls back to
    the labels of the most similar past tickets); after that, the previous models serve until the new ones are
    ready. ``fit()`` fits in the calling thread, for whoever must route with the models (the eval harness).
    """

    def __init__(
        self,
        store: KnowledgeStore,
        min_examples: int = 20,
        recheck_seconds: float = 30.0,
        background: bool = True,
        corrections: Corrections | None = None,
    ) -> None:
        self.store = store
        # Agents' corrections are training examples too: a ticket an agent re-routed is the best label there is.
        self.corrections = corrections
        # A one-shot process (the CLI) fits nothing in the background: it would exit while a thread is inside
        # native code (BLAS, torch), which is how `assist ask` used to crash at exit.
        self.background = background
        self.min_examples = min_examples
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._fitted_for: tuple[int, int] = (-1, -1)
        self._checked_at = -math.inf
        # (wording vectorizer shared by the labels, {label: (fitted models, mix weight, examples)}), swapped whole
        self._fitted: tuple[Any, dict[str, tuple[Any, float, int]]] = (None, {})
        self._fitting: threading.Thread | None = None

    def refresh(self) -> None:
        self._checked_at = -math.inf

    def _ensure(self) -> None:
        if not self.background or time.monotonic() - self._checked_at < self.recheck_seconds:
            return
        self._checked_at = time.monotonic()
        if self._state() == self._fitted_for or (self._fitting is not None and self._fitting.is_alive()):
            return
        self._fitting = threading.Thread(target=self.fit, name="router-fit", daemon=True)
        self._fitting.start()

    def _state(self) -> tuple[int, int]:
        """What the models were fit on: the store's size and the number of agents' corrections."""
        return self.store.count(), (self.corrections[0]() if self.corrections else 0)

    def fit(self) -> None:
        """Fit on the store and the corrections as they are now, unless the models already are for these."""
        with self._lock:
            count = self._state()
            if count == self._fitted_for:
                return
            from threadpoolctl import threadpool_limits

            # One BLAS/OpenMP thread: measured faster on 2 cores (65 s against 78 s for 1,310 past tickets), and
            # it leaves the other core to the requests served meanwhile.
            with threadpool_limits(1):
                fitted = self._train()
            self._fitted = fitted  # swapped in whole: a concurrent predict sees the old or the new models
            self._fitted_for = count

    def _train(self) -> tuple[Any, dict[str, tuple[Any, float, int]]]:
        vectors: list[Any] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        where = {"$and": [{"source": {"$in": sorted(k.value for k in TICKET_KINDS)}}, {"chunk": 0}]}
        for page in self.store.pages(where=where, include=["embeddings", "metadatas", "documents"]):
            vectors += list(page["embeddings"])
            # The question only: the resolution describes the fix, not where the ticket belongs. Whole, from the
            # first chunk's metadata (chunks shorten it).
            texts += [str(m.get("question") or d) for d, m in zip(page["documents"], page["metadatas"], strict=True)]
            metas += [dict(m) for m in page["metadatas"]]
        if self.corrections:
            corrected = self.corrections[1]()
            if corrected:
                texts += [text for text, _ in corrected]
                vectors += list(self.store.embedder.embed([text for text, _ in corrected]))
                metas += [labels for _, labels in corrected]
        models: dict[str, tuple[Any, float, int]] = {}
        # One wording vocabulary for every label (it reads no label): a request turns its text into features
        # once, not once per label — character n-grams of a long ticket are the costliest step of routing.
        wording, features = _wording(), None
        for label in LABELS:
            rows = [i for i, m in enumerate(metas) if m.get(label)]
            y = [str(metas[i][label]) for i in rows]
            if len(rows) < self.min_examples or len(set(y)) < 2:
                continue
            x = np.asarray([vectors[i] for i in rows], dtype=np.float32)
            t = [texts[i] for i in rows]
            weight = _mix_weight(x, t, y)
            if features is None:
                features = wording.fit_transform(texts)
            models[label] = (_fit(x, y, features[rows]), weight, len(rows))
        return wording, models

    def predict(self, vector: list[float], text: str) -> dict[str, Prediction]:
        self._ensure()
        out: dict[str, Prediction] = {}
        wording, models = self._fitted
        if not models:
            return out
        x = np.asarray([vector], dtype=np.float32)
        features = wording.transform([text[:QUESTION_CHARS]])
        for label, (fitted, weight, n) in models.items():
            probs = _mix(_probabilities(fitted, x, features), weight)[0]
            best = int(np.argmax(probs))
            out[label] = Prediction(str(fitted[0].classes_[best]), float(probs[best]), n)
        return out


WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # share of the embedding model in the mix


def _fit(x: np.ndarray, y: list[str], features: Any) -> tuple[Any, Any]:
    """(embedding model, wording model) for one label: ``x`` the embeddings, ``features`` the wording features."""
    from sklearn.linear_model import LogisticRegression

    dense = LogisticRegression(max_iter=2000, C=10.0).fit(x, y)
    lexical = LogisticRegression(max_iter=2000, C=5.0).fit(features, y)
    return dense, lexical


def _wording() -> Any:
    """TF-IDF of words and bigrams, plus character n-grams within words: those match a product name however it
    is inflected, compounded (German "Datenanalyseplattform") or misspelt, which whole words miss."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), max_features=50000)),
            ("chars", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), max_features=100000)),
        ]
    )


def _probabilities(fitted: tuple[Any, Any], x: np.ndarray, features: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each model's class probabilities. Both were fit on the same labels: their classes_ are the same list."""
    dense, lexical = fitted
    return np.asarray(dense.predict_proba(x)), np.asarray(lexical.predict_proba(features))


def _mix(probabilities: tuple[np.ndarray, np.ndarray], weight: float) -> np.ndarray:
    """``weight`` of the embedding model's probabilities, the rest of the wording model's."""
    return weight * probabilities[0] + (1 - weight) * probabilities[1]


def _mix_weight(x: np.ndarray, texts: list[str], y: list[str]) -> float:
    """How much to trust meaning (embeddings) over wording (TF-IDF) for this label, chosen on the past tickets
    alone: fit on four fifths, score the mixes on the fifth held out (every fifth ticket, so it is deterministic).
    Sets differ — a helpdesk with product names in every ticket favours wording — and this is decided per
    knowledge base, never on the tickets being routed."""
    scores = held_out_accuracy(x, texts, y)
    return choose_weight(scores, int((np.arange(len(y)) % 5 == 4).sum())) if scores else 0.5


def choose_weight(scores: dict[float, float], n_held: int) -> float:
    """The most accurate mix, if it beats the even mix by more than the held-out accuracy's standard error
    (a fifth of a few hundred tickets cannot tell 53.1% from 52.8%); otherwise the even mix."""
    best = max(scores, key=lambda w: (scores[w], -abs(w - 0.5)))
    p = scores[0.5]
    return best if scores[best] - p > math.sqrt(max(p * (1 - p), 1e-9) / max(n_held, 1)) else 0.5


def held_out_accuracy(x: np.ndarray, texts: list[str], y: list[str]) -> dict[float, float]:
    """Accuracy of each mix on every fifth past ticket, models (and the wording vocabulary) fit on the rest;
    empty when too few tickets."""
    held = np.arange(len(y)) % 5 == 4
    train_y = [label for label, h in zip(y, held, strict=True) if not h]
    if held.sum() < 10 or len(set(train_y)) < 2:
        return {}
    wording = _wording()
    train = wording.fit_transform([t for t, h in zip(texts, held, strict=True) if not h])
    fitted = _fit(x[~held], train_y, train)
    gold = np.asarray([label for label, h in zip(y, held, strict=True) if h])
    classes = fitted[0].classes_
    probabilities = _probabilities(
        fitted, x[held], wording.transform([t for t, h in zip(texts, held, strict=True) if h])
    )
    return {w: float(np.mean(classes[np.argmax(_mix(probabilities, w), axis=1)] == gold)) for w in WEIGHTS}
