"""The knowledge item a connector yields, the failure it yields instead of raising, and the chunk that is stored.

Access is part of the item, never an afterthought: ``account`` is the account that may see it, ``PUBLIC`` for
everyone, or ``NO_ACCESS`` when the source did not say (deny by default: stored, visible to no one).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

PUBLIC = "public"
NO_ACCESS = "__no_access__"  # an item with no access marking is visible to no one
VISIBILITIES = ("public", "internal")


@dataclass
class Section:
    """A piece of an item's text with its place in it (a doc heading path, 'question', 'resolution', a reply)."""

    text: str
    heading: str = ""
    visibility: str = "public"  # internal: agent-only (private helpdesk comments, internal notes)


@dataclass
class Document:
    """One knowledge item: a doc, a past ticket, a Slack thread."""

    source: str  # docs | tickets | zendesk | slack | resolutions
    source_id: str
    title: str
    sections: list[Section]
    account: str = NO_ACCESS
    created_at: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # queue, product_area, priority, type, language, …

    def content_hash(self) -> str:
        """Changes whenever anything stored for this item would change (text, access, metadata)."""
        payload = json.dumps(
            [
                self.title,
                [(s.text, s.heading, s.visibility) for s in self.sections],
                self.account,
                self.created_at,
                self.metadata,
            ],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Failure:
    """A bad input item, reported with its location and skipped; the rest of the import goes on."""

    source: str
    location: str  # file:line, file, or channel/day file
    reason: str


@dataclass
class Chunk:
    id: str
    text: str
    metadata: dict[str, Any]


def chunk_id(source: str, source_id: str, number: int) -> str:
    """Deterministic: the same item always maps to the same ids, so re-ingest replaces instead of duplicating."""
    digest = hashlib.sha256(f"{source}\x1f{source_id}".encode()).hexdigest()[:24]
    return f"{source}:{digest}:{number}"
