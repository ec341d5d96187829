"""Zendesk ticket events in, private notes and tags out.

Zendesk calls ``POST /v1/integrations/zendesk/webhook`` with its event webhooks (``zen:event-type:ticket.*``,
shape: https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/) or, from a trigger in an
older setup, with the body documented in ``TRIGGER_BODY``. Every request is signed: base64 HMAC-SHA256 of the
``X-Zendesk-Webhook-Signature-Timestamp`` header followed by the raw body, keyed with the webhook's signing secret.

    ticket.created                 run the assist pipeline, start the SLA clocks, write back a private note
    ticket.status_changed          pause / resume / solve the clocks
    ticket.priority_changed        urgent -> S1, high -> S2 (an agent's call; normal and low say nothing)
    ticket.comment_added           a public staff comment is the first reply (and a customer update)
    ticket.group_assignment_changed  recorded on the ticket's timeline

Each event acts once: handled event ids are kept, and every effect is idempotent on its own (the clock refuses a
second registration, the outbox a second note with the same dedup key), so a retry after a crash completes what
the first attempt began instead of doubling it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from assist.clock import Tracker
from assist.clock.tracker import ticket_key
from assist.db.schema import webhook_events
from assist.models import AssistResult, TicketIn
from assist.outbox import Outbox, zendesk_tags
from assist.pipeline import Pipeline
from ingest.connectors.base import Account
from matrix.errors import Conflict, Error, InvalidInput, NotFound
from matrix.facts import parse_datetime

TOLERANCE = timedelta(minutes=5)  # a signed request older (or newer) than this is a replay, not a delivery
PREFIX = "zen:event-type:ticket."
STATUS = {"new": "new", "open": "open", "pending": "pending", "hold": "on_hold", "solved": "solved", "closed": "solved"}
PRIORITY_SEVERITY = {"urgent": "S1", "high": "S2"}  # normal is every ticket's default: it says nothing
# The body a Zendesk trigger sends (Admin Center > Webhooks, connected to a trigger) where event webhooks are not
# available; its placeholders are Zendesk's.
TRIGGER_BODY = {
    "assist_event": "ticket.created",
    "ticket": {
        "id": "{{ticket.id}}",
        "subject": "{{ticket.title}}",
        "description": "{{ticket.description}}",
        "status": "{{ticket.status}}",
        "priority": "{{ticket.priority}}",
        "organization_id": "{{ticket.organization.id}}",
        "created_at": "{{ticket.created_at_with_timestamp}}",
    },
}


class WebhookRejected(Error):
    """The request is not from Zendesk: no signature, a wrong one, or a stale timestamp."""

    code = "unauthorized"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's signature of a request (what a test or a benchmark sends, and what ``verify`` expects)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, body: bytes, signature: str | None, timestamp: str | None, now: datetime) -> None:
    if not signature or not timestamp:
        raise WebhookRejected("missing X-Zendesk-Webhook-Signature or its timestamp", "X-Zendesk-Webhook-Signature")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise WebhookRejected("the signature does not match the body", "X-Zendesk-Webhook-Signature")
    try:
        at = parse_datetime("timestamp", timestamp)
    except Error:
        raise WebhookRejected(
            "the signature timestamp is not a time", "X-Zendesk-Webhook-Signature-Timestamp"
        ) from None
    if abs(now - at) > TOLERANCE:
        raise WebhookRejected(
            f"the signature timestamp {timestamp} is more than 5 minutes from now (a replay?)",
            "X-Zendesk-Webhook-Signature-Timestamp",
        )


@dataclass(frozen=True)
class TicketEvent:
    event_id: str
    kind: str  # created | status_changed | priority_changed | comment_added | group_assignment_changed | …
    ticket_id: str
    organization_id: str | None
    subject: str | None
    description: str | None
    status: str | None
    priority: str | None
    created_at: str | None
    staff_reply: bool  # a public comment by an agent


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text if text and text not in ("-", "null") else None


def _id(value: Any) -> str | None:
    text = _text(value)
    return text if text and text != "0" and text.isdigit() else None


def parse_event(body: bytes, invocation_id: str | None) -> TicketEvent:
    """An event webhook's body, or the trigger body (``TRIGGER_BODY``), as one shape."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput("body: not JSON", "body") from None
    if not isinstance(data, Mapping):
        raise InvalidInput("body: expected a JSON object", "body")
    if "assist_event" in data:  # a trigger's body
        ticket = data.get("ticket")
        if not isinstance(ticket, Mapping):
            raise InvalidInput("ticket: expected an object", "ticket")
        kind = str(data["assist_event"]).removeprefix("ticket.")
        event_id = f"trigger:{invocation_id}" if invocation_id else None
        detail: Mapping[str, Any] = ticket
        change: Any = {}
    else:
        event_type = str(data.get("type", ""))
        if not event_type.startswith(PREFIX):
            raise InvalidInput(f"type: {event_type!r} is not a Zendesk ticket event", "type")
        kind = event_type.removeprefix(PREFIX)
        event_id = _text(data.get("id"))
        found = data.get("detail")
        detail = found if isinstance(found, Mapping) else {}
        change = data.get("event") if isinstance(data.get("event"), Mapping) else {}
    if event_id is None:
        raise InvalidInput("id: the event has no id (trigger bodies need the invocation id header)", "id")
    ticket_id = _id(detail.get("id"))
    if ticket_id is None:
        raise InvalidInput(f"detail.id: not a Zendesk ticket id (got {detail.get('id')!r})", "detail.id")
    status, priority = _text(detail.get("status")), _text(detail.get("priority"))
    if kind == "status_changed" and isinstance(change, Mapping):
        status = _text(change.get("current")) or status
    if kind == "priority_changed" and isinstance(change, Mapping):
        priority = _text(change.get("current")) or priority
    comment = change.get("comment") if isinstance(change, Mapping) else None
    staff_reply = (
        isinstance(comment, Mapping)
        and bool(comment.get("is_public"))
        and isinstance(comment.get("author"), Mapping)
        and bool(comment["author"].get("is_staff"))
    )
    return TicketEvent(
        event_id,
        kind,
        ticket_id,
        _id(detail.get("organization_id")),
        _text(detail.get("subject")),
        _text(detail.get("description")),
        status.lower() if status else None,
        priority.lower() if priority else None,
        _text(detail.get("created_at")),
        staff_reply,
    )


