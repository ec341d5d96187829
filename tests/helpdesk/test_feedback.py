"""Agent feedback: account-bound, validated against the matrix in force, reported, and exported as a labelled set
that the eval harness runs (on a copy of the service's own knowledge)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assist.feedback import FeedbackStore
from evals.runner import run
from tests.api.conftest import auth
from tests.helpdesk.conftest import Desk, rows

TICKET = {"subject": "CSV export times out", "body": "Exporting the revenue report to CSV times out after 60 seconds."}


def _assist(desk: Desk, key: str, **extra: Any) -> dict[str, Any]:
    r = desk.client.post("/v1/assist", json={**TICKET, **extra}, headers=auth(desk.keys[key]))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _feedback(desk: Desk, key: str, decision_id: str, body: dict[str, Any]) -> Any:
    headers = {**auth(desk.keys[key]), "Content-Type": "application/json"}
    # json.dumps escapes a lone surrogate as \\udc00, as a hostile client would send it
    return desk.client.post(f"/v1/decisions/{decision_id}/feedback", content=json.dumps(body), headers=headers)


def test_feedback_is_account_bound_and_validated_before_anything_is_written(desk: Desk) -> None:
    decision = _assist(desk, "acme", ticket_id="FB-1")["decision_id"]
    count = lambda: rows(desk, "SELECT COUNT(*) FROM feedback")[0][0]  # noqa: E731
    before = count()
    assert _feedback(desk, "globex", decision, {"helpful": True}).status_code == 404  # another account's
    assert _feedback(desk, "acme", "0" * 32, {"helpful": True}).status_code == 404
    cases = [
        ({"helpful": False}, "reason"),
        ({"helpful": False, "reason": "bored"}, "reason"),
        ({"helpful": False, "reason": "wrong_tier", "corrected": {"tier": "T9"}}, "corrected.tier"),
        ({"helpful": False, "reason": "wrong_queue", "corrected": {"queue": "nowhere"}}, "corrected.queue"),
        (
            {"helpful": False, "reason": "missing_fact", "corrected": {"facts": {"severity": "S9"}}},
            "corrected.facts.severity",
        ),
        ({"helpful": False, "reason": "other", "corrected": {"facts": {"mood": "sad"}}}, "corrected.facts.mood"),
        ({"helpful": True, "answer_sent": "ok \udc00"}, "answer_sent"),
    ]
    for body, field in cases:
        r = _feedback(desk, "acme", decision, body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["field"] == field, r.json()
    assert count() == before
    r = _feedback(
        desk,
        "acme",
        decision,
        {"helpful": False, "reason": "wrong_tier", "corrected": {"tier": "T2", "facts": {"severity": "S2"}}},
    )
    assert r.status_code == 201, r.text
    assert r.json()["corrected"] == {"tier": "T2", "facts": {"severity": "S2"}}
    assert count() == before + 1


def test_the_report_shows_agreement_by_rule_tier_and_week_for_the_callers_account_only(desk: Desk) -> None:
    result = _assist(desk, "globex", ticket_id="FB-2")
    assert _feedback(desk, "globex", result["decision_id"], {"helpful": True}).status_code == 201
    report = desk.client.get("/v1/reports/feedback", headers=auth(desk.keys["globex"])).json()
    assert report["n"] == 1 and report["helpful_rate"] == 1.0 and report["tier_agreement"] == 1.0
    assert list(report["by_rule"]) == [result["decision"]["rule_id"]]
    assert list(report["by_tier"]) == [result["decision"]["tier"]]
    assert len(report["by_week"]) == 1
    everyone = desk.client.get("/v1/reports/feedback", headers=auth(desk.keys["agent"])).json()
    assert everyone["n"] >= 2 and everyone["reasons"].get("wrong_tier", 0) >= 1


def test_feedback_exports_as_a_set_the_eval_harness_runs(desk: Desk, tmp_path: Path) -> None:
    secret = "token ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    result = _assist(desk, "acme", ticket_id="FB-3", body=TICKET["body"] + f" Our {secret} leaked.")
    body = {"helpful": False, "reason": "wrong_tier", "corrected": {"tier": "T3"}, "answer_sent": "We fixed it."}
    assert _feedback(desk, "acme", result["decision_id"], body).status_code == 201
    db = desk.runtime.db
    set_dir = tmp_path / "feedback-set"
    n = FeedbackStore(db.engine, db.log, db.policy).export(set_dir)
    cases = [json.loads(line) for line in (set_dir / "cases.jsonl").read_text().splitlines()]
    assert n == len(cases) >= 3
    mine = next(c for c in cases if c["decision_id"] == result["decision_id"])
    assert mine["labels"]["tier"] == "T3" and mine["labels"]["reference_answer"] == "We fixed it."
    assert mine["account_id"] == "acme" and "ghp_" not in mine["body"]  # stored redacted, exported redacted
    assert "CSV" in mine["body"]
    report = run(set_dir, tmp_path / "run", progress=False, knowledge=desk.runtime.settings.data_dir)
    assert report["n_cases"] == n
    assert report["escalation"]["tier_accuracy"] is not None  # the agents' tiers are scored
    assert report["escalation"]["cross_account_citations"]["n"] == 0


@pytest.mark.parametrize("since", ["2999-01-01T00:00:00Z"])
def test_export_since_a_time_keeps_only_later_feedback(desk: Desk, tmp_path: Path, since: str) -> None:
    from matrix.facts import parse_datetime

    db = desk.runtime.db
    assert FeedbackStore(db.engine, db.log, db.policy).export(tmp_path, parse_datetime("since", since)) == 0


def test_corrections_and_verdicts_reach_what_the_models_learn_from(desk: Desk) -> None:
    fb = desk.runtime.db.feedback
    routed, verdicts = fb.routing_count(), len(fb.verdicts())
    result = _assist(desk, "acme", ticket_id="FB-4")
    body = {"helpful": False, "reason": "wrong_queue", "corrected": {"routing": {"queue": "Integrations"}}}
    assert _feedback(desk, "acme", result["decision_id"], body).status_code == 201
    assert fb.routing_count() == routed + 1
    text, labels = fb.routing_examples()[-1]
    assert labels == {"queue": "Integrations"} and "CSV" in text
    bad = {"helpful": False, "reason": "wrong_queue", "corrected": {"routing": {"team": "x"}}}
    assert _feedback(desk, "acme", result["decision_id"], bad).status_code == 422
    # A verdict on the answer (helpful, or wrong/outdated answer) is a calibration example; a wrong queue is not.
    assert len(fb.verdicts()) == verdicts
    assert _feedback(desk, "acme", result["decision_id"], {"helpful": True}).status_code == 201
    assert len(fb.verdicts()) == verdicts + (1 if result["citations"] else 0)
    if result["citations"]:  # the verdict is read against the calibration its answer's kind of knowledge had
        kind = "past_ticket" if result["citations"][0]["source"] in ("tickets", "zendesk", "resolutions") else "docs"
        assert kind in {v[2] for v in fb.verdicts()}


def test_facts_an_agent_corrected_are_reused_on_a_ticket_that_says_the_same(desk: Desk) -> None:
    ticket = {
        "subject": "Usage numbers on the October invoice",
        "body": "The usage numbers on our October invoice look different from our own counts. Can you check?",
    }
    headers = auth(desk.keys["acme"])
    first = desk.client.post("/v1/assist", json={**ticket, "ticket_id": "FB-7"}, headers=headers).json()
    assert first["facts"].get("severity", {}).get("value") != "S2"
    corrected = {"facts": {"severity": "S2", "issue_type": "data_integrity"}}
    body = {"helpful": False, "reason": "missing_fact", "corrected": corrected}
    assert _feedback(desk, "acme", first["decision_id"], body).status_code == 201
    # The same problem told again, in nearly the same words, by another ticket: the agent's facts, saying so.
    again = {**ticket, "body": ticket["body"].replace("Can you check?", "Could you check please?")}
    second = desk.client.post("/v1/assist", json={**again, "ticket_id": "FB-8"}, headers=headers).json()
    facts = second["facts"]
    assert facts["severity"]["value"] == "S2" and facts["issue_type"]["value"] == "data_integrity"
    assert "agent's correction" in facts["severity"]["source"]
    # Another account's ticket in the same words learns nothing of it.
    theirs = desk.client.post("/v1/assist", json={**again, "ticket_id": "FB-8"}, headers=auth(desk.keys["globex"]))
    assert "agent" not in json.dumps(theirs.json()["facts"])
    # Another problem keeps the facts its own words give.
    other = {"subject": "Invite a colleague", "body": "How do I invite a colleague to our workspace?"}
    third = desk.client.post("/v1/assist", json={**other, "ticket_id": "FB-9"}, headers=headers).json()
    assert third["facts"].get("severity", {}).get("value") != "S2" and "agent" not in json.dumps(third["facts"])
