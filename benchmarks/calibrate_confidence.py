"""Fit the kb_confidence calibration on a labelled set (default: TechQA dev) and print the coefficients.

kb_confidence = logistic(A * s + C * agree + D * coverage + B), per kind of knowledge the first citation comes
from (`docs`: articles, technotes, Slack threads; `past_ticket`): s is the cosine similarity of the best cited
chunk, agree is 1 when the dense and BM25 stages rank the same source first, coverage is the share of the
question's specific terms the first cited source mentions. The fit is a logistic regression of the `deflectable`
label on those signals, run through the same retrieval and answer code as POST /v1/assist, on the cases whose
first citation is of `--kind` (and, with `--tier`, only the cases labelled with that tier: deflection is only read
where Tier 1 keeps a ticket). The printed A, C, D and B go into CALIBRATIONS in assist/confidence.py.

A fit scored on the cases it was fit on flatters itself, so the script also prints leave-one-out figures: each
case scored by a fit on all the others. Those are the honest estimate; `--signals` compares signal sets.

    python benchmarks/calibrate_confidence.py [--set ../shared/data/techqa] [--data-dir /tmp/calib]
    python benchmarks/calibrate_confidence.py --set ../shared/data/escalation_b2b --kind past_ticket --tier T1 \
        --signals similarity
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SIGNALS = ("similarity", "agree", "coverage")


def signals(
    set_dir: Path, data_dir: Path, kind: str, tier: str | None
) -> tuple[list[tuple[float, float, float]], list[int], list[bool]]:
    """Per labelled case of ``kind`` (and ``tier``): the confidence signals, the deflectable label, and whether a
    relevant source was cited."""
    from assist.answer import extractive_answer
    from assist.confidence import confidence_signals, term_coverage
    from assist.runtime import open_runtime
    from assist.settings import Settings
    from evals.runner import ingest_kb
    from ingest.embed import MiniLMEmbedder

    ingest_kb(set_dir, data_dir, MiniLMEmbedder(), progress=True)  # the knowledge an eval run ingests
    retriever = open_runtime(Settings(data_dir=data_dir, demo_kb=False), llm=None).pipeline.retriever
    xs, ys, relevant = [], [], []
    for line in (set_dir / "cases.jsonl").read_text().splitlines():
        case = json.loads(line)
        label = case["labels"].get("deflectable")
        if label is None or (tier and case["labels"].get("tier") != tier):
            continue
        query = "\n\n".join(p for p in (case.get("subject"), case["body"]) if p)
        chunks = retriever.retrieve(query, case.get("account_id"), 8)
        answer = extractive_answer(query, chunks)
        coverage, _ = term_coverage(retriever.lexical.specific_terms(query, case.get("account_id")), chunks, answer)
        found = confidence_signals(chunks, answer, coverage)
        if not answer.citations or found.kind != kind:
            continue
        xs.append((found.similarity, found.agree, found.coverage))
        ys.append(1 if label else 0)
        gold = set(case["labels"].get("relevant_source_ids") or [])
        relevant.append(bool(gold & {c.source_id for c in answer.citations}))
    return xs, ys, relevant


def report(name: str, probs: Any, ys: list[int], relevant: list[bool]) -> None:
    for threshold in (0.7, 0.75, 0.8, 0.85):
        kept = [p >= threshold for p in probs]
        n_kept = sum(kept)
        # false deflection as the eval harness counts it: kept, and not answerable or nothing relevant cited
        false = sum(k and not (y and r) for k, y, r in zip(kept, ys, relevant, strict=True))
        rate = false / max(n_kept, 1)
        print(f"  {name} threshold {threshold:.2f}: kept {n_kept}/{len(ys)}, false deflection {rate:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/techqa")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/assist-calibration"))
    parser.add_argument("--signals", default=",".join(SIGNALS), help=f"comma-separated subset of {SIGNALS}")
    parser.add_argument("--kind", default="docs", choices=("docs", "past_ticket"))
    parser.add_argument("--tier", default=None, help="only cases labelled with this tier, e.g. T1")
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    xs, ys, relevant = signals(args.set, args.data_dir, args.kind, args.tier)
    use = [SIGNALS.index(s) for s in args.signals.split(",")]
    x = np.array(xs)[:, use]
    y = np.array(ys)
    model = LogisticRegression(C=10.0).fit(x, y)
    print(f"cases {len(ys)}, deflectable {int(y.sum())}, signals {args.signals}")
    for name, coef in zip(args.signals.split(","), model.coef_[0], strict=True):
        print(f"  {name}: {coef:.2f}")
    print(f"  intercept: {model.intercept_[0]:.2f}")
    report("in-sample    ", model.predict_proba(x)[:, 1], ys, relevant)
    loo = np.zeros(len(y))
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        loo[i] = LogisticRegression(C=10.0).fit(x[rest], y[rest]).predict_proba(x[i : i + 1])[0, 1]
    report("leave-one-out", loo, ys, relevant)


if __name__ == "__main__":
    main()
