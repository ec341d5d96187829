"""Agent feedback on decisions: thumbs up or down, why, and what the agent would have decided. It is measured
(``report``: agreement with the agents by rule, by tier and by week) and becomes labelled data (``export``: a set in
the format of FORMAT.md that ``assist eval run`` accepts, so the next change is scored on what agents said).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from assist.db import as_utc
from assist.db.schema import decisions, feedback
from assist.decision_log import DecisionLog
from assist.language import detect
from assist.models import InputModel, _Out
from assist.policy import PolicyStore
from ingest.redact import redact_text, redact_values
from matrix.errors import FactError, InvalidInput, NotFound
from matrix.facts import format_datetime

Reason = Literal["wrong_answer", "wrong_tier", "wrong_queue", "missing_fact", "outdated_source", "other"]
ANSWER_WRONG = ("wrong_answer", "outdated_source")  # an unhelpful verdict about the answer, not the routing
LABELLED_FACTS = ("severity", "issue_type", "signals", "billing_dispute_amount", "affected_accounts", "product_area")


class Corrected(InputModel):
    """What the agent would have decided: facts, the tier and the queue of the matrix (each optional), and the
    helpdesk's own routing labels (``queue``, ``priority``, ``type``), which the routing model learns from."""

    facts: dict[str, Any] = Field(default_factory=dict)
    tier: str | None = Field(None, min_length=1, max_length=20)
    queue: str | None = Field(None, min_length=1, max_length=100)
    routing: dict[Literal["queue", "priority", "type"], Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=dict
    )


class FeedbackIn(InputModel):
    helpful: bool
    reason: Reason | None = Field(None, description="Why not (required when helpful is false).")
    corrected: Corrected = Field(default_factory=Corrected)
    answer_sent: str | None = Field(None, max_length=20000, description="The reply the agent actually sent.")
    now: datetime | None = None

    @model_validator(mode="after")
    def _reason_when_unhelpful(self) -> FeedbackIn:
        if not self.helpful and self.reason is None:
            raise InvalidInput("reason: say why it was not helpful (wrong_answer, wrong_tier, …)", "reason")
        return self


class FeedbackOut(_Out):
    id: int
    decision_id: str
    helpful: bool
    reason: str | None
    corrected: dict[str, Any]
    created_at: str


