"""Request and response shapes of the HTTP API that are not the runtime's own (those live in ``assist.models``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assist.models import AccountId, DecisionOut, InputModel, TicketId


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class EvaluateIn(InputModel):
    facts: dict[str, Any] = Field(..., description="The ticket's facts (see GET /v1/matrix for the vocabulary).")
    now: datetime | None = Field(None, description="Evaluate as of this time (default: now).")
    ticket_id: TicketId | None = None
    account_id: AccountId | None = None


class DecisionRecord(BaseModel):
    id: str
    ticket_id: str | None
    account_id: str | None
    created_at: str
    tier: str
    queue: str | None
    rule_id: str
    escalate: bool
    deflected: bool
    matrix_version: str
    facts: dict[str, Any]
    decision: DecisionOut


class MatrixOut(BaseModel):
    version: str
    matrix: dict[str, Any]


class MatrixIn(InputModel):
    yaml: str = Field(..., min_length=1, max_length=1_000_000, description="The whole matrix file.")


class TicketsIn(InputModel):
    tickets: list[dict[str, Any]] = Field(..., min_length=1, max_length=5000)


class TicketRegisterIn(InputModel):
    ticket_id: TicketId
    account_id: AccountId | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    now: datetime | None = None


class TicketChangeIn(InputModel):
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="Changed facts: status, severity, "
        "current_tier, first_reply_at … (pending/on_hold pause the clocks).",
    )
    customer_update_at: datetime | None = Field(None, description="When the customer was last updated.")
    now: datetime | None = None


class TicketStateOut(DecisionOut):
    next_check_at: str | None


class TimelineEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    at: str
    kind: str


class EscalationReport(BaseModel):
    tickets: int
    open: int
    escalations: dict[str, dict[str, int]]
    breach_rate: float
    per_tier: dict[str, dict[str, Any]]
    recurring_issues: list[dict[str, Any]]


class PolicyChangeOut(BaseModel):
    version: str
    replaced_by: str
    replaced_at: str
    previous_version: str | None


class Health(BaseModel):
    status: str
    matrix_version: str
    chunks: int
