"""Redaction quality and speed on the corpus in tests/fixtures/redaction (made by make_corpus.py: realistic
pastes with one fake secret or personal value each, and benign look-alikes that must be kept).

Prints recall by kind, the false-positive rate, and throughput in MB/s of the full redaction next to our
patterns alone (without detect-secrets' provider plugins), measured in the same run.

    python benchmarks/redaction_bench.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import redact

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "redaction" / "corpus.jsonl"


def score(rows: list[dict[str, str | None]]) -> tuple[dict[str, bool], int, int]:
    caught: dict[str, bool] = {}
    false = benign = 0
    for row in rows:
        out = redact.redact_text(str(row["text"]))
        if row["value"]:
            caught[str(row["kind"])] = row["value"] not in out
        else:
            benign += 1
            false += out != row["text"]
    return caught, false, benign


def throughput(texts: list[str], repeat: int) -> float:
    size = sum(len(t.encode()) for t in texts) * repeat
    start = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            redact.redact_text(t)
    return size / (time.perf_counter() - start) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    caught, false, benign = score(rows)
    print(f"secrets and personal values caught: {sum(caught.values())}/{len(caught)}")
    for kind, ok in caught.items():
        print(f"  {kind:20} {'caught' if ok else 'MISSED'}")
    print(f"benign look-alikes changed: {false}/{benign}")
    texts = [str(r["text"]) for r in rows]
    redact.redact_text(texts[0])  # build the plugins before timing
    full = throughput(texts, args.repeat)
    with mock.patch.object(redact, "_provider_secrets", lambda text: iter(())):
        ours, _, _ = score(rows)
        alone = throughput(texts, args.repeat)
    print(f"our patterns alone: {sum(ours.values())}/{len(ours)} caught")
    print(f"throughput: {full:.2f} MB/s with detect-secrets' plugins, {alone:.2f} MB/s our patterns alone")


if __name__ == "__main__":
    main()