class FeedbackStore:
    def __init__(self, engine: Engine, log: DecisionLog, policy: PolicyStore) -> None:
        self.engine = engine
        self.log = log
        self.policy = policy

    def record(self, decision_id: str, body: FeedbackIn, by: str, now: datetime, restrict: str | None) -> FeedbackOut:
        """Keep an agent's feedback on a decision of its account (another account's looks like none)."""
        decision = self.log.owner(decision_id, restrict)
        if decision is None:
            raise NotFound(f"decision {decision_id} not found", "decision_id")
        corrected = self._checked(body.corrected)
        with self.engine.begin() as con:
            inserted = con.execute(
                insert(feedback).values(
                    decision_id=decision_id,
                    account_id=decision[0],
                    helpful=body.helpful,
                    reason=body.reason,
                    corrected=json.dumps(corrected, sort_keys=True),
                    answer_sent=redact_text(body.answer_sent) if body.answer_sent else None,
                    given_by=by,
                    created_at=now,
                )
            )
            new_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
        return FeedbackOut(
            id=new_id,
            decision_id=decision_id,
            helpful=body.helpful,
            reason=body.reason,
            corrected=corrected,
            created_at=format_datetime(now) or "",
        )

    def _checked(self, c: Corrected) -> dict[str, Any]:
        """Corrections in the matrix's own words: known facts with valid values, a tier and a queue it has."""
        m = self.policy.current()
        out: dict[str, Any] = {}
        if c.facts:
            vocab = m.vocabulary
            for name, value in c.facts.items():
                if name not in vocab:
                    where = f"corrected.facts.{name}"
                    raise InvalidInput(f"{where}: not a fact of the matrix in force", where)
                try:
                    vocab[name].parse(value)
                except FactError as exc:
                    where = f"corrected.facts.{name}"
                    raise InvalidInput(f"{where}: {exc.message} (got {value!r})", where) from None
            out["facts"] = redact_values(dict(c.facts))
        if c.tier is not None:
            tiers = [t.id for t in m.tiers]
            if c.tier not in tiers:
                raise InvalidInput(f"corrected.tier: {c.tier!r} is not one of {', '.join(tiers)}", "corrected.tier")
            out["tier"] = c.tier
        if c.queue is not None:
            queues = [q.id for q in m.queues]
            if c.queue not in queues:
                problem = f"corrected.queue: {c.queue!r} is not a queue of the matrix in force"
                raise InvalidInput(problem, "corrected.queue")
            out["queue"] = c.queue
        if c.routing:
            out["routing"] = {label: value.strip() for label, value in sorted(c.routing.items())}
        return out

    # -- what the models learn from --------------------------------------------------------------------------------
    def routing_count(self) -> int:
        """How many corrections name routing labels (the routing model refits when it changes)."""
        return self._correction_count("routing")

    def routing_examples(self) -> list[tuple[str, dict[str, str]]]:
        """(ticket text, corrected routing labels) of every correction, the latest per decision."""
        return [(text, labels) for _, text, labels in self._corrections("routing")]

    def fact_count(self) -> int:
        """How many corrections set facts (the memory of corrected facts reloads when it changes)."""
        return self._correction_count("facts")

    def fact_examples(self) -> list[tuple[str | None, str, dict[str, Any]]]:
        """(account, ticket text, the facts the agent set) of every correction that set facts, the latest per
        decision."""
        return [
            (account, text, {k: v for k, v in facts.items() if k in LABELLED_FACTS})
            for account, text, facts in self._corrections("facts")
        ]

    def _correction_count(self, key: str) -> int:
        q = select(func.count()).select_from(feedback).where(feedback.c.corrected.like(f'%"{key}"%'))
        with self.engine.connect() as con:
            return int(con.execute(q).scalar() or 0)

    def _corrections(self, key: str) -> list[tuple[str | None, str, dict[str, Any]]]:
        q = (
            select(
                feedback.c.decision_id,
                feedback.c.corrected,
                decisions.c.subject,
                decisions.c.body,
                decisions.c.account_id,
            )
            .join(decisions, decisions.c.id == feedback.c.decision_id)
            .where(feedback.c.corrected.like(f'%"{key}"%'), decisions.c.body.is_not(None))
            .order_by(feedback.c.id)
        )
        with self.engine.connect() as con:
            latest = {r[0]: r for r in con.execute(q).all()}
        out = []
        for _, corrected, subject, body, account in latest.values():
            labels = json.loads(corrected).get(key, {})
            if labels:
                out.append((account, "\n\n".join(p for p in (subject, body) if p), labels))
        return out

    def verdict_count(self) -> int:
        with self.engine.connect() as con:
            return int(con.execute(select(func.count()).select_from(feedback)).scalar() or 0)

    def verdicts(self) -> list[tuple[float, bool, str | None]]:
        """(the confidence model's log-odds, whether the agent found the answer right, the kind of knowledge it was
        calibrated for) for every verdict about an answer: helpful, or unhelpful because the answer was wrong or
        outdated (a wrong tier says nothing of it)."""
        q = (
            select(decisions.c.answer_score, feedback.c.helpful, feedback.c.reason, decisions.c.answer_kind)
            .join(decisions, decisions.c.id == feedback.c.decision_id)
            .where(decisions.c.answer_score.is_not(None))
        )
        with self.engine.connect() as con:
            rows = con.execute(q).all()
        return [(float(z), bool(ok), kind) for z, ok, reason, kind in rows if ok or reason in ANSWER_WRONG]

    # -- reading -------------------------------------------------------------------------------------------------
    def _rows(self, restrict: str | None, since: datetime | None = None) -> list[dict[str, Any]]:
        q = (
            select(
                feedback,
                decisions.c.tier,
                decisions.c.queue,
                decisions.c.rule_id,
                decisions.c.deflected,
                decisions.c.facts.label("decided_on"),
                decisions.c.helpdesk_facts,
                decisions.c.subject,
                decisions.c.body,
                decisions.c.created_at.label("decided_at"),
            )
            .join(decisions, decisions.c.id == feedback.c.decision_id)
            .order_by(feedback.c.created_at, feedback.c.id)
        )
        if restrict is not None:
            q = q.where(feedback.c.account_id == restrict)
        if since is not None:
            q = q.where(feedback.c.created_at >= since)
        with self.engine.connect() as con:
            return [dict(r) for r in con.execute(q).mappings().all()]

    def report(self, restrict: str | None = None) -> dict[str, Any]:
        """Agreement with the agents: the share of decisions they found helpful, and of those whose tier and
        queue they kept, overall, by rule, by tier and by ISO week."""
        rows = self._rows(restrict)
        groups: dict[str, dict[str, list[dict[str, Any]]]] = {"by_rule": {}, "by_tier": {}, "by_week": {}}
        for r in rows:
            year, week, _ = as_utc(r["created_at"]).isocalendar()  # type: ignore[union-attr]
            groups["by_rule"].setdefault(r["rule_id"], []).append(r)
            groups["by_tier"].setdefault(r["tier"], []).append(r)
            groups["by_week"].setdefault(f"{year}-W{week:02d}", []).append(r)
        reasons: dict[str, int] = defaultdict(int)
        for r in rows:
            if r["reason"]:
                reasons[r["reason"]] += 1
        return {
            **_agreement(rows),
            "reasons": dict(sorted(reasons.items())),
            **{name: {k: _agreement(v) for k, v in sorted(g.items())} for name, g in groups.items()},
        }

    def export(self, out: Path, since: datetime | None = None, restrict: str | None = None) -> int:
        """Write the feedback as a labelled set (``cases.jsonl`` and a README); returns the number of cases. The
        knowledge stays in the store: ``assist eval run`` reads it from the data dir when the set has no kb/."""
        # A decision made from facts alone (no ticket text) is no case for the assist.
        cases = [_case(r) for r in self._rows(restrict, since) if r["body"]]
        out.mkdir(parents=True, exist_ok=True)
        with (out / "cases.jsonl").open("w", encoding="utf-8") as fh:
            for case in cases:
                fh.write(json.dumps(case, ensure_ascii=False, sort_keys=True) + "\n")
        (out / "README.md").write_text(
            "# Agent feedback\n\nExported by `assist eval export-feedback`: one case per piece of feedback, labelled "
            "with what the agent confirmed or corrected (a label the agent did not speak to is null, so it is not "
            "scored). The knowledge is the service's own store: `assist eval run` uses the data dir's store when a "
            "set has no kb/.\n",
            encoding="utf-8",
        )
        return len(cases)


