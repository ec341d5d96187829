"""Notification channels: Slack incoming webhooks, PagerDuty Events API v2, signed generic webhooks, SMTP e-mail,
and the Zendesk write-back (a private note and tags on the ticket, ``zendesk:ticket``).

Which endpoint a target such as ``slack:#support-escalations`` reaches is deployment config, not policy: a YAML
file (``ASSIST_NOTIFY_CONFIG``) maps target patterns to endpoints. A target with no endpoint is recorded as
skipped, never silently dropped.

    targets:
      "slack:*":            {url: https://hooks.slack.com/services/…}
      "pagerduty:*":        {url: https://events.pagerduty.com/v2/enqueue, routing_key: R0UT1NGKEY}
      "webhook:ops":        {url: https://ops.example.com/hooks/assist, secret: …}
      "email:*":            {smtp_host: 127.0.0.1, smtp_port: 25, from: support@example.com}
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml

from matrix.errors import InvalidInput

PD_SEVERITY = {"S1": "critical", "S2": "error", "S3": "warning", "S4": "info"}


class NotConfigured(LookupError):
    """No endpoint is configured for a target."""


class DeliveryFailed(RuntimeError):
    """The endpoint refused or could not be reached; the outbox retries with backoff, or after ``retry_after``
    seconds when the endpoint said when (HTTP 429/503 ``Retry-After``)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ZendeskConfig:
    """Where write-backs go: ``https://<subdomain>.zendesk.com``, an agent's e-mail and an API token (Zendesk's
    basic auth is ``<email>/token:<token>``), and optionally the group each queue's tickets belong to."""

    url: str
    email: str
    api_token: str
    groups: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class NotifyConfig:
    targets: dict[str, dict[str, Any]]
    zendesk: ZendeskConfig | None = None

    @classmethod
    def load(cls, path: Path | None, zendesk: ZendeskConfig | None = None) -> NotifyConfig:
        if path is None:
            return cls({}, zendesk)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        targets = data.get("targets", {})
        if not isinstance(targets, dict):
            raise InvalidInput(f"{path}: 'targets' must map target patterns to endpoints", "ASSIST_NOTIFY_CONFIG")
        return cls({str(k): dict(v) for k, v in targets.items()}, zendesk)

    def endpoint(self, target: str) -> dict[str, Any]:
        if target in self.targets:
            return self.targets[target]
        for pattern, cfg in self.targets.items():
            if fnmatch.fnmatchcase(target, pattern):
                return cfg
        raise NotConfigured(f"no endpoint configured for {target}")


def _post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    method: str = "POST",
    auth: tuple[str, str] | None = None,
) -> None:
    import httpx

    try:
        resp = httpx.request(
            method,
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=timeout,
            auth=auth,
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    if resp.status_code >= 300:
        raise DeliveryFailed(f"HTTP {resp.status_code}: {resp.text[:200]}", _retry_after(resp.headers))


def _retry_after(headers: Any) -> float | None:
    """Seconds from a ``Retry-After`` header (Zendesk sends seconds; an HTTP date counts as unknown)."""
    value = headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def zendesk_tags(tier: str, queue: str | None, *extra: str) -> list[str]:
    """Tags a write-back adds: the tier and the queue, so views and triggers in Zendesk can use them."""
    tags = [f"assist_tier_{tier.lower()}", *extra]
    if queue:
        tags.append(f"assist_queue_{queue.lower()}")
    return tags


def _zendesk(config: ZendeskConfig | None, payload: dict[str, Any], timeout: float) -> None:
    """A private note and tags on the ticket (``PUT /api/v2/tickets/{id}.json``): ``additional_tags`` adds to the
    ticket's tags instead of replacing them, and ``public: false`` keeps the note from the requester."""
    if config is None:
        raise NotConfigured("Zendesk write-back is not configured (ASSIST_ZENDESK_URL, _EMAIL, _API_TOKEN)")
    ticket: dict[str, Any] = {
        "comment": {"body": payload["note"], "public": False},
        "additional_tags": payload.get("tags", []),
    }
    group = config.groups.get(str(payload.get("queue")))
    if group is not None:
        ticket["group_id"] = group
    url = f"{config.url.rstrip('/')}/api/v2/tickets/{payload['zendesk_ticket_id']}.json"
    body = json.dumps({"ticket": ticket}).encode()
    _post(url, body, {}, timeout, method="PUT", auth=(f"{config.email}/token", config.api_token))


def send(
    config: NotifyConfig, target: str, event: str, payload: dict[str, Any], dedup_key: str, timeout: float = 5.0
) -> None:
    """Deliver one notification. Raises NotConfigured or DeliveryFailed."""
    kind = target.split(":", 1)[0]
    if kind == "zendesk":
        _zendesk(config.zendesk, payload, timeout)
        return
    cfg = config.endpoint(target)
    summary = payload.get("summary", "")
    if kind == "slack":
        body = json.dumps({"text": summary, "channel": target.split(":", 1)[1]}).encode()
        _post(cfg["url"], body, {"X-Assist-Dedup-Key": dedup_key}, timeout)
    elif kind == "pagerduty":
        action = "resolve" if event == "resolved" else "trigger"
        # One incident per ticket and tier: later events for it update (or resolve) the same incident.
        message: dict[str, Any] = {
            "routing_key": cfg["routing_key"],
            "event_action": action,
            "dedup_key": payload.get("incident_key", dedup_key),
        }
        if action == "trigger":
            message["payload"] = {
                "summary": summary[:1024],
                "source": "escalation-assist",
                "severity": PD_SEVERITY.get(str(payload.get("severity")), "warning"),
                "custom_details": payload,
            }
        _post(cfg["url"], json.dumps(message).encode(), {}, timeout)
    elif kind == "webhook":
        body = json.dumps({"event": event, "dedup_key": dedup_key, **payload}, sort_keys=True).encode()
        signature = hmac.new(str(cfg.get("secret", "")).encode(), body, hashlib.sha256).hexdigest()
        _post(cfg["url"], body, {"X-Assist-Signature": f"sha256={signature}", "X-Assist-Dedup-Key": dedup_key}, timeout)
    elif kind == "email":
        msg = EmailMessage()
        msg["From"] = cfg.get("from", "escalation-assist@localhost")
        msg["To"] = target.split(":", 1)[1]
        msg["Subject"] = summary[:200]
        msg["X-Assist-Dedup-Key"] = dedup_key
        msg.set_content(json.dumps(payload, indent=2, default=str))
        try:
            with smtplib.SMTP(
                cfg.get("smtp_host", "127.0.0.1"), int(cfg.get("smtp_port", 25)), timeout=timeout
            ) as smtp:
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP: {exc}") from None
    else:
        raise NotConfigured(f"unknown target kind {kind!r} in {target}")
