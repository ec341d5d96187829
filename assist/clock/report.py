"""The leadership view of the clock: escalation volume, time to reply/resolve per tier against SLA, breach rate
and the recurring issues (3+ resolutions of one issue in 30 days)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from assist.db import as_utc as _aware
from assist.db.schema import resolutions, tickets, timeline
from matrix import Matrix
from matrix.facts import parse_datetime


def escalation_report(engine: Engine, m: Matrix, now: datetime, restrict_account: str | None = None) -> dict[str, Any]:
    """The leadership view: volume, time to reply/resolve per tier against SLA, breach rate, recurring issues."""
    with engine.connect() as con:
        tq = select(tickets)
        if restrict_account is not None:
            tq = tq.where(tickets.c.account_id == restrict_account)
        rows = con.execute(tq).mappings().all()
        ids = {r["id"] for r in rows}
        events = [
            e
            for e in con.execute(
                select(timeline.c.ticket_id, timeline.c.kind, timeline.c.detail).where(
                    timeline.c.kind.in_(["escalation", "routed", "breach"])
                )
            ).all()
            if e[0] in ids
        ]
        rq = (
            select(resolutions.c.issue_key, func.count(), func.min(resolutions.c.summary))
            .where(resolutions.c.created_at > now - timedelta(days=30))
            .group_by(resolutions.c.issue_key)
        )
        if restrict_account is not None:
            rq = rq.where(resolutions.c.account_id == restrict_account)
        recurring = sorted(con.execute(rq).all(), key=lambda r: (-r[1], r[0]))[:10]
    by = {dim: Counter() for dim in ("tier", "queue", "rule", "plan")}  # type: ignore[var-annotated]
    plan_of = {r["id"]: json.loads(r["facts"]).get("customer_tier", m.defaults.customer_tier) for r in rows}
    breached = set()
    for ticket_id, kind, detail in events:
        data = json.loads(detail)
        if kind == "breach":
            breached.add(ticket_id)
            continue
        if kind == "escalation":
            by["tier"][data["to"]] += 1
            by["queue"][data.get("queue") or "-"] += 1
            by["rule"][data["rule_id"]] += 1
            by["plan"][plan_of.get(ticket_id, "-")] += 1
    per_tier: dict[str, dict[str, list[float]]] = defaultdict(
        lambda: {"reply": [], "resolve": [], "reply_sla": [], "resolve_sla": []}
    )
    for r in rows:
        facts = json.loads(r["facts"])
        sev = facts.get("severity", m.defaults.severity)
        plan = facts.get("customer_tier", m.defaults.customer_tier)
        target = next(p for p in m.plans if p.id == plan).sla[sev]
        created = _aware(r["created_at"])
        assert created is not None
        slot = per_tier[r["tier"] or "-"]
        if facts.get("first_reply_at"):
            slot["reply"].append(
                (parse_datetime("first_reply_at", facts["first_reply_at"]) - created).total_seconds() / 60
            )
            slot["reply_sla"].append(target.reply)
        if r["resolved_at"] is not None:
            slot["resolve"].append((_aware(r["resolved_at"]) - created).total_seconds() / 60)  # type: ignore[operator]
            slot["resolve_sla"].append(target.resolve)

    def mean(xs: list[float]) -> float | None:
        return round(sum(xs) / len(xs), 1) if xs else None

    return {
        "tickets": len(rows),
        "open": sum(r["status"] != "solved" for r in rows),
        "escalations": {dim: dict(sorted(c.items())) for dim, c in by.items()},
        "breach_rate": round(len(breached) / len(rows), 4) if rows else 0.0,
        "per_tier": {
            tier: {
                "mean_minutes_to_reply": mean(v["reply"]),
                "mean_reply_sla": mean(v["reply_sla"]),
                "mean_minutes_to_resolve": mean(v["resolve"]),
                "mean_resolve_sla": mean(v["resolve_sla"]),
                "resolved": len(v["resolve"]),
            }
            for tier, v in sorted(per_tier.items())
        },
        "recurring_issues": [{"issue_key": k, "resolved_in_30_days": n, "example": s} for k, n, s in recurring],
    }
