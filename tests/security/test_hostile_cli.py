"""Hostile files at the CLI: a bad line or file is reported with its location and skipped, the rest goes in; a
wrong path exits 2 naming it; nothing outside the given folder is read; no traceback, no crash at exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).resolve().parents[2]
ENV = {"ASSIST_DEMO_KB": "false", "ASSIST_TORCH_THREADS": "1"}
runner = CliRunner()


def _ingest(tmp_path: Path, *args: str) -> object:
    return runner.invoke(app, ["ingest", *args, "--data-dir", str(tmp_path / "data"), "--json"], env=ENV)


def test_bad_lines_are_skipped_and_the_good_rows_go_in(tmp_path: Path) -> None:
    rows = tmp_path / "t.jsonl"
    good = [json.dumps({"id": f"G{i}", "body": f"good row {i}", "answer": "fine"}) for i in range(2)]
    rows.write_text("\n".join([good[0], '{"id": "B1", "body": "\\udc00"}', "[" * 5000 + "]" * 5000, good[1]]) + "\n")
    r = _ingest(tmp_path, "tickets", str(rows))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    out = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert out["written"] == 2
    assert {s["location"] for s in out["skipped"]} == {"B1", "t.jsonl:3"}


def test_undecodable_account_files_are_reported_not_a_traceback(tmp_path: Path) -> None:
    latin = tmp_path / "accounts.csv"
    latin.write_bytes("id,name\nacme,Café\n".encode("latin-1"))
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    for path in (latin, binary):
        r = _ingest(tmp_path, "accounts", str(path))
        assert r.exit_code == 0 and "Traceback" not in r.output, r.output  # type: ignore[attr-defined]
        assert "not UTF-8" in json.loads(r.stdout)["skipped"][0]["reason"]  # type: ignore[attr-defined]


def test_a_wrong_path_exits_2_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    afile = tmp_path / "t.jsonl"
    afile.write_text("")
    for args in (("tickets", str(tmp_path / "missing.jsonl")), ("tickets", str(folder)), ("docs", str(afile))):
        r = _ingest(tmp_path, *args)
        assert r.exit_code == 2 and args[1] in r.stderr, (args, r.output)  # type: ignore[attr-defined]


def test_docs_never_read_outside_the_folder_nor_binary_files(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("SECRET-FROM-OUTSIDE host configuration")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "link.txt").symlink_to(outside)
    (docs / "random.txt").write_bytes(os.urandom(4096))
    (docs / "guide.md").write_text("# Exports\n\nSchedule a recurring export from Settings.\n")
    r = _ingest(tmp_path, "docs", str(docs))
    out = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert out["written"] == 1
    assert {s["location"] for s in out["skipped"]} == {"link.txt", "random.txt"}
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert b"SECRET-FROM-OUTSIDE" not in stored


def test_ask_leaves_no_thread_behind_and_exits_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = tmp_path / "t.jsonl"
    labels = ["Billing", "Exports", "SSO"]
    rows.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"R{i}",
                    "body": f"{labels[i % 3]} problem number {i}",
                    "answer": "a fix",
                    "queue": labels[i % 3],
                    "account_id": "acme",
                }
            )
            + "\n"
            for i in range(60)
        )
    )  # enough past tickets that a service would fit its routing model
    assert _ingest(tmp_path, "tickets", str(rows)).exit_code == 0  # type: ignore[attr-defined]
    before = {t.name for t in threading.enumerate()}
    r = runner.invoke(
        app, ["ask", "Exports problem", "--account", "acme", "--data-dir", str(tmp_path / "data")], env=ENV
    )
    assert r.exit_code == 0, r.output
    assert {t.name for t in threading.enumerate()} - before == set()  # no fit left running at exit
    # And as a script runs it: a process of its own that must exit 0 every time.
    env = {**os.environ, **ENV}
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", "ask", "Billing problem", "--data-dir", str(tmp_path / "data"), "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout)["decision"]["tier"]
