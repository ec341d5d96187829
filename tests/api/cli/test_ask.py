"""`assist ask`: the same body as POST /v1/assist with --json, and a readable answer without it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from assist.runtime import open_runtime
from assist.settings import Settings
from tests.api.conftest import auth, build_kb

runner = CliRunner()
TEXT = "The revenue report export to CSV times out after 60 seconds. How do we export it?"
NOW = "2026-03-02T14:00:00Z"


def test_ask_json_equals_the_api_body(tmp_path: Path, embedder: object) -> None:
    data = build_kb(tmp_path, embedder)
    env = {"ASSIST_DEMO_KB": "false", "ASSIST_TORCH_THREADS": "1"}
    r = runner.invoke(
        cli_app, ["ask", TEXT, "--account", "acme", "--now", NOW, "--data-dir", str(data), "--json"], env=env
    )
    assert r.exit_code == 0, r.output
    cli_body = json.loads(r.stdout)

    settings = Settings(data_dir=data, demo_kb=False)
    runtime = open_runtime(settings, embedder=embedder)  # type: ignore[arg-type]
    key = runtime.db.keys.create("t", "agent", None, datetime.now(UTC))[0]
    with TestClient(create_app(settings, runtime)) as client:
        api_body = client.post(
            "/v1/assist", headers=auth(key), json={"body": TEXT, "account_id": "acme", "now": NOW}
        ).json()
    assert cli_body == api_body

    r = runner.invoke(cli_app, ["ask", TEXT, "--account", "acme", "--now", NOW, "--data-dir", str(data)], env=env)
    assert r.exit_code == 0
    assert "Answer (extractive" in r.stdout and "Decision:" in r.stdout and "why:" in r.stdout
    assert "tickets:acme-1" in r.stdout or "docs:exports.md" in r.stdout
    # Each fact says how sure it is; the defaults the matrix assumed are named for the agent to check.
    assert "% sure)" in r.stdout
    for detail in cli_body["assumed"]:
        assert detail in r.stdout


def test_ask_bad_facts_exit_2(tmp_path: Path) -> None:
    facts = tmp_path / "f.json"
    facts.write_text('{"severity": "S0"}')
    r = runner.invoke(
        cli_app,
        ["ask", "hello", "--facts", str(facts), "--data-dir", str(tmp_path / "d")],
        env={"ASSIST_DEMO_KB": "false"},
    )
    assert r.exit_code == 2 and "severity" in r.stderr
