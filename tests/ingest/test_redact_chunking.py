"""Redaction of secrets and personal data; chunking that keeps questions with their answers."""

from __future__ import annotations

import pytest

from ingest.chunking import MAX_CHARS, chunk_document
from ingest.documents import PUBLIC, Document, Section, chunk_id
from ingest.redact import redact

from .fixtures import SECRETS


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"aws key {SECRETS['aws']} here", "aws_access_key"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret"),
        (f"token {SECRETS['github']}", "github_token"),
        (f"bot {SECRETS['slack']}", "slack_token"),
        ("post to https://hooks.slack.com/services/T000/B000/XXXXXXXX", "slack_webhook"),
        (f"OPENAI_KEY {SECRETS['openai']}", "openai_key"),
        (f"jwt {SECRETS['jwt']}", "jwt"),
        ("Authorization: Bearer abcdef1234567890abcdef", "bearer_token"),
        (
            f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRETS['private_key']}\n-----END OPENSSH PRIVATE KEY-----",
            "private_key",
        ),
        (f"my password is {SECRETS['password']}", "password"),
        ("pwd=hunter2hunter2", "password"),
        ("api_key: 9f8e7d6c5b4a39281706f5e4", "api_key"),
        ("db at postgres://admin:s3cretpw@db.internal:5432/app", "url_credentials"),
        (f"mail {SECRETS['email']}", "email"),
        (f"card {SECRETS['card']}", "card_number"),
        (f"call {SECRETS['phone']}", "phone"),
    ],
)
def test_each_kind_is_redacted(text: str, kind: str) -> None:
    out, counts = redact(text)
    assert counts.get(kind, 0) >= 1, (out, counts)
    for secret in SECRETS.values():
        assert secret not in out


@pytest.mark.parametrize(
    "text",
    [
        "Upgrade to version 8.5.5.12 and restart WebSphere on port 9443.",
        "Error CWWKS1100A at 2024-01-02 10:11:12, see APAR PI12345.",
        "Order 1234 5678 9012 3456 is not a valid card (Luhn fails).",
        "The password policy requires 12 characters.",
    ],
)
def test_ordinary_support_text_is_left_alone(text: str) -> None:
    assert redact(text) == (text, {})


def _ticket(answer_len: int) -> Document:
    return Document(
        "tickets",
        "T-9",
        "Export fails",
        [
            Section("Export fails\n\nThe export button does nothing on the revenue report. " * 3, "question"),
            Section(("Use the export API for reports over 100k rows. " * answer_len).strip(), "resolution"),
            Section("Customer is on the legacy cluster; bug ENG-1.", "internal note", "internal"),
        ],
        account="acme",
    )


def test_every_ticket_chunk_keeps_the_question_with_part_of_the_resolution() -> None:
    chunks = chunk_document(_ticket(60))
    public = [c for c in chunks if c.metadata["visibility"] == "public"]
    assert len(public) > 1
    for c in public:
        assert c.text.startswith("Export fails") and "export API" in c.text and len(c.text) <= MAX_CHARS
    assert [c.id for c in chunks] == [chunk_id("tickets", "T-9", i) for i in range(len(chunks))]
    internal = [c for c in chunks if c.metadata["visibility"] == "internal"]
    assert len(internal) == 1 and "ENG-1" in internal[0].text and all("ENG-1" not in c.text for c in public)


def test_slack_thread_chunks_start_with_the_question() -> None:
    doc = Document(
        "slack",
        "support/1.0",
        "How to reset MFA?",
        [Section("How to reset MFA?")] + [Section(f"answer number {i} " * 20, f"user{i}") for i in range(12)],
        account=PUBLIC,
    )
    chunks = chunk_document(doc)
    assert len(chunks) > 1 and all(c.text.startswith("How to reset MFA?") for c in chunks)


def test_doc_chunks_carry_title_and_heading() -> None:
    doc = Document("docs", "a.md", "Guide", [Section("para. " * 400, "Setup > Linux")], account=PUBLIC)
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    assert all(c.text.startswith("Guide > Setup > Linux") and len(c.text) <= MAX_CHARS for c in chunks)
    assert chunks[0].metadata["heading"] == "Setup > Linux" and chunks[0].metadata["public"] is True
