"""Decisions per second of the escalation matrix on one core, next to zen-engine in the same run.

The same decision table runs in both engines: the default matrix's triggers (first hit wins), the severity entry
tier and the SLA targets per plan and severity. Our engine also does what zen-engine's table cannot: calendar
arithmetic (business hours, holidays, DST, pauses), time-based escalation and the next escalation time. The two
must agree on the deciding trigger for every ticket whose decision does not depend on time; the script checks that
before it prints any speed. The engines then take turns, pass by pass, so a machine whose speed drifts slows both.

    python benchmarks/matrix_bench.py [--n 20000] [--seconds 3] [--fresh 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools
from datetime import UTC, datetime, timedelta

from matrix import Matrix, default_matrix, evaluate
from matrix.facts import CUSTOMER_TIERS, ISSUE_TYPES, SIGNALS

NOW = "2026-03-04T15:00:00Z"


def tickets(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """A realistic mix: mostly plain tickets, some with signals, amounts and KB confidence, created at whole
    seconds over the three days before ``NOW`` (so two tickets rarely share a timestamp)."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 15, tzinfo=UTC)
    out = []
    for i in range(n):
        created = (start + timedelta(seconds=rng.randrange(3 * 86_400))).isoformat().replace("+00:00", "Z")
        facts: dict[str, Any] = {
            "severity": rng.choice(["S1", "S2", "S3", "S3", "S4"]),
            "customer_tier": rng.choice(CUSTOMER_TIERS),
            "issue_type": rng.choice(ISSUE_TYPES),
            "status": "open",
            "created_at": created,
            "signals": rng.sample(SIGNALS, rng.choice([0, 0, 0, 1, 1, 2])),
        }
        if rng.random() < 0.6:
            facts["current_tier"] = rng.choice(["T1", "T1", "T2"])
            facts["tier_entered_at"] = created
        if rng.random() < 0.5:
            facts["kb_confidence"] = round(rng.random(), 3)
        if rng.random() < 0.15:
            facts["billing_dispute_amount"] = rng.choice([120, 900, 5000, 18000])
        if rng.random() < 0.1:
            facts["affected_accounts"] = rng.randint(1, 30)
        if rng.random() < 0.1:
            facts["product_area"] = f"area-{i % 7}"
        out.append(facts)
    return out


# ---------------------------------------------------------------------------------------------------- zen-engine


def _zen_expr(cond: dict[str, Any]) -> str:
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        return "(" + (" and " if key == "all" else " or ").join(_zen_expr(c) for c in cond[key]) + ")"
    if "not" in cond:
        return f"not ({_zen_expr(cond['not'])})"
    fact, op, value = cond["fact"], cond["op"], cond.get("value")
    lit = json.dumps(value)
    return {
        "eq": f"{fact} == {lit}",
        "ne": f"{fact} != {lit}",
        "gt": f"({fact} != null and {fact} > {lit})",
        "gte": f"({fact} != null and {fact} >= {lit})",
        "lt": f"({fact} != null and {fact} < {lit})",
        "lte": f"({fact} != null and {fact} <= {lit})",
        "in": f"{fact} in {lit}",
        "not_in": f"({fact} != null and not ({fact} in {lit}))",
        "contains": f"contains({fact}, {lit})",
        "not_contains": f"not contains({fact}, {lit})",
        "contains_any": f"some({lit}, contains({fact}, #))",
        "contains_all": f"all({lit}, contains({fact}, #))",
        "exists": f"{fact} != null",
        "missing": f"{fact} == null",
    }[op]


