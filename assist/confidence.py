"""How sure the answer is: ``kb_confidence``, the probability that the cited source answers the ticket.

The matrix reads it (a Tier 1 answer is kept only above the matrix's threshold), and deflection needs it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from assist.answer import Answer
from assist.retrieval import ScoredChunk, documented_codes, source_text, words
from ingest.documents import is_ticket_source


# kb_confidence = logistic(A * s + C * agree + D * coverage + M * margin + B), with A..M per kind of knowledge the
# answer's first citation comes from: s = cosine similarity of the best cited chunk; agree = 1 when the dense and the
# BM25 stage put the same source first (two independent retrievers agreeing); coverage = share of the question's
# specific terms (error codes, product names: see SPECIFIC_SHARE) that the first cited source mentions — an on-topic
# article that never names what the customer quoted rarely holds the answer; margin = s minus the mean similarity of
# the next (up to five) other sources retrieved — an answer stands out from its neighbours, while a question the
# knowledge base does not answer finds several articles about as close as each other. Fitted by
# benchmarks/calibrate_confidence.py (which also prints leave-one-out figures), recorded here so the runtime needs
# no data at start.
@dataclass(frozen=True)
class Calibration:
    similarity: float  # A
    agreement: float  # C
    coverage: float  # D
    bias: float  # B
    margin: float = 0.0  # M


CALIBRATIONS = {
    # Help-center articles, technotes and Slack threads: one fit on two sets' documentation answers — TechQA dev
    # (80 cases: IBM technotes, on-topic unanswerable questions) and escalation_b2b dev's Tier 1 tickets answered
    # first from documentation or Slack (66) — so it holds for a large technical library and a small help center
    # alike. Leave-one-out at 0.8: TechQA false deflection 7%, b2b 4% with 72% of answerable tickets kept.
    "docs": Calibration(4.74, 0.80, 1.25, -2.81, margin=5.52),
    # The account's own past tickets: escalation_b2b dev, the 30 tickets Tier 1 handles whose answer came first from
    # a past ticket (25 were answerable from it). Agreement and coverage add nothing there — a customer retells the
    # same problem in new words and new names — so only the similarity to the past ticket counts
    # (`--kind past_ticket --tier T1 --signals similarity`).
    "past_ticket": Calibration(2.34, 0.0, 0.0, -0.09),
}


class Signals(NamedTuple):
    """The inputs of ``kb_confidence``: the calibration reads them, and an agent's verdict is later read against
    the log-odds they give."""

    similarity: float
    agree: float
    coverage: float
    kind: str = "docs"  # the CALIBRATIONS key of the first citation's knowledge
    margin: float = 0.0


def knowledge_kind(source: object) -> str:
    """The calibration a source's answers get: past tickets (and recorded resolutions) or documentation."""
    return "past_ticket" if is_ticket_source(source) else "docs"


def stages_agree(chunks: list[ScoredChunk]) -> bool:
    """Did the dense and the lexical stage rank the same source first?"""
    dense = next((c.source_id for c in chunks if c.ranks.get("dense") == 1), None)
    lexical = next((c.source_id for c in chunks if c.ranks.get("bm25") == 1), None)
    return dense is not None and dense == lexical


def term_coverage(terms: list[str], chunks: list[ScoredChunk], answer: Answer) -> tuple[float, list[str]]:
    """The share of ``terms`` (the question's specific terms) that the first cited source's retrieved chunks
    mention, and the ones they do not. A question that names nothing specific is fully covered."""
    if not answer.citations:
        return 0.0, list(terms)
    seen = words(source_text(chunks, answer.citations[0].source_id))
    missing = [t for t in terms if t not in seen]
    return (1.0 - len(missing) / len(terms) if terms else 1.0), missing


# A past ticket that never names the error code the customer quotes was about another problem, however close its
# words: the same account, the same integration, another failure. A code is what the system printed, so a past
# customer with the same problem quoted it too. Such an answer's confidence is held below any deflection threshold
# a matrix would set. The past-ticket model cannot learn this: it reads similarity alone, since customers retell a
# problem in new words. (Articles and Slack threads are left to their model's coverage signal: a thread may solve a
# code's cause without naming it.) Only codes of a family the documentation uses count (``documented_codes``).
UNEXPLAINED_CODE_CAP = 0.5


def unexplained_codes(query: str, chunks: list[ScoredChunk], answer: Answer) -> list[str]:
    """The documented kind of error codes ``query`` quotes when the answer rests on a past ticket that names none
    of them (upper-cased; an empty list when it names one, or nothing of the kind is quoted)."""
    if not answer.citations or knowledge_kind(answer.citations[0].source) != "past_ticket":
        return []
    codes = documented_codes(query, chunks)
    cited = source_text(chunks, answer.citations[0].source_id)
    return [] if not codes or any(c in cited for c in codes) else [c.upper() for c in codes]


