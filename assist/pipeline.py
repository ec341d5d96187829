"""The assist pipeline: ``run(ticket) -> AssistResult``. Deflect first, then decide.

    retrieve   the ticket's account's chunks and public ones (assist.retrieval)
    answer     extractive, or an LLM's with citations (assist.answer)
    confidence how likely the cited source answers it: kb_confidence (assist.confidence)
    facts      inferred from the words, the similar past tickets, the routing model and the account; the
               helpdesk's own facts win (assist.infer, assist.router)
    decide     the matrix in force (assist.policy), evaluated on those facts (matrix.evaluate)
    log        the decision, its facts and the matrix version (assist.decision_log)

Each step is a method with one job; the parts are built once by the composition root (``assist.runtime``) and
passed in, so a test or an eval can hand it another embedder, LLM client or store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from assist.answer import Answer, extractive_answer, llm_answer
from assist.confidence import (
    UNEXPLAINED_CODE_CAP,
    Recalibration,
    confidence_signals,
    probability,
    score,
    term_coverage,
    unexplained_codes,
)
from assist.corrections import CorrectedFacts
from assist.decision_log import DecisionLog
from assist.infer import Inferred, infer_facts
from assist.language import detect
from assist.llm import LLM
from assist.models import AssistResult, TicketIn
from assist.policy import PolicyStore
from assist.retrieval import HybridRetriever, ScoredChunk
from assist.router import HistoryRouter
from ingest.connectors.base import Account
from ingest.embed import Embedder
from ingest.redact import redact_text, redact_values
from matrix import Decision, Matrix, evaluate
from matrix.errors import FactError

# Signals that say someone must do something (restore, fix, investigate, credit): an answer alone never resolves them.
NEEDS_ACTION = frozenset({"outage", "data_loss", "security_incident", "confirmed_defect"})


@dataclass(frozen=True)
class PipelineOptions:
    retrieval_k: int = 8
    # A ticket counts as deflected only when Tier 1 keeps it with a cited answer at least this confident.
    deflection_threshold: float = 0.8
    link_hosts: frozenset[str] = frozenset()  # hosts an answer may link to; others are stripped
    # An inferred fact less sure than this is not set: the decision lists it as needing the agent, with its
    # suggestion, instead of deciding on a guess (assist.infer.EVIDENCE_CONFIDENCE).
    fact_threshold: float = 0.4


@dataclass(frozen=True)
class RunDetail:
    """What the eval harness measures besides the result: the ranked chunks, the facts the matrix read and the
    milliseconds per step. It never changes the result."""

    chunks: list[ScoredChunk]
    facts: dict[str, Any]
    ms: dict[str, float]


@dataclass(frozen=True)
class KbConfidence:
    """kb_confidence with what it rests on: the ticket's specific terms the cited source does not mention, the error
    codes it quotes that the source never names (the value is then held at ``UNEXPLAINED_CODE_CAP``), and the
    model's log-odds before recalibration with its kind of knowledge (None without a cited answer): what an
    agent's verdict is later read against."""

    value: float
    coverage: float  # share of the ticket's specific terms the cited source mentions
    missing: list[str]
    unexplained: list[str]
    log_odds: float | None = None
    kind: str | None = None

    def why(self) -> str:
        why = "retrieval: best cited chunk similarity, stage agreement and specific-term coverage, calibrated"
        if self.unexplained:
            codes = ", ".join(self.unexplained)
            why += f"; held at {UNEXPLAINED_CODE_CAP}: the cited source never names {codes}, which the ticket quotes"
        if self.missing:
            more = "…" if len(self.missing) > 5 else ""
            why += f"; the cited source does not mention {', '.join(self.missing[:5])}{more}"
        return why


