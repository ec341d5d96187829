"""Notifications that are never lost and never sent twice: the outbox (``queue``) and its channels (``channels``:
Slack, PagerDuty, signed webhooks, e-mail). Add a channel in ``channels.send``."""

from assist.outbox.channels import DeliveryFailed, NotConfigured, NotifyConfig, send
from assist.outbox.queue import MAX_ATTEMPTS, DeliveryStats, Outbox, backoff, log_event

__all__ = [
    "MAX_ATTEMPTS",
    "DeliveryFailed",
    "DeliveryStats",
    "NotConfigured",
    "NotifyConfig",
    "Outbox",
    "backoff",
    "log_event",
    "send",
]
