"""Facts agents corrected: reused within the account on nearly the same words, each text embedded once."""

from __future__ import annotations

from typing import Any

from assist.corrections import CorrectedFacts
from ingest.embed import MiniLMEmbedder


class Counting:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder: MiniLMEmbedder) -> None:
        self.embedder, self.texts = embedder, 0

    def embed(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return self.embedder.embed(texts)


def test_corrections_apply_within_their_account_and_embed_each_text_once(embedder: MiniLMEmbedder) -> None:
    counting = Counting(embedder)
    corrections: list[tuple[str | None, str, dict[str, Any]]] = [
        ("acme", "Usage numbers on the October invoice differ from our own counts", {"severity": "S2"}),
    ]
    memory = CorrectedFacts(counting, lambda: len(corrections), lambda: list(corrections), recheck_seconds=0)  # type: ignore[arg-type]
    same = embedder.embed(["Usage numbers on our October invoice differ from our own counts"])[0]
    assert memory.facts_for(same, "acme")["severity"].value == "S2"
    assert memory.facts_for(same, "globex") == {}  # another account's correction is not reused
    other = embedder.embed(["How do I invite a colleague to the workspace?"])[0]
    assert memory.facts_for(other, "acme") == {}
    corrections.append(("acme", "Webhook endpoint disabled after repeated failures", {"severity": "S3"}))
    memory.facts_for(same, "acme")
    assert counting.texts == 2  # the first text was not embedded again for the second correction
