"""The HTTP API: auth and account scoping, one error format, the main routes, metrics, OpenAPI."""

from __future__ import annotations

from typing import Any

from .conftest import ACCOUNTS, Env, auth

TICKET = {
    "ticket_id": "Z-1",
    "subject": "CSV export keeps timing out",
    "body": "Our revenue report export to CSV times out after a minute. How do we export it?",
}


def test_requires_a_key(env: Env) -> None:
    r = env.client.post("/v1/assist", json=TICKET)
    assert r.status_code == 401
    assert r.json() == {
        "error": {
            "code": "unauthorized",
            "field": None,
            "message": "an API key is required (Authorization: Bearer <key>)",
        }
    }
    assert env.client.post("/v1/assist", json=TICKET, headers=auth("ea_wrong")).status_code == 401


def test_assist_answers_with_citations_and_decides(env: Env) -> None:
    r = env.client.post("/v1/assist", json={**TICKET, "account_id": "acme"}, headers=auth(env.keys["agent"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answer"]["mode"] == "extractive" and body["answer"]["text"]
    cited = {c["source_id"] for c in body["citations"]}
    assert cited & {"exports.md", "acme-1"}
    assert body["facts"]["customer_tier"] == {"value": "enterprise", "source": "account acme plan", "confidence": 1.0}
    assert body["routing"]["queue"]["value"] == "Reporting"
    assert body["decision"]["matrix_version"].startswith("sha256:")
    assert 0 <= body["confidence"] <= 1 and body["decision_id"]


def test_explicit_facts_win_and_bad_facts_name_the_field(env: Env) -> None:
    r = env.client.post(
        "/v1/assist",
        json={**TICKET, "facts": {"issue_type": "outage", "severity": "S1"}},
        headers=auth(env.keys["agent"]),
    )
    body = r.json()
    assert body["facts"]["issue_type"] == {"value": "outage", "source": "helpdesk", "confidence": 1.0}
    assert body["decision"]["tier"] == "T2"
    r = env.client.post("/v1/assist", json={**TICKET, "facts": {"severity": "S9"}}, headers=auth(env.keys["agent"]))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_fact" and r.json()["error"]["field"] == "facts.severity"


def test_invalid_request_names_the_field(env: Env) -> None:
    r = env.client.post("/v1/assist", json={"subject": "x"}, headers=auth(env.keys["agent"]))
    assert r.status_code == 422 and r.json()["error"]["field"] == "body"
    r = env.client.post("/v1/assist", json={**TICKET, "colour": "red"}, headers=auth(env.keys["agent"]))
    assert r.status_code == 422 and r.json()["error"]["field"] == "colour"
    r = env.client.post(
        "/v1/assist", content=b"{not json", headers={**auth(env.keys["agent"]), "Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_evaluate(env: Env) -> None:
    r = env.client.post(
        "/v1/escalation/evaluate",
        headers=auth(env.keys["agent"]),
        json={"facts": {"signals": ["data_loss"]}, "now": "2026-03-02T10:00:00Z"},
    )
    assert r.status_code == 200 and r.json()["tier"] == "T3" and r.json()["rule_id"] == "data_loss"
    r = env.client.post(
        "/v1/escalation/evaluate", headers=auth(env.keys["agent"]), json={"facts": {"kb_confidence": 3}}
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "facts.kb_confidence"


def test_bound_key_sees_only_its_account(env: Env) -> None:
    acme = auth(env.keys["acme"])
    r = env.client.post("/v1/assist", json={**TICKET, "account_id": "globex"}, headers=acme)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = env.client.post("/v1/assist", json={**TICKET, "ticket_id": "A-9"}, headers=acme)
    assert r.status_code == 200 and r.json()["account_id"] == "acme"
    env.client.post(
        "/v1/assist", json={**TICKET, "ticket_id": "G-9", "account_id": "globex"}, headers=auth(env.keys["agent"])
    )
    listed = env.client.get("/v1/decisions", headers=acme).json()
    assert listed and all(d["account_id"] == "acme" for d in listed)
    assert env.client.get("/v1/decisions?account_id=globex", headers=acme).status_code == 404
    # Ticket ids are per account: acme's G-9 is not globex's, and acme learns nothing of globex's.
    r = env.client.post("/v1/tickets/G-9/resolution", json={"resolution": "x"}, headers=acme)
    assert r.status_code == 200 and r.json()["account_id"] == "acme" and r.json()["known_ticket"] is False


def test_decisions_filters(env: Env) -> None:
    env.client.post(
        "/v1/escalation/evaluate",
        headers=auth(env.keys["agent"]),
        json={"facts": {"signals": ["security_incident"]}, "ticket_id": "S-1", "account_id": "initech"},
    )
    rows = env.client.get("/v1/decisions?tier=T3&account_id=initech", headers=auth(env.keys["agent"])).json()
    assert rows and all(r["tier"] == "T3" and r["account_id"] == "initech" for r in rows)
    r = env.client.get("/v1/decisions?since=2020-01-01T00:00:00", headers=auth(env.keys["agent"]))
    assert r.status_code == 422 and r.json()["error"]["field"] == "since"
    assert env.client.get("/v1/decisions?limit=0", headers=auth(env.keys["agent"])).status_code == 422


def test_resolution_is_indexed_and_recurring_issue_flagged(env: Env) -> None:
    h = auth(env.keys["initech"])
    last: dict[str, Any] = {}
    for i in range(3):
        r = env.client.post(
            f"/v1/tickets/R-{i}/resolution",
            headers=h,
            json={
                "resolution": "Rotate the webhook signing secret and re-deploy the receiver.",
                "summary": "Webhook signature mismatch",
                "now": f"2026-03-0{i + 1}T10:00:00Z",
            },
        )
        assert r.status_code == 200, r.text
        last = r.json()
    assert last["recurring"] is True and last["resolved_in_30_days"] == 3 and last["account_id"] == "initech"
    r = env.client.post("/v1/assist", headers=h, json={"body": "webhook signature mismatch after deploy"})
    assert any(c["source"] == "resolutions" for c in r.json()["citations"])
    # Another account never sees initech's resolution.
    r = env.client.post("/v1/assist", headers=auth(env.keys["acme"]), json={"body": "webhook signature mismatch"})
    assert not any(c["source"] == "resolutions" for c in r.json()["citations"])


def test_matrix_routes(env: Env) -> None:
    r = env.client.get("/v1/matrix", headers=auth(env.keys["agent"]))
    assert r.status_code == 200 and r.json()["matrix"]["tiers"][0]["id"] == "T1"
    before = r.json()["version"]
    r = env.client.put("/v1/matrix", headers=auth(env.keys["agent"]), json={"yaml": "name: x"})
    assert r.status_code == 403
    r = env.client.put("/v1/matrix", headers=auth(env.keys["admin"]), json={"yaml": "name: [broken"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_matrix"
    assert env.client.get("/v1/matrix", headers=auth(env.keys["agent"])).json()["version"] == before


def test_admin_ticket_ingest(env: Env) -> None:
    r = env.client.post(
        "/v1/admin/tickets",
        headers=auth(env.keys["admin"]),
        json={
            "tickets": [
                {
                    "id": "API-1",
                    "subject": "Dark mode",
                    "body": "Please add dark mode",
                    "answer": "Logged",
                    "public": True,
                },
                {"subject": "no id"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["written"] == 1 and r.json()["skipped"][0]["reason"] == "field 'id' is missing"
    assert (
        env.client.post(
            "/v1/admin/tickets", headers=auth(env.keys["agent"]), json={"tickets": [{"id": "x"}]}
        ).status_code
        == 403
    )


def test_health_metrics_and_openapi(env: Env) -> None:
    assert env.client.get("/healthz").json()["status"] == "ok"
    env.client.post("/v1/escalation/evaluate", headers=auth(env.keys["agent"]), json={"facts": {}})
    metrics = env.client.get("/metrics").text
    assert "assist_decisions_total" in metrics and "assist_request_seconds_bucket" in metrics
    spec = env.client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            assert {"200", "201"} & set(op["responses"]), (method, path)
            assert op.get("description") or op.get("summary"), (method, path)
    assert ACCOUNTS  # the fixture built accounts
