"""Latency of POST /v1/assist (no LLM) at 10k and 100k chunks, next to the floor measured in the same run.

Floor = one query embedding + the Chroma search of the ticket's access scopes (its account's collection and the
public one; the store keeps one collection per scope): the least any account-scoped dense retrieval costs on this
machine. /v1/assist adds BM25, fusion, the extractive answer, fact inference, the matrix decision and the
decision log write, through FastAPI's ASGI stack (in-process client, no network).

Filler knowledge: real text from ../shared/data (Slack messages, IT tickets, technotes), spread over 50 accounts
and public. Embedding 100k chunks with the real model would take over an hour on 2 cores, so 2,000 distinct texts
are embedded for real and the rest reuse one of those vectors plus small Gaussian noise (renormalised); the
index and the filter work the same as for real vectors. Printed figures go in the README.

    python benchmarks/assist_bench.py [--sizes 10000 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def texts() -> list[str]:
    out: list[str] = []
    for line in (SHARED / "endava/kb/tickets.jsonl").read_text().splitlines():
        row = json.loads(line)
        out.append(f"{row.get('subject') or ''}\n\n{row.get('body') or ''}".strip())
    for day in sorted((SHARED / "slack_export/clojure").glob("*.json"))[:200]:
        out += [m.get("text", "") for m in json.loads(day.read_text()) if len(m.get("text", "")) > 40]
    for f in sorted((SHARED / "techqa/kb/docs/technotes").glob("*.txt")):
        body = f.read_text()
        out += [body[i : i + 900] for i in range(0, len(body), 900)]
    return [t for t in out if t]


def write_filler(store: Any, size: int, base: Any, corpus: list[str], accounts: list[str], rng: Any) -> None:
    """``size`` chunks of real text over ``accounts``: each reuses one of the ``base`` vectors plus small noise."""
    import numpy as np

    from ingest.documents import Chunk, chunk_id

    for start in range(0, size, 5000):
        n = min(5000, size - start)
        idx = np.arange(start, start + n) % len(base)
        vecs = base[idx] + rng.normal(0, 0.02, (n, base.shape[1])).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        chunks = [
            Chunk(
                chunk_id("bench", str(start + i), 0),
                f"{corpus[(start + i) % len(corpus)]}",
                {
                    "source": "tickets",
                    "source_id": f"B-{start + i}",
                    "account": accounts[(start + i) % len(accounts)],
                    "visibility": "public",
                    "title": f"bench {start + i}",
                },
            )
            for i in range(n)
        ]
        store.upsert(chunks, vecs.tolist())


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    import numpy as np
    from fastapi.testclient import TestClient

    from api.app import create_app
    from assist.runtime import open_runtime
    from assist.settings import Settings
    from ingest.documents import PUBLIC
    from ingest.embed import MiniLMEmbedder
    from ingest.store import KnowledgeStore

    corpus = texts()
    embedder = MiniLMEmbedder()
    base_texts = corpus[:2000]
    t = time.perf_counter()
    base = np.array(embedder.embed(base_texts), dtype=np.float32)
    print(f"embedded {len(base_texts)} distinct filler texts in {time.perf_counter() - t:.0f}s")
    rng = np.random.default_rng(7)
    accounts = [f"acct-{i:02d}" for i in range(50)] + [PUBLIC] * 10
    queries = [json.loads(line)["body"][:500] for line in (SHARED / "techqa/cases.jsonl").read_text().splitlines()]
    queries = (queries * (args.queries // len(queries) + 1))[: args.queries]
    results = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            store = KnowledgeStore.open(data, embedder)
            t = time.perf_counter()
            write_filler(store, size, base, corpus, accounts, rng)
            print(f"{size:,} chunks written in {time.perf_counter() - t:.0f}s")
            settings = Settings(data_dir=data, demo_kb=False)
            runtime = open_runtime(settings, embedder=embedder)
            key = runtime.db.keys.create("bench", "agent", None, datetime.now(UTC))[0]
            client = TestClient(create_app(settings, runtime))
            client.__enter__()
            headers = {"Authorization": f"Bearer {key}"}
            # Warm-up, one request per account: the model, and each scope's first use (its BM25 index is built and
            # its HNSW index loaded on the first query that needs it). Timed apart: the cold cost of an account.
            cold = []
            for i, account in enumerate(accounts[:50]):
                t = time.perf_counter()
                client.post("/v1/assist", headers=headers, json={"body": queries[i], "account_id": account})
                cold.append(time.perf_counter() - t)

            floor = []
            for i, q in enumerate(queries):
                t = time.perf_counter()
                vec = embedder.embed([q])[0]
                store.query(vec, [accounts[i % 50], PUBLIC], 30)
                floor.append(time.perf_counter() - t)
            lat = []
            t_all = time.perf_counter()
            for i, q in enumerate(queries):
                t = time.perf_counter()
                r = client.post("/v1/assist", headers=headers, json={"body": q, "account_id": accounts[i % 50]})
                lat.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            rps = len(queries) / (time.perf_counter() - t_all)
            client.__exit__(None, None, None)
            results[size] = (pct(lat, 0.5), pct(lat, 0.95), rps, pct(floor, 0.5), pct(floor, 0.95))
            p50, p95, rps, f50, f95 = results[size]
            print(
                f"{size:>7,} chunks: /v1/assist p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, {rps:.1f} req/s; "
                f"floor p50 {f50 * 1000:.0f} ms, p95 {f95 * 1000:.0f} ms; p95 ratio {p95 / f95:.2f}x; "
                f"an account's first request (cold scope) p50 {pct(cold[1:], 0.5) * 1000:.0f} ms"
            )
    if len(results) >= 2:
        small, large = min(results), max(results)
        growth = results[large][1] / results[small][1]
        print(
            f"p95 growth {small:,} -> {large:,} chunks: {growth:.2f}x (goal < 1.5x); "
            f"median floor growth {results[large][3] / results[small][3]:.2f}x"
        )


if __name__ == "__main__":
    main()
