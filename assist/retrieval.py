"""Account-scoped hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank.

Access is enforced here, inside the retriever, with an allow-list: a ticket of account A sees A's chunks and
public ones; nothing else is ever scored, let alone returned. Chunks with no access marking match no allow-list.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ingest.documents import PUBLIC
from ingest.store import KnowledgeStore

RRF_K = 60  # the usual reciprocal-rank-fusion constant: ranks matter, raw scores do not


@dataclass
class ScoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # stage -> rank (1-based), for explanations and evals
    similarity: float | None = None  # cosine similarity from the dense stage, when it found this chunk

    @property
    def source_id(self) -> str:
        return str(self.metadata.get("source_id", ""))


class Retriever(Protocol):
    def retrieve(self, query: str, account: str | None, k: int = 8) -> list[ScoredChunk]:
        """The best chunks for ``query`` that ``account`` may see."""
        ...


def allowed_accounts(account: str | None) -> list[str]:
    """The allow-list: the ticket's own account (if any) and public."""
    return [PUBLIC] if not account else [account, PUBLIC]


class DenseRetriever:
    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store

    def retrieve(
        self, query: str, account: str | None, k: int = 8, vector: list[float] | None = None
    ) -> list[ScoredChunk]:
        if vector is None:
            vector = self.store.embedder.embed([query])[0]
        res = self.store.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where={"account": {"$in": allowed_accounts(account)}},
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for rank, (cid, doc, meta, dist) in enumerate(
            zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True), 1
        ):
            sim = 1.0 - float(dist)
            out.append(ScoredChunk(cid, doc, dict(meta), sim, {"dense": rank}, sim))
        return out


_TOKEN = re.compile(r"(?u)\b\w\w+\b")


class LexicalRetriever:
    """BM25 over every chunk in the store, masked to the allow-list at query time (bm25s ``weight_mask``).

    The index is rebuilt when the store's chunk count changes, or on ``refresh()`` after an in-process write.
    """

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._built_for = -1
        self._index: Any = None
        self._ids: list[str] = []
        self._docs: list[str] = []
        self._metas: list[dict[str, Any]] = []
        self._accounts = np.array([], dtype=object)

    def refresh(self) -> None:
        with self._lock:
            self._built_for = -1

    def _ensure(self) -> None:
        count = self.store.count()
        if count == self._built_for:
            return
        with self._lock:
            if count == self._built_for:
                return
            import bm25s

            ids: list[str] = []
            docs: list[str] = []
            metas: list[dict[str, Any]] = []
            offset = 0
            while True:
                page = self.store.collection.get(include=["documents", "metadatas"], limit=5000, offset=offset)
                if not page["ids"]:
                    break
                ids += page["ids"]
                docs += page["documents"]
                metas += [dict(m) for m in page["metadatas"]]
                offset += len(page["ids"])
            index = None
            if docs:
                index = bm25s.BM25()
                index.index(bm25s.tokenize(docs, stopwords="en", show_progress=False), show_progress=False)
            self._index, self._ids, self._docs, self._metas = index, ids, docs, metas
            self._accounts = np.array([m.get("account") for m in metas], dtype=object)
            self._built_for = count

    def retrieve(self, query: str, account: str | None, k: int = 8) -> list[ScoredChunk]:
        import bm25s

        self._ensure()
        index = self._index
        if index is None or not _TOKEN.search(query):
            return []
        mask = np.isin(self._accounts, allowed_accounts(account)).astype(np.float32)
        allowed = int(mask.sum())
        if allowed == 0:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = index.retrieve(tokens, k=min(k, allowed), show_progress=False, weight_mask=mask)
        out = []
        for rank, (i, score) in enumerate(zip(docs[0], scores[0], strict=True), 1):
            if score <= 0 or mask[int(i)] == 0:
                continue  # the mask zeroes scores; never return a chunk outside the allow-list
            i = int(i)
            out.append(ScoredChunk(self._ids[i], self._docs[i], self._metas[i], float(score), {"bm25": rank}))
        return out


class HybridRetriever:
    """Dense + BM25 with reciprocal rank fusion, and a small preference for the account's own products."""

    def __init__(
        self, dense: DenseRetriever, lexical: LexicalRetriever, depth: int = 30, product_boost: float = 0.2 / RRF_K
    ) -> None:
        self.dense = dense
        self.lexical = lexical
        self.depth = depth
        self.product_boost = product_boost

    def retrieve(
        self,
        query: str,
        account: str | None,
        k: int = 8,
        products: tuple[str, ...] = (),
        vector: list[float] | None = None,
    ) -> list[ScoredChunk]:
        fused: dict[str, ScoredChunk] = {}
        for stage in (
            self.dense.retrieve(query, account, self.depth, vector),
            self.lexical.retrieve(query, account, self.depth),
        ):
            for chunk in stage:
                rank = next(iter(chunk.ranks.values()))
                have = fused.get(chunk.id)
                if have is None:
                    have = fused[chunk.id] = ScoredChunk(
                        chunk.id, chunk.text, chunk.metadata, 0.0, {}, chunk.similarity
                    )
                have.score += 1.0 / (RRF_K + rank)
                have.ranks.update(chunk.ranks)
                if chunk.similarity is not None:
                    have.similarity = chunk.similarity
        if products:
            wanted = [p.lower() for p in products]
            for chunk in fused.values():
                hay = " ".join(str(chunk.metadata.get(key, "")) for key in ("product_area", "title", "queue")).lower()
                if any(p in hay for p in wanted):
                    chunk.score += self.product_boost
        # Deterministic order: score, then id.
        return sorted(fused.values(), key=lambda c: (-c.score, c.id))[:k]
