"""Run a labelled ticket set through the same code path as POST /v1/assist and score it.

``run(set_dir, out_dir)`` ingests the set's ``kb/`` into a fresh store under ``out_dir``, sends every case through
``AssistService.assist`` and returns the report (the stable shape other tools read), with baselines computed in
the same run: BM25-only and dense-only retrieval, and a TF-IDF + logistic-regression router trained on the set's
KB tickets. Same inputs -> same report apart from timings.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assist.models import TicketIn
from assist.pipeline import Pipeline
from evals import escalation, metrics, ragas_metrics
from evals.ragas_metrics import Sample
from matrix.errors import InvalidInput

# Cases without a created_at are decided as of this fixed instant, so reports are reproducible.
DEFAULT_NOW = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
ROUTING_LABELS = ("queue", "priority", "type")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


class SetError(InvalidInput):
    """The labelled set is malformed; the message names the file, line and field."""

    code = "invalid_set"


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) of every non-blank line; a bad line is a SetError naming file and line."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise SetError(f"{path.name}:{n}: not valid JSON ({exc.msg})") from None


def load_cases(set_dir: Path, limit: int | None = None) -> list[dict[str, Any]]:
    path = set_dir / "cases.jsonl"
    if not path.exists():
        raise SetError(f"{path}: missing (a labelled set needs cases.jsonl)")
    cases = []
    for n, case in read_jsonl(path):
        for field in ("id", "body"):
            if not case.get(field):
                raise SetError(f"{path.name}:{n}: field '{field}' is missing")
        if not isinstance(case.get("labels", {}), dict) or not isinstance(case.get("facts", {}), dict):
            raise SetError(f"{path.name}:{n}: 'labels' and 'facts' must be objects")
        cases.append(case)
        if limit is not None and len(cases) >= limit:
            break
    return cases


def set_matrix(set_dir: Path) -> Path | None:
    """The matrix for a set's taxonomy: its own matrix.yaml, else the one this project keeps for it under
    evals/matrices/<set name>.yaml (made with ``assist eval matrix``), else None (the shipped default)."""
    for path in (set_dir / "matrix.yaml", Path(__file__).parent / "matrices" / f"{set_dir.name}.yaml"):
        if path.is_file():
            return path
    return None


def ingest_kb(set_dir: Path, data_dir: Path, embedder: Any, progress: bool) -> list[dict[str, Any]]:
    from ingest.connectors import AccountsConnector, DocsConnector, SlackConnector, TicketsConnector
    from ingest.pipeline import ingest

    kb = set_dir / "kb"
    jobs: list[Any] = []
    if (kb / "accounts.csv").is_file():  # plans and products: every case is run as its account
        jobs.append(AccountsConnector(kb / "accounts.csv"))
    if (kb / "docs").is_dir():
        jobs.append(DocsConnector(kb / "docs"))
    if (kb / "tickets.jsonl").is_file():
        jobs.append(TicketsConnector(kb / "tickets.jsonl"))
    if (kb / "slack").is_dir():
        # In an eval the Slack knowledge is scored like any other source, so it may be cited.
        jobs.append(SlackConnector(kb / "slack", visibility="public"))
    return [ingest(job, data_dir, embedder, progress=progress).to_dict() for job in jobs]


def _tfidf_router(set_dir: Path, cases: list[dict[str, Any]]) -> dict[str, list[str | None]]:
    """The baseline router: TF-IDF + logistic regression per routing label, trained on the KB's tickets."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    path = set_dir / "kb" / "tickets.jsonl"
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict[str, list[str | None]] = {}
    for label in ROUTING_LABELS:
        train = [(f"{r.get('subject') or ''} {r.get('body') or ''}", str(r[label])) for r in rows if r.get(label)]
        if len({y for _, y in train}) < 2:
            continue
        vec = TfidfVectorizer(sublinear_tf=True, min_df=1, ngram_range=(1, 2), max_features=50000)
        x = vec.fit_transform([t for t, _ in train])
        model = LogisticRegression(max_iter=2000, C=5.0).fit(x, [y for _, y in train])
        texts = [f"{c.get('subject') or ''} {c['body']}" for c in cases]
        out[label] = [str(p) for p in model.predict(vec.transform(texts))]
    return out


