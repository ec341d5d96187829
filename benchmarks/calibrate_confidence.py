"""Fit the kb_confidence calibration on a labelled set (default: TechQA dev) and print the coefficients.

kb_confidence = logistic(A * s + C * agree + D * coverage + M * margin + B), per kind of knowledge the first
citation comes from (`docs`: articles, technotes, Slack threads; `past_ticket`): s is the cosine similarity of the
best cited chunk, agree is 1 when the dense and BM25 stages rank the same source first, coverage is the share of the
question's specific terms the first cited source mentions, margin is how far s stands above the next sources
retrieved. The fit is a logistic regression of the `deflectable` label on those signals, run through the same
retrieval and answer code as POST /v1/assist, on the cases whose first citation is of `--kind` (and, with `--tier`,
leaving out the cases labelled with another tier: deflection is only read where Tier 1 keeps a ticket). `--set`
may be given more than once: the fit pools the sets, the figures are printed per set. The printed coefficients go
into CALIBRATIONS in assist/confidence.py.

A fit scored on the cases it was fit on flatters itself, so the script also prints leave-one-out figures: each
case scored by a fit on all the others. Those are the honest estimate; `--signals` compares signal sets.

    python benchmarks/calibrate_confidence.py --set ../shared/data/techqa --set ../shared/data/escalation_b2b \
        --tier T1      # the shipped `docs` calibration
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

SIGNALS = ("similarity", "agree", "coverage", "margin")


def signals(
    set_dir: Path, data_dir: Path, kind: str, tier: str | None
) -> tuple[list[tuple[float, float, float, float]], list[int], list[bool]]:
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
        if label is None or (tier and case["labels"].get("tier") not in (None, tier)):
            continue
        query = "\n\n".join(p for p in (case.get("subject"), case["body"]) if p)
        chunks = retriever.retrieve(query, case.get("account_id"), 8)
        answer = extractive_answer(query, chunks)
        coverage, _ = term_coverage(retriever.lexical.specific_terms(query, case.get("account_id")), chunks, answer)
        found = confidence_signals(chunks, answer, coverage)
        if not answer.citations or found.kind != kind:
            continue
        xs.append((found.similarity, found.agree, found.coverage, found.margin))
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
    parser.add_argument("--set", type=Path, action="append", help="a labelled set (repeat to pool); default TechQA")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/assist-calibration"))
    parser.add_argument("--signals", default=",".join(SIGNALS), help=f"comma-separated subset of {SIGNALS}")
    parser.add_argument("--kind", default="docs", choices=("docs", "past_ticket"))
    parser.add_argument("--tier", default=None, help="leave out cases labelled with another tier, e.g. T1")
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    sets = args.set or [Path(__file__).resolve().parents[2] / "shared/data/techqa"]
    xs: list[tuple[float, ...]] = []
    ys: list[int] = []
    relevant: list[bool] = []
    spans: list[tuple[str, int, int]] = []  # (set name, first row, end row)
    for set_dir in sets:
        found_x, found_y, found_r = signals(set_dir, args.data_dir / set_dir.name, args.kind, args.tier)
        spans.append((set_dir.name, len(ys), len(ys) + len(found_y)))
        xs, ys, relevant = xs + found_x, ys + found_y, relevant + found_r
    use = [SIGNALS.index(s) for s in args.signals.split(",")]
    x = np.array(xs)[:, use]
    y = np.array(ys)
    model = LogisticRegression(C=10.0).fit(x, y)
    print(f"cases {len(ys)}, deflectable {int(y.sum())}, signals {args.signals}")
    for name, coef in zip(args.signals.split(","), model.coef_[0], strict=True):
        print(f"  {name}: {coef:.2f}")
    print(f"  intercept: {model.intercept_[0]:.2f}")
    loo = np.zeros(len(y))
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        loo[i] = LogisticRegression(C=10.0).fit(x[rest], y[rest]).predict_proba(x[i : i + 1])[0, 1]
    fitted = model.predict_proba(x)[:, 1]
    for name, a, b in spans:
        print(name)
        report("in-sample    ", fitted[a:b], ys[a:b], relevant[a:b])
        report("leave-one-out", loo[a:b], ys[a:b], relevant[a:b])


if __name__ == "__main__":
    main()
