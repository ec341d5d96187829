"""The same refusals on PostgreSQL, which rejects NUL characters in text outright: 422 naming the field, never a
500, and nothing written (a resolution used to be indexed before the database refused it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assist.runtime import open_runtime
from assist.settings import Settings
from tests.api.conftest import auth

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_client(tmp_path: Path, embedder: object, pg_url: str) -> Iterator[tuple[TestClient, str]]:
    settings = Settings(data_dir=tmp_path / "data", demo_kb=False, database_url=pg_url)
    runtime = open_runtime(settings, embedder=embedder)  # type: ignore[arg-type]
    key = runtime.db.keys.create("t", "agent", "acme", datetime.now(UTC))[0]
    with TestClient(create_app(settings, runtime)) as client:
        yield client, key


def test_nul_characters_are_refused_before_postgres_sees_them(pg_client: tuple[TestClient, str]) -> None:
    client, key = pg_client
    r = client.post("/v1/assist", json={"body": "help", "ticket_id": "T\x00-1"}, headers=auth(key))
    assert r.status_code == 422 and r.json()["error"]["field"] == "ticket_id"
    r = client.post("/v1/tickets/PG-1/resolution", json={"resolution": "fix\x00it"}, headers=auth(key))
    assert r.status_code == 422 and r.json()["error"]["field"] == "resolution"
    r = client.post("/v1/tickets", json={"ticket_id": "PG\x00", "facts": {}}, headers=auth(key))
    assert r.status_code == 422
    assert client.get("/v1/tickets/PG%00/timeline", headers=auth(key)).status_code == 422
    assert client.get("/v1/decisions", headers=auth(key)).json() == []
    assert client.get("/healthz").json()["chunks"] == 0  # the refused resolution was not indexed either
