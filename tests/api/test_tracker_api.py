"""Tracker routes: register, change, timeline, report — scoped by account like everything else."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app as cli_app

from .conftest import Env, auth


def test_register_change_timeline_report(env: Env) -> None:
    h = auth(env.keys["acme"])
    r = env.client.post(
        "/v1/tickets",
        headers=h,
        json={
            "ticket_id": "TR-1",
            "facts": {"severity": "S2", "customer_tier": "enterprise", "issue_type": "bug"},
            "now": "2026-03-02T10:00:00Z",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["tier"] == "T1" and r.json()["next_check_at"] == "2026-03-02T10:30:00Z"
    assert env.client.post("/v1/tickets", headers=h, json={"ticket_id": "TR-1"}).status_code == 409
    r = env.client.patch(
        "/v1/tickets/TR-1", headers=h, json={"facts": {"status": "pending"}, "now": "2026-03-02T10:10:00Z"}
    )
    assert r.status_code == 200 and r.json()["sla"]["paused"] is True and r.json()["next_check_at"] is None
    r = env.client.patch(
        "/v1/tickets/TR-1", headers=h, json={"facts": {"status": "open"}, "now": "2026-03-02T11:10:00Z"}
    )
    assert r.json()["next_escalation_at"] == "2026-03-02T11:30:00Z"

    # The sweeper, as an operator runs it, escalates at the window's end.
    result = CliRunner().invoke(
        cli_app,
        ["clock", "tick", "--now", "2026-03-02T11:30:00Z", "--data-dir", str(env.data)],
        env={"ASSIST_DEMO_KB": "false"},
    )
    assert result.exit_code == 0, result.output
    assert "escalated 1" in result.stdout

    timeline = env.client.get("/v1/tickets/TR-1/timeline", headers=h).json()
    kinds = [e["kind"] for e in timeline if e["kind"] != "evaluation"]
    assert kinds[:2] == ["registered", "routed"] and "pause" in kinds and "resume" in kinds
    assert kinds[-1] == "escalation"
    assert next(e for e in timeline if e["kind"] == "escalation")["rule_id"] == "time:T1"
    report = env.client.get("/v1/reports/escalations", headers=h).json()
    assert report["escalations"]["tier"] == {"T2": 1} and report["tickets"] == 1


def test_tracker_is_scoped_and_validates(env: Env) -> None:
    env.client.post("/v1/tickets", headers=auth(env.keys["globex"]), json={"ticket_id": "TG-1"})
    acme = auth(env.keys["acme"])
    assert env.client.get("/v1/tickets/TG-1/timeline", headers=acme).status_code == 404
    assert env.client.patch("/v1/tickets/TG-1", headers=acme, json={"facts": {}}).status_code == 404
    r = env.client.patch("/v1/tickets/TG-1", headers=auth(env.keys["globex"]), json={"facts": {"severity": "S7"}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "facts.severity"
    r = env.client.post("/v1/tickets", headers=acme, json={"ticket_id": "TX", "now": "2026-03-02T10:00:00"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "now"


def test_a_matrix_put_reaches_the_clock_at_once(env: Env) -> None:
    """The stale-matrix bug: after PUT /v1/matrix the tracker kept deciding with the old matrix until a restart
    (tickets registered after the PUT recorded the old version; a cut T1 allowance escalated 26 minutes late)."""
    from matrix.loader import default_matrix_text

    h, admin = auth(env.keys["acme"]), auth(env.keys["admin"])
    facts = {"severity": "S2", "customer_tier": "enterprise", "issue_type": "bug"}
    r = env.client.post(
        "/v1/tickets", headers=h, json={"ticket_id": "PUT-1", "facts": facts, "now": "2026-04-01T10:00:00Z"}
    )
    assert r.json()["next_check_at"] == "2026-04-01T10:30:00Z"
    shipped = default_matrix_text()
    cut = shipped.replace(
        "enterprise: {S1: 15m, S2: 30m, S3: 2h, S4: 4h}", "enterprise: {S1: 15m, S2: 5m, S3: 2h, S4: 4h}"
    )
    new_version = env.client.put("/v1/matrix", headers=admin, json={"yaml": cut}).json()["version"]
    try:
        r = env.client.post(
            "/v1/tickets", headers=h, json={"ticket_id": "PUT-2", "facts": facts, "now": "2026-04-01T10:01:00Z"}
        )
        assert r.json()["matrix_version"] == new_version and r.json()["next_check_at"] == "2026-04-01T10:06:00Z"
        result = CliRunner().invoke(
            cli_app,
            ["clock", "tick", "--now", "2026-04-01T10:05:00Z", "--data-dir", str(env.data)],
            env={"ASSIST_DEMO_KB": "false"},
        )
        assert result.exit_code == 0, result.output
        # PUT-1 at its new five minutes (the earlier tests' tickets, re-evaluated under the new version, move too)
        esc = next(
            e for e in env.client.get("/v1/tickets/PUT-1/timeline", headers=h).json() if e["kind"] == "escalation"
        )
        assert esc["tier_entered_at"] == "2026-04-01T10:05:00Z"
    finally:
        env.client.put("/v1/matrix", headers=admin, json={"yaml": shipped})
