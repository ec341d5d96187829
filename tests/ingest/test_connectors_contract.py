"""The contract every connector passes, on small fixtures and on the real files in ../shared/data.

Stable ids across runs; per-item failures yielded, not raised; the checkpoint loop terminates and resumes
exactly where it stopped; every item carries an access marking.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.connectors import (
    Account,
    AccountsConnector,
    Connector,
    DocsConnector,
    SlackConnector,
    TicketsConnector,
    ZendeskConnector,
)
from ingest.documents import NO_ACCESS, PUBLIC, Document, Failure

from . import fixtures
from .conftest import SHARED

Factory = Callable[[Path], Connector]

FIXTURES: dict[str, tuple[Factory, int]] = {
    # name: (factory building the input under tmp, failures the input is made to produce)
    "docs": (lambda d: DocsConnector(fixtures.make_docs(d / "docs")), 1),
    "tickets-jsonl": (lambda d: TicketsConnector(fixtures.make_tickets_jsonl(d / "t.jsonl")), 3),
    "tickets-csv": (lambda d: TicketsConnector(fixtures.make_tickets_csv(d / "t.csv")), 1),
    "zendesk": (lambda d: ZendeskConnector(fixtures.make_zendesk(d / "z.json")), 2),
    "slack": (lambda d: SlackConnector(fixtures.make_slack(d / "slack")), 2),
    "accounts-csv": (lambda d: AccountsConnector(fixtures.make_accounts(d / "a.csv")), 1),
    "accounts-json": (lambda d: AccountsConnector(fixtures.make_accounts(d / "a.json")), 2),
}

REAL: dict[str, Callable[[], Connector]] = {
    "techqa-docs": lambda: DocsConnector(SHARED / "techqa/kb/docs"),
    "techqa-slack": lambda: SlackConnector(SHARED / "techqa/kb/slack"),
    "synthetic-tickets": lambda: TicketsConnector(SHARED / "tickets_synthetic/kb/tickets.jsonl"),
    "endava-tickets": lambda: TicketsConnector(SHARED / "endava/kb/tickets.jsonl"),
    "slack-export": lambda: SlackConnector(SHARED / "slack_export"),
}
# On a developer machine without ../shared the real-data cases are not collected; in CI they must run.
REAL_PRESENT = REAL if SHARED.exists() or os.environ.get("CI") else {}


def _key(item: object) -> tuple[str, ...]:
    if isinstance(item, Document):
        return ("doc", item.source, item.source_id, item.content_hash())
    if isinstance(item, Account):
        return ("account", item.id)
    assert isinstance(item, Failure)
    return ("failure", item.location, item.reason)


def _contract(connector: Connector, expected_failures: int | None = None, steps: int = 3) -> list[object]:
    first = [_key(i) for i in connector.items()]
    second = [_key(i) for i in connector.items()]
    assert first == second, "ids, content and order must be stable across runs"

    items = list(connector.items())
    failures = [i for i in items if isinstance(i, Failure)]
    if expected_failures is not None:
        assert len(failures) == expected_failures, failures
    for f in failures:
        assert f.location and f.reason

    docs = [i for i in items if isinstance(i, Document)]
    ids = [(d.source, d.source_id) for d in docs]
    assert len(ids) == len(set(ids)), "source ids are unique within one input"
    for d in docs:
        assert d.account and isinstance(d.account, str), "every item carries an access marking"
        for chunk in chunk_document(d):
            assert chunk.metadata["account"] == d.account
            assert chunk.metadata["visibility"] in ("public", "internal")
            assert chunk.metadata["source_id"] == d.source_id

    # Checkpoint loop: stop after every `step` items, resume from the saved checkpoint, until exhausted.
    step = max(1, len(items) // steps)
    seen: list[tuple[str, ...]] = []
    checkpoint = None
    for _ in range(len(items) + 2):
        batch = []
        for item, cp in connector.load(checkpoint):
            batch.append(_key(item))
            checkpoint = cp
            if len(batch) == step:
                break
        seen += batch
        if not batch:
            break
    else:
        pytest.fail("checkpoint loop did not terminate")
    assert seen == first, "resuming from checkpoints yields every item exactly once, in order"
    return items


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_connectors(tmp_path: Path, name: str) -> None:
    factory, failures = FIXTURES[name]
    _contract(factory(tmp_path), failures)


@pytest.mark.parametrize("name", sorted(REAL_PRESENT))
def test_real_data_connectors(name: str) -> None:
    items = _contract(REAL_PRESENT[name](), None, steps=2)
    assert sum(isinstance(i, Document) for i in items) > 50


def test_checkpoint_from_other_input_is_not_resumed(tmp_path: Path) -> None:
    a = DocsConnector(fixtures.make_docs(tmp_path / "a"))
    b = TicketsConnector(fixtures.make_tickets_jsonl(tmp_path / "t.jsonl"))
    _, cp = next(iter(a.load()))
    assert len(list(b.load(cp))) == len(list(b.items()))


def test_docs_keep_headings_and_titles(tmp_path: Path) -> None:
    docs = {d.source_id: d for d in DocsConnector(fixtures.make_docs(tmp_path)).items() if isinstance(d, Document)}
    assert set(docs) == {"guides/sso/okta.md", "export.html", "release-notes.txt"}
    okta = docs["guides/sso/okta.md"]
    assert okta.title == "Single sign-on with Okta" and okta.account == PUBLIC
    assert [s.heading for s in okta.sections] == ["", "Configure the SAML app", "Troubleshooting"]
    assert "# not a heading" in okta.sections[-1].text
    html = docs["export.html"]
    assert html.title == "Exporting reports" and "var x" not in str(html.sections)
    assert [s.heading for s in html.sections] == ["Exporting reports", "Exporting reports > CSV limits"]


def test_ticket_access_rules(tmp_path: Path) -> None:
    docs = {
        d.source_id: d
        for d in TicketsConnector(fixtures.make_tickets_jsonl(tmp_path / "t.jsonl")).items()
        if isinstance(d, Document)
    }
    assert docs["T-1"].account == "acme" and docs["T-2"].account == "globex"
    assert docs["T-3"].account == PUBLIC and docs["T-4"].account == NO_ACCESS
    assert docs["T-1"].metadata["queue"] == "Reporting" and docs["T-2"].metadata["x_custom_field"] == "kept"
    with_account = {
        d.source_id: d.account
        for d in TicketsConnector(tmp_path / "t.jsonl", account="initech").items()
        if isinstance(d, Document)
    }
    assert with_account["T-4"] == "initech" and with_account["T-1"] == "acme"


def test_zendesk_private_comments_are_internal(tmp_path: Path) -> None:
    doc = next(
        d
        for d in ZendeskConnector(fixtures.make_zendesk(tmp_path / "z.json")).items()
        if isinstance(d, Document) and d.source_id == "101"
    )
    assert doc.account == "9001"
    vis = {s.heading: s.visibility for s in doc.sections}
    assert vis == {"question": "public", "internal note": "internal", "reply": "public"}
    chunks = chunk_document(doc)
    internal = [c for c in chunks if c.metadata["visibility"] == "internal"]
    assert internal and all("ENG-42" in c.text for c in internal)
    assert not any("ENG-42" in c.text for c in chunks if c.metadata["visibility"] == "public")


def test_slack_threads_rebuilt_across_days(tmp_path: Path) -> None:
    docs = {d.source_id: d for d in SlackConnector(fixtures.make_slack(tmp_path)).items() if isinstance(d, Document)}
    thread = docs["support/1704100000.000100"]
    assert [s.heading for s in thread.sections] == ["", "Bo Engineer", "ana"]
    assert thread.sections[1].text.startswith("@ana use the admin console")
    assert "the MFA doc (https://docs.example.com/mfa)" in thread.sections[2].text
    assert "support/1704100200.000300" in docs  # a standalone message stands alone
    assert all(d.sections[0].visibility == "internal" for d in docs.values())
    assert thread.created_at == "2024-01-01T09:06:40Z"


def test_accounts(tmp_path: Path) -> None:
    acme = next(
        a for a in AccountsConnector(fixtures.make_accounts(tmp_path / "a.csv")).items() if isinstance(a, Account)
    )
    assert acme == Account("acme", "Acme", "enterprise", ("sso", "reporting"), (("S1.reply", "10m"),))
