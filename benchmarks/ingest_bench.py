"""Ingest throughput per connector on the shared data, next to raw SentenceTransformer.encode on the same chunks.

Raw encoding of the exact chunk texts the pipeline writes is the physical limit on this machine; the pipeline
adds reading, redaction, chunking, Chroma writes and the registry. The script measures encode at 1 and 2 torch
threads first, then runs every pipeline at the faster setting, and prints chunks/s, the ratio to raw encoding
and the peak resident memory.

    python benchmarks/ingest_bench.py [--limit 300] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import psutil

from ingest.chunking import chunk_document
from ingest.connectors import Connector, DocsConnector, SlackConnector, TicketsConnector
from ingest.documents import Document
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import _redact_document, ingest


class Limited(Connector):
    """The first N documents of another connector (keeps the run short; the same items for both measurements)."""

    def __init__(self, inner: Connector, limit: int) -> None:
        super().__init__(inner.path, inner.account)
        self.inner = inner
        self.limit = limit
        self.source = inner.source

    def items(self):  # type: ignore[no-untyped-def]
        n = 0
        for item in self.inner.items():
            if isinstance(item, Document):
                n += 1
                if n > self.limit:
                    return
            yield item


class PeakRss:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()

    def __enter__(self) -> PeakRss:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def chunk_texts(connector: Connector) -> list[str]:
    from collections import Counter

    counts: Counter[str] = Counter()
    return [
        c.text
        for item in connector.items()
        if isinstance(item, Document)
        for c in chunk_document(_redact_document(item, counts))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=300, help="documents per connector")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    import torch

    connectors = {
        "docs (techqa technotes)": DocsConnector(args.data / "techqa/kb/docs"),
        "tickets (synthetic JSONL)": TicketsConnector(args.data / "tickets_synthetic/kb/tickets.jsonl"),
        "tickets (endava JSONL)": TicketsConnector(args.data / "endava/kb/tickets.jsonl"),
        "slack (slack_export)": SlackConnector(args.data / "slack_export"),
    }
    limited = {name: Limited(c, args.limit) for name, c in connectors.items()}
    texts = {name: chunk_texts(c) for name, c in limited.items()}
    embedder = MiniLMEmbedder()
    embedder.warm_up()
    model = embedder._model

    # Thread setting, measured on a sample of real chunks.
    sample = [t for ts in texts.values() for t in ts[:64]]
    model.encode(sample[:32], batch_size=64)
    thread_rates = {}
    for n in (1, 2):
        torch.set_num_threads(n)
        t = time.perf_counter()
        model.encode(sample, batch_size=64, normalize_embeddings=True)
        thread_rates[n] = len(sample) / (time.perf_counter() - t)
    best = max(thread_rates, key=lambda n: thread_rates[n])
    torch.set_num_threads(best)
    print(
        "raw encode on a sample of",
        len(sample),
        "chunks: "
        + ", ".join(f"{n} thread(s) {r:.1f} chunks/s" for n, r in thread_rates.items())
        + f" -> using {best}",
    )

    print(
        f"{'connector':28} {'items':>6} {'chunks':>7} {'raw enc/s':>10} {'pipeline/s':>11} {'ratio':>6} {'peak RSS':>9}"
    )
    for name, connector in limited.items():
        t = time.perf_counter()
        model.encode(texts[name], batch_size=64, normalize_embeddings=True)
        raw = len(texts[name]) / (time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp, PeakRss() as mem:
            summary = ingest(connector, Path(tmp), embedder, progress=False)
        pipe = summary.chunks / summary.seconds
        print(
            f"{name:28} {summary.items:>6} {summary.chunks:>7} {raw:>10.1f} {pipe:>11.1f} {pipe / raw:>6.2f} "
            f"{mem.peak / 2**20:>7.0f}MB"
        )


if __name__ == "__main__":
    main()