def zen_model(m: Matrix) -> dict[str, Any]:
    """The matrix as a JDM graph: a trigger table (first hit), an entry-tier table and an SLA table."""
    untimed = [t for t in m.triggers if t.after is None]
    trigger_rows = [
        {
            "_id": t.id,
            "c": _zen_expr(t.when),
            "rule": json.dumps(t.id),
            "tier": json.dumps(t.tier),
            "queue": json.dumps(t.queue),
        }
        for t in untimed
    ] + [{"_id": "none", "c": "", "rule": '"none"', "tier": "null", "queue": "null"}]
    entry_rows = [{"_id": s.id, "s": json.dumps(s.id), "e": json.dumps(s.entry_tier)} for s in m.severities]
    sla_rows = [
        {"_id": f"{p.id}-{s}", "p": json.dumps(p.id), "s": json.dumps(s), "r": str(t.reply), "x": str(t.resolve)}
        for p in m.plans
        for s, t in p.sla.items()
    ]

    def table(node_id: str, inputs: list[dict[str, str]], outputs: list[dict[str, str]], rows: list[Any]) -> Any:
        return {
            "id": node_id,
            "type": "decisionTableNode",
            "name": node_id,
            "position": {"x": 0, "y": 0},
            "content": {
                "hitPolicy": "first",
                "inputs": inputs,
                "outputs": outputs,
                "rules": rows,
                "passThrough": True,
                "inputField": None,
                "outputPath": None,
                "executionMode": "single",
            },
        }

    nodes = [
        {"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
        table(
            "triggers",
            [{"id": "c", "name": "condition"}],
            [
                {"id": "rule", "name": "rule", "field": "rule_id"},
                {"id": "tier", "name": "tier", "field": "tier"},
                {"id": "queue", "name": "queue", "field": "queue"},
            ],
            trigger_rows,
        ),
        table(
            "entry",
            [{"id": "s", "name": "severity", "field": "severity"}],
            [{"id": "e", "name": "entry", "field": "entry_tier"}],
            entry_rows,
        ),
        table(
            "sla",
            [{"id": "p", "name": "plan", "field": "customer_tier"}, {"id": "s", "name": "sev", "field": "severity"}],
            [
                {"id": "r", "name": "reply", "field": "reply_minutes"},
                {"id": "x", "name": "resolve", "field": "resolve_minutes"},
            ],
            sla_rows,
        ),
        {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 0, "y": 0}},
    ]
    chain = ["in", "triggers", "entry", "sla", "out"]
    edges = [
        {"id": f"e{i}", "type": "edge", "sourceId": a, "targetId": b}
        for i, (a, b) in enumerate(itertools.pairwise(chain))
    ]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}


def zen_input(facts: dict[str, Any]) -> dict[str, Any]:
    # zen-engine reads absent keys as null; our sets are lists on the wire, same as the API takes them.
    return {"signals": [], **facts}


# ---------------------------------------------------------------------------------------------------- timing


Workload = tuple[Callable[[dict[str, Any]], Any], list[list[dict[str, Any]]]]