@dataclass(frozen=True)
class Facts:
    """The facts the matrix reads, where each came from, the helpdesk routing labels predicted, and the facts
    inferred too weakly to decide on (left to the agent, with the suggestion)."""

    values: dict[str, Any]
    provenance: dict[str, dict[str, Any]]
    routing: dict[str, dict[str, Any]]
    needs_agent: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Pipeline:
    embedder: Embedder
    retriever: HybridRetriever
    router: HistoryRouter | None
    accounts: Callable[[str], Account | None]
    policy: PolicyStore
    log: DecisionLog
    llm: LLM | None = None
    options: PipelineOptions = PipelineOptions()
    recalibration: Recalibration | None = None  # agents' verdicts on answers; None: the TechQA calibration as is
    corrections: CorrectedFacts | None = None  # facts agents corrected, reused on a ticket that says the same

    def with_llm(self, llm: LLM | None) -> Pipeline:
        """The same pipeline answering with another LLM client (or extractively, with None)."""
        return replace(self, llm=llm)

    # -- the run --------------------------------------------------------------------------------------------------
    def run(self, ticket: TicketIn) -> AssistResult:
        return self.run_detailed(ticket)[0]

    def run_detailed(self, ticket: TicketIn) -> tuple[AssistResult, RunDetail]:
        started = time.perf_counter()
        now = ticket.now or datetime.now(UTC)
        matrix = self.policy.current()  # one version for the whole request
        account = self.accounts(ticket.account_id) if ticket.account_id else None
        products = account.products if account else ()
        query = ticket.query
        vector, chunks = self.retrieve(query, ticket.account_id, products)
        retrieved = time.perf_counter()
        language = detect(query)
        answer = self.answer(query, chunks, language.code if language else None)
        kb = self.confidence(query, ticket.account_id, chunks, answer)
        answered = time.perf_counter()
        facts = self.facts(ticket, matrix, query, vector, chunks, products, account, kb, answer)
        decision = evaluate(matrix, facts.values, now)
        deflected = self.deflected(matrix, decision, answer, kb, facts.values)
        decided = time.perf_counter()
        decision_body = decision.to_dict()
        decision_id = self.log.record(
            ticket.ticket_id,
            ticket.account_id,
            facts.values,
            decision_body,
            decision.evaluated_at,
            deflected,
            (redact_text(ticket.subject) if ticket.subject else None, redact_text(ticket.body)),
            {name: facts.values[name] for name in ticket.facts if name in facts.values},
            kb.log_odds,
            kb.kind,
        )
        result = AssistResult.model_validate(
            {
                "ticket_id": ticket.ticket_id,
                "account_id": ticket.account_id,
                "answer": {
                    "text": answer.text,
                    "mode": answer.mode,
                    "llm_error": answer.llm_error,
                    "usage": answer.usage.to_dict() if answer.usage else None,
                },
                "citations": [c.to_dict() for c in answer.citations],
                "internal_notes": [c.to_dict() for c in answer.internal_notes],
                "confidence": kb.value,
                "deflected": deflected,
                "facts": facts.provenance,
                "needs_agent": facts.needs_agent,
                "assumed": [step.detail for step in decision.trace if step.rule == "defaults"],
                "routing": facts.routing,
                "language": language.to_dict() if language else None,
                "decision": decision_body,
                "decision_id": decision_id,
            }
        )
        ms = {
            "retrieval": (retrieved - started) * 1000,
            "answer": (answered - retrieved) * 1000,
            "decision": (decided - answered) * 1000,
        }
        return result, RunDetail(chunks, facts.values, ms)

    # -- the steps ------------------------------------------------------------------------------------------------
    def retrieve(self, query: str, account: str | None, products: tuple[str, ...]) -> tuple[Any, list[ScoredChunk]]:
        """The query's vector (the routing model reuses it) and the best chunks ``account`` may see."""
        vector = self.embedder.embed([query])[0]
        return vector, self.retriever.retrieve(query, account, self.options.retrieval_k, products, vector)

    def answer(self, query: str, chunks: list[ScoredChunk], language: str | None = None) -> Answer:
        links = self.options.link_hosts
        if self.llm is None:
            return extractive_answer(query, chunks, links)
        return llm_answer(query, chunks, self.llm, links, language=language)

    def confidence(self, query: str, account: str | None, chunks: list[ScoredChunk], answer: Answer) -> KbConfidence:
        specific = self.retriever.lexical.specific_terms(query, account)
        coverage, missing = term_coverage(specific, chunks, answer)
        if not answer.citations:
            return KbConfidence(0.0, coverage, missing, [])
        signals = confidence_signals(chunks, answer, coverage)
        params = self.recalibration.current(signals.kind) if self.recalibration else (1.0, 0.0)
        value = probability(signals, params)
        unexplained = unexplained_codes(query, chunks, answer)
        if unexplained:
            value = min(value, UNEXPLAINED_CODE_CAP)
        if not signals.similarity:
            return KbConfidence(value, coverage, missing, unexplained)
        return KbConfidence(value, coverage, missing, unexplained, score(signals), signals.kind)

    def documented_answer(self, kb: KbConfidence, answer: Answer) -> tuple[str, float] | None:
        """(source id, kb_confidence) when a help-center article or a Slack thread answers the ticket at least as
        surely as a deflection needs; past tickets say so themselves (``infer.resolved_before``), since one may
        record a defect fixed since, whose return is a regression."""
        if kb.kind != "docs" or kb.value < self.options.deflection_threshold or not answer.citations:
            return None
        return answer.citations[0].source_id, kb.value

    def facts(
        self,
        ticket: TicketIn,
        matrix: Matrix,
        query: str,
        vector: Any,
        chunks: list[ScoredChunk],
        products: tuple[str, ...],
        account: Account | None,
        kb: KbConfidence,
        answer: Answer,
    ) -> Facts:
        """Inferred facts the matrix can read, then the helpdesk's, which always win."""
        inferred = infer_facts(query, chunks, products, ticket.account_id, self.documented_answer(kb, answer))
        if self.corrections is not None:  # what an agent set on a ticket saying the same wins over the lexicons
            inferred.update(self.corrections.facts_for(vector, ticket.account_id))
        if self.router is not None:
            for label, pred in self.router.predict(vector, query).items():
                why = f"routing model over {pred.trained_on} past tickets (p={pred.probability:.2f})"
                inferred[label] = Inferred(pred.value, why, round(pred.probability, 3), "routing_model")
        inferred["kb_confidence"] = Inferred(kb.value, kb.why(), 1.0, "measured")
        if account is not None and account.plan:
            inferred["customer_tier"] = Inferred(account.plan, f"account {account.id} plan")
        vocab = matrix.vocabulary
        values: dict[str, Any] = {}
        provenance: dict[str, dict[str, Any]] = {}
        needs_agent: dict[str, dict[str, Any]] = {}
        for name, inf in inferred.items():
            value = sorted(inf.value) if isinstance(inf.value, frozenset) else inf.value
            if name not in vocab:
                continue
            try:
                vocab[name].parse(value)
            except FactError:
                continue  # e.g. a CRM plan or a learned label this matrix has no value for: not a fact here
            if inf.confidence < self.options.fact_threshold:
                needs_agent[name] = inf.to_dict()
                continue
            values[name] = value
            provenance[name] = inf.to_dict()
        for name, value in redact_values(ticket.facts).items():  # explicit helpdesk facts always win
            values[name] = value
            provenance[name] = {"value": value, "source": "helpdesk", "confidence": 1.0}
            needs_agent.pop(name, None)
        routing: dict[str, dict[str, Any]] = {
            k: inferred[k].to_dict() for k in ("queue", "priority", "type") if k in inferred
        }
        return Facts(values, provenance, routing, needs_agent)

    def deflected(
        self, matrix: Matrix, decision: Decision, answer: Answer, kb: KbConfidence, facts: dict[str, Any]
    ) -> bool:
        """Kept at the first tier, not escalated, with a cited answer confident enough to send — and nothing in the
        facts that needs a person to act: an outage, lost data, a security incident, a confirmed defect or a
        disputed amount is worked at Tier 1 when the matrix keeps it there, never closed with an article. A feature
        request is closed with an article only when the article names something of what is asked for: a wish for
        what the knowledge never names ("Azure Blob Storage as a destination") finds the article on the neighbouring
        feature, which does not answer it; a person replies and logs the wish."""
        acts = NEEDS_ACTION & set(facts.get("signals") or ()) or facts.get("billing_dispute_amount") is not None
        unnamed_wish = facts.get("issue_type") == "feature_request" and kb.missing and kb.coverage == 0.0
        return (
            not decision.escalate
            and decision.tier == matrix.tiers[0].id
            and bool(answer.citations)
            and kb.value >= self.options.deflection_threshold
            and not acts
            and not unnamed_wish
        )

    # -- facts in, decision out (no retrieval) ------------------------------------------------------------------------
    def decide(
        self, facts: dict[str, Any], now: datetime | str | None, ticket_id: str | None, account_id: str | None
    ) -> Decision:
        """The matrix in force on the helpdesk's facts alone; logged like every decision."""
        facts = redact_values(dict(facts))  # what is logged is what decided, and holds no secret
        decision = evaluate(self.policy.current(), facts, now or datetime.now(UTC))
        self.log.record(ticket_id, account_id, facts, decision.to_dict(), decision.evaluated_at, False)
        return decision
