"""The knowledge base in Chroma: embedded ``PersistentClient`` by default, ``HttpClient`` for a Chroma server.

Telemetry is off, the embedding function is always ours (Chroma's default one downloads a model), the space is
cosine. Chunks are written with the vectors we computed, in batches no larger than the client allows.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings
from chromadb.errors import NotFoundError
from chromadb.utils.embedding_functions import register_embedding_function

from ingest.documents import NO_ACCESS, PUBLIC, Chunk
from ingest.embed import MODEL_NAME, Embedder, MiniLMEmbedder


@register_embedding_function
class AssistEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of our embedder, so queries by text use the same model as ingestion."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or MiniLMEmbedder()

    def __call__(self, input: Documents) -> Embeddings:
        return [np.asarray(v, dtype=np.float32) for v in self.embedder.embed(list(input))]

    @staticmethod
    def name() -> str:
        return "escalation_assist_minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> AssistEmbeddingFunction:
        return AssistEmbeddingFunction()

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]


def _settings() -> Settings:
    return Settings(anonymized_telemetry=False, allow_reset=False)


def make_client(data_dir: Path, chroma_url: str | None = None) -> Any:
    """Embedded Chroma under ``data_dir/chroma``, or a Chroma server when a URL is given."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost", port=url.port or 8000, ssl=url.scheme == "https", settings=_settings()
        )
    path = data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=_settings())


LEGACY_COLLECTION = "knowledge"  # before 0.2 every chunk lived in one collection, filtered per query
_SCOPE = "kb-"


EF_SEARCH = 400


def scope_name(account: str) -> str:
    """The collection that holds one access scope: public, no-access, or one account (hashed: account ids are
    free text, collection names are not)."""
    if account == PUBLIC:
        return f"{_SCOPE}public"
    if account == NO_ACCESS:
        return f"{_SCOPE}no-access"
    return f"{_SCOPE}acct-{hashlib.sha256(account.encode()).hexdigest()[:32]}"


@dataclass
class Hit:
    id: str
    text: str
    metadata: dict[str, Any]
    distance: float


# Scopes up to this many chunks are searched exactly: one matrix product over their vectors, read once per change of
# the scope and kept in memory. HNSW is approximate, and its graph can lose a node for good: on a TechQA store the
# best chunk for one question (cosine 0.52, the answer) was unreachable at any n_results with ef 400, while another
# build of the same knowledge found it, so the answer, the confidence and the deflection changed with the build.
# Measured at 4,760 chunks: 1.6 ms a search and 1.6 ms to read its hits as they are now (HNSW: 4.4 ms for both),
# 0.6 s for the scope's first query (which reads it, as the BM25 stage's first query does). Larger scopes use the
# HNSW index, so a first query stays within seconds.
EXACT_SEARCH_UP_TO = 20_000
# Another process may replace a chunk in place (an edited doc keeps its chunk ids and count): the hits' text and
# metadata are always read from the store, and a scope's vectors are read again after this long.
VECTORS_MAX_AGE_SECONDS = 300.0


@dataclass(frozen=True)
class _Vectors:
    """A scope's chunks as the exact search reads them: unit vectors, one row per chunk."""

    count: int
    ids: list[str]
    unit: np.ndarray
    read_at: float