def run(
    set_dir: Path,
    out_dir: Path,
    matrix_path: Path | None = None,
    llm: str | None = None,
    limit: int | None = None,
    progress: bool = True,
    knowledge: Path | None = None,
) -> dict[str, Any]:
    """``knowledge``: a service's data dir whose store a set without kb/ is run against (exported agent feedback:
    the knowledge stays in the store). It is copied, never written; its decision database is left behind."""
    from assist.runtime import open_runtime
    from assist.settings import settings_from_env
    from ingest.embed import MiniLMEmbedder

    cases = load_cases(set_dir, limit)
    matrix_path = matrix_path or set_matrix(set_dir)
    data_dir = out_dir / "kb"
    if data_dir.exists():
        shutil.rmtree(data_dir)  # a fresh store every run: nothing from an earlier run can leak into scores
    out_dir.mkdir(parents=True, exist_ok=True)
    embedder = MiniLMEmbedder()
    t0 = time.perf_counter()
    if knowledge is not None and not (set_dir / "kb").is_dir():
        shutil.copytree(knowledge, data_dir, ignore=shutil.ignore_patterns("assist.sqlite3*", "*.lock"))
    ingested = ingest_kb(set_dir, data_dir, embedder, progress)
    ingest_seconds = time.perf_counter() - t0
    # The LLM's API base, key, fallbacks and prices come from the ASSIST_* environment, as for `assist serve`;
    # the store, database and matrix are this run's own.
    settings = settings_from_env().model_copy(
        update={
            "data_dir": data_dir,
            "matrix_path": matrix_path,
            "llm_model": llm,
            "database_url": None,
            "chroma_url": None,
            "demo_kb": False,
        }
    )
    runtime = open_runtime(settings, embedder=embedder, background=False)
    pipeline = runtime.pipeline
    kinds = _source_kinds(runtime.store)
    if pipeline.router is not None:
        pipeline.router.fit()  # route every case with the models fit on this KB, not the fallback while they fit

    rows: list[dict[str, Any]] = []
    iterator: Any = cases
    if progress:
        from tqdm import tqdm

        iterator = tqdm(cases, desc=f"eval {set_dir.name}", unit=" cases", file=sys.stderr, leave=False)
    for case in iterator:
        rows.append(_run_case(pipeline, case, kinds))
    report = _report(set_dir, cases, rows, pipeline, matrix_path, llm, ingested, ingest_seconds)
    report["ragas"] = _ragas(rows, settings, embedder)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, sort_keys=False, default=str), encoding="utf-8")
    from evals.report import render_html

    (out_dir / "report.html").write_text(render_html(report), encoding="utf-8")
    return report


def _source_kinds(store: Any) -> dict[str, str]:
    """Each source's kind of knowledge (docs, slack, tickets …), by source id: where a labelled answer lives."""
    kinds: dict[str, str] = {}
    for page in store.pages(where={"chunk": 0}, include=["metadatas"]):
        for meta in page["metadatas"]:
            kinds.setdefault(str(meta.get("source_id")), str(meta.get("source")))
    return kinds


