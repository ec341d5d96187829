"""Fit the kb_confidence calibration on a labelled set (default: TechQA dev) and print the coefficients.

kb_confidence = logistic(A * s + C * agree + B): s is the cosine similarity of the best cited chunk, agree is 1
when the dense and BM25 stages rank the same source first. The fit is a logistic regression of the `deflectable`
label on (s, agree), run through the same retrieval and answer code as POST /v1/assist. The printed A, C and B go
into assist/service.py.

    python benchmarks/calibrate_confidence.py [--set ../shared/data/techqa] [--data-dir /tmp/calib]
"""

from __future__ import annotations

import argparse
import json
import math
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

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from assist.answer import extractive_answer
    from assist.service import AssistService, stages_agree
    from assist.settings import Settings
    from ingest.connectors import DocsConnector, SlackConnector, TicketsConnector
    from ingest.pipeline import ingest

    kb = args.set / "kb"
    if (kb / "docs").exists():
        ingest(DocsConnector(kb / "docs"), args.data_dir, progress=True)
    if (kb / "tickets.jsonl").exists():
        ingest(TicketsConnector(kb / "tickets.jsonl", account=None), args.data_dir, progress=True)
    if (kb / "slack").exists():
        ingest(SlackConnector(kb / "slack", visibility="public"), args.data_dir, progress=True)
    service = AssistService(Settings(data_dir=args.data_dir, demo_kb=False)).start()
    assert service.retriever is not None
    xs, ys = [], []
    for line in (args.set / "cases.jsonl").read_text().splitlines():
        case = json.loads(line)
        label = case["labels"].get("deflectable")
        if label is None:
            continue
        query = "\n\n".join(p for p in (case.get("subject"), case["body"]) if p)
        chunks = service.retriever.retrieve(query, case.get("account_id"), 8)
        answer = extractive_answer(query, chunks)
        cited = {c.source_id for c in answer.citations}
        sims = [c.similarity for c in chunks if c.source_id in cited and c.similarity is not None]
        xs.append((max(sims) if sims else 0.0, float(stages_agree(chunks))))
        ys.append(1 if label else 0)
    x = np.array(xs)
    y = np.array(ys)
    model = LogisticRegression(C=10.0).fit(x, y)
    a, c, b = float(model.coef_[0][0]), float(model.coef_[0][1]), float(model.intercept_[0])
    print(f"cases {len(ys)}, deflectable {int(y.sum())}")
    print(f"CONFIDENCE_A = {a:.2f}")
    print(f"CONFIDENCE_C = {c:.2f}")
    print(f"CONFIDENCE_B = {b:.2f}")
    for threshold in (0.5, 0.6, 0.7, 0.8):
        conf = [1 / (1 + math.exp(-(a * s + c * g + b))) for s, g in xs]
        kept = [c >= threshold for c in conf]
        n_kept = sum(kept)
        false = sum(k and not t for k, t in zip(kept, ys, strict=True))
        print(
            f"threshold {threshold:.1f}: kept at T1 {n_kept}/{len(ys)}, false deflection "
            f"{false / max(n_kept, 1):.1%} of kept, {false / len(ys):.1%} of all"
        )


if __name__ == "__main__":
    main()