def _current(col: Any, ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The text and metadata the collection holds now for ``ids`` (one read; a chunk deleted since is absent)."""
    got = col.get(ids=list(ids), include=["documents", "metadatas"])
    return {
        cid: (doc, dict(meta)) for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    }


class KnowledgeStore:
    """Chunks with their access metadata, keyed by deterministic ids, one Chroma collection per access scope.

    Why per scope: a query for account A reads A's collection and the public one, each an unfiltered HNSW
    search. One collection with an ``account`` filter costs time in proportion to the whole store (measured:
    17 ms at 10k chunks, 83 ms at 100k), scoped collections stay flat (4 ms at both), and a chunk of B is not
    even in the index a query of A searches.
    """

    def __init__(self, client: Any, embedder: Embedder) -> None:
        self.client = client
        self.embedder = embedder
        self._function = AssistEmbeddingFunction(embedder)
        self._collections: dict[str, Any] = {}
        self._vectors: dict[str, _Vectors] = {}  # per scope, for the exact search
        self._lock = threading.Lock()
        # Chroma refuses batches above its limit; we also stay small so a crash loses little work.
        self.max_batch = min(int(client.get_max_batch_size()), 1000)

    @classmethod
    def open(cls, data_dir: Path, embedder: Embedder | None = None, chroma_url: str | None = None) -> KnowledgeStore:
        """The store under a data dir (or on a Chroma server), migrated from the older layout if need be."""
        store = cls(make_client(data_dir, chroma_url), embedder or MiniLMEmbedder())
        store.migrate_legacy()
        return store

    # -- collections ------------------------------------------------------------------------------------------
    def collection(self, account: str, create: bool = False) -> Any:
        """The collection of one access scope; None if it does not exist and ``create`` is false."""
        name = scope_name(account)
        col = self._collections.get(name)
        if col is None:
            if create:
                # A wide HNSW search (ef 400, Chroma's default is 100): the graph is built with some randomness,
                # and at 100 two builds of the same knowledge base returned different top tens for 6 of 49
                # TechQA questions (one lost its answer); at 400 both match an exact search. A scope's search
                # stays a few milliseconds.
                col = self.client.get_or_create_collection(
                    name,
                    embedding_function=self._function,
                    configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
                )
            else:
                try:
                    col = self.client.get_collection(name, embedding_function=self._function)
                except (NotFoundError, ValueError):
                    return None  # not cached: another process may create it later
            hnsw = (col.configuration or {}).get("hnsw") or {}
            if hnsw.get("ef_search", EF_SEARCH) < EF_SEARCH:  # a store made before the wider search
                col.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
            self._collections[name] = col
        return col

    def scopes(self) -> list[Any]:
        """Every scope collection, in name order."""
        names = sorted(
            n
            for n in (c if isinstance(c, str) else c.name for c in self.client.list_collections())
            if n.startswith(_SCOPE)
        )
        out = []
        for name in names:
            col = self._collections.get(name)
            if col is None:
                col = self._collections[name] = self.client.get_collection(name, embedding_function=self._function)
            out.append(col)
        return out

    # -- writes -----------------------------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]] | None = None) -> None:
        if not chunks:
            return
        if vectors is None:
            vectors = self.embedder.embed([c.text for c in chunks])
        by_scope: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            by_scope.setdefault(str(c.metadata.get("account", NO_ACCESS)), []).append(i)
        for account, rows in sorted(by_scope.items()):
            col = self.collection(account, create=True)
            self._vectors.pop(col.name, None)  # a chunk replaced keeps the count: read the scope again
            for start in range(0, len(rows), self.max_batch):
                part = rows[start : start + self.max_batch]
                col.upsert(
                    ids=[chunks[i].id for i in part],
                    documents=[chunks[i].text for i in part],
                    metadatas=[chunks[i].metadata for i in part],
                    embeddings=[np.asarray(vectors[i], dtype=np.float32) for i in part],
                )

    def delete_ids(self, ids: Iterable[str], account: str | None = None) -> None:
        """Delete chunks by id from one scope, or from every scope when the account is not known."""
        ids = list(ids)
        if not ids:
            return
        cols = [self.collection(account)] if account is not None else self.scopes()
        for col in cols:
            if col is None:
                continue
            self._vectors.pop(col.name, None)
            for start in range(0, len(ids), self.max_batch):
                col.delete(ids=ids[start : start + self.max_batch])

    # -- reads ------------------------------------------------------------------------------------------------
    def query(self, vector: Sequence[float], accounts: Sequence[str] | None, n: int) -> list[Hit]:
        """The ``n`` nearest chunks over the given scopes (exact merge of each scope's nearest), nearest first.
        ``accounts=None`` searches every scope: for operators and tests, never for a ticket."""
        hits: list[Hit] = []
        cols = self.scopes() if accounts is None else [self.collection(a) for a in dict.fromkeys(accounts)]
        query = np.asarray(vector, dtype=np.float32)
        for col in cols:
            if col is None:
                continue
            scope = self._exact(col)
            if scope is not None and not scope.ids:
                continue  # an empty scope
            if scope is not None:
                # Cosine distance, as Chroma's cosine space reports it.
                distances = 1.0 - scope.unit @ (query / (np.linalg.norm(query) or 1.0))
                nearest = {scope.ids[i]: float(distances[i]) for i in np.argsort(distances, kind="stable")[:n]}
                hits += [Hit(cid, doc, meta, nearest[cid]) for cid, (doc, meta) in _current(col, nearest).items()]
                continue
            res = col.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=n,
                include=["documents", "metadatas", "distances"],
            )
            hits += [
                Hit(cid, doc, dict(meta), float(dist))
                for cid, doc, meta, dist in zip(
                    res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
                )
            ]
        return sorted(hits, key=lambda h: (h.distance, h.id))[:n]

    def _exact(self, col: Any) -> _Vectors | None:
        """The scope's vectors for an exact search, read again when its chunk count changed (another process
        wrote), this store wrote to it, or ``VECTORS_MAX_AGE_SECONDS`` passed; None above ``EXACT_SEARCH_UP_TO``."""
        count = int(col.count())
        have = self._vectors.get(col.name)
        if have is not None and have.count == count and time.monotonic() - have.read_at < VECTORS_MAX_AGE_SECONDS:
            return have
        if count > EXACT_SEARCH_UP_TO:
            return None
        with self._lock:
            ids: list[str] = []
            rows: list[Any] = []
            for page in self._pages_of(col, None, ["embeddings"]):
                ids += page["ids"]
                rows += list(page["embeddings"])
            matrix = np.asarray(rows, dtype=np.float32).reshape(len(ids), -1) if ids else np.zeros((0, 1), np.float32)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            built = _Vectors(len(ids), ids, matrix / np.where(norms == 0, 1.0, norms), time.monotonic())
            self._vectors[col.name] = built
            return built

    def pages(
        self, accounts: Sequence[str] | None = None, where: dict[str, Any] | None = None, include: Sequence[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every chunk (of the given scopes, or all), a page at a time, as Chroma's ``get`` returns them."""
        if accounts is None:
            cols = self.scopes()
        else:
            cols = [c for c in (self.collection(a) for a in dict.fromkeys(accounts)) if c is not None]
        for col in cols:
            yield from self._pages_of(col, where, include)

    @staticmethod
    def _pages_of(col: Any, where: dict[str, Any] | None, include: Sequence[str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = col.get(where=where, include=list(include), limit=5000, offset=offset)
            if not page["ids"]:
                break
            yield page
            offset += len(page["ids"])

    def ids_for(self, source: str, source_id: str | None = None) -> list[str]:
        where: dict[str, Any] = {"source": source}
        if source_id is not None:
            where = {"$and": [{"source": source}, {"source_id": source_id}]}
        return [i for page in self.pages(where=where) for i in page["ids"]]

    def read(self, ids: Sequence[str], account: str) -> dict[str, tuple[str, dict[str, Any]]]:
        """The current text and metadata of chunks of one scope, by id (a chunk deleted since is absent)."""
        col = self.collection(account)
        return {} if col is None or not ids else _current(col, ids)

    def count(self, accounts: Sequence[str] | None = None) -> int:
        """Chunks in the given scopes, or in the whole store."""
        if accounts is None:
            return sum(int(c.count()) for c in self.scopes())
        return sum(int(c.count()) for c in (self.collection(a) for a in dict.fromkeys(accounts)) if c is not None)

    def stats(self) -> dict[str, Any]:
        """Chunks per source and per account, read from the store itself."""
        per_source: Counter[str] = Counter()
        per_account: Counter[str] = Counter()
        for page in self.pages(include=["metadatas"]):
            for meta in page["metadatas"] or []:
                per_source[str(meta.get("source"))] += 1
                per_account[str(meta.get("account"))] += 1
        return {
            "chunks": sum(per_source.values()),
            "chunks_per_source": dict(sorted(per_source.items())),
            "chunks_per_account": dict(sorted(per_account.items())),
        }

    def migrate_legacy(self) -> None:
        """Move a store written by an earlier version (one collection for every scope) into scope collections,
        vectors and all (nothing is re-embedded), then drop the old collection."""
        names = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        if LEGACY_COLLECTION not in names:
            return
        legacy = self.client.get_collection(LEGACY_COLLECTION, embedding_function=self._function)
        while True:
            page = legacy.get(include=["documents", "metadatas", "embeddings"], limit=self.max_batch)
            if not page["ids"]:
                break
            chunks = [
                Chunk(cid, doc, dict(meta))
                for cid, doc, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            ]
            self.upsert(chunks, list(page["embeddings"]))
            legacy.delete(ids=page["ids"])  # moved: a crash here resumes where it stopped
        self.client.delete_collection(LEGACY_COLLECTION)
