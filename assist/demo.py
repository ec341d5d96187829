"""The demo knowledge base shipped with the package: Quillbox, a fictional e-signature SaaS written for this project
(see DEMO_KB_NOTICE.md): a small help center, past tickets of two accounts, one internal Slack thread, and the
accounts themselves. Small enough to ingest in a minute on first start, and enough to show the product: an answer
that deflects, one account's own fix, an internal workaround, and tickets that must escalate."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ingest.connectors import AccountsConnector, DocsConnector, SlackConnector, TicketsConnector
from ingest.connectors.base import Connector


def demo_dir() -> Path:
    return Path(str(resources.files("assist").joinpath("demo_kb")))


def demo_connectors() -> list[Connector]:
    """Accounts first, so every later item's account exists; docs public, tickets their account's, Slack internal."""
    root = demo_dir()
    return [
        AccountsConnector(root / "accounts.csv"),
        DocsConnector(root / "docs"),
        TicketsConnector(root / "tickets.jsonl"),
        SlackConnector(root / "slack"),
    ]
