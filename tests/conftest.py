"""Shared test setup. Tests never reach the network: every socket except loopback is refused."""

from __future__ import annotations

import socket

import pytest

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (
        host in ("localhost", "::1") or host.startswith("127.") or self.family == socket.AF_UNIX
    ):
        return _real_connect(self, address)  # type: ignore[arg-type]
    raise OSError(f"tests may not open network connections (tried {address!r})")


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> object:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def embedder() -> object:
    """The real packaged model, loaded once per test session (shared by every package's tests)."""
    import os

    from ingest.embed import MiniLMEmbedder

    os.environ["HF_HUB_OFFLINE"] = "1"
    e = MiniLMEmbedder(threads=1)
    e.warm_up()
    return e


def require_service(name: str, available: bool, how: str) -> None:
    """Tests that need PostgreSQL or Chromium: in CI a missing service is a failure; on a developer machine
    without it the test is reported as skipped with the way to get it (the README's set-up lists both)."""
    import os

    if available:
        return
    message = f"{name} is not available: {how}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url() -> object:
    """A URL of real PostgreSQL in a schema of its own, dropped after the test."""
    import secrets

    from sqlalchemy import create_engine, text

    require_service("PostgreSQL on 127.0.0.1:5432", postgres_available(), "start it (see .ci/run)")
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(PG)
    with admin.begin() as con:
        con.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as con:
            con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
