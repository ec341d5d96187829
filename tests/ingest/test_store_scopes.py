"""One Chroma collection per access scope: an item that changes account leaves its old scope, and a store written
by the earlier single-collection layout is migrated on open without re-embedding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assist.retrieval import DenseRetriever, LexicalRetriever
from ingest.connectors import TicketsConnector
from ingest.documents import PUBLIC
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import ingest
from ingest.store import LEGACY_COLLECTION, KnowledgeStore, make_client, scope_name


def _ticket(path: Path, **access: object) -> Path:
    row = {
        "id": "T-9",
        "subject": "Webhook retries flood our endpoint",
        "body": "Every failed webhook is retried 40 times within a minute. MARKER-T9",
        "answer": "Set the retry policy to exponential in Settings > Webhooks.",
        **access,
    }
    path.write_text(json.dumps(row) + "\n")
    return path


def _visible(store: KnowledgeStore, account: str | None) -> set[str]:
    dense = DenseRetriever(store).retrieve("webhook retries flood", account, 5)
    lexical = LexicalRetriever(store).retrieve("webhook retries flood", account, 5)
    return {c.source_id for c in dense + lexical}


def test_an_item_that_changes_account_leaves_its_old_scope(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"
    ingest(TicketsConnector(_ticket(tmp_path / "a.jsonl", account_id="acme")), data, embedder, progress=False)
    store = KnowledgeStore.open(data, embedder)
    assert _visible(store, "acme") == {"T-9"} and _visible(store, "globex") == set() and _visible(store, None) == set()

    # acme's ticket is made public: everyone sees it once, and nothing stays behind in acme's scope.
    ingest(TicketsConnector(_ticket(tmp_path / "b.jsonl", public=True)), data, embedder, progress=False)
    assert store.collection("acme").count() == 0 and store.collection(PUBLIC).count() >= 1
    assert _visible(store, "globex") == {"T-9"}

    # ... and then moved to globex: the public copy is gone, acme and the public never see it again.
    ingest(TicketsConnector(_ticket(tmp_path / "c.jsonl", account_id="globex")), data, embedder, progress=False)
    assert store.collection(PUBLIC).count() == 0
    assert _visible(store, "globex") == {"T-9"} and _visible(store, "acme") == set() and _visible(store, None) == set()
    assert store.count() == store.collection("globex").count()


def test_a_single_collection_store_is_migrated_on_open(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"
    client = make_client(data)
    legacy = client.create_collection(
        LEGACY_COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    texts = ["Reset MFA for an admin", "Invoice charged twice", "SSO login loop"]
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    accounts = ["acme", PUBLIC, "globex"]
    legacy.add(
        ids=[f"tickets:{i}:0" for i in range(3)],
        documents=texts,
        metadatas=[{"account": a, "source": "tickets", "source_id": str(i)} for i, a in enumerate(accounts)],
        embeddings=vectors,
    )
    del client

    store = KnowledgeStore.open(data, embedder)
    names = {c if isinstance(c, str) else c.name for c in store.client.list_collections()}
    assert LEGACY_COLLECTION not in names
    assert names == {scope_name(a) for a in accounts}
    assert store.count() == 3
    moved = store.collection("acme").get(include=["embeddings"])
    assert np.allclose(moved["embeddings"][0], vectors[0])  # the stored vector itself, not a re-embedding
    assert [h.id for h in store.query(vectors[2], ["globex", PUBLIC], 1)] == ["tickets:2:0"]


def test_scopes_search_wide_including_those_made_before(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    from ingest.store import EF_SEARCH

    data = tmp_path / "kb"
    ingest(TicketsConnector(_ticket(tmp_path / "a.jsonl", account_id="acme")), data, embedder, progress=False)
    client = make_client(data, None)
    old = client.get_collection(scope_name("acme"))
    assert old.configuration["hnsw"]["ef_search"] == EF_SEARCH
    old.modify(configuration={"hnsw": {"ef_search": 100}})  # as Chroma's default made it
    del client, old
    store = KnowledgeStore.open(data, embedder)
    assert store.collection("acme").configuration["hnsw"]["ef_search"] == EF_SEARCH
    assert _visible(store, "acme") == {"T-9"}


def test_the_nearest_chunks_are_the_exact_nearest_whatever_the_index_graph(tmp_path: Path) -> None:
    """An approximate index can lose a chunk for good (a TechQA store lost the answer to one question at any
    n_results, and another build found it). Here the scope's graph is made coarse on purpose (two neighbours per
    node), a stand-in for a damaged one: a query must still return what an exact cosine search returns."""
    from ingest.documents import Chunk
    from ingest.store import AssistEmbeddingFunction

    rng = np.random.default_rng(7)
    centres = rng.standard_normal((20, 64)).astype(np.float32)
    vectors = (centres[rng.integers(0, 20, 2000)] * 2 + rng.standard_normal((2000, 64))).astype(np.float32)
    client = make_client(tmp_path)
    client.create_collection(
        scope_name(PUBLIC),
        embedding_function=AssistEmbeddingFunction(_NoEmbedder()),  # type: ignore[arg-type]
        configuration={"hnsw": {"space": "cosine", "max_neighbors": 2, "ef_construction": 2}},
    )
    store = KnowledgeStore(client, _NoEmbedder())  # type: ignore[arg-type]
    store.upsert([Chunk(f"doc:{i}", f"chunk {i}", {"account": PUBLIC}) for i in range(len(vectors))], vectors)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for q in (centres[rng.integers(0, 20, 20)] * 2 + rng.standard_normal((20, 64))).astype(np.float32):
        exact = np.argsort(-(unit @ (q / np.linalg.norm(q))), kind="stable")[:10]
        assert [h.id for h in store.query(q, [PUBLIC], 10)] == [f"doc:{i}" for i in exact]


class _NoEmbedder:
    """Vectors are given with every write and query here."""

    def embed(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError("no embedding expected")


def test_a_chunk_replaced_by_another_process_is_read_as_it_is_now(tmp_path: Path) -> None:
    """An edited doc keeps its chunk ids and count; a store that searched the scope before (another process: the
    API while `assist ingest` runs) returns the chunk's current text and metadata, never a copy it kept."""
    from ingest.documents import Chunk

    vector = np.ones(8, dtype=np.float32)
    api = KnowledgeStore(make_client(tmp_path), _NoEmbedder())  # type: ignore[arg-type]
    ingest_process = KnowledgeStore(make_client(tmp_path), _NoEmbedder())  # type: ignore[arg-type]
    ingest_process.upsert([Chunk("doc:1", "Reset the key under Settings.", {"account": PUBLIC, "v": 1})], [vector])
    assert api.query(vector, [PUBLIC], 1)[0].text == "Reset the key under Settings."
    ingest_process.upsert([Chunk("doc:1", "Rotate the key under Developers.", {"account": PUBLIC, "v": 2})], [vector])
    hit = api.query(vector, [PUBLIC], 1)[0]
    assert (hit.text, hit.metadata["v"]) == ("Rotate the key under Developers.", 2)
