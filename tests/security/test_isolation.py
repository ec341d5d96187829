"""Tenant isolation (OWASP API1/API3): one account can neither read, take over nor overwrite another's tickets,
resolutions or knowledge, whatever ids and bodies it sends. Each test reproduces a finding of issue #18."""

from __future__ import annotations

from tests.api.conftest import Env, auth

QUESTION = {"subject": "CSV export times out", "body": "Exporting the revenue report to CSV times out. Fix?"}


def test_ticket_ids_are_per_account_no_hijack(env: Env) -> None:
    acme, globex = auth(env.keys["acme"]), auth(env.keys["globex"])
    assert env.client.post("/v1/assist", json={**QUESTION, "ticket_id": "Z-100"}, headers=acme).status_code == 200
    # globex uses the same id: its own ticket, not a takeover of acme's.
    assert env.client.post("/v1/assist", json={**QUESTION, "ticket_id": "Z-100"}, headers=globex).status_code == 200
    r = env.client.post("/v1/tickets/Z-100/resolution", json={"resolution": "globex fix GLOBEX-SECRET"}, headers=globex)
    assert r.status_code == 200 and r.json()["account_id"] == "globex"
    # acme's own resolution of Z-100 still works and is acme's.
    r = env.client.post("/v1/tickets/Z-100/resolution", json={"resolution": "acme fix ACME-SECRET"}, headers=acme)
    assert r.status_code == 200 and r.json()["account_id"] == "acme" and r.json()["known_ticket"] is True
    for key, foreign in ((acme, "GLOBEX-SECRET"), (globex, "ACME-SECRET")):
        r = env.client.post("/v1/assist", json={**QUESTION, "body": "the fix for Z-100 please"}, headers=key)
        assert foreign not in r.text


def test_resolutions_of_another_account_do_not_count_as_recurring(env: Env) -> None:
    acme, globex = auth(env.keys["acme"]), auth(env.keys["globex"])
    body = {"resolution": "Restart the export worker.", "summary": "Export worker stuck again", "issue_key": "k-iso"}
    for i in range(3):
        r = env.client.post(f"/v1/tickets/R-{i}/resolution", json=body, headers=globex)
    assert r.json()["recurring"] is True
    r = env.client.post("/v1/tickets/R-0/resolution", json=body, headers=acme)
    assert r.json()["resolved_in_30_days"] == 1 and r.json()["recurring"] is False


def test_registering_another_accounts_ticket_id_is_no_oracle(env: Env) -> None:
    acme, globex = auth(env.keys["acme"]), auth(env.keys["globex"])
    facts = {"severity": "S2", "customer_tier": "enterprise"}
    first = {"ticket_id": "ORC-1", "facts": facts, "now": "2026-05-01T10:00:00Z"}
    assert env.client.post("/v1/tickets", json=first, headers=acme).status_code == 201
    # The same id from globex: registered in globex's namespace, exactly like an id nobody uses.
    assert env.client.post("/v1/tickets", json=first, headers=globex).status_code == 201
    assert env.client.post("/v1/tickets", json={**first, "ticket_id": "ORC-2"}, headers=globex).status_code == 201
    # Changing "ORC-1" as globex changes globex's ticket; acme's timeline does not move.
    before = env.client.get("/v1/tickets/ORC-1/timeline", headers=acme).json()
    env.client.patch("/v1/tickets/ORC-1", json={"facts": {"status": "pending"}}, headers=globex)
    assert env.client.get("/v1/tickets/ORC-1/timeline", headers=acme).json() == before
    # An unbound key names the account; without one it sees the account-less namespace only.
    agent = auth(env.keys["agent"])
    assert env.client.get("/v1/tickets/ORC-1/timeline?account_id=acme", headers=agent).json() == before
    assert env.client.get("/v1/tickets/ORC-1/timeline", headers=agent).status_code == 404
    # A bound key naming another account gets 404, as for any other account's data.
    assert env.client.get("/v1/tickets/ORC-1/timeline?account_id=globex", headers=acme).status_code == 404


