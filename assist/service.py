"""The assist runtime: deflect first (account-aware answer with citations), then decide (the matrix).

``AssistService(settings)`` is cheap to construct; ``start()`` opens the store, the database and the model.
The API and the CLI both call ``assist()``, so ``assist ask --json`` prints exactly the body of POST /v1/assist.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assist.answer import Answer, LiteLLMClient, extractive_answer, llm_answer
from assist.decision_log import DecisionLog, connect
from assist.infer import Inferred, infer_facts
from assist.notify import NotifyConfig
from assist.retrieval import DenseRetriever, HybridRetriever, LexicalRetriever, ScoredChunk, words
from assist.router import HistoryRouter
from assist.settings import Settings
from assist.tracker import Tracker
from ingest.connectors.base import Account, Connector, Item
from ingest.documents import Document, Section
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import Ingestor, IngestSummary
from ingest.registry import Registry, writer_lock
from ingest.store import KnowledgeStore
from matrix import Decision, Matrix, default_matrix, evaluate, load_matrix
from matrix.errors import FactError
from matrix.facts import parse_datetime

# kb_confidence = logistic(A * s + C * agree + D * coverage + B): s = cosine similarity of the best cited chunk;
# agree = 1 when the dense and the BM25 stage put the same source first (two independent retrievers agreeing);
# coverage = share of the question's specific terms (error codes, product names: see SPECIFIC_SHARE) that the
# first cited source mentions — an on-topic article that never names what the customer quoted rarely holds the
# answer. Fitted on the TechQA dev set by benchmarks/calibrate_confidence.py (which also prints leave-one-out
# figures), recorded here so the runtime needs no data at start.
CONFIDENCE_A = 2.41
CONFIDENCE_C = 1.16
CONFIDENCE_D = 4.00
CONFIDENCE_B = -2.78


class TicketIn(BaseModel):
    """A ticket as the helpdesk (or the sidebar) sends it."""

    model_config = ConfigDict(extra="forbid")

    ticket_id: str | None = Field(None, min_length=1, max_length=200)
    subject: str | None = Field(None, max_length=500)
    body: str = Field(..., min_length=1, max_length=20000)
    account_id: str | None = Field(None, min_length=1, max_length=200)
    facts: dict[str, Any] = Field(default_factory=dict, description="Facts the helpdesk knows; they win.")
    now: datetime | None = Field(None, description="Evaluate as of this time (default: now).")


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(..., min_length=1, max_length=20000)
    summary: str | None = Field(None, max_length=500, description="The problem in one line (default: subject).")
    account_id: str | None = Field(None, min_length=1, max_length=200)
    issue_key: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Groups resolutions of the same problem (default: from the summary).",
    )
    now: datetime | None = None


class NotFound(LookupError):
    code = "not_found"


class Busy(RuntimeError):
    code = "busy"


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
    top = answer.citations[0].source_id
    seen: set[str] = set()
    for c in chunks:
        if c.source_id == top:
            seen |= words(c.text)
    missing = [t for t in terms if t not in seen]
    return (1.0 - len(missing) / len(terms) if terms else 1.0), missing


def confidence_signals(chunks: list[ScoredChunk], answer: Answer, coverage: float) -> tuple[float, float, float]:
    """(best cited similarity, stages agree, coverage): the inputs of ``confidence``; the calibration reads them."""
    cited = {c.source_id for c in answer.citations}
    sims = [c.similarity for c in chunks if c.source_id in cited and c.similarity is not None]
    return (max(sims) if sims else 0.0), float(stages_agree(chunks)), coverage


def confidence(chunks: list[ScoredChunk], answer: Answer, coverage: float) -> float:
    s, agree, cov = confidence_signals(chunks, answer, coverage)
    if not answer.citations or s == 0.0:
        return 0.0
    z = CONFIDENCE_A * s + CONFIDENCE_C * agree + CONFIDENCE_D * cov + CONFIDENCE_B
    return round(1.0 / (1.0 + math.exp(-z)), 4)


@dataclass
class AssistService:
    settings: Settings
    _lock: threading.Lock = field(default_factory=threading.Lock)
    store: KnowledgeStore | None = None
    retriever: HybridRetriever | None = None
    lexical: LexicalRetriever | None = None
    log: DecisionLog | None = None
    matrix: Matrix | None = None
    registry_path: Path | None = None
    router: HistoryRouter | None = None
    tracker: Tracker | None = None

    def start(self) -> AssistService:
        if self.store is not None:
            return self
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        # The matrix in force: an explicit path, else one an admin saved through the API, else the shipped one.
        saved = s.data_dir / "matrix.yaml"
        path = s.matrix_path or (saved if saved.exists() else None)
        self.matrix = load_matrix(path) if path else default_matrix()
        self.log = DecisionLog(connect(s.database))
        self.tracker = Tracker(self.log.engine, self.matrix, NotifyConfig.load(s.notify_config))
        embedder = MiniLMEmbedder(threads=s.torch_threads)
        self.store = KnowledgeStore.open(s.data_dir, embedder, s.chroma_url)
        self.lexical = LexicalRetriever(self.store)
        self.retriever = HybridRetriever(DenseRetriever(self.store), self.lexical)
        self.router = HistoryRouter(self.store)
        if s.demo_kb and self.store.count() == 0:
            self._ingest_demo()
        return self

    def _ingest_demo(self) -> None:
        from assist.demo import demo_connector

        self._ingest(demo_connector(), progress=True)

    def _ingest(self, connector: Connector, progress: bool = False) -> IngestSummary:
        """Write into the open store under the data dir's single-writer lock; a busy store is a Busy error."""
        assert self.store is not None and self.lexical is not None
        try:
            with writer_lock(self.settings.data_dir):
                registry = Registry(self.settings.data_dir)
                try:
                    summary = Ingestor(self.store, registry, progress=progress).run(connector)
                finally:
                    registry.close()
        except RuntimeError as exc:
            raise Busy(str(exc)) from None
        self.lexical.refresh()
        if self.router is not None:
            self.router.refresh()
        return summary

    def account(self, account_id: str | None) -> Account | None:
        if not account_id:
            return None
        registry = Registry(self.settings.data_dir)
        try:
            return registry.account(account_id)
        finally:
            registry.close()

    def _llm(self) -> LiteLLMClient | None:
        s = self.settings
        if not s.llm_model:
            return None
        return LiteLLMClient(
            s.llm_model,
            s.llm_api_base,
            s.llm_api_key.get_secret_value() if s.llm_api_key else None,
            s.llm_fallbacks,
            s.llm_timeout_seconds,
            s.llm_retries,
            (s.llm_input_usd_per_mtok or 0.0, s.llm_output_usd_per_mtok or 0.0)
            if s.llm_input_usd_per_mtok is not None or s.llm_output_usd_per_mtok is not None
            else None,
        )

    # ----------------------------------------------------------------------------------------------------------
    def assist(self, ticket: TicketIn, debug: dict[str, Any] | None = None) -> dict[str, Any]:
        """Answer, citations, confidence, facts with provenance, and the matrix decision (logged).

        ``debug``, when given, is filled with what the eval harness measures: the ranked chunks and the
        milliseconds spent per stage. It never changes the result.
        """
        self.start()
        assert self.retriever is not None and self.matrix is not None and self.log is not None
        clock = time.perf_counter()
        now = ticket.now or datetime.now(UTC)
        account = self.account(ticket.account_id)
        products = account.products if account else ()
        query = "\n\n".join(p for p in (ticket.subject, ticket.body) if p)
        assert self.store is not None
        vector = self.store.embedder.embed([query])[0]
        chunks = self.retriever.retrieve(query, ticket.account_id, self.settings.retrieval_k, products, vector)
        t_retrieved = time.perf_counter()
        links = frozenset(self.settings.link_hosts)
        llm = self._llm()
        answer = llm_answer(query, chunks, llm, links) if llm else extractive_answer(query, chunks, links)
        specific = self.lexical.specific_terms(query, ticket.account_id) if self.lexical else []
        coverage, missing = term_coverage(specific, chunks, answer)
        kb_conf = confidence(chunks, answer, coverage)
        t_answered = time.perf_counter()
        if debug is not None:
            debug["chunks"] = chunks
            debug["ms"] = {"retrieval": (t_retrieved - clock) * 1000, "answer": (t_answered - t_retrieved) * 1000}

        inferred = infer_facts(query, chunks, products)
        if self.router is not None:
            for label, pred in self.router.predict(vector, query).items():
                inferred[label] = Inferred(
                    pred.value, f"routing model over {pred.trained_on} past tickets (p={pred.probability:.2f})"
                )
        why = "retrieval: best cited chunk similarity, stage agreement and specific-term coverage, calibrated"
        if missing:
            why += f"; the cited source does not mention {', '.join(missing[:5])}" + ("…" if len(missing) > 5 else "")
        inferred["kb_confidence"] = Inferred(kb_conf, why)
        if account is not None and account.plan:
            inferred["customer_tier"] = Inferred(account.plan, f"account {account.id} plan")
        vocab = self.matrix.vocabulary
        facts: dict[str, Any] = {}
        provenance: dict[str, dict[str, Any]] = {}
        for name, inf in inferred.items():
            value = sorted(inf.value) if isinstance(inf.value, frozenset) else inf.value
            if name not in vocab:
                continue
            try:
                vocab[name].parse(value)
            except FactError:
                continue  # e.g. a CRM plan or a learned label this matrix has no value for: not a fact here
            facts[name] = value
            provenance[name] = inf.to_dict()
        for name, value in ticket.facts.items():  # explicit helpdesk facts always win
            facts[name] = value
            provenance[name] = {"value": value, "source": "helpdesk"}
        routing = {k: inferred[k].to_dict() for k in ("queue", "priority", "type") if k in inferred}

        decision = evaluate(self.matrix, facts, now)
        first_tier = self.matrix.tiers[0].id
        deflected = (
            not decision.escalate
            and decision.tier == first_tier
            and bool(answer.citations)
            and kb_conf >= self.settings.deflection_threshold
        )
        body: dict[str, Any] = {
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
            "confidence": kb_conf,
            "deflected": deflected,
            "facts": provenance,
            "routing": routing,
            "decision": decision.to_dict(),
        }
        if debug is not None:
            debug["ms"]["decision"] = (time.perf_counter() - t_answered) * 1000
            debug["facts"] = facts
        body["decision_id"] = self.log.record(
            ticket.ticket_id, ticket.account_id, facts, body["decision"], decision.evaluated_at, deflected
        )
        return body

    def decide(
        self,
        facts: dict[str, Any],
        now: datetime | str | None,
        ticket_id: str | None = None,
        account_id: str | None = None,
    ) -> Decision:
        self.start()
        assert self.matrix is not None and self.log is not None
        decision = evaluate(self.matrix, facts, now or datetime.now(UTC))
        self.log.record(ticket_id, account_id, dict(facts), decision.to_dict(), decision.evaluated_at, False)
        return decision

    def ingest_ticket_rows(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Past tickets posted over the API go through the same connector, redaction and pipeline as files."""
        import json
        import tempfile

        from ingest.connectors import TicketsConnector

        self.start()
        assert self.store is not None and self.lexical is not None
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tickets.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
            summary = self._ingest(TicketsConnector(path))
        data = summary.to_dict()
        return {k: data[k] for k in ("items", "written", "unchanged", "chunks", "skipped")}

    def resolve(self, ticket_id: str, res: ResolutionIn, restrict_account: str | None) -> dict[str, Any]:
        """Index the resolution for the ticket's account and flag a recurring issue (3+ in 30 days)."""
        self.start()
        assert self.log is not None and self.store is not None and self.lexical is not None
        known, logged = self.log.ticket_account(ticket_id)
        # A ticket seen before belongs to the account it was decided for; a key of another account must not
        # be able to tell it exists.
        if known and logged is not None and restrict_account is not None and logged != restrict_account:
            raise NotFound(f"ticket {ticket_id} not found")
        account = logged if known and logged is not None else (res.account_id or restrict_account)
        now = parse_datetime("now", res.now) if res.now else datetime.now(UTC)
        summary = (res.summary or "").strip() or ticket_id
        issue_key = res.issue_key or _issue_key(summary)
        doc = Document(
            "resolutions",
            ticket_id,
            summary,
            [Section(summary, "question"), Section(res.resolution, "resolution")],
            account=account or "__no_access__",
            created_at=now.isoformat(),
            metadata={"issue_key": issue_key},
        )
        summary_run = self._ingest(_OneDoc(doc))
        count = self.log.add_resolution(ticket_id, account, issue_key, summary, res.resolution, now)
        return {
            "ticket_id": ticket_id,
            "account_id": account,
            "indexed_chunks": summary_run.chunks,
            "issue_key": issue_key,
            "resolved_in_30_days": count,
            "recurring": count >= 3,
            "known_ticket": known,
        }


def _issue_key(summary: str) -> str:
    words = sorted({w for w in re.findall(r"[a-z0-9]{3,}", summary.lower())})
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


class _OneDoc(Connector):
    """A connector over one in-memory document (the post-resolution loop)."""

    source = "resolutions"

    def __init__(self, doc: Document) -> None:
        super().__init__(Path(f"resolution-{doc.source_id}"), doc.account)
        self.doc = doc

    def fingerprint(self) -> str:
        return self.doc.content_hash()[:16]

    def items(self) -> Iterator[Item]:
        yield self.doc
