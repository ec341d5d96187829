"""A running service wired to a loopback Zendesk: real Chroma, the real model, SQLite, a real HTTP hop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assist.helpdesk.zendesk import sign
from assist.runtime import Runtime, open_runtime
from assist.settings import Settings
from ingest.connectors import AccountsConnector
from ingest.pipeline import ingest
from matrix.facts import format_datetime
from tests.api.conftest import build_kb
from tests.helpdesk.zendesk_server import EMAIL, FIXTURES, TOKEN, ZendeskServer

SECRET = "whsec-test-5b1d0e"
ORGS = {"acme": "509974", "globex": "509975"}  # Zendesk organization -> account


@dataclass
class Desk:
    client: TestClient
    runtime: Runtime
    zendesk: ZendeskServer
    keys: dict[str, str]

    def post_event(
        self, event: dict[str, Any], at: datetime | None = None, secret: str = SECRET, **headers: str
    ) -> Any:
        body = json.dumps(event).encode()
        stamp = format_datetime(at or datetime.now(UTC)) or ""
        signed = {
            "X-Zendesk-Webhook-Signature": sign(secret, stamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "Content-Type": "application/json",
            **headers,
        }
        return self.client.post("/v1/integrations/zendesk/webhook", content=body, headers=signed)


def fixture_event(name: str, **detail: Any) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    event["detail"].update(detail)
    return event


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[Desk]:
    root = tmp_path_factory.mktemp("desk")
    data = build_kb(root, embedder)
    orgs = root / "orgs.csv"
    orgs.write_text(
        "id,name,plan,products,zendesk_organization_id\n"
        f"acme,Acme,enterprise,reporting,{ORGS['acme']}\nglobex,Globex,smb,,{ORGS['globex']}\n"
    )
    ingest(AccountsConnector(orgs), data, embedder, progress=False)  # type: ignore[arg-type]
    zendesk = ZendeskServer()
    settings = Settings(
        data_dir=data,
        demo_kb=False,
        zendesk_webhook_secret=SECRET,  # type: ignore[arg-type]
        zendesk_url=zendesk.url,
        zendesk_email=EMAIL,
        zendesk_api_token=TOKEN,  # type: ignore[arg-type]
    )
    runtime = open_runtime(settings, embedder=embedder)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    keys = {
        "agent": runtime.db.keys.create("agent", "agent", None, now)[0],
        "admin": runtime.db.keys.create("admin", "admin", None, now)[0],
        **{a: runtime.db.keys.create(a, "agent", a, now)[0] for a in ("acme", "globex")},
    }
    with TestClient(create_app(settings, runtime)) as client:
        yield Desk(client, runtime, zendesk, keys)
    zendesk.close()


def rows(desk: Desk, sql: str, **params: Any) -> list[Any]:
    from sqlalchemy import text

    with desk.runtime.db.engine.connect() as con:
        return list(con.execute(text(sql), params).all())