def margin(chunks: list[ScoredChunk], top: str, similarity: float, neighbours: int = 5) -> float:
    """How far ``similarity`` (the answer's) stands above the mean similarity of the next ``neighbours`` other
    sources retrieved; 0 when nothing else was found by similarity."""
    best: dict[str, float] = {}
    for c in chunks:
        if c.source_id != top and c.similarity is not None:
            best[c.source_id] = max(best.get(c.source_id, -1.0), c.similarity)
    others = sorted(best.values(), reverse=True)[:neighbours]
    return similarity - sum(others) / len(others) if others else 0.0


def confidence_signals(chunks: list[ScoredChunk], answer: Answer, coverage: float) -> Signals:
    """(best cited similarity, stages agree, coverage, the first citation's kind of knowledge, margin)."""
    cited = {c.source_id for c in answer.citations}
    sims = [c.similarity for c in chunks if c.source_id in cited and c.similarity is not None]
    if not answer.citations:
        return Signals(0.0, float(stages_agree(chunks)), coverage)
    top = answer.citations[0].source_id
    best = max(sims) if sims else 0.0
    kind = knowledge_kind(answer.citations[0].source)
    return Signals(best, float(stages_agree(chunks)), coverage, kind, margin(chunks, top, best))


def score(signals: Signals) -> float:
    """The calibrated model's log-odds for the signals, by the calibration of their kind of knowledge."""
    cal = CALIBRATIONS[signals.kind]
    return (
        cal.similarity * signals.similarity
        + cal.agreement * signals.agree
        + cal.coverage * signals.coverage
        + cal.margin * signals.margin
        + cal.bias
    )


def confidence(
    chunks: list[ScoredChunk], answer: Answer, coverage: float, recalibration: tuple[float, float] = (1.0, 0.0)
) -> float:
    """``recalibration`` (a, b): the log-odds are read as ``a * z + b``, refit on agents' verdicts."""
    signals = confidence_signals(chunks, answer, coverage)
    return probability(signals, recalibration) if answer.citations else 0.0


def probability(signals: Signals, recalibration: tuple[float, float] = (1.0, 0.0)) -> float:
    """kb_confidence from the signals of a cited answer (0 when nothing cited was found by similarity)."""
    if signals[0] == 0.0:
        return 0.0
    a, b = recalibration
    return round(1.0 / (1.0 + math.exp(-(a * score(signals) + b))), 4)


class Recalibration:
    """Agents' verdicts on answers refit how the log-odds are read (Platt scaling: two numbers, so a few dozen
    verdicts move it safely); the shape of each model — which signals, in what proportion — stays as shipped. Each
    kind of knowledge gets its own refit once it has ``min_examples`` verdicts of both kinds (a deployment's
    help-center may be better or worse than its past tickets); until then it reads the refit of all verdicts
    together, and with too few of those, the shipped calibration as is. Refit when the number of verdicts changed,
    looked at most every ``recheck_seconds``.

    ``verdicts()``: (log-odds the answer had, whether the agent found it right, its kind of knowledge or None)
    triples; ``count()``: how many."""

    IDENTITY = (1.0, 0.0)

    def __init__(
        self,
        count: Callable[[], int],
        verdicts: Callable[[], list[tuple[float, bool, str | None]]],
        min_examples: int = 30,
        recheck_seconds: float = 30.0,
    ) -> None:
        self.count, self.verdicts = count, verdicts
        self.min_examples, self.recheck_seconds = min_examples, recheck_seconds
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._fitted_for = -1
        self._params: dict[str | None, tuple[float, float]] = {}  # None: all kinds together

    def current(self, kind: str | None = None) -> tuple[float, float]:
        """(a, b) for answers of ``kind``: its own refit, else the pooled one, else the identity."""
        if time.monotonic() - self._checked_at >= self.recheck_seconds:
            self._checked_at = time.monotonic()
            self.refit()
        params = self._params
        return params.get(kind) or params.get(None) or self.IDENTITY

    def refit(self) -> None:
        with self._lock:
            n = self.count()
            if n == self._fitted_for:
                return
            self._fitted_for = n
            rows = self.verdicts()
            fitted: dict[str | None, tuple[float, float]] = {}
            for kind in [None, *sorted({k for _, _, k in rows if k})]:
                found = self._fit([(z, ok) for z, ok, k in rows if kind is None or k == kind])
                if found is not None:
                    fitted[kind] = found
            self._params = fitted

    def _fit(self, rows: list[tuple[float, bool]]) -> tuple[float, float] | None:
        labels = [ok for _, ok in rows]
        if len(rows) < self.min_examples or all(labels) or not any(labels):
            return None
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1.0).fit([[z] for z, _ in rows], labels)
        # A verdict set that says confidence runs backwards is noise, not a reason to invert it.
        return (max(float(model.coef_[0][0]), 0.05), float(model.intercept_[0]))
