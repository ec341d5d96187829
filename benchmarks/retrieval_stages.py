"""Does each retrieval stage help? Recall@k and MRR of dense-only, BM25-only and the fused retriever.

Runs on a labelled set's `relevant_source_ids` (default TechQA dev) over a data dir that already holds its KB
(`benchmarks/calibrate_confidence.py` builds one at /tmp/assist-calibration).

    python benchmarks/retrieval_stages.py [--set ../shared/data/techqa] [--data-dir /tmp/assist-calibration]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/techqa")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/assist-calibration"))
    args = parser.parse_args()

    from assist.runtime import open_runtime
    from assist.settings import Settings

    rt = open_runtime(Settings(data_dir=args.data_dir, demo_kb=False), llm=None)
    retriever = rt.pipeline.retriever
    stages = {
        "dense": lambda q, a: retriever.dense.retrieve(q, a, 10),
        "bm25": lambda q, a: retriever.lexical.retrieve(q, a, 10),
        "hybrid (RRF)": lambda q, a: retriever.retrieve(q, a, 10),
    }
    cases = [json.loads(line) for line in (args.set / "cases.jsonl").read_text().splitlines()]
    cases = [c for c in cases if c["labels"].get("relevant_source_ids")]
    print(f"{len(cases)} cases with relevant sources; {rt.store.count()} chunks")
    print(f"{'stage':14} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6}")
    for name, fn in stages.items():
        r1 = r5 = r10 = mrr = 0.0
        for case in cases:
            query = "\n\n".join(p for p in (case.get("subject"), case["body"]) if p)
            ranked = list(dict.fromkeys(c.source_id for c in fn(query, case.get("account_id"))))
            relevant = set(case["labels"]["relevant_source_ids"])
            ranks = [i for i, sid in enumerate(ranked, 1) if sid in relevant]
            first = ranks[0] if ranks else None
            r1 += first is not None and first <= 1
            r5 += first is not None and first <= 5
            r10 += first is not None and first <= 10
            mrr += 1 / first if first else 0
        n = len(cases)
        print(f"{name:14} {r1 / n:>6.3f} {r5 / n:>6.3f} {r10 / n:>6.3f} {mrr / n:>6.3f}")


if __name__ == "__main__":
    main()
