"""Account-scoped hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank.

Access is enforced here, inside the retriever, with an allow-list: a ticket of account A sees A's chunks and
public ones; nothing else is ever scored, let alone returned. Chunks with no access marking match no allow-list.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from ingest.documents import PUBLIC, is_ticket_source
from ingest.store import KnowledgeStore

STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "to",
        "of",
        "in",
        "on",
        "for",
        "is",
        "are",
        "was",
        "be",
        "it",
        "this",
        "that",
        "with",
        "how",
        "do",
        "does",
        "can",
        "i",
        "my",
        "our",
        "we",
        "you",
        "your",
        "from",
        "at",
        "by",
        "not",
        "no",
        "as",
        "if",
        "when",
        "what",
        "why",
        "where",
        "which",
    ]
)
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
        out = []
        for rank, hit in enumerate(self.store.query(vector, allowed_accounts(account), k), 1):
            sim = 1.0 - hit.distance
            out.append(ScoredChunk(hit.id, hit.text, hit.metadata, sim, {"dense": rank}, sim))
        return out


_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s' own token pattern: the same words on both sides
# A query term is *specific* when fewer than this share of the visible chunks contain it: error codes, product,
# component and API names — what a customer quotes and an answer that fits must mention.
SPECIFIC_SHARE = 0.01
# ... and when it is rare in everyday language too. In a small knowledge base almost every word is rare ("hello",
# "thanks", a first name, any German or French word in an English help center), so rarity in the knowledge base alone
# took greetings and sign-offs for what the answer must mention. A word whose Zipf frequency (wordfreq: log10 of
# occurrences per billion words) reaches this in any of the ticket languages we read is everyday language; codes,
# product names, jargon and rare surnames stay below it.
EVERYDAY_ZIPF = 3.5
EVERYDAY_LANGUAGES = ("en", "de", "fr", "es")


@functools.cache
def function_words() -> list[str]:
    """The function words of every ticket language (bm25s' English, German, French and Spanish lists), which the
    lexical stage leaves out: with English ones alone, a German ticket matched every German past ticket on "wir",
    "die" and "und", whatever either was about."""
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH, STOPWORDS_GERMAN, STOPWORDS_SPANISH

    return sorted({*STOPWORDS_EN, *STOPWORDS_GERMAN, *STOPWORDS_FRENCH, *STOPWORDS_SPANISH})


def everyday(term: str) -> bool:
    """Is ``term`` a common word of English, German, French or Spanish (by wordfreq's corpus counts)?"""
    from wordfreq import zipf_frequency

    return any(zipf_frequency(term, lang) >= EVERYDAY_ZIPF for lang in EVERYDAY_LANGUAGES)


def words(text: str) -> set[str]:
    """The distinct lower-cased words of ``text``, as the BM25 stage sees them."""
    return {t.lower() for t in _TOKEN.findall(text)}


def source_text(chunks: list[ScoredChunk], source_id: str) -> str:
    """Every retrieved chunk of one source, lower-cased: what it says may sit in any of them (a known issue's
    status, a workaround, the error code it explains)."""
    return "\n".join(c.text.lower() for c in chunks if c.source_id == source_id)


# "TP-4012"; not a piece of an invoice number ("VG-2026-1311", "INV-NO-20931") or of a file name ("gw-ca-2026.pem")
_ERROR_CODE = re.compile(r"(?<![-./])\b[a-z]{2,4}-\d{3,5}\b(?![-/.]\d)")


def error_codes(text: str) -> list[str]:
    """The error codes ``text`` quotes, lower-cased, in order of first appearance."""
    return list(dict.fromkeys(_ERROR_CODE.findall(text.lower())))


def documented_codes(text: str, chunks: list[ScoredChunk]) -> list[str]:
    """The error codes ``text`` quotes of a family the retrieved documentation (anything but past tickets) uses:
    "TP-5011" where articles explain TP codes; a dispute or order reference ("DSP-40418") is a number, no error."""
    families = {
        code.split("-")[0]
        for c in chunks
        if not is_ticket_source(c.metadata.get("source"))
        for code in error_codes(c.text)
    }
    return [c for c in error_codes(text) if c.split("-")[0] in families]


@dataclass
class _Bm25:
    """The BM25 index of one access scope, and the chunk count it was built for."""

    count: int
    index: Any
    ids: list[str]


class LexicalRetriever:
    """BM25 per access scope (bm25s), like the store: a query of account A searches A's index and the public one.

    An index is rebuilt when its scope's chunk count changes (checked per query, one cheap count per scope), or
    on ``refresh()`` after an in-process write; the hits are returned as the store holds them at query time. The
    two result lists are merged by BM25 score: each index has its own term statistics, so the merge is
    approximate, and rank fusion with the dense stage follows anyway.
    """

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._indexes: dict[str, _Bm25] = {}

    def refresh(self) -> None:
        with self._lock:
            self._indexes.clear()

    def _index(self, account: str) -> _Bm25 | None:
        count = self.store.count([account])
        have = self._indexes.get(account)
        if have is not None and have.count == count:
            return have
        if count == 0:
            return None
        with self._lock:
            have = self._indexes.get(account)
            if have is not None and have.count == count:
                return have
            import bm25s

            ids: list[str] = []
            docs: list[str] = []
            for page in self.store.pages([account], include=["documents"]):
                ids += page["ids"]
                docs += page["documents"]
            index = bm25s.BM25()
            index.index(bm25s.tokenize(docs, stopwords=function_words(), show_progress=False), show_progress=False)
            built = self._indexes[account] = _Bm25(count, index, ids)
            return built

    def specific_terms(self, query: str, account: str | None, share: float = SPECIFIC_SHARE) -> list[str]:
        """The query's terms that fewer than ``share`` of the chunks ``account`` may see contain (at least two
        chunks' worth, so a small knowledge base does not make every word specific) and that are not everyday
        words (``everyday``), sorted. A term no visible chunk contains is specific too: the knowledge base says
        nothing about it."""
        # Stop and question words are never specific; the indexes leave stop words out, so they would look unseen.
        terms = words(query) - set(function_words()) - STOP_WORDS
        if not terms:
            return []
        df = dict.fromkeys(terms, 0)
        total = 0
        for scope in allowed_accounts(account):
            # The index retrieve() has just checked for this query; only a scope it has not seen is counted again.
            bm = self._indexes.get(scope) or self._index(scope)
            if bm is None:
                continue
            total += len(bm.ids)
            vocab, indptr = bm.index.vocab_dict, bm.index.scores["indptr"]
            for t in terms:
                i = vocab.get(t)
                if i is not None:
                    df[t] += int(indptr[i + 1] - indptr[i])  # chunks holding the term: its column's entries
        cut = max(2.0, share * total)
        return sorted(t for t, n in df.items() if n < cut and not everyday(t))

    def retrieve(self, query: str, account: str | None, k: int = 8) -> list[ScoredChunk]:
        import bm25s

        if not _TOKEN.search(query):
            return []
        # Tokens as strings: each index maps them to its own vocabulary.
        tokens = bm25s.tokenize([query], stopwords=function_words(), show_progress=False, return_ids=False)
        if not tokens or not tokens[0]:
            return []
        found: list[tuple[float, str, str, dict[str, Any]]] = []
        for scope in allowed_accounts(account):
            bm = self._index(scope)
            if bm is None:
                continue
            docs, scores = bm.index.retrieve(tokens, k=min(k, len(bm.ids)), show_progress=False)
            hits = {bm.ids[int(i)]: float(score) for i, score in zip(docs[0], scores[0], strict=True) if score > 0}
            # Scored on the text the index was built from; returned as the store holds it now: another process
            # may have replaced a chunk in place (an edited doc keeps its ids and count).
            for cid, (doc, meta) in self.store.read(list(hits), scope).items():
                found.append((hits[cid], cid, doc, meta))
        found.sort(key=lambda f: (-f[0], f[1]))
        return [
            ScoredChunk(cid, doc, meta, score, {"bm25": rank})
            for rank, (score, cid, doc, meta) in enumerate(found[:k], 1)
        ]


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