def rates(workloads: dict[str, Workload], seconds: float) -> dict[str, float]:
    """Decisions per second of each workload: best of its passes, each pass over its next batch.

    The workloads take turns, one pass each per round, so every figure (and every ratio between two of them) is
    measured through the same spells of the machine: this VM's speed drifts by a third or more within a minute,
    which would skew figures measured one after the other. Rounds go on until every batch has had its pass and
    ``seconds`` have elapsed. With one batch, every pass re-evaluates the same tickets."""
    best = dict.fromkeys(workloads, 0.0)
    rounds = max(len(batches) for _, batches in workloads.values())
    deadline = time.perf_counter() + seconds
    n = 0
    while n < rounds or time.perf_counter() < deadline:
        for name, (fn, batches) in workloads.items():
            items = batches[n % len(batches)]
            start = time.perf_counter()
            for facts in items:
                fn(facts)
            best[name] = max(best[name], len(items) / (time.perf_counter() - start))
        n += 1
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000, help="distinct tickets per pass")
    parser.add_argument("--seconds", type=float, default=3.0, help="least time for the re-evaluation rounds")
    parser.add_argument("--fresh", type=int, default=8, help="batches of never-seen tickets for the first-sight figure")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the goal is stated

    import zen

    m = default_matrix()
    items = tickets(args.n)
    engine = zen.ZenEngine()
    zen_decision = engine.create_decision(json.dumps(zen_model(m)))

    # Agreement first: a fast wrong engine is no benchmark.
    timed = {t.id for t in m.triggers if t.after is not None}
    checked = agree = 0
    for facts in items:
        ours = evaluate(m, facts, NOW)
        theirs = zen_decision.evaluate(zen_input(facts))["result"]
        if any(s.rule in timed and s.result == "matched" for s in ours.trace):
            continue  # a time-gated trigger fired: depends on the clock, which zen's table has no notion of
        first_untimed = next(
            (
                s.rule
                for s in ours.trace
                if s.result == "matched"
                and s.rule not in timed
                and not s.rule.startswith(("time:", "severity:", "current_tier", "defaults"))
            ),
            "none",
        )
        checked += 1
        agree += first_untimed == theirs["rule_id"]
        sla = m.plans[[p.id for p in m.plans].index(facts["customer_tier"])].sla[facts["severity"]]
        assert (theirs["reply_minutes"], theirs["resolve_minutes"]) == (sla.reply, sla.resolve)
    print(f"agreement on the deciding trigger: {agree}/{checked} tickets (time-gated ones excluded)")
    if agree != checked:
        raise SystemExit("engines disagree; fix the translation before timing")

    # Re-evaluation (the tracker's sweeps and every ticket update) meets the same timestamps again; a ticket's
    # first evaluation meets new ones. The engine memoises parsed timestamps and deadlines, so both are shown.
    fresh = [tickets(args.n, seed=1000 + i) for i in range(args.fresh)]

    # ``now`` as the tracker passes it: one datetime per sweep (the facts arrive as JSON, timestamps as strings).
    now = datetime.fromisoformat(NOW)

    def decide(f: dict[str, Any]) -> Any:
        return evaluate(m, f, now)

    def decide_json(f: dict[str, Any]) -> Any:
        return evaluate(m, f, now).to_json()

    def zen_decide(f: dict[str, Any]) -> Any:
        return zen_decision.evaluate(zen_input(f))

    # The slower workloads time a quarter of each batch, which keeps rounds short: zen-engine keeps nothing between
    # calls, and the JSON figure re-evaluates known tickets either way.
    part = max(1, args.n // 4)
    known = rates(
        {"ours": (decide, [items]), "json": (decide_json, [items[:part]]), "zen": (zen_decide, [items[:part]])},
        args.seconds,
    )
    # First sight after re-evaluation, so the memos hold the known tickets; zen-engine runs in the same rounds.
    first = rates({"ours": (decide, fresh), "zen": (zen_decide, [b[:part] for b in fresh])}, 0)
    ours_rate, ours_json_rate, zen_rate = known["ours"], known["json"], known["zen"]
    ours_first, zen_first = first["ours"], first["zen"]
    print(f"tickets per pass: {len(items):,} (distinct facts), one core")
    print(f"ours   evaluate() -> Decision        : {ours_rate:>10,.0f} decisions/s  (re-evaluating known tickets)")
    print(f"ours   evaluate() -> Decision        : {ours_first:>10,.0f} decisions/s  (first sight of each ticket)")
    print(f"ours   evaluate() + JSON with trace  : {ours_json_rate:>10,.0f} decisions/s")
    from importlib.metadata import version

    label = f"zen-engine {version('zen-engine')} evaluate()"
    print(f"{label:<37}: {zen_rate:>10,.0f} decisions/s  (and {zen_first:,.0f} in the first-sight rounds)")
    print(f"ratio ours/zen (re-evaluation)       : {ours_rate / zen_rate:>10.1f}x")
    print(f"ratio ours/zen (first sight)         : {ours_first / zen_first:>10.1f}x")
    print(f"ratio ours/zen (JSON with trace)     : {ours_json_rate / zen_rate:>10.1f}x")
    # The goal (#19): the readable engine keeps at least 50,000 first-sight decisions/s on one core and 10x
    # zen-engine in the same run. First sight is the figure that counts: a worker's first sweep after a restart is
    # all first sight, and re-evaluation only gets faster from there.
    reached = {"50,000/s": ours_first >= 50_000, "10x zen-engine": ours_first >= 10 * zen_first}
    verdicts = ", ".join(f"{name} {'met' if ok else 'not met'}" for name, ok in reached.items())
    print(f"goal (first sight)                   : {'met' if all(reached.values()) else 'not met'} ({verdicts})")


if __name__ == "__main__":
    main()
