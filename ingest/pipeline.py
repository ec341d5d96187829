"""Run a connector into the knowledge base: redact, chunk, embed, write, checkpoint — resumable and idempotent.

Order of writes per batch: chunks into Chroma (upsert by deterministic id), stale chunks of edited items
deleted, then the registry rows and the checkpoint in one SQLite transaction. A crash anywhere leaves a store
that opens and answers; the resumed run redoes at most one batch, and because ids are deterministic that
creates no duplicates.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunking import chunk_document
from ingest.connectors.base import Account, Checkpoint, Connector
from ingest.documents import Chunk, Document, Failure, Section, chunk_id
from ingest.embed import Embedder
from ingest.redact import redact
from ingest.registry import Registry, writer_lock
from ingest.store import KnowledgeStore


@dataclass
class IngestSummary:
    source: str
    path: str
    items: int = 0  # knowledge items read (documents)
    written: int = 0  # new or changed items stored
    unchanged: int = 0  # same content as already stored: skipped without embedding
    accounts: int = 0
    chunks: int = 0  # chunks written
    stale_chunks_deleted: int = 0
    resumed_from: int = 0
    failures: list[Failure] = field(default_factory=list)
    redactions: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "path": self.path,
            "items": self.items,
            "written": self.written,
            "unchanged": self.unchanged,
            "accounts": self.accounts,
            "chunks": self.chunks,
            "stale_chunks_deleted": self.stale_chunks_deleted,
            "resumed_from": self.resumed_from,
            "skipped": [{"location": f.location, "reason": f.reason} for f in self.failures],
            "redactions": dict(sorted(self.redactions.items())),
            "seconds": round(self.seconds, 2),
            "embed_seconds": round(self.embed_seconds, 2),
        }


def _unstorable(doc: Document) -> bool:
    texts = [doc.source_id, doc.title, *(t for s in doc.sections for t in (s.text, s.heading))]
    texts += [str(v) for v in doc.metadata.values()]
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return any("\x00" in t for t in texts)


def _redact_document(doc: Document, counts: Counter[str]) -> Document:
    def clean(text: str) -> str:
        out, found = redact(text)
        counts.update(found)
        return out

    sections = [Section(clean(s.text), clean(s.heading), s.visibility) for s in doc.sections]
    meta = {
        k: clean(v)
        if isinstance(v, str)
        else [clean(x) if isinstance(x, str) else x for x in v]
        if isinstance(v, list)
        else v
        for k, v in doc.metadata.items()
    }
    return Document(doc.source, doc.source_id, clean(doc.title), sections, doc.account, doc.created_at, meta)


@dataclass
class _Pending:
    doc: Document
    chunks: list[Chunk]
    digest: str
    old_chunks: int
    old_account: str | None  # where its chunks were (None: new item)


class Ingestor:
    """Holds the open store and registry for one run; ``run`` drives one connector through them."""

    def __init__(
        self, store: KnowledgeStore, registry: Registry, batch_chunks: int = 256, progress: bool = True
    ) -> None:
        self.store = store
        self.registry = registry
        self.batch_chunks = batch_chunks
        self.progress = progress

    def run(self, connector: Connector) -> IngestSummary:
        started = time.perf_counter()
        key = str(connector.path.resolve())
        summary = IngestSummary(connector.source, key)
        checkpoint = self.registry.checkpoint(connector.source, key)
        if checkpoint is not None:
            summary.resumed_from = checkpoint.position
        pending: list[_Pending] = []
        pending_ids: set[str] = set()
        last: Checkpoint | None = None
        bar = self._bar(connector)
        for item, cp in connector.load(checkpoint):
            bar.update(1)
            if isinstance(item, Document) and _unstorable(item):
                # Text no database can store (a lone surrogate): one bad item is reported, the rest goes in.
                item = Failure(item.source, item.source_id, "contains text that is not valid Unicode")
            if isinstance(item, Failure):
                summary.failures.append(item)
                last = cp
                continue
            if isinstance(item, Account):
                with self.registry.transaction() as con:
                    self.registry.put_account(con, item)
                    self.registry.save_checkpoint(con, key, cp)
                summary.accounts += 1
                continue
            summary.items += 1
            doc = _redact_document(item, summary.redactions)
            digest = doc.content_hash()
            prior = self.registry.item(doc.source, doc.source_id)
            if prior is not None and prior[0] == digest:
                summary.unchanged += 1
                last = cp
                continue
            if doc.source_id in pending_ids:  # the same id twice in one input: the later one wins, in order
                self._flush(pending, last, key, summary)
                pending, pending_ids = [], set()
            pending.append(
                _Pending(doc, chunk_document(doc), digest, prior[1] if prior else 0, prior[2] if prior else None)
            )
            pending_ids.add(doc.source_id)
            last = cp
            if sum(len(p.chunks) for p in pending) >= self.batch_chunks:
                self._flush(pending, last, key, summary)
                pending, pending_ids = [], set()
                bar.set_postfix(chunks=summary.chunks)
        self._flush(pending, last, key, summary)
        bar.close()
        # Finished: the next run starts from the top (unchanged items are skipped by their hash).
        self.registry.clear_checkpoint(connector.source, key)
        summary.seconds = time.perf_counter() - started
        return summary

    def _bar(self, connector: Connector) -> Any:
        from tqdm import tqdm

        return tqdm(
            desc=f"ingest {connector.source}",
            unit=" items",
            disable=not self.progress,
            file=sys.stderr,
            dynamic_ncols=True,
            leave=False,
        )

    def _flush(self, pending: list[_Pending], last: Checkpoint | None, key: str, summary: IngestSummary) -> None:
        chunks = [c for p in pending for c in p.chunks]
        # An item whose access changed leaves its old scope entirely (before the new chunks exist: never both).
        moved = [p for p in pending if p.old_account is not None and p.old_account != p.doc.account]
        for p in moved:
            old_ids = [chunk_id(p.doc.source, p.doc.source_id, i) for i in range(p.old_chunks)]
            self.store.delete_ids(old_ids, account=p.old_account)
        if chunks:
            t = time.perf_counter()
            vectors = self.store.embedder.embed([c.text for c in chunks])
            summary.embed_seconds += time.perf_counter() - t
            self.store.upsert(chunks, vectors)
        stale: list[str] = []
        for p in pending:
            ids = [chunk_id(p.doc.source, p.doc.source_id, i) for i in range(len(p.chunks), p.old_chunks)]
            if ids and not any(p is q for q in moved):  # a moved item's old chunks are already gone
                self.store.delete_ids(ids, account=p.doc.account)
            stale += ids
        with self.registry.transaction() as con:
            for p in pending:
                self.registry.put_item(con, p.doc.source, p.doc.source_id, p.doc.account, p.digest, len(p.chunks))
            if last is not None:
                self.registry.save_checkpoint(con, key, last)
        summary.written += len(pending)
        summary.chunks += len(chunks)
        summary.stale_chunks_deleted += len(stale)


def ingest(
    connector: Connector,
    data_dir: Path,
    embedder: Embedder | None = None,
    chroma_url: str | None = None,
    batch_chunks: int = 256,
    progress: bool = True,
) -> IngestSummary:
    """Ingest one connector's input into the knowledge base under ``data_dir`` (one writer at a time)."""
    with writer_lock(data_dir):
        registry = Registry(data_dir)
        try:
            store = KnowledgeStore.open(data_dir, embedder, chroma_url)
            return Ingestor(store, registry, batch_chunks, progress).run(connector)
        finally:
            registry.close()


def delete(
    data_dir: Path,
    source: str,
    source_id: str | None = None,
    embedder: Embedder | None = None,
    chroma_url: str | None = None,
) -> int:
    """Remove every chunk of one item (or of a whole source). Returns the number of chunks deleted."""
    with writer_lock(data_dir):
        registry = Registry(data_dir)
        try:
            store = KnowledgeStore.open(data_dir, embedder, chroma_url)
            ids = store.ids_for(source, source_id)
            store.delete_ids(ids)
            registry.delete_items(source, source_id)
            return len(ids)
        finally:
            registry.close()
