"""The scale-out store: a real Chroma server (`chroma run`) on loopback, reached through HttpClient."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.connectors import DocsConnector, TicketsConnector
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import delete, ingest
from ingest.store import KnowledgeStore

from . import fixtures


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert proc.poll() is None, "chroma run exited"
            threading.Event().wait(0.2)  # polling for the server to start, not waiting for time to pass
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def test_ingest_and_query_through_a_chroma_server(tmp_path: Path, chroma_url: str, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"  # registry and lock stay local; vectors live on the server
    s = ingest(DocsConnector(fixtures.make_docs(tmp_path / "docs")), data, embedder, chroma_url, progress=False)
    t = ingest(
        TicketsConnector(fixtures.make_tickets_jsonl(tmp_path / "t.jsonl")), data, embedder, chroma_url, progress=False
    )
    store = KnowledgeStore.open(data, embedder, chroma_url)
    assert store.count() == s.chunks + t.chunks
    assert not (data / "chroma").exists(), "nothing was written to an embedded store"
    hit = store.query(embedder.embed(["CSV export row limit"])[0], None, 1)
    assert hit[0].metadata["source_id"] in ("export.html", "T-1")
    again = ingest(DocsConnector(tmp_path / "docs"), data, embedder, chroma_url, progress=False)
    assert again.chunks == 0 and store.count() == s.chunks + t.chunks
    assert delete(data, "docs", None, embedder, chroma_url) == s.chunks
    assert store.count() == t.chunks
