"""The decision log and the resolutions: every decision is recorded with its input facts, the decision, the
matrix version and the time, so it can be replayed; every recorded resolution counts toward recurring issues.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from assist.db import as_utc
from assist.db.schema import decisions, resolutions


class DecisionLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # decisions -------------------------------------------------------------------------------------------------
    def record(
        self,
        ticket_id: str | None,
        account_id: str | None,
        facts: dict[str, Any],
        decision: dict[str, Any],
        now: datetime,
        deflected: bool,
        text: tuple[str | None, str | None] = (None, None),
        helpdesk_facts: dict[str, Any] | None = None,
        answer_score: float | None = None,
        answer_kind: str | None = None,
    ) -> str:
        """Log one decision; its id is a digest of what it is, so the same decision logged twice is one row.
        ``text`` (subject, body) and ``helpdesk_facts`` are what agent feedback needs to make it a labelled case;
        the caller redacts them. ``answer_score``: the confidence model's log-odds, which verdicts recalibrate, for
        the kind of knowledge ``answer_kind``."""
        body = json.dumps(decision, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(f"{ticket_id}|{account_id}|{now.isoformat()}|{body}".encode()).hexdigest()[:32]
        with self.engine.begin() as con:
            exists = con.execute(select(decisions.c.id).where(decisions.c.id == digest)).first()
            if exists is None:
                con.execute(
                    insert(decisions).values(
                        id=digest,
                        ticket_id=ticket_id,
                        account_id=account_id,
                        created_at=now,
                        tier=decision["tier"],
                        queue=decision.get("queue"),
                        rule_id=decision["rule_id"],
                        escalate=decision["escalate"],
                        deflected=deflected,
                        matrix_version=decision["matrix_version"],
                        facts=json.dumps(facts, sort_keys=True, default=str),
                        decision=body,
                        subject=text[0],
                        body=text[1],
                        helpdesk_facts=None
                        if helpdesk_facts is None
                        else json.dumps(helpdesk_facts, sort_keys=True, default=str),
                        answer_score=answer_score,
                        answer_kind=answer_kind,
                    )
                )
        return digest

    def list(
        self,
        account_id: str | None = None,
        tier: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        restrict_account: str | None = None,
    ) -> list[dict[str, Any]]:
        q = select(decisions).order_by(decisions.c.created_at.desc(), decisions.c.id).limit(limit)
        if restrict_account is not None:
            q = q.where(decisions.c.account_id == restrict_account)
        if account_id is not None:
            q = q.where(decisions.c.account_id == account_id)
        if tier is not None:
            q = q.where(decisions.c.tier == tier)
        if since is not None:
            q = q.where(decisions.c.created_at >= since)
        if until is not None:
            q = q.where(decisions.c.created_at < until)
        with self.engine.connect() as con:
            rows = con.execute(q).mappings().all()
        return [
            {
                "id": r["id"],
                "ticket_id": r["ticket_id"],
                "account_id": r["account_id"],
                "created_at": as_utc(r["created_at"]).isoformat().replace("+00:00", "Z"),  # type: ignore[union-attr]
                "tier": r["tier"],
                "queue": r["queue"],
                "rule_id": r["rule_id"],
                "escalate": r["escalate"],
                "deflected": r["deflected"],
                "matrix_version": r["matrix_version"],
                "facts": json.loads(r["facts"]),
                "decision": json.loads(r["decision"]),
            }
            for r in rows
        ]

    def owner(self, decision_id: str, restrict_account: str | None = None) -> tuple[str | None] | None:
        """(the account) of a logged decision; None when there is none (or, for a key bound to
        ``restrict_account``, when it is another account's: the two look the same)."""
        q = select(decisions.c.account_id).where(decisions.c.id == decision_id)
        if restrict_account is not None:
            q = q.where(decisions.c.account_id == restrict_account)
        with self.engine.connect() as con:
            row = con.execute(q).first()
        return None if row is None else (row[0],)

    def knows(self, account_id: str | None, ticket_id: str) -> bool:
        """Whether a decision was logged for this ticket of this account (ticket ids are per account)."""
        owner = decisions.c.account_id.is_(None) if account_id is None else decisions.c.account_id == account_id
        with self.engine.connect() as con:
            row = con.execute(select(decisions.c.id).where(decisions.c.ticket_id == ticket_id, owner).limit(1)).first()
        return row is not None

    # resolutions -----------------------------------------------------------------------------------------------
    def add_resolution(
        self, ticket_id: str, account_id: str | None, issue_key: str, summary: str, resolution: str, now: datetime
    ) -> int:
        """Record it; return how many resolutions of the same issue the same account had in the 30 days up to
        ``now`` (another account's resolutions are not this account's recurring issue)."""
        with self.engine.begin() as con:
            con.execute(
                insert(resolutions).values(
                    ticket_id=ticket_id,
                    account_id=account_id,
                    issue_key=issue_key,
                    summary=summary,
                    resolution=resolution,
                    created_at=now,
                )
            )
            return int(
                con.execute(
                    select(func.count())
                    .select_from(resolutions)
                    .where(
                        resolutions.c.issue_key == issue_key,
                        resolutions.c.account_id.is_(None)
                        if account_id is None
                        else resolutions.c.account_id == account_id,
                        resolutions.c.created_at > now - timedelta(days=30),
                        resolutions.c.created_at <= now,
                    )
                ).scalar()
                or 0
            )