def assist_note(result: AssistResult) -> str:
    """The private note written back on a new ticket: the suggested answer, its sources and the decision."""
    d = result.decision
    lines = [
        "Escalation assist — suggested reply (not sent):",
        "",
        result.answer.text or "(no answer from the knowledge base)",
        "",
    ]
    if result.citations:
        lines.append("Sources:")
        lines += [f"[{c.n}] {c.title} ({c.source_id})" for c in result.citations]
        lines.append("")
    where = d.tier + (f", queue {d.queue}" if d.queue else "")
    verdict = "Keep at Tier 1" if result.deflected else ("Escalate" if d.escalate else "Route")
    lines.append(f"Decision: {verdict} — {where} (rule {d.rule_id}). {d.reason}")
    if result.assumed:
        lines.append(f"Assumed, please check: {'; '.join(result.assumed)}")
    if result.needs_agent:
        unclear = [f"{name} (suggested {f.value}, {f.confidence:.0%} sure)" for name, f in result.needs_agent.items()]
        lines.append(f"Unclear from the words, please set: {'; '.join(unclear)}")
    lines.append(f"Reply by {d.sla.reply_by}, resolve by {d.sla.resolve_by}. Confidence {result.confidence:.2f}.")
    return "\n".join(lines)


@dataclass(frozen=True)
class Handled:
    event_id: str
    action: str
    ticket_id: str
    account_id: str | None
    duplicate: bool = False
    decision_id: str | None = None
    ticket_key: str | None = None  # the outbox rows to deliver now

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "action": self.action,
            "ticket_id": self.ticket_id,
            "duplicate": self.duplicate,
            "decision_id": self.decision_id,
        }


