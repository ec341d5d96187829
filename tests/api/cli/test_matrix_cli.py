"""The `assist matrix` commands, driven as a user would (real entry point, real files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_help_explains_every_command() -> None:
    code, out, _ = _run("matrix", "--help")
    assert code == 0
    for command in ("evaluate", "lint", "show", "export", "import", "replay"):
        assert command in out


def test_evaluate_prints_the_decision(tmp_path: Path) -> None:
    code, out, _ = _run(
        "matrix",
        "evaluate",
        "--facts",
        str(ROOT / "examples/facts_enterprise_outage.json"),
        "--now",
        "2026-03-02T09:20:00Z",
    )
    assert code == 0
    decision = json.loads(out)
    assert decision["tier"] == "T2" and decision["rule_id"] == "enterprise_downtime"
    assert decision["trace"] and decision["matrix_version"].startswith("sha256:")


def test_evaluate_bad_facts_exit_2_naming_the_field() -> None:
    code, out, err = _run(
        "matrix",
        "evaluate",
        "--facts",
        "-",
        "--now",
        "2026-03-02T09:20:00Z",
        stdin='{"severity": "S1", "kb_confidence": 7}',
    )
    assert code == 2 and out == ""
    assert "kb_confidence" in err and "must be <= 1" in err


def test_evaluate_unreadable_json_exit_2() -> None:
    code, _, err = _run("matrix", "evaluate", "--facts", "-", stdin="{not json")
    assert code == 2 and "not valid JSON (line 1" in err


def test_broken_matrix_names_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text((ROOT / "matrix/default_matrix.yaml").read_text().replace("entry_tier: T2", "entry_tier: T7"))
    code, _, err = _run("matrix", "lint", str(bad))
    assert code == 2
    assert "severities.0.entry_tier" in err and "line " in err and "unknown tier 'T7'" in err


def test_lint_default_is_clean_and_json() -> None:
    code, out, _ = _run("matrix", "lint", "--today", "2026-11-27", "--strict", "--json")
    assert code == 0
    assert all(f["level"] == "info" for f in json.loads(out)["findings"])


def test_lint_overdue_review_fails_under_strict() -> None:
    code, out, _ = _run("matrix", "lint", "--today", "2027-06-01", "--strict")
    assert code == 1 and "review_overdue" in out


def test_show_prints_tables() -> None:
    result = runner.invoke(app, ["matrix", "show"], env={"COLUMNS": "250"})
    code, out = result.exit_code, result.stdout
    assert code == 0 and "Triggers (first match decides)" in out and "security_incident" in out


def test_export_import_round_trip(tmp_path: Path) -> None:
    assert _run("matrix", "export", "--out", str(tmp_path / "m.xlsx"))[0] == 0
    assert _run("matrix", "export", "--out", str(tmp_path / "csv"))[0] == 0
    for source in ("m.xlsx", "csv"):
        out_yaml = tmp_path / f"{source}.yaml"
        code, out, _ = _run("matrix", "import", str(tmp_path / source), "--out", str(out_yaml))
        assert code == 0
        code, lint_out, _ = _run("matrix", "lint", str(out_yaml), "--today", "2026-11-27")
        assert code == 0
        # Same policy, same version as the shipped matrix.
        assert lint_out.split("(")[1].split(")")[0] == out.split("(")[1].split(")")[0]


def test_replay_command(tmp_path: Path) -> None:
    proposed = tmp_path / "p.yaml"
    proposed.write_text(
        (ROOT / "matrix/default_matrix.yaml")
        .read_text()
        .replace("billing_dispute_amount >= 5000", "billing_dispute_amount >= 10000")
    )
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        "\n".join(
            json.dumps(c)
            for c in [
                {"id": "a", "facts": {"billing_dispute_amount": 7000}, "now": "2026-03-02T14:00:00Z"},
                {"id": "b", "facts": {"billing_dispute_amount": 70000}, "now": "2026-03-02T14:00:00Z"},
            ]
        )
    )
    code, out, _ = _run("matrix", "replay", "--cases", str(cases), "--proposed", str(proposed), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["n_changed"] == 1 and result["changes"][0]["id"] == "a"


def test_console_script_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", "matrix", "evaluate", "--facts", "-", "--now", "2026-03-02T09:20:00Z"],
        input='{"signals": ["data_loss"]}',
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["tier"] == "T3"
