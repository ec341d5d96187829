"""Notification channels: Slack incoming webhooks, PagerDuty Events API v2, signed generic webhooks, SMTP e-mail.

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
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml

from matrix.errors import InvalidInput

PD_SEVERITY = {"S1": "critical", "S2": "error", "S3": "warning", "S4": "info"}


class NotConfigured(LookupError):
    """No endpoint is configured for a target."""


class DeliveryFailed(RuntimeError):
    """The endpoint refused or could not be reached; the outbox retries with backoff."""


@dataclass(frozen=True)
class NotifyConfig:
    targets: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, path: Path | None) -> NotifyConfig:
        if path is None:
            return cls({})
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        targets = data.get("targets", {})
        if not isinstance(targets, dict):
            raise InvalidInput(f"{path}: 'targets' must map target patterns to endpoints", "ASSIST_NOTIFY_CONFIG")
        return cls({str(k): dict(v) for k, v in targets.items()})

    def endpoint(self, target: str) -> dict[str, Any]:
        if target in self.targets:
            return self.targets[target]
        for pattern, cfg in self.targets.items():
            if fnmatch.fnmatchcase(target, pattern):
                return cfg
        raise NotConfigured(f"no endpoint configured for {target}")


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    import httpx

    try:
        resp = httpx.post(url, content=body, headers={"Content-Type": "application/json", **headers}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    if resp.status_code >= 300:
        raise DeliveryFailed(f"HTTP {resp.status_code}: {resp.text[:200]}")


def send(
    config: NotifyConfig, target: str, event: str, payload: dict[str, Any], dedup_key: str, timeout: float = 5.0
) -> None:
    """Deliver one notification. Raises NotConfigured or DeliveryFailed."""
    cfg = config.endpoint(target)
    kind = target.split(":", 1)[0]
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