def _agreement(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    if not n:
        return {"n": 0, "helpful_rate": None, "tier_agreement": None, "queue_agreement": None}
    corrected = [json.loads(r["corrected"]) for r in rows]
    return {
        "n": n,
        "helpful_rate": sum(r["helpful"] for r in rows) / n,
        "tier_agreement": sum(c.get("tier") in (None, r["tier"]) for c, r in zip(corrected, rows, strict=True)) / n,
        "queue_agreement": sum(c.get("queue") in (None, r["queue"]) for c, r in zip(corrected, rows, strict=True)) / n,
    }


def _case(r: dict[str, Any]) -> dict[str, Any]:
    """A labelled case from one piece of feedback (with its decision's columns): what the agent confirmed
    (helpful) or corrected."""
    corrected = json.loads(r["corrected"])
    confirmed = bool(r["helpful"])
    decided_on = json.loads(r["decided_on"])
    facts = {k: v for k, v in decided_on.items() if k in LABELLED_FACTS} if confirmed else {}
    facts.update({k: v for k, v in corrected.get("facts", {}).items() if k in LABELLED_FACTS})
    tier = corrected.get("tier") or (r["tier"] if confirmed or r["reason"] == "wrong_queue" else None)
    # The set's routing labels are the helpdesk's own (FORMAT.md): what the agent corrected them to.
    routing = corrected.get("routing", {})
    return {
        "id": f"feedback-{r['id']}",
        "subject": r["subject"],
        "body": r["body"],
        "account_id": r["account_id"],
        "created_at": format_datetime(as_utc(r["decided_at"])),
        "language": language.code if (language := detect(f"{r['subject'] or ''}\n{r['body']}")) else None,
        "facts": json.loads(r["helpdesk_facts"]) if r["helpdesk_facts"] else {},
        "labels": {
            # Kept at Tier 1 with an answer the agent found helpful: it was deflectable. Anything else does not say.
            "deflectable": True if confirmed and r["deflected"] else None,
            "relevant_source_ids": None,
            "answer_sentences": None,
            "reference_answer": r["answer_sent"],
            "queue": routing.get("queue"),
            "priority": routing.get("priority"),
            "type": routing.get("type"),
            "tier": tier,
            "expected_facts": facts or None,
            "category": f"feedback_{r['reason'] or 'helpful'}",
        },
        "decision_id": r["decision_id"],
    }