def _run_case(pipeline: Pipeline, case: dict[str, Any], kinds: dict[str, str] | None = None) -> dict[str, Any]:
    query = "\n\n".join(p for p in (case.get("subject"), case["body"]) if p)
    ticket = TicketIn(
        ticket_id=case["id"],
        subject=case.get("subject"),
        body=case["body"][:20000],
        account_id=case.get("account_id"),
        facts=case.get("facts") or {},
        now=case.get("created_at") or DEFAULT_NOW,
    )
    started = time.perf_counter()
    result, detail = pipeline.run_detailed(ticket)
    total_ms = (time.perf_counter() - started) * 1000
    labels = case.get("labels") or {}
    t = time.perf_counter()
    dense = [c.source_id for c in pipeline.retriever.dense.retrieve(query, case.get("account_id"), 10)]
    t_dense = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    bm25 = [c.source_id for c in pipeline.retriever.lexical.retrieve(query, case.get("account_id"), 10)]
    t_bm25 = (time.perf_counter() - t) * 1000
    relevant = set(labels.get("relevant_source_ids") or [])
    cited = [c.source_id for c in result.citations]
    meta = {c.source_id: c.metadata for c in detail.chunks}
    cited_meta = [
        {"source": c.source, "source_id": c.source_id, "account": str(meta.get(c.source_id, {}).get("account"))}
        for c in result.citations
    ]
    references = list(labels.get("answer_sentences") or []) or (
        [labels["reference_answer"]] if labels.get("reference_answer") else []
    )
    contexts = [c.text for c in detail.chunks[:5]]
    sample = Sample(
        user_input=query,
        response=result.answer.text,
        retrieved_contexts=contexts,
        retrieved_ids=list(dict.fromkeys(c.source_id for c in detail.chunks[:5])),
        reference_contexts=references,
        reference_ids=sorted(relevant),
    )
    usage = result.answer.usage
    return {
        "id": case["id"],
        "account_id": case.get("account_id"),
        "language": case.get("language"),
        "created_at": case.get("created_at"),
        "cited_meta": cited_meta,
        "subject": case.get("subject"),
        "body": case["body"][:600],
        "labels": labels,
        "ranked": [c.source_id for c in detail.chunks],
        "dense": dense,
        "bm25": bm25,
        "relevant": sorted(relevant),
        # The kind of knowledge that holds the labelled answer: a deflectable case not kept counts against it.
        "relevant_kinds": [kinds[r] for r in (labels.get("relevant_source_ids") or []) if kinds and r in kinds],
        "cited": cited,
        "answer": result.answer.text,
        "confidence": result.confidence,
        "kept": result.deflected,
        "kept_at_t1": (not result.decision.escalate) and result.decision.tier == "T1" and bool(cited),
        "tier": result.decision.tier,
        "queue": result.decision.queue,
        "rule_id": result.decision.rule_id,
        "routing": {k: v.value for k, v in result.routing.items()},
        "facts": detail.facts,
        "fact_confidence": {
            **{k: f.confidence for k, f in result.needs_agent.items()},
            **{k: f.confidence for k, f in result.facts.items()},
        },
        "needs_agent": {k: f.value for k, f in result.needs_agent.items()},
        "grounding": max((metrics.token_f1(result.answer.text, r) for r in references), default=None)
        if references
        else None,
        "context": metrics.context_precision_recall(contexts, references) if references else None,
        "ms": {**detail.ms, "total": total_ms, "dense_only": t_dense, "bm25_only": t_bm25},
        "sample": sample,
        # Extractive answers call no model: they cost 0. With --llm: litellm's price for the tokens (None: unpriced).
        "cost_usd": usage.cost_usd if usage else 0.0,
        "tokens": usage.prompt_tokens + usage.completion_tokens if usage else 0,
    }


def _ragas(rows: list[dict[str, Any]], settings: Any, embedder: Any) -> dict[str, Any]:
    """ragas' reference-based metrics always, the LLM-judged ones with --llm; our token-overlap context
    precision/recall next to them (ragas' string similarity is strict: a paraphrase scores 0)."""
    contexts = [r["context"] for r in rows if r["context"] is not None]
    out: dict[str, Any] = {
        "in_house": {
            "context_precision": statistics.fmean(c[0] for c in contexts) if contexts else None,
            "context_recall": statistics.fmean(c[1] for c in contexts) if contexts else None,
            "n": len(contexts),
        },
        "faithfulness": None,
        "answer_relevancy": None,
    }
    samples = [r["sample"] for r in rows]
    if ragas_metrics.available() is None:
        out.update(
            {"version": None, "context_precision": None, "context_recall": None, "note": "ragas is not installed"}
        )
        return out
    out.update(ragas_metrics.reference_scores(samples))
    if settings.llm_model:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        judge = ragas_metrics.Judge(settings.llm_model, settings.llm_api_base, key)
        out.update(ragas_metrics.judged_scores(samples, judge, embedder))
    return out


