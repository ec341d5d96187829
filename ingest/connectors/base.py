"""The one connector interface: yield items (documents, accounts) or per-item failures, resumable by checkpoint.

A connector reads its input in a deterministic order, so a position in that order is a checkpoint: the pipeline
saves the position of the last item it stored, and a resumed run skips to just after it. One bad row yields a
``Failure`` (with its location) and the import goes on.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.documents import NO_ACCESS, PUBLIC, Document, Failure


@dataclass(frozen=True)
class Checkpoint:
    """Where a run got to: the connector, a fingerprint of its input, and the number of items done."""

    connector: str
    fingerprint: str
    position: int


@dataclass(frozen=True)
class Account:
    """An account from the CRM: what the assist runtime needs to prefer relevant knowledge and honour contracts."""

    id: str
    name: str
    plan: str | None = None  # the matrix's customer_tier
    products: tuple[str, ...] = ()
    sla_overrides: tuple[tuple[str, Any], ...] = ()  # (key, value) pairs, e.g. ("S1.reply", "10m")
    zendesk_organization_id: str | None = None  # the helpdesk's organization for this account


Item = Document | Account | Failure


class Connector(ABC):
    """Subclasses implement ``items``; ``load`` adds checkpoints and resuming. Constructors only store arguments."""

    source: str = "unknown"

    def __init__(self, path: str | Path, account: str | None = None) -> None:
        self.path = Path(path)
        self.account = account

    @abstractmethod
    def items(self) -> Iterator[Item]:
        """Every item of the input, in a deterministic order. Never raises for one bad item: yields a Failure."""

    def fingerprint(self) -> str:
        """Identifies the input: a checkpoint taken on other input is not resumed."""
        files = sorted(self.path.rglob("*")) if self.path.is_dir() else [self.path]
        h = hashlib.sha256(f"{self.source}|{self.account}".encode())
        for f in files:
            if f.is_file():
                st = f.stat()
                h.update(
                    f"{f.relative_to(self.path) if self.path.is_dir() else f.name}|{st.st_size}|"
                    f"{st.st_mtime_ns}".encode()
                )
        return h.hexdigest()[:16]

    def load(self, checkpoint: Checkpoint | None = None) -> Iterator[tuple[Item, Checkpoint]]:
        """Items after ``checkpoint``, each with the checkpoint to save once it is stored."""
        fingerprint = self.fingerprint()
        skip = 0
        if checkpoint is not None and checkpoint.fingerprint == fingerprint and checkpoint.connector == self.source:
            skip = checkpoint.position
        for position, item in enumerate(self.items(), start=1):
            if position > skip:
                yield item, Checkpoint(self.source, fingerprint, position)

    # Helpers shared by the connectors -------------------------------------------------------------------------

    def access_for(self, explicit: str | None, public: bool = False) -> str:
        """Account marking: the item's own account, else --account, else public if the item says so, else none."""
        if explicit:
            return str(explicit)
        if self.account:
            return self.account
        return PUBLIC if public else NO_ACCESS

    def failure(self, location: str, reason: str) -> Failure:
        return Failure(self.source, location, reason)
