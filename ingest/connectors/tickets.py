"""Past tickets: JSONL (FORMAT.md), CSV with the same columns, and a Zendesk API ticket export.

A ticket with an ``account_id`` is private to that account; without one it is visible to no account unless it
says ``"public": true`` (deny by default). Unknown extra keys are kept as metadata.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from typing import Any

from ingest.connectors.base import Connector, Item
from ingest.documents import Document, Section, SourceKind

KNOWN = {
    "id",
    "subject",
    "body",
    "answer",
    "account_id",
    "created_at",
    "status",
    "type",
    "queue",
    "priority",
    "tags",
    "language",
    "public",
}
_KEEP = ("queue", "priority", "type", "status", "language", "tags", "product_area")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "1"))


class TicketsConnector(Connector):
    """JSONL or CSV of past tickets (one ticket a line/row); ``source_id`` = the ticket's ``id``."""

    source = SourceKind.TICKETS

    def items(self) -> Iterator[Item]:
        if not self.path.is_file():
            yield self.failure(str(self.path), "not a file")
            return
        if self.path.suffix.lower() == ".csv":
            yield from self._csv()
        else:
            yield from self._jsonl()

    def _jsonl(self) -> Iterator[Item]:
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{self.path.name}:{n}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield self.failure(where, f"not valid JSON ({exc.msg}, column {exc.colno})")
                    continue
                except RecursionError:
                    yield self.failure(where, "nested too deeply to be a ticket")
                    continue
                yield self._ticket(row, where)

    def _csv(self) -> Iterator[Item]:
        with self.path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                clean: dict[str, Any] = {k: v for k, v in row.items() if k}
                if isinstance(clean.get("tags"), str):
                    clean["tags"] = [t.strip() for t in clean["tags"].replace(";", ",").split(",") if t.strip()]
                yield self._ticket(clean, f"{self.path.name}:{n}")

    def _ticket(self, row: Any, where: str) -> Item:
        if not isinstance(row, Mapping):
            return self.failure(where, "a ticket must be a JSON object")
        tid = row.get("id")
        if tid is None or str(tid).strip() == "":
            return self.failure(where, "field 'id' is missing")
        subject = str(row.get("subject") or "").strip()
        body = str(row.get("body") or "").strip()
        if not subject and not body:
            return self.failure(where, f"ticket {tid}: both 'subject' and 'body' are empty")
        sections = [Section(f"{subject}\n\n{body}".strip() if subject else body, "question")]
        answer = str(row.get("answer") or "").strip()
        if answer:
            sections.append(Section(answer, "resolution"))
        meta = {k: row.get(k) for k in _KEEP if row.get(k) not in (None, "", [])}
        for key, value in row.items():
            if key not in KNOWN and isinstance(value, str | int | float | bool) and value not in ("",):
                meta[f"x_{key}"] = value
        meta["has_answer"] = bool(answer)
        return Document(
            source=self.source,
            source_id=str(tid).strip(),
            title=subject or body[:120],
            sections=sections,
            account=self.access_for(row.get("account_id") or None, _truthy(row.get("public"))),
            created_at=str(row["created_at"]) if row.get("created_at") else None,
            metadata=meta,
        )


class ZendeskConnector(Connector):
    """A Zendesk API ticket export ``{"tickets": [...]}`` with ``comments``; private comments are indexed internal.

    Account = the ticket's ``organization_id`` (or ``--account``). The first comment is the question (Zendesk
    copies the description into it); later public comments are the replies that resolved it.
    """

    source = SourceKind.ZENDESK

    def items(self) -> Iterator[Item]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, json.JSONDecodeError) as exc:
            yield self.failure(self.path.name, f"not a readable JSON export: {exc}")
            return
        except RecursionError:
            yield self.failure(self.path.name, "nested too deeply to be a Zendesk export")
            return
        tickets = data.get("tickets") if isinstance(data, Mapping) else data
        if not isinstance(tickets, list):
            yield self.failure(self.path.name, 'expected {"tickets": [...]}')
            return
        for i, t in enumerate(tickets):
            yield self._ticket(t, f"{self.path.name}:tickets[{i}]")

    def _ticket(self, t: Any, where: str) -> Item:
        if not isinstance(t, Mapping) or t.get("id") is None:
            return self.failure(where, "a ticket needs an 'id'")
        comments = t.get("comments") or []
        if not isinstance(comments, list):
            return self.failure(where, f"ticket {t['id']}: 'comments' must be a list")
        subject = str(t.get("subject") or t.get("raw_subject") or "").strip()
        description = str(t.get("description") or "").strip()
        sections: list[Section] = []
        first_body = ""
        for j, c in enumerate(comments):
            if not isinstance(c, Mapping):
                return self.failure(f"{where}.comments[{j}]", "a comment must be an object")
            body = str(c.get("plain_body") or c.get("body") or "").strip()
            if not body:
                continue
            if j == 0:
                first_body = body
                continue
            public = c.get("public", True) is not False
            sections.append(Section(body, "reply" if public else "internal note", "public" if public else "internal"))
        question = description or first_body
        if not subject and not question:
            return self.failure(where, f"ticket {t['id']}: no subject, description or comments")
        sections.insert(0, Section(f"{subject}\n\n{question}".strip(), "question"))
        org = t.get("organization_id")
        meta = {
            "status": t.get("status"),
            "priority": t.get("priority"),
            "type": t.get("type"),
            "tags": [str(x) for x in t.get("tags") or []],
            "group_id": t.get("group_id"),
            "has_answer": any(s.heading == "reply" for s in sections),
        }
        return Document(
            source=self.source,
            source_id=str(t["id"]),
            title=subject or question[:120],
            sections=sections,
            account=self.access_for(str(org) if org is not None else None),
            created_at=t.get("created_at"),
            metadata=meta,
        )