def _cost(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Model cost per case. Unpriced calls (a model litellm has no price for) are counted, not guessed."""
    priced = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    return {
        "per_case_usd": statistics.fmean(priced) if priced else None,
        "total_usd": sum(priced) if priced else None,
        "tokens_per_case": statistics.fmean(r["tokens"] for r in rows) if rows else 0.0,
        "n_unpriced": len(rows) - len(priced),
    }


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "mean": statistics.fmean(values),
        "p50": ordered[len(ordered) // 2],
        "p95": ordered[min(len(ordered) - 1, int(0.95 * (len(ordered) - 1) + 0.5))],
    }


def _report(
    set_dir: Path,
    cases: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    pipeline: Pipeline,
    matrix_path: Path | None,
    llm: str | None,
    ingested: list[dict[str, Any]],
    ingest_seconds: float,
) -> dict[str, Any]:
    def defl_rows(kept: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        return [
            {
                "kept": kept(r),
                "deflectable": r["labels"].get("deflectable"),
                "cited_relevant": (bool(set(r["cited"]) & set(r["relevant"])) if r["relevant"] else None),
            }
            for r in rows
        ]

    routing: dict[str, Any] = {}
    baseline_routing: dict[str, Any] = {}
    tfidf = _tfidf_router(set_dir, cases)
    for label in (*ROUTING_LABELS, "tier"):
        scored = [(i, r) for i, r in enumerate(rows) if r["labels"].get(label)]
        if not scored:
            continue
        gold = [str(r["labels"][label]) for _, r in scored]
        pred = [r["tier"] if label == "tier" else r["routing"].get(label) for _, r in scored]
        routing[label] = metrics.classification(gold, [str(p) if p is not None else None for p in pred])
        if label in tfidf:
            baseline_routing[label] = metrics.classification(gold, [tfidf[label][i] for i, _ in scored])

    grounding = [r["grounding"] for r in rows if r["grounding"] is not None]
    curve = []
    for t in THRESHOLDS:

        def kept_at(r: dict[str, Any], t: float = t) -> bool:
            return bool(r["kept_at_t1"]) and r["confidence"] >= t

        d = metrics.deflection(defl_rows(kept_at))
        curve.append(
            {"threshold": t, "rate": d["rate"], "false_rate": d["false_rate"], "correct_rate": d["correct_rate"]}
        )
    worst = sorted(
        (
            r
            for r in rows
            if r["kept"]
            and (
                r["labels"].get("deflectable") is False or (r["relevant"] and not set(r["cited"]) & set(r["relevant"]))
            )
        ),
        key=lambda r: -r["confidence"],
    )[:10]
    return {
        "set": set_dir.name,
        "n_cases": len(rows),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "matrix_version": pipeline.policy.current().version,
        "matrix": str(matrix_path) if matrix_path else "default",
        "llm": llm,
        "deflection": metrics.deflection(defl_rows(lambda r: r["kept"])),
        "retrieval": metrics.retrieval_summary([(r["ranked"], set(r["relevant"])) for r in rows]),
        "grounding": {"n": len(grounding), "token_f1": statistics.fmean(grounding) if grounding else None},
        "routing": routing,
        "escalation": escalation.escalation_report(rows, pipeline.policy.current().tiers[0].id),
        "ragas": {},  # filled by run(): it needs the settings and the embedder
        "latency": {
            stage: _stats([r["ms"][stage] for r in rows]) for stage in ("retrieval", "answer", "decision", "total")
        },
        "cost": _cost(rows),
        "threshold_curve": curve,
        "baselines": {
            "bm25": {"retrieval": metrics.retrieval_summary([(r["bm25"], set(r["relevant"])) for r in rows])},
            "dense": {"retrieval": metrics.retrieval_summary([(r["dense"], set(r["relevant"])) for r in rows])},
            "tfidf_lr": {"routing": baseline_routing},
        },
        "ingest": {"seconds": round(ingest_seconds, 1), "sources": ingested},
        "worst_misses": [
            {k: r[k] for k in ("id", "subject", "body", "answer", "cited", "relevant", "confidence")} for r in worst
        ],
        "cases": [
            {
                k: r[k]
                for k in (
                    "id",
                    "tier",
                    "queue",
                    "rule_id",
                    "kept",
                    "confidence",
                    "cited",
                    "routing",
                    "facts",
                    "needs_agent",
                )
            }
            for r in rows
        ],
    }


HEADLINE = [
    ("deflection", "rate"),
    ("deflection", "correct_rate"),
    ("deflection", "false_rate"),
    ("deflection", "escalation_precision"),
    ("deflection", "escalation_recall"),
    ("retrieval", "recall@1"),
    ("retrieval", "recall@5"),
    ("retrieval", "recall@10"),
    ("retrieval", "mrr"),
    ("retrieval", "ndcg@10"),
]


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Headline figures that changed between two reports (routing accuracy per label included)."""
    keys = list(HEADLINE) + [
        ("routing", f"{label}.accuracy") for label in sorted(set(a.get("routing", {})) | set(b.get("routing", {})))
    ]
    out = []
    for section, key in keys:

        def get(r: dict[str, Any], section: str = section, key: str = key) -> Any:
            node: Any = r.get(section, {})
            for part in key.split(".") if section == "routing" else [key]:
                node = node.get(part) if isinstance(node, dict) else None
            return node

        va, vb = get(a), get(b)
        if va != vb:
            out.append((f"{section}.{key}", va, vb))
    return out