@dataclass(frozen=True)
class ZendeskWebhook:
    secret: str
    pipeline: Pipeline
    tracker: Tracker
    outbox: Outbox
    engine: Engine
    account_for_organization: Callable[[str], Account | None]

    def handle(self, body: bytes, headers: Mapping[str, str], now: datetime) -> Handled:
        verify(
            self.secret,
            body,
            headers.get("x-zendesk-webhook-signature"),
            headers.get("x-zendesk-webhook-signature-timestamp"),
            now,
        )
        event = parse_event(body, headers.get("x-zendesk-webhook-invocation-id"))
        # An organization no account claims is no account: public knowledge only, nobody's tickets.
        account = self.account_for_organization(event.organization_id) if event.organization_id else None
        account_id = account.id if account else None
        seen = f"zendesk:{event.event_id}"
        with self.engine.connect() as con:
            if con.execute(select(webhook_events.c.id).where(webhook_events.c.id == seen)).first() is not None:
                return Handled(event.event_id, "duplicate", event.ticket_id, account_id, duplicate=True)
        handled = self._act(event, account_id, now)
        # The same event delivered twice at once: both acts were idempotent, and the second row is not needed.
        with contextlib.suppress(IntegrityError), self.engine.begin() as con:
            key = ticket_key(account_id, event.ticket_id)
            con.execute(insert(webhook_events).values(id=seen, kind=event.kind, ticket_id=key, received_at=now))
        return handled

    def _act(self, event: TicketEvent, account_id: str | None, now: datetime) -> Handled:
        key = ticket_key(account_id, event.ticket_id)
        facts: dict[str, Any] = {}
        if event.priority in PRIORITY_SEVERITY:
            facts["severity"] = PRIORITY_SEVERITY[event.priority]
        if event.kind == "created":
            return self._created(event, account_id, facts, now)
        changes: dict[str, Any] = dict(facts) if event.kind == "priority_changed" else {}
        if event.kind == "status_changed" and event.status in STATUS:
            changes["status"] = STATUS[event.status]
        if event.kind == "comment_added" and event.staff_reply:
            changes["customer_update_at"] = now.isoformat()
            if not self._replied(account_id, event.ticket_id):
                changes["first_reply_at"] = now.isoformat()
        try:
            self.tracker.change(event.ticket_id, changes, now, account_id)
        except NotFound:  # created before the integration was set up: nothing to keep in step
            return Handled(event.event_id, "ignored: ticket not tracked", event.ticket_id, account_id)
        return Handled(event.event_id, event.kind, event.ticket_id, account_id, ticket_key=key)

    def _replied(self, account_id: str | None, ticket_id: str) -> bool:
        state = self.tracker.facts(ticket_id, account_id)
        return state is not None and state.get("first_reply_at") is not None

    def _created(self, event: TicketEvent, account_id: str | None, facts: dict[str, Any], now: datetime) -> Handled:
        text = event.description or event.subject
        if not text:
            raise InvalidInput("detail.description: a new ticket without text", "detail.description")
        try:
            ticket = TicketIn(
                ticket_id=event.ticket_id,
                subject=event.subject[:500] if event.subject else None,
                body=text[:20000],
                account_id=account_id,
                facts=facts,
                now=now,
            )
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "detail"
            raise InvalidInput(f"detail.{where}: {exc.errors()[0]['msg']}", f"detail.{where}") from None
        result = self.pipeline.run(ticket)
        key = ticket_key(account_id, event.ticket_id)
        tracked = {name: fact.value for name, fact in result.facts.items()}
        tracked["status"] = STATUS.get(event.status or "new", "new")
        try:  # Zendesk's clock may run a second ahead of ours; a ticket is never created after now
            created = parse_datetime("created_at", event.created_at) if event.created_at else now
        except Error:
            created = now
        tracked["created_at"] = min(created, now).isoformat()
        with contextlib.suppress(Conflict):  # a retried event: the clocks already run
            self.tracker.register(event.ticket_id, account_id, tracked, now, origin="zendesk")
        d = result.decision
        payload = {
            "zendesk_ticket_id": event.ticket_id,
            "note": assist_note(result),
            "tags": zendesk_tags(d.tier, d.queue, "assist_deflectable" if result.deflected else "assist_reviewed"),
            "queue": d.queue,
            "matrix_version": d.matrix_version,
        }
        with self.engine.begin() as con:
            self.outbox.enqueue(con, key, f"{key}:assist:zendesk", "zendesk:ticket", "assist", payload, now)
        return Handled(event.event_id, "created", event.ticket_id, account_id, False, result.decision_id, key)
