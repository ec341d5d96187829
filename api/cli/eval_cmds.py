"""``assist eval …``: measure before trusting — run labelled ticket sets through the pipeline, compare runs, replay
a proposed matrix against a set."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import AsJson, MatrixPath, errors, fail, load, read_json, settings
from matrix import load_matrix

eval_app = typer.Typer(
    help="Measure before trusting: run labelled ticket sets through the assist, compare runs, replay a matrix.",
    no_args_is_help=True,
)


@eval_app.command("run")
def eval_run(
    set_dir: Annotated[Path, typer.Argument(help="A labelled set folder: cases.jsonl, kb/, optional matrix.yaml.")],
    out: Annotated[Path, typer.Option("--out", help="Where report.json, report.html and the run's store go.")],
    matrix: MatrixPath = None,
    llm: Annotated[str | None, typer.Option(help="A litellm model string; default: extractive answers.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N cases.", min=1)] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="A set without kb/ (exported feedback) runs on a copy of this data dir's knowledge."),
    ] = None,
) -> None:
    """Ingest the set's kb/ into a fresh store, run every case like POST /v1/assist, write the reports. A set
    without kb/ runs on a copy of the service's own knowledge (ASSIST_DATA_DIR, or --data-dir).

    Deflection (rate, correct, false, escalation precision/recall), retrieval (recall@1/5/10, MRR, nDCG@10),
    routing (accuracy, macro-F1, per class, confusion), grounding, latency — with BM25-only, dense-only and a
    TF-IDF + logistic-regression router as baselines from the same run.
    """
    from evals.runner import run

    if not (set_dir / "cases.jsonl").exists():
        raise fail(f"SET_DIR: {set_dir} has no cases.jsonl", 2)
    knowledge = None if (set_dir / "kb").is_dir() else settings(data_dir).data_dir
    with errors():
        report = run(set_dir, out, matrix, llm, limit, progress=sys.stderr.isatty(), knowledge=knowledge)
    d, r = report["deflection"], report["retrieval"]
    typer.echo(f"{report['set']}: {report['n_cases']} cases")
    typer.echo(
        f"  deflection {d['rate']:.1%}, correct {d['correct_rate']:.1%}, false {d['false_rate']:.1%}, "
        f"escalation P/R {d['escalation_precision']:.1%}/{d['escalation_recall']:.1%}"
    )
    if r.get("n"):
        b, dn = report["baselines"]["bm25"]["retrieval"], report["baselines"]["dense"]["retrieval"]
        typer.echo(
            f"  nDCG@10 {r['ndcg@10']:.3f} (BM25 {b['ndcg@10']:.3f}, dense {dn['ndcg@10']:.3f}), "
            f"MRR {r['mrr']:.3f}, R@5 {r['recall@5']:.3f}"
        )
    for label, m in report["routing"].items():
        base = report["baselines"]["tfidf_lr"]["routing"].get(label, {})
        extra = f" (TF-IDF+LR {base['accuracy']:.1%})" if base else ""
        typer.echo(f"  {label} accuracy {m['accuracy']:.1%}, macro-F1 {m['macro_f1']:.3f}{extra}")
    typer.echo(f"  wrote {out / 'report.json'} and {out / 'report.html'}")


@eval_app.command("compare")
def eval_compare(
    a: Annotated[Path, typer.Argument(help="The earlier report.json.")],
    b: Annotated[Path, typer.Argument(help="The later report.json.")],
) -> None:
    """What changed between two runs' headline figures."""
    from evals.runner import compare

    changes = compare(read_json(a, "A"), read_json(b, "B"))
    if not changes:
        typer.echo("no headline figure changed")
    for key, va, vb in changes:

        def show(v: Any) -> str:
            return f"{v:.4f}" if isinstance(v, float) else str(v)

        delta = f" ({vb - va:+.4f})" if isinstance(va, float) and isinstance(vb, float) else ""
        typer.echo(f"{key:32} {show(va):>10} -> {show(vb):<10}{delta}")


@eval_app.command("replay")
def eval_replay(
    set_dir: Annotated[Path, typer.Argument(help="The labelled set whose tickets are re-decided.")],
    matrix: Annotated[Path, typer.Option("--matrix", help="The proposed matrix.")],
    baseline: Annotated[
        Path | None, typer.Option(help="The matrix in force (default: the set's matrix, else the shipped one).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="A report.json of this set whose facts to reuse (default: run the set first).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    as_json: AsJson = False,
) -> None:
    """Re-decide every case under the proposed matrix: volume per tier/queue/rule before and after, and the
    cases that change."""
    import tempfile

    from evals.runner import DEFAULT_NOW, load_cases, run, set_matrix
    from matrix.replay import ReplayCase, replay

    baseline = baseline or set_matrix(set_dir)
    with errors():
        new = load_matrix(matrix)
        old = load(baseline)
    if report is not None:
        facts = {c["id"]: c["facts"] for c in read_json(report, "--report")["cases"]}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            facts = {c["id"]: c["facts"] for c in run(set_dir, Path(tmp), baseline, None, limit, False)["cases"]}
    created = {c["id"]: c.get("created_at") for c in load_cases(set_dir, limit)}
    cases = [ReplayCase(cid, f, created.get(cid) or DEFAULT_NOW) for cid, f in facts.items()]
    result = replay(old, new, cases)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    typer.echo(
        f"{result.n_cases} cases, {len(result.changes)} would change "
        f"({result.baseline_version} -> {result.proposed_version})"
    )
    for dim, counts in result.summary().items():
        typer.echo(f"  {dim}: " + ", ".join(f"{k} {v['before']}->{v['after']}" for k, v in counts.items()))
    for change in result.changes[:25]:
        typer.echo(f"  {change.id}: " + "; ".join(f"{k} {change.before[k]}->{change.after[k]}" for k in change.fields))


@eval_app.command("matrix")
def eval_matrix(
    set_dir: Annotated[Path, typer.Argument(help="A labelled set (or any folder) with kb/tickets.jsonl.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the YAML here (default: print it).")] = None,
) -> None:
    """A starter matrix for the set's own queue names: the shipped matrix plus, for every queue label in its past
    tickets, a front-line queue and a routing rule after the shipped rules (which still decide first).

    `assist eval run` uses SET_DIR/matrix.yaml, else evals/matrices/<set name>.yaml, else the shipped matrix.
    """
    from evals.taxonomy import set_matrix_yaml

    with errors():
        text = set_matrix_yaml(set_dir)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")


@eval_app.command("export-feedback")
def eval_export_feedback(
    out: Annotated[Path, typer.Option("--out", help="The folder to write the labelled set to.")],
    since: Annotated[str | None, typer.Option(help="Only feedback given at or after this time (ISO 8601).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The service's data dir (default: ASSIST_DATA_DIR).")] = None,
) -> None:
    """Agents' feedback as a labelled set (cases.jsonl in the FORMAT.md shape, labelled with what the agents
    confirmed or corrected) that `assist eval run` accepts; the knowledge stays in the service's store."""
    from assist.runtime import open_database
    from matrix.facts import parse_datetime

    with errors():
        start = parse_datetime("--since", since) if since else None
        db = open_database(settings(data_dir))
        n = db.feedback.export(out, start)
    typer.echo(f"wrote {n} cases to {out / 'cases.jsonl'}")
