"""`assist ingest` and `assist kb`, end to end on a temp data dir with the real model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from ingest.registry import writer_lock
from tests.ingest import fixtures

runner = CliRunner()


def test_ingest_stats_delete(tmp_path: Path) -> None:
    data = str(tmp_path / "kb")
    docs = fixtures.make_docs(tmp_path / "docs")
    r = runner.invoke(app, ["ingest", "docs", str(docs), "--data-dir", data, "--json", "--threads", "1"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["items"] == 3 and summary["skipped"] == [{"location": "empty.md", "reason": "no text"}]
    assert summary["redactions"] == {"private_key": 1}

    r = runner.invoke(
        app,
        [
            "ingest",
            "tickets",
            str(fixtures.make_tickets_jsonl(tmp_path / "t.jsonl")),
            "--data-dir",
            data,
            "--threads",
            "1",
        ],
    )
    assert r.exit_code == 0 and "tickets: 4 items (4 written, 0 unchanged)" in r.stdout
    assert "skipped t.jsonl:3: not valid JSON" in r.stdout

    stats = json.loads(runner.invoke(app, ["kb", "stats", "--data-dir", data, "--json"]).stdout)
    assert stats["per_source"]["docs"]["items"] == 3 and stats["per_account"]["acme"]["items"] == 1
    assert stats["chunks_in_store"] == sum(v["chunks"] for v in stats["per_source"].values())

    r = runner.invoke(app, ["kb", "delete", "--source", "docs", "--data-dir", data])
    assert r.exit_code == 0 and r.stdout.startswith("deleted ")
    stats = json.loads(runner.invoke(app, ["kb", "stats", "--data-dir", data, "--json"]).stdout)
    assert "docs" not in stats["per_source"]


def test_busy_data_dir_exits_3(tmp_path: Path) -> None:
    data = tmp_path / "kb"
    with writer_lock(data):
        r = runner.invoke(app, ["ingest", "docs", str(fixtures.make_docs(tmp_path / "d")), "--data-dir", str(data)])
    assert r.exit_code == 3 and "is being written by" in r.stderr


def test_stats_without_a_knowledge_base(tmp_path: Path) -> None:
    r = runner.invoke(app, ["kb", "stats", "--data-dir", str(tmp_path / "none")])
    assert r.exit_code == 2 and "--data-dir: no knowledge base" in r.stderr
