"""One folder per source, one small interface (``base.Connector``)."""

from ingest.connectors.accounts import AccountsConnector
from ingest.connectors.base import Account, Checkpoint, Connector, Item
from ingest.connectors.docs import DocsConnector
from ingest.connectors.slack import SlackConnector
from ingest.connectors.tickets import TicketsConnector, ZendeskConnector

CONNECTORS: dict[str, type[Connector]] = {
    "docs": DocsConnector,
    "tickets": TicketsConnector,
    "zendesk": ZendeskConnector,
    "slack": SlackConnector,
    "accounts": AccountsConnector,
}

__all__ = [
    "CONNECTORS",
    "Account",
    "AccountsConnector",
    "Checkpoint",
    "Connector",
    "DocsConnector",
    "Item",
    "SlackConnector",
    "TicketsConnector",
    "ZendeskConnector",
]
