"""Writes into the knowledge base from the running service: past tickets posted over the API, the resolution of a
ticket (so Tier 1 learns the fix: the post-resolution loop), and the demo slice on first start.

Every write goes through the same connectors, redaction and ingest pipeline as ``assist ingest``, under the data
dir's single-writer lock (a second writer gets ``Busy`` at once), and then tells the readers (the BM25 indexes,
the routing model) that the knowledge changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assist.decision_log import DecisionLog
from assist.models import AccountIn, AccountOut, IngestResult, ResolutionIn, ResolutionResult
from ingest.connectors.base import Account, Connector, Item
from ingest.documents import NO_ACCESS, Document, Section, SourceKind
from ingest.pipeline import Ingestor, IngestSummary
from ingest.redact import redact_text
from ingest.registry import Registry, writer_lock
from ingest.store import KnowledgeStore
from matrix.errors import InvalidInput, NotFound
from matrix.facts import parse_datetime


def _account_out(a: Account) -> AccountOut:
    return AccountOut(
        id=a.id,
        name=a.name,
        plan=a.plan,
        products=list(a.products),
        zendesk_organization_id=a.zendesk_organization_id,
    )


class KnowledgeBase:
    def __init__(self, data_dir: Path, store: KnowledgeStore, on_change: tuple[Callable[[], None], ...] = ()) -> None:
        self.data_dir = data_dir
        self.store = store
        self.on_change = on_change

    def ingest(self, connector: Connector, progress: bool = False) -> IngestSummary:
        with writer_lock(self.data_dir):
            registry = Registry(self.data_dir)
            try:
                summary = Ingestor(self.store, registry, progress=progress).run(connector)
            finally:
                registry.close()
        for changed in self.on_change:
            changed()
        return summary

    def account_out(self, account_id: str) -> AccountOut:
        found = self.account(account_id)
        if found is None:
            raise NotFound(f"account {account_id!r} not found", "account_id")
        return _account_out(found)

    def account(self, account_id: str) -> Account | None:
        registry = Registry(self.data_dir)
        try:
            return registry.account(account_id)
        finally:
            registry.close()

    def account_for_zendesk_organization(self, organization_id: str) -> Account | None:
        registry = Registry(self.data_dir)
        try:
            return registry.account_for_zendesk_organization(organization_id)
        finally:
            registry.close()

    def seed_demo(self) -> None:
        """The bundled demo knowledge base, when the knowledge base is empty (first start of the demo)."""
        from assist.demo import demo_connectors

        if self.store.count() == 0:
            for connector in demo_connectors():
                self.ingest(connector, progress=True)

    def ingest_ticket_rows(self, rows: list[dict[str, Any]]) -> IngestResult:
        """Past tickets posted over the API go through the same connector, redaction and pipeline as files."""
        from ingest.connectors import TicketsConnector

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tickets.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
            summary = self.ingest(TicketsConnector(path))
        data = summary.to_dict()
        return IngestResult.model_validate({k: data[k] for k in ("items", "written", "unchanged", "chunks", "skipped")})

    def put_account(self, account_id: str, body: AccountIn) -> AccountOut:
        """Create or update an account through the same connector (and checks) as an accounts file."""
        from ingest.connectors import AccountsConnector

        row = {"id": account_id, **body.model_dump(exclude_none=True)}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "accounts.json"
            path.write_text(json.dumps([row]), encoding="utf-8")
            summary = self.ingest(AccountsConnector(path))
        if summary.failures:
            raise InvalidInput(summary.failures[0].reason, "account")
        stored = self.account(account_id)
        if stored is None:  # pragma: no cover - the connector wrote it or reported why not
            raise NotFound(f"account {account_id!r} not found", "account_id")
        return _account_out(stored)

    def record_resolution(self, log: DecisionLog, ticket_id: str, res: ResolutionIn) -> ResolutionResult:
        """Index the resolution for the account's ticket and flag a recurring issue (3+ in 30 days). Ticket ids
        are per account: another account's ticket of the same id is neither read nor changed."""
        account = res.account_id
        known = log.knows(account, ticket_id)
        now = parse_datetime("now", res.now) if res.now else datetime.now(UTC)
        # Redacted before anything keeps it: the knowledge base (the ingest pipeline redacts too), the resolutions
        # table and the report that quotes summaries.
        summary = redact_text((res.summary or "").strip()) or ticket_id
        resolution = redact_text(res.resolution)
        issue_key = res.issue_key or issue_key_of(summary)
        doc = Document(
            SourceKind.RESOLUTIONS,
            f"{account or ''}/{ticket_id}",  # the account's namespace, as the clock's tickets
            summary,
            [Section(summary, "question"), Section(resolution, "resolution")],
            account=account or NO_ACCESS,
            created_at=now.isoformat(),
            metadata={"issue_key": issue_key},
        )
        indexed = self.ingest(_OneDoc(doc))
        count = log.add_resolution(ticket_id, account, issue_key, summary, resolution, now)
        return ResolutionResult(
            ticket_id=ticket_id,
            account_id=account,
            indexed_chunks=indexed.chunks,
            issue_key=issue_key,
            resolved_in_30_days=count,
            recurring=count >= 3,
            known_ticket=known,
        )


def issue_key_of(summary: str) -> str:
    """Resolutions whose summaries share their words are one issue."""
    words = sorted({w for w in re.findall(r"[a-z0-9]{3,}", summary.lower())})
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


class _OneDoc(Connector):
    """A connector over one in-memory document (the post-resolution loop)."""

    source = SourceKind.RESOLUTIONS

    def __init__(self, doc: Document) -> None:
        super().__init__(Path(f"resolution-{doc.source_id}"), doc.account)
        self.doc = doc

    def fingerprint(self) -> str:
        return self.doc.content_hash()[:16]

    def items(self) -> Iterator[Item]:
        yield self.doc
