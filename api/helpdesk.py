"""Routes that make the service part of the helpdesk's flow: Zendesk's ticket events, and agent feedback."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.deps import Key, Rt, now_or, scoped_account
from api.schemas import ErrorResponse
from assist.feedback import FeedbackIn, FeedbackOut
from assist.helpdesk.zendesk import ZendeskWebhook
from matrix.errors import NotFound

router = APIRouter()
DecisionPath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9a-f]+$")]


class WebhookOut(BaseModel):
    event_id: str
    action: str
    ticket_id: str
    duplicate: bool
    decision_id: str | None


class Agreement(BaseModel):
    n: int
    helpful_rate: float | None
    tier_agreement: float | None
    queue_agreement: float | None


class FeedbackReport(Agreement):
    reasons: dict[str, int]
    by_rule: dict[str, Agreement]
    by_tier: dict[str, Agreement]
    by_week: dict[str, Agreement]


@router.post(
    "/v1/integrations/zendesk/webhook",
    response_model=WebhookOut,
    tags=["helpdesk"],
    responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
)
async def zendesk_webhook(request: Request, rt: Rt, background: BackgroundTasks) -> dict[str, Any]:
    """Zendesk ticket events (signed with the webhook's secret). A new ticket gets the assist's answer and decision
    as a private note and tags, and its SLA clocks start; status, priority and comment events keep them in step.
    Each event acts once, however often Zendesk delivers it."""
    secret = rt.settings.zendesk_webhook_secret
    if secret is None:
        raise NotFound("the Zendesk integration is off: set ASSIST_ZENDESK_WEBHOOK_SECRET", "webhook")
    body = await request.body()
    hook = ZendeskWebhook(
        secret.get_secret_value(),
        rt.pipeline,
        rt.db.tracker,
        rt.db.outbox,
        rt.db.engine,
        rt.knowledge.account_for_zendesk_organization,
    )
    handled = await run_in_threadpool(hook.handle, body, request.headers, datetime.now(UTC))
    if handled.ticket_key is not None:  # send the note now, after the answer: Zendesk is not kept waiting
        background.add_task(rt.db.outbox.deliver, datetime.now(UTC), 100, handled.ticket_key)
    return handled.to_dict()


@router.post(
    "/v1/decisions/{decision_id}/feedback",
    response_model=FeedbackOut,
    status_code=201,
    tags=["feedback"],
    responses={404: {"model": ErrorResponse}},
)
def decision_feedback(decision_id: DecisionPath, body: FeedbackIn, key: Key, rt: Rt) -> FeedbackOut:
    """An agent's verdict on a decision: helpful or not, why, and what the agent would have decided. It shows in
    ``GET /v1/reports/feedback`` and becomes labelled data (``assist eval export-feedback``); facts it corrects are
    reused on the next ticket that says the same (at once in this process, within 30 s in the others)."""
    recorded = rt.db.feedback.record(decision_id, body, key.id, now_or(body.now), scoped_account(key, None))
    if recorded.corrected.get("facts") and rt.pipeline.corrections is not None:
        rt.pipeline.corrections.refresh()
    return recorded


@router.get("/v1/reports/feedback", response_model=FeedbackReport, tags=["feedback"])
def feedback_report(key: Key, rt: Rt) -> dict[str, Any]:
    """Agreement with the agents: helpful rate, and the share of decisions whose tier and queue they kept, overall,
    by rule, by tier and by week."""
    return rt.db.feedback.report(key.account_id)
