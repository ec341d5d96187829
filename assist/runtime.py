"""The composition root: every part of the running service, built once from the settings.

    rt = open_runtime(settings_from_env())          # what `assist serve`, `assist ask` and the sweeper do
    rt = open_runtime(settings, embedder=shared)    # tests and evals share one loaded model
    rt.pipeline.run(TicketIn(body="…"))             # -> AssistResult

The embedder, the LLM client and the knowledge store can be handed in; nothing else reaches inside a part.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from assist.clock import Tracker
from assist.confidence import Recalibration
from assist.corrections import CorrectedFacts
from assist.db import connect
from assist.decision_log import DecisionLog
from assist.feedback import FeedbackStore
from assist.keys import KeyStore
from assist.knowledge import KnowledgeBase
from assist.llm import LLM, llm_from_settings
from assist.outbox import NotifyConfig, Outbox
from assist.pipeline import Pipeline, PipelineOptions
from assist.policy import PolicyStore
from assist.retrieval import DenseRetriever, HybridRetriever, LexicalRetriever
from assist.router import HistoryRouter
from assist.settings import Settings
from ingest.embed import Embedder, MiniLMEmbedder
from ingest.store import KnowledgeStore

_UNSET: object = object()


@dataclass(frozen=True)
class Database:
    """The runtime's database parts, without the knowledge store or the model: what the sweeper, the key
    commands and the reports need."""

    engine: Engine
    policy: PolicyStore
    log: DecisionLog
    keys: KeyStore
    outbox: Outbox
    tracker: Tracker
    feedback: FeedbackStore


def open_database(settings: Settings) -> Database:
    """Open (and migrate) the database and make sure a matrix is in force."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = connect(settings.database)
    policy = PolicyStore(engine, settings.policy_refresh_seconds)
    # An older release kept an admin's replacement in the data dir: it seeds the store once.
    policy.seed(settings.matrix_path, settings.data_dir / "matrix.yaml")
    outbox = Outbox(engine, NotifyConfig.load(settings.notify_config, settings.zendesk))
    log = DecisionLog(engine)
    tracker = Tracker(engine, policy, outbox)
    return Database(engine, policy, log, KeyStore(engine), outbox, tracker, FeedbackStore(engine, log, policy))


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    store: KnowledgeStore
    knowledge: KnowledgeBase
    pipeline: Pipeline


def open_runtime(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    llm: LLM | object | None = _UNSET,
    store: KnowledgeStore | None = None,
    background: bool = True,
) -> Runtime:
    """Open the database, the knowledge store and the parts of the pipeline. ``llm``: a client, None for
    extractive answers, or (by default) the one the settings configure. ``background``: a long-running service
    refits its routing model in a background thread as knowledge changes; a one-shot command does not."""
    db = open_database(settings)
    if store is None:
        embedder = embedder or MiniLMEmbedder(threads=settings.torch_threads)
        store = KnowledgeStore.open(settings.data_dir, embedder, settings.chroma_url)
    lexical = LexicalRetriever(store)
    # Agents' feedback teaches the routing model (their routing corrections) and the confidence calibration
    # (their verdicts on answers) at the next refit.
    fb = db.feedback
    router = HistoryRouter(store, background=background, corrections=(fb.routing_count, fb.routing_examples))
    knowledge = KnowledgeBase(settings.data_dir, store, (lexical.refresh, router.refresh))
    pipeline = Pipeline(
        embedder=store.embedder,
        retriever=HybridRetriever(DenseRetriever(store), lexical),
        router=router,
        accounts=knowledge.account,
        policy=db.policy,
        log=db.log,
        llm=llm_from_settings(settings) if llm is _UNSET else llm,  # type: ignore[arg-type]
        options=PipelineOptions(
            settings.retrieval_k, settings.deflection_threshold, frozenset(settings.link_hosts), settings.fact_threshold
        ),
        recalibration=Recalibration(fb.verdict_count, fb.verdicts),
        corrections=CorrectedFacts(store.embedder, fb.fact_count, fb.fact_examples),
    )
    if settings.demo_kb:
        knowledge.seed_demo()
    return Runtime(settings, db, store, knowledge, pipeline)
