"""Ingestion into real Chroma (temp dir) with the real model: idempotent, edit-replacing, deleting, redacting,
one writer at a time, and safe against kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.connectors import AccountsConnector, DocsConnector, SlackConnector, TicketsConnector, ZendeskConnector
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import delete, ingest
from ingest.registry import Registry, WriterBusy, writer_lock
from ingest.store import KnowledgeStore, scope_name

from . import fixtures

ROOT = Path(__file__).resolve().parents[2]


def _all_inputs(tmp: Path) -> list:
    return [
        DocsConnector(fixtures.make_docs(tmp / "docs")),
        TicketsConnector(fixtures.make_tickets_jsonl(tmp / "t.jsonl")),
        TicketsConnector(fixtures.make_tickets_csv(tmp / "t.csv")),
        ZendeskConnector(fixtures.make_zendesk(tmp / "z.json")),
        SlackConnector(fixtures.make_slack(tmp / "slack")),
        AccountsConnector(fixtures.make_accounts(tmp / "a.json")),
    ]


def test_ingest_everything_then_reingest_changes_nothing(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"
    first = [ingest(c, data, embedder, progress=False) for c in _all_inputs(tmp_path / "in")]
    store = KnowledgeStore.open(data, embedder)
    count = store.count()
    assert count == sum(s.chunks for s in first) > 0
    assert [len(s.failures) for s in first] == [1, 3, 1, 2, 2, 2]
    again = [ingest(c, data, embedder, progress=False) for c in _all_inputs(tmp_path / "in2")]
    assert store.count() == count
    assert sum(s.chunks for s in again) == 0 and sum(s.unchanged for s in again) == sum(s.items for s in first)

    # Every chunk has an access marking; answers come back by meaning.
    metas = [m for page in store.pages(include=["metadatas"]) for m in page["metadatas"]]
    assert len(metas) == count
    assert all(m["account"] and m["visibility"] in ("public", "internal") for m in metas)
    # Each access scope is its own collection: every chunk sits in the one of its account.
    for col in store.scopes():
        accounts = {m["account"] for m in col.get(include=["metadatas"])["metadatas"]}
        assert len(accounts) == 1 and col.name == scope_name(accounts.pop())
    hits = store.query(embedder.embed(["how do I reset multi-factor auth for an admin"])[0], None, 1)
    assert hits[0].metadata["source_id"] == "support/1704100000.000100"

    registry = Registry(data)
    assert registry.account("globex").sla_overrides == (("S2.reply", "30m"),)
    stats = registry.item_stats()
    assert stats["per_source"]["tickets"]["items"] == 6 and "acme" in stats["per_account"]
    registry.close()


def test_edit_replaces_chunks_and_delete_removes_them(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"
    path = tmp_path / "t.jsonl"
    long_answer = "Use the export API for large reports. " * 120
    path.write_text(
        json.dumps({"id": "T-1", "subject": "Export", "body": "fails", "answer": long_answer, "account_id": "acme"})
        + "\n"
    )
    s1 = ingest(TicketsConnector(path), data, embedder, progress=False)
    assert s1.chunks > 3
    path.write_text(
        json.dumps(
            {"id": "T-1", "subject": "Export", "body": "fails", "answer": "Short fix now.", "account_id": "acme"}
        )
        + "\n"
    )
    s2 = ingest(TicketsConnector(path), data, embedder, progress=False)
    assert s2.chunks == 1 and s2.stale_chunks_deleted == s1.chunks - 1
    store = KnowledgeStore.open(data, embedder)
    docs = [d for page in store.pages(include=["documents"]) for d in page["documents"]]
    assert len(docs) == 1 and "Short fix now." in docs[0]
    assert delete(data, "tickets", "T-1", embedder) == 1
    assert store.count() == 0


def test_no_raw_secret_anywhere_in_the_data_dir(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"
    for c in _all_inputs(tmp_path / "in"):
        ingest(c, data, embedder, progress=False)
    blobs = [p.read_bytes() for p in data.rglob("*") if p.is_file()]
    assert blobs
    for name, secret in fixtures.SECRETS.items():
        for variant in {secret, secret.replace(" ", "")}:
            assert not any(variant.encode() in b for b in blobs), f"{name} found in the data dir"


def test_second_writer_fails_at_once(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"
    with writer_lock(data):
        started = time.monotonic()
        with pytest.raises(WriterBusy, match="is being written by pid"):
            ingest(DocsConnector(fixtures.make_docs(tmp_path / "docs")), data, embedder, progress=False)
        assert time.monotonic() - started < 5


def test_kill_9_mid_ingest_then_resume_has_no_duplicates(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "kb"
    path = tmp_path / "many.jsonl"
    n = 600
    path.write_text(
        "".join(
            json.dumps(
                {"id": f"K-{i}", "subject": f"Problem {i}", "body": f"detail {i}", "answer": f"fix {i}", "public": True}
            )
            + "\n"
            for i in range(n)
        )
    )
    script = (
        "import sys; from pathlib import Path; from ingest.pipeline import ingest; "
        "from ingest.connectors import TicketsConnector; from ingest.embed import MiniLMEmbedder; "
        f"ingest(TicketsConnector({str(path)!r}), Path({str(data)!r}), MiniLMEmbedder(threads=1), "
        "batch_chunks=20, progress=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.monotonic() + 120
    position = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if (data / "registry.sqlite3").exists():
            reg = Registry(data)
            cp = reg.checkpoint("tickets", str(path.resolve()))
            reg.close()
            position = cp.position if cp else 0
            if position >= 100:
                break
        threading.Event().wait(0.05)  # polling a subprocess for progress, not waiting for time to pass
    assert proc.poll() is None, "the ingest finished before it could be killed; make the input bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 100 <= position < n

    store = KnowledgeStore.open(data, embedder)  # opens and answers after the crash
    assert store.count() >= position
    assert store.query(embedder.embed(["Problem 7"])[0], None, 1)

    resumed = ingest(TicketsConnector(path), data, embedder, progress=False)
    assert resumed.resumed_from >= position
    assert store.count() == n
    assert len({i for page in store.pages() for i in page["ids"]}) == n
