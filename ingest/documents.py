"""The knowledge item a connector yields, the failure it yields instead of raising, and the chunk that is stored.

Access is part of the item, never an afterthought: ``account`` is the account that may see it, ``PUBLIC`` for
everyone, or ``NO_ACCESS`` when the source did not say (deny by default: stored, visible to no one).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

PUBLIC = "public"
NO_ACCESS = "__no_access__"  # an item with no access marking is visible to no one
VISIBILITIES = ("public", "internal")
# An account id names a customer: letters, digits and . _ - @ : (a CRM or helpdesk id), never one of the access
# scopes above, and never a "/" (ticket and resolution ids are namespaced as "<account>/<id>").
_ACCOUNT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,199}")
RESERVED_SCOPES = frozenset({PUBLIC, NO_ACCESS})


def account_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid account id, or None when it is."""
    if value.lower() in RESERVED_SCOPES:
        return f"{value!r} is a reserved access scope, not an account"
    if not _ACCOUNT_ID.fullmatch(value):
        return "must be 1-200 letters, digits or . _ - @ : (starting with a letter or digit)"
    return None


# Bumped whenever chunk text or chunk metadata changes shape: items are then re-chunked on their next ingest even
# though their content did not change.
CHUNK_FORMAT = 2


class SourceKind(StrEnum):
    """Where a knowledge item came from. The value is what is stored in chunk metadata (``source``)."""

    DOCS = "docs"
    TICKETS = "tickets"
    ZENDESK = "zendesk"
    SLACK = "slack"
    RESOLUTIONS = "resolutions"  # recorded through POST /v1/tickets/{id}/resolution


TICKET_KINDS = frozenset({SourceKind.TICKETS, SourceKind.ZENDESK, SourceKind.RESOLUTIONS})


class Part(StrEnum):
    """The role of a chunk's text, stored in chunk metadata (``part``), so readers never parse text markers.

    A past ticket's chunk is the question followed by part of its answer (``answer_at`` in the metadata is where
    the answer starts), the question alone when the ticket has no recorded answer, or an agent-only note."""

    DOC = "doc"
    THREAD = "thread"
    ANSWER = "answer"
    QUESTION = "question"
    INTERNAL_NOTE = "internal_note"


def is_ticket_source(source: object) -> bool:
    """Past tickets: a question and how it was resolved (the routing model learns from these)."""
    return source in TICKET_KINDS


@dataclass
class Section:
    """A piece of an item's text with its place in it (a doc heading path, 'question', 'resolution', a reply)."""

    text: str
    heading: str = ""
    visibility: str = "public"  # internal: agent-only (private helpdesk comments, internal notes)


@dataclass
class Document:
    """One knowledge item: a doc, a past ticket, a Slack thread."""

    source: str  # a SourceKind value
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
                CHUNK_FORMAT,
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
