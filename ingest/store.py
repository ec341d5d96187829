"""The knowledge base in Chroma: embedded ``PersistentClient`` by default, ``HttpClient`` for a Chroma server.

Telemetry is off, the embedding function is always ours (Chroma's default one downloads a model), the space is
cosine. Chunks are written with the vectors we computed, in batches no larger than the client allows.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings
from chromadb.utils.embedding_functions import register_embedding_function

from ingest.documents import Chunk
from ingest.embed import MODEL_NAME, Embedder, MiniLMEmbedder

COLLECTION = "knowledge"


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


class KnowledgeStore:
    """Chunks with their access metadata, keyed by deterministic ids."""

    def __init__(self, client: Any, embedder: Embedder, collection: str = COLLECTION) -> None:
        self.client = client
        self.embedder = embedder
        self.collection = client.get_or_create_collection(
            collection,
            embedding_function=AssistEmbeddingFunction(embedder),
            configuration={"hnsw": {"space": "cosine"}},
        )
        # Chroma refuses batches above its limit; we also stay small so a crash loses little work.
        self.max_batch = min(int(client.get_max_batch_size()), 1000)

    @classmethod
    def open(cls, data_dir: Path, embedder: Embedder | None = None, chroma_url: str | None = None) -> KnowledgeStore:
        return cls(make_client(data_dir, chroma_url), embedder or MiniLMEmbedder())

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]] | None = None) -> None:
        if not chunks:
            return
        if vectors is None:
            vectors = self.embedder.embed([c.text for c in chunks])
        for start in range(0, len(chunks), self.max_batch):
            part = chunks[start : start + self.max_batch]
            self.collection.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[c.metadata for c in part],
                embeddings=[np.asarray(v, dtype=np.float32) for v in vectors[start : start + self.max_batch]],
            )

    def delete_ids(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=ids[start : start + self.max_batch])

    def ids_for(self, source: str, source_id: str | None = None) -> list[str]:
        where: dict[str, Any] = {"source": source}
        if source_id is not None:
            where = {"$and": [{"source": source}, {"source_id": source_id}]}
        return list(self.collection.get(where=where, include=[])["ids"])

    def count(self) -> int:
        return int(self.collection.count())

    def stats(self) -> dict[str, Any]:
        """Chunks per source and per account, read from the store itself."""
        per_source: Counter[str] = Counter()
        per_account: Counter[str] = Counter()
        total = self.count()
        offset = 0
        while offset < total:
            page = self.collection.get(include=["metadatas"], limit=5000, offset=offset)
            for meta in page["metadatas"] or []:
                per_source[str(meta.get("source"))] += 1
                per_account[str(meta.get("account"))] += 1
            if not page["ids"]:
                break
            offset += len(page["ids"])
        return {
            "chunks": total,
            "chunks_per_source": dict(sorted(per_source.items())),
            "chunks_per_account": dict(sorted(per_account.items())),
        }
