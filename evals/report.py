"""report.html: the page a support lead reads. Every value from the data is HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Any


def _pct(v: Any) -> str:
    return "—" if v is None else f"{v:.1%}" if isinstance(v, float) else escape(str(v))


def _num(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else escape(str(v))


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _heatmap(title: str, confusion: dict[str, Any]) -> str:
    labels, matrix = confusion["labels"], confusion["matrix"]
    if len(labels) > 40:
        return f"<p>{escape(title)}: {len(labels)} classes, heatmap omitted (see report.json).</p>"
    peak = max((max(row) for row in matrix), default=1) or 1
    head = "<th>gold \\ predicted</th>" + "".join(f"<th class=rot>{escape(str(lab))}</th>" for lab in labels)
    rows = []
    for lab, row in zip(labels, matrix, strict=True):
        cells = "".join(f'<td style="background: rgba(31,111,235,{v / peak:.2f})">{v or ""}</td>' for v in row)
        rows.append(f"<tr><th>{escape(str(lab))}</th>{cells}</tr>")
    return f"<h3>{escape(title)}</h3><table class=heat><tr>{head}</tr>{''.join(rows)}</table>"


def _escalation(e: dict[str, Any]) -> list[str]:
    """Should I escalate: tier, must-escalate recall, cross-account citations, facts, and the breakdowns."""
    if not e:
        return []
    must = e.get("must_escalate") or {}
    parts = [
        "<h2>Should I escalate?</h2>",
        _table(
            ["tier accuracy", "must-escalate recall", "cross-account citations"],
            [
                [
                    _pct(e.get("tier_accuracy")),
                    _pct(must.get("recall")),
                    _num((e.get("cross_account_citations") or {}).get("n")),
                ]
            ],
        ),
    ]
    fx = e.get("facts") or {}
    rows = [
        [escape(name), _pct((fx.get(name) or {}).get("accuracy")), _num((fx.get(name) or {}).get("macro_f1"))]
        for name in ("severity", "issue_type")
    ]
    rows += [[escape(f"signal {s}"), "—", _num(v.get("f1"))] for s, v in (fx.get("signals") or {}).items()]
    if fx:
        parts += ["<h3>Facts from the words</h3>", _table(["fact", "accuracy", "F1"], rows)]
    for key, title in (
        ("by_language", "By language"),
        ("by_category", "By category"),
        ("by_rule", "By deciding rule"),
        ("by_week", "By week of the ticket"),
        ("deflection_by_kind", "Deflection by knowledge kind"),
    ):
        groups = e.get(key) or {}
        if groups:
            parts += [
                f"<h3>{title}</h3>",
                _table(
                    ["", "cases", "tier accuracy", "kept", "correct deflection", "false deflection"],
                    [
                        [
                            escape(name),
                            _num(g["n"]),
                            _pct(g["tier_accuracy"]),
                            _num(g["kept"]),
                            _pct(g["correct_deflection"]),
                            _pct(g["false_deflection"]),
                        ]
                        for name, g in groups.items()
                    ],
                ),
            ]
    return parts


def render_html(r: dict[str, Any]) -> str:
    d, ret = r["deflection"], r["retrieval"]
    base = r["baselines"]
    parts = [
        f"<h1>Eval report: {escape(r['set'])}</h1>",
        f"<p class=muted>{r['n_cases']} cases · matrix {escape(str(r['matrix']))} ({escape(r['matrix_version'])})"
        f" · answers {'LLM ' + escape(r['llm']) if r['llm'] else 'extractive'} · {escape(r['created_at'])}</p>",
        "<h2>Headline</h2>",
        _table(
            ["deflection rate", "correct deflection", "false deflection", "escalation precision", "escalation recall"],
            [
                [
                    _pct(d["rate"]),
                    _pct(d["correct_rate"]),
                    _pct(d["false_rate"]),
                    _pct(d["escalation_precision"]),
                    _pct(d["escalation_recall"]),
                ]
            ],
        ),
        *_escalation(r.get("escalation") or {}),
        "<h2>Retrieval (with baselines from the same run)</h2>",
    ]
    rrows = []
    for name, summary in (
        ("hybrid (ours)", ret),
        ("BM25 only", base["bm25"]["retrieval"]),
        ("dense only", base["dense"]["retrieval"]),
    ):
        rrows.append(
            [
                escape(name),
                *(_num(summary.get(k)) for k in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")),
                _num(summary.get("n")),
            ]
        )
    parts.append(_table(["retriever", "R@1", "R@5", "R@10", "MRR", "nDCG@10", "cases"], rrows))
    if r["routing"]:
        parts.append("<h2>Routing</h2>")
        rows = []
        for label, m in r["routing"].items():
            b = base["tfidf_lr"]["routing"].get(label, {})
            rows.append(
                [
                    escape(label),
                    _pct(m.get("accuracy")),
                    _num(m.get("macro_f1")),
                    _pct(b.get("accuracy")),
                    _num(b.get("macro_f1")),
                    _num(m.get("n")),
                ]
            )
        parts.append(
            _table(
                [
                    "label",
                    "accuracy (ours)",
                    "macro-F1 (ours)",
                    "accuracy (TF-IDF+LR)",
                    "macro-F1 (TF-IDF+LR)",
                    "cases",
                ],
                rows,
            )
        )
        for label, m in r["routing"].items():
            parts.append(_heatmap(f"Confusion: {label}", m["confusion"]))
    parts.append("<h2>Deflection against the confidence threshold</h2>")
    parts.append(
        _table(
            ["threshold", "kept at T1", "false deflection", "correct deflection"],
            [
                [_num(c["threshold"]), _pct(c["rate"]), _pct(c["false_rate"]), _pct(c["correct_rate"])]
                for c in r["threshold_curve"]
            ],
        )
    )
    g = r["grounding"]
    rg = r["ragas"]
    own = rg.get("in_house", {})
    parts.append("<h2>Answers</h2>")
    parts.append(
        _table(
            [
                "grounding token-F1",
                "context precision / recall (ours, token overlap)",
                "faithfulness",
                "answer relevancy",
            ],
            [
                [
                    _num(g.get("token_f1")),
                    f"{_num(own.get('context_precision'))} / {_num(own.get('context_recall'))}",
                    _num(rg.get("faithfulness")),
                    _num(rg.get("answer_relevancy")),
                ]
            ],
        )
    )
    parts.append(f"<h3>ragas {escape(str(rg.get('version') or 'not installed'))}</h3>")
    parts.append(
        _table(
            ["context precision (string)", "context recall (string)", "id context precision", "id context recall"],
            [
                [
                    _num(rg.get("context_precision")),
                    _num(rg.get("context_recall")),
                    _num(rg.get("id_context_precision")),
                    _num(rg.get("id_context_recall")),
                ]
            ],
        )
    )
    lat = r["latency"]
    parts.append("<h2>Latency per stage (ms)</h2>")
    parts.append(
        _table(
            ["stage", "mean", "p50", "p95"],
            [[escape(k), _num(v.get("mean")), _num(v.get("p50")), _num(v.get("p95"))] for k, v in lat.items()],
        )
    )
    parts.append("<h2>Worst misses (kept at Tier 1 but wrong)</h2>")
    for m in r["worst_misses"]:
        parts.append(
            f"<div class=card><b>{escape(m['id'])}</b> · confidence {_num(m['confidence'])}<br>"
            f"<i>{escape(m.get('subject') or '')}</i> {escape(m['body'])}<br><br>"
            f"<b>Answer:</b> {escape(m['answer'])}<br><b>Cited:</b> {escape(', '.join(m['cited']))}"
            f"<br><b>Relevant:</b> {escape(', '.join(m['relevant']) or '(none: not deflectable)')}</div>"
        )
    if not r["worst_misses"]:
        parts.append("<p>None.</p>")
    style = (
        "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1100px}"
        "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #d0d7de;padding:4px 8px;"
        "text-align:right}th{background:#f6f8fa}.muted{color:#57606a}.card{border:1px solid #d0d7de;"
        "border-radius:8px;padding:10px;margin:8px 0}.heat td{min-width:22px;text-align:center}"
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>Eval {escape(r['set'])}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )
