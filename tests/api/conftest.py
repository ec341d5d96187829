"""A real service over a small multi-account knowledge base (real Chroma in a temp dir, real model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assist.runtime import Runtime, open_runtime
from assist.settings import Settings
from ingest.connectors import AccountsConnector, DocsConnector, TicketsConnector
from ingest.pipeline import ingest

ACCOUNTS = {"acme": "MARKER-ACME-7F3A", "globex": "MARKER-GLOBEX-19C2", "initech": "MARKER-INITECH-55D0"}


def build_kb(root: Path, embedder: object) -> Path:
    data = root / "kb"
    tickets = root / "tickets.jsonl"
    rows = []
    for account, marker in ACCOUNTS.items():
        # Near-identical tickets per account; only the marker differs.
        rows.append(
            {
                "id": f"{account}-1",
                "subject": "CSV export times out on large reports",
                "body": f"Exporting the revenue report to CSV times out after 60 seconds. Ref {marker}.",
                "answer": f"Use the asynchronous export API for reports over 100k rows; ref {marker}.",
                "account_id": account,
                "queue": "Reporting",
                "priority": "high",
                "type": "Incident",
            }
        )
    rows.append(
        {
            "id": "private-1",
            "subject": "CSV export times out",
            "body": "MARKER-NOBODY-0000 export",
            "answer": "MARKER-NOBODY-0000 fix",
        }
    )  # no account: visible to no one
    tickets.write_text("".join(json.dumps(r) + "\n" for r in rows))
    docs = root / "docs"
    docs.mkdir()
    (docs / "exports.md").write_text(
        "# Exporting reports\n\nLarge reports should be exported with the asynchronous export API. "
        "The CSV export in the browser stops after 60 seconds for reports over 100,000 rows.\n\n"
        "## Scheduling\n\nSchedule a recurring export from Settings, then download it from the Exports page.\n"
    )
    (docs / "sso.md").write_text(
        "# Single sign-on\n\nIf users loop on the login page after enabling SAML, check the clock skew of the "
        "identity provider; more than five minutes of skew makes assertions expire.\n"
    )
    accounts = root / "accounts.json"
    accounts.write_text(
        json.dumps(
            [
                {"id": "acme", "name": "Acme", "plan": "enterprise", "products": ["reporting"]},
                {"id": "globex", "name": "Globex", "plan": "smb"},
            ]
        )
    )
    for connector in (TicketsConnector(tickets), DocsConnector(docs), AccountsConnector(accounts)):
        ingest(connector, data, embedder, progress=False)  # type: ignore[arg-type]
    return data


@dataclass
class Env:
    client: TestClient
    runtime: Runtime
    data: Path
    keys: dict[str, str]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("api")
    data = build_kb(root, embedder)
    settings = Settings(data_dir=data, demo_kb=False)
    runtime = open_runtime(settings, embedder=embedder)  # type: ignore[arg-type]  # the session's loaded model
    now = datetime.now(UTC)
    keys = {
        "admin": runtime.db.keys.create("admin", "admin", None, now)[0],
        "agent": runtime.db.keys.create("agent", "agent", None, now)[0],
        **{a: runtime.db.keys.create(a, "agent", a, now)[0] for a in ACCOUNTS},
    }
    with TestClient(create_app(settings, runtime)) as client:
        yield Env(client, runtime, data, keys)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
