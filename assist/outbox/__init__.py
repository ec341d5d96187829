"""Notifications that are never lost and never sent twice: the outbox (``queue``) and its channels (``channels``:
Slack, PagerDuty, signed webhooks, e-mail, the Zendesk write-back). Add a channel in ``channels.send``."""

from assist.outbox.channels import DeliveryFailed, NotConfigured, NotifyConfig, ZendeskConfig, send, zendesk_tags
from assist.outbox.queue import MAX_ATTEMPTS, DeliveryStats, Outbox, backoff, log_event

__all__ = [
    "MAX_ATTEMPTS",
    "DeliveryFailed",
    "DeliveryStats",
    "NotConfigured",
    "NotifyConfig",
    "Outbox",
    "ZendeskConfig",
    "backoff",
    "log_event",
    "send",
    "zendesk_tags",
]