def test_a_bound_admin_key_writes_only_into_its_account(env: Env, acme_admin: str) -> None:
    row = {"id": "ADM-1", "subject": "Invoices", "body": "PDF invoices are blank", "answer": "Regenerate them."}
    r = env.client.post(
        "/v1/admin/tickets", json={"tickets": [{**row, "account_id": "globex"}]}, headers=auth(acme_admin)
    )
    assert r.status_code == 404 and r.json()["error"]["field"] == "tickets[0].account_id"
    r = env.client.post("/v1/admin/tickets", json={"tickets": [{**row, "public": True}]}, headers=auth(acme_admin))
    assert r.status_code == 422 and r.json()["error"]["field"] == "tickets[0].public"
    before = env.runtime.store.count(["acme"]), env.runtime.store.count(["public"])
    r = env.client.post("/v1/admin/tickets", json={"tickets": [row]}, headers=auth(acme_admin))
    assert r.status_code == 200 and r.json()["written"] == 1
    assert env.runtime.store.count(["acme"]) > before[0] and env.runtime.store.count(["public"]) == before[1]
    ask = {"subject": "Invoices", "body": "Our PDF invoices are blank, how do we regenerate them?"}
    r = env.client.post("/v1/assist", json=ask, headers=auth(env.keys["globex"]))
    assert "ADM-1" not in [c["source_id"] for c in r.json()["citations"]]  # not globex's, not public


def test_reserved_scopes_are_not_accounts(env: Env) -> None:
    agent = auth(env.keys["agent"])
    for scope in ("__no_access__", "public", "PUBLIC", "acme/../globex"):
        r = env.client.post("/v1/assist", json={**QUESTION, "account_id": scope}, headers=agent)
        assert r.status_code == 422 and r.json()["error"]["field"] == "account_id", (scope, r.text)
        assert "MARKER-NOBODY-0000" not in r.text
        r = env.client.get("/v1/decisions", params={"account_id": scope}, headers=agent)
        assert r.status_code == 422
    r = env.client.post(
        "/v1/admin/tickets",
        json={"tickets": [{"id": "X", "body": "b", "account_id": "__no_access__"}]},
        headers=auth(env.keys["admin"]),
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "tickets[0].account_id"


def test_a_resolution_is_redacted_before_the_database_and_the_report_keep_it(env: Env) -> None:
    key = auth(env.keys["initech"])
    secret, mail = "AKIAIOSFODNN7EXAMPLE", "jane.doe@initech.example"
    body = {"resolution": f"Rotated key {secret}; told {mail}.", "summary": f"Key {secret} leaked by {mail}"}
    assert env.client.post("/v1/tickets/SEC-1/resolution", json=body, headers=key).status_code == 200
    with env.runtime.db.engine.connect() as con:
        from sqlalchemy import text

        stored = " ".join(
            str(v) for row in con.execute(text("SELECT summary, resolution FROM resolutions")) for v in row
        )
    report = env.client.get("/v1/reports/escalations", headers=key).text
    for raw in (secret, mail):
        assert raw not in stored and raw not in report
    assert "[REDACTED:" in stored


def test_free_text_facts_are_redacted_before_the_log_and_the_timeline_keep_them(env: Env) -> None:
    key = auth(env.keys["initech"])
    secret = "AKIAIOSFODNN7EXAMPLE"
    facts = {"severity": "S3", "product_area": f"exports key {secret}"}
    assert env.client.post("/v1/assist", json={"body": "export fails", "facts": facts}, headers=key).status_code == 200
    r = env.client.post(
        "/v1/tickets", json={"ticket_id": "FACT-1", "facts": facts, "now": "2026-07-01T10:00:00Z"}, headers=key
    )
    assert r.status_code == 201
    env.client.patch(
        "/v1/tickets/FACT-1", json={"facts": {"product_area": secret}, "now": "2026-07-01T10:05:00Z"}, headers=key
    )
    kept = (
        env.client.get("/v1/decisions", headers=key).text
        + env.client.get("/v1/tickets/FACT-1/timeline", headers=key).text
    )
    assert secret not in kept and "[REDACTED:aws_access_key]" in kept
