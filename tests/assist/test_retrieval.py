"""The lexical stage matches what a ticket is about, in any of the ticket languages, not its function words."""

from __future__ import annotations

from pathlib import Path

from assist.retrieval import LexicalRetriever
from ingest.connectors import DocsConnector
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import ingest
from ingest.store import KnowledgeStore


def test_function_words_of_every_ticket_language_match_nothing(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    """A German ticket must not find a German past ticket on another subject through "wir", "die" and "und" alone:
    the function words of German, French and Spanish stay out of the BM25 index, as English ones always did."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "chf.md").write_text("Wir haben die Beträge in CHF und wir brauchen sie auf den Rechnungen.")
    (docs / "dunning.md").write_text("Nous avons des relances pour les clients et nous voulons les envoyer plus tôt.")
    (docs / "reports.md").write_text("Schedule a report under Exports; Berichte can be sent every Monday.")
    ingest(DocsConnector(docs), tmp_path / "kb", embedder, progress=False)
    lexical = LexicalRetriever(KnowledgeStore.open(tmp_path / "kb", embedder))

    hits = lexical.retrieve("Wie können wir die Berichte planen, und an wen gehen sie?", None)
    assert [h.source_id for h in hits] == ["reports.md"]
    assert lexical.retrieve("Nous avons une question pour les clients et les relances", None)[0].source_id == (
        "dunning.md"  # content words still match in any language
    )


def test_a_chunk_replaced_by_another_process_is_returned_as_it_is_now(tmp_path: Path) -> None:
    """An edited doc keeps its chunk ids and count, so the BM25 index of a process that searched before is not
    rebuilt; what it returns is the chunk's current text and metadata, never the copy it indexed."""
    import numpy as np

    from ingest.documents import PUBLIC, Chunk
    from ingest.store import make_client

    class NoEmbedder:
        def embed(self, texts: list[str]) -> list[list[float]]:
            raise AssertionError("vectors are given here")

    api = LexicalRetriever(KnowledgeStore(make_client(tmp_path), NoEmbedder()))  # type: ignore[arg-type]
    writer = KnowledgeStore(make_client(tmp_path), NoEmbedder())  # type: ignore[arg-type]
    vector = [np.ones(8, dtype=np.float32)]
    writer.upsert([Chunk("doc:1", "Rotate the webhook secret under Settings.", {"account": PUBLIC, "v": 1})], vector)
    assert api.retrieve("webhook secret", None)[0].text == "Rotate the webhook secret under Settings."
    writer.upsert([Chunk("doc:1", "Rotate the webhook secret under Developers.", {"account": PUBLIC, "v": 2})], vector)
    hit = api.retrieve("webhook secret", None)[0]
    assert (hit.text, hit.metadata["v"]) == ("Rotate the webhook secret under Developers.", 2)
