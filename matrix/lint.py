"""Lint a matrix: the mistakes a valid file can still make.

Rule analysis runs every trigger over a grid of fact combinations built from the values the rules themselves
mention (each enum value, each threshold and its neighbours, every subset of the signals the rules name, and
"absent"). That makes the checks exact for the comparisons the rules contain, without a solver.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from matrix import conditions
from matrix.compiled import compiled
from matrix.facts import BOOLEAN, ENUM, INTEGER, NUMBER, SET, STRING, FactSpec
from matrix.schema import Matrix

ERROR, WARNING, INFO = "error", "warning", "info"
_ABSENT = object()
_MAX_GRID = 50_000_000  # booleans per rule; ~50 MB each at the limit


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning | info
    code: str
    where: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code, "where": self.where, "message": self.message}


def lint(m: Matrix, today: date) -> list[Finding]:
    """All findings, errors first. ``today`` is passed in so the result is reproducible."""
    found = [
        *_tiers(m),
        *_sla_order(m),
        *_review(m, today),
        *_rules(m),
    ]
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(found, key=lambda f: order[f.level])


def _tiers(m: Matrix) -> Iterable[Finding]:
    reachable = {m.tiers[0].id}
    reachable |= {s.entry_tier for s in m.severities}
    reachable |= {t.tier for t in m.triggers}
    reachable |= {te.to for te in m.time_escalation}
    for i, tier in enumerate(m.tiers):
        where = f"tiers[{i}] {tier.id}"
        if not tier.responsibility.strip():
            yield Finding(
                WARNING,
                "tier_responsibility",
                where,
                "no responsibility boundary: say in one sentence what this tier owns and when it hands off",
            )
        if not tier.backup_role:
            yield Finding(WARNING, "tier_backup", where, "no backup role: who owns tickets when the owner is away?")
        if tier.id not in reachable:
            yield Finding(
                WARNING, "unreachable_tier", where, "no severity, trigger or time-based escalation leads here"
            )


def _non_decreasing(values: list[tuple[str, int]]) -> list[tuple[str, str]]:
    """Pairs (a, b) where a comes first but has a larger value than b."""
    return [(a, b) for (a, va), (b, vb) in itertools.pairwise(values) if va > vb]


def _sla_order(m: Matrix) -> Iterable[Finding]:
    sevs = [s.id for s in m.severities]
    for i, plan_decl in enumerate(m.plans):
        for kind in ("reply", "resolve"):
            for worse, milder in _non_decreasing([(s, getattr(plan_decl.sla[s], kind)) for s in sevs]):
                yield Finding(
                    WARNING,
                    "sla_order",
                    f"plans[{i}] {plan_decl.id}.sla",
                    f"time to {kind} for {worse} is looser than for {milder}: a worse severity must be "
                    "answered at least as fast",
                )
    for sev in sevs:
        for kind in ("reply", "resolve"):
            for higher, lower in _non_decreasing([(p.id, getattr(p.sla[sev], kind)) for p in m.plans]):
                yield Finding(
                    WARNING,
                    "sla_order",
                    f"plans {higher}/{lower}",
                    f"time to {kind} for {sev} is looser on {higher} than on {lower}: plans are listed "
                    "highest first and a higher plan must be at least as fast",
                )
    for i, te in enumerate(m.time_escalation):
        for plan, by_sev in te.minutes.items():
            present = [(s, by_sev[s]) for s in sevs if s in by_sev]
            for worse, milder in _non_decreasing(present):
                yield Finding(
                    WARNING,
                    "time_order",
                    f"time_escalation[{i}] {te.tier}.{plan}",
                    f"{worse} may stay longer in {te.tier} than {milder}",
                )
            missing = [s for s in sevs if s not in by_sev]
            worst_missing = min((sevs.index(s) for s in missing), default=None)
            if worst_missing is not None and any(sevs.index(s) > worst_missing for s, _ in present):
                yield Finding(
                    WARNING,
                    "time_order",
                    f"time_escalation[{i}] {te.tier}.{plan}",
                    f"{sevs[worst_missing]} never times out of {te.tier} but a milder severity does",
                )
        for sev in sevs:
            present_p = [(p.id, te.minutes[p.id][sev]) for p in m.plans if sev in te.minutes.get(p.id, {})]
            for higher, lower in _non_decreasing(present_p):
                yield Finding(
                    WARNING,
                    "time_order",
                    f"time_escalation[{i}] {te.tier}.{sev}",
                    f"{higher} may stay longer in {te.tier} than {lower}",
                )
    updates = [(s, m.customer_updates[s]) for s in sevs if s in m.customer_updates]
    for worse, milder in _non_decreasing(updates):
        yield Finding(
            WARNING,
            "updates_order",
            "customer_updates",
            f"customers with {worse} tickets hear from us less often than with {milder}",
        )
    for s in sevs:
        if s not in m.customer_updates:
            yield Finding(INFO, "updates_missing", "customer_updates", f"no customer update cadence for {s}")


def review_cadence_days(m: Matrix, today: date) -> int:
    """Monthly for the first 90 days after adoption, quarterly after that."""
    if m.adopted is not None and (today - m.adopted).days <= 90:
        return 31
    return 92


def _review(m: Matrix, today: date) -> Iterable[Finding]:
    cadence = review_cadence_days(m, today)
    due = m.last_reviewed + timedelta(days=cadence)
    if today > due:
        label = "monthly" if cadence == 31 else "quarterly"
        yield Finding(
            WARNING,
            "review_overdue",
            "last_reviewed",
            f"last reviewed {m.last_reviewed} by {m.owner}; the {label} review was due {due}",
        )


def _candidates(spec: FactSpec, mentioned: list[Any]) -> list[Any]:
    """Values of one fact that tell every rule comparison apart."""
    if spec.kind == ENUM:
        # severity and customer_tier are never absent at evaluation: the matrix defaults fill them in.
        return list(spec.values) if spec.name in ("severity", "customer_tier") else [*spec.values, _ABSENT]
    if spec.kind == SET:
        named = sorted({v for item in mentioned for v in (item if isinstance(item, list) else [item])})
        return [frozenset(c) for r in range(len(named) + 1) for c in itertools.combinations(named, r)]
    if spec.kind in (NUMBER, INTEGER):
        step = 1 if spec.kind == INTEGER else 0.01
        points: set[Any] = {_ABSENT}
        for v in mentioned:
            for x in v if isinstance(v, list) else [v]:
                points |= {x - step, x, x + step}
        ok = [
            p
            for p in points
            if p is _ABSENT
            or ((spec.minimum is None or p >= spec.minimum) and (spec.maximum is None or p <= spec.maximum))
        ]
        return sorted(ok, key=lambda p: (p is not _ABSENT, 0 if p is _ABSENT else p))
    if spec.kind == STRING:
        named = sorted({x for v in mentioned for x in (v if isinstance(v, list) else [v])})
        return [*named, "(other)", _ABSENT]
    if spec.kind == BOOLEAN:
        return [True, False, _ABSENT]
    return ["(present)", _ABSENT]  # DATETIME / INTERVALS: rules can only ask whether they exist


def _show(combo: dict[str, Any]) -> str:
    parts = []
    for k, v in combo.items():
        if isinstance(v, frozenset):
            v = "[" + ", ".join(sorted(v)) + "]"
        parts.append(f"{k}={v}")
    return ", ".join(parts) or "(no facts)"


def _grid_truth(cond: dict[str, Any], axes: dict[str, int], grids: list[list[Any]], names: list[str]) -> Any:
    """The truth of a condition over the whole grid, as a numpy array broadcast over one axis per fact."""
    if "fact" in cond:
        axis = axes[cond["fact"]]
        test = conditions.compile_condition(cond)
        column = np.array([test({} if v is _ABSENT else {names[axis]: v}) for v in grids[axis]], dtype=bool)
        shape = [1] * len(grids)
        shape[axis] = len(grids[axis])
        return column.reshape(shape)
    if "not" in cond:
        return np.logical_not(_grid_truth(cond["not"], axes, grids, names))
    parts = [_grid_truth(c, axes, grids, names) for c in next(iter(cond.values()))]
    combine = np.logical_and if "all" in cond else np.logical_or
    out = parts[0]
    for part in parts[1:]:
        out = combine(out, part)
    return out


def _rules(m: Matrix) -> Iterable[Finding]:
    cm = compiled(m)
    mentioned: dict[str, list[Any]] = {}
    for tr in m.triggers:
        for leaf in conditions.leaves(tr.when):
            mentioned.setdefault(leaf["fact"], []).append(leaf.get("value"))
    names = sorted(mentioned)
    grids = [_candidates(cm.vocabulary[n], mentioned[n]) for n in names]
    shape = tuple(len(g) for g in grids)
    size = int(np.prod(shape)) if shape else 1
    if size > _MAX_GRID:
        yield Finding(
            INFO,
            "rules_not_analysed",
            "triggers",
            f"{size:,} fact combinations is too many to check exhaustively; shadowing not analysed",
        )
        return

    def example(mask: Any) -> dict[str, Any]:
        index = np.unravel_index(int(np.argmax(mask)), shape) if shape else ()
        return {
            n: grids[k][int(i)]
            for k, (n, i) in enumerate(zip(names, index, strict=True))
            if grids[k][int(i)] is not _ABSENT
        }

    axes = {n: k for k, n in enumerate(names)}
    rules = cm.rules
    truth = [np.broadcast_to(_grid_truth(r.trigger.when, axes, grids, names), shape) for r in rules]
    decided_before = np.zeros(shape, dtype=bool)  # some earlier untimed rule already matched here
    first = []
    for i, rule in enumerate(rules):
        first.append(bool((truth[i] & ~decided_before).any()))
        # A timed trigger (`after`) may still be pending, so it does not hide the rules below it.
        if rule.trigger.after is None:
            decided_before = decided_before | truth[i]

    for i, rule in enumerate(rules):
        where = f"triggers[{i}] {rule.trigger.id}"
        if not truth[i].any():
            yield Finding(WARNING, "rule_never_matches", where, "no combination of facts makes this rule match")
        elif not first[i]:
            yield Finding(
                WARNING,
                "rule_shadowed",
                where,
                "every ticket this rule matches is decided by an earlier rule first; it never decides anything",
            )
    for a, b in itertools.combinations(range(len(rules)), 2):
        ta, tb = rules[a].trigger, rules[b].trigger
        if (ta.tier, ta.queue) == (tb.tier, tb.queue) or not first[b]:
            continue
        both = truth[a] & truth[b]
        if not both.any():
            continue
        shown = _show(example(both))
        if rules[a].rank < rules[b].rank and ta.after is None:
            yield Finding(
                WARNING,
                "rules_disagree",
                f"triggers {ta.id} / {tb.id}",
                f"both match ({shown}) but the earlier {ta.id} keeps the ticket at {ta.tier} while "
                f"{tb.id} would send it to {tb.tier}; put the higher target first or narrow {ta.id}",
            )
        else:
            yield Finding(
                INFO,
                "rules_overlap",
                f"triggers {ta.id} / {tb.id}",
                f"both match ({shown}); {ta.id} wins ({ta.tier}"
                f"{'/' + ta.queue if ta.queue else ''} over {tb.tier}{'/' + tb.queue if tb.queue else ''})",
            )
    uncovered_mask = ~np.logical_or.reduce(truth) if truth else np.ones(shape, dtype=bool)
    uncovered = int(uncovered_mask.sum())
    if uncovered:
        yield Finding(
            INFO,
            "uncovered_facts",
            "triggers",
            f"{uncovered:,} of {size:,} fact combinations match no trigger and start at their severity's "
            f"entry tier, where time enforces the clock; e.g. {_show(example(uncovered_mask))}",
        )


def has_problems(findings: list[Finding], strict: bool = False) -> bool:
    """Errors always fail; warnings fail under ``strict``."""
    return any(f.level == ERROR or (strict and f.level == WARNING) for f in findings)
