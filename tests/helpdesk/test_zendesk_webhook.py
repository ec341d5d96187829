"""Zendesk ticket events in, private notes out: signatures, dedup, account mapping, clocks, and the write-back
through a loopback Zendesk with a 429 and a 5xx in the way."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from matrix.facts import format_datetime
from tests.api.conftest import ACCOUNTS
from tests.helpdesk.conftest import ORGS, Desk, fixture_event, rows


def _ticket_event(desk: Desk, ticket_id: str, event_id: str, org: str | None, **detail: object) -> dict[str, object]:
    created = format_datetime(datetime.now(UTC) - timedelta(minutes=1))
    event = fixture_event("ticket_created", id=ticket_id, organization_id=org, created_at=created, **detail)
    event["id"] = event_id
    event["subject"] = f"zen:ticket:{ticket_id}"
    return event


def _notes_for(desk: Desk, ticket_id: str) -> list[dict[str, object]]:
    return [u["body"]["ticket"] for u in desk.zendesk.updates if u["ticket_id"] == ticket_id]


def test_unsigned_wrong_or_stale_requests_are_refused_and_change_nothing(desk: Desk) -> None:
    event = _ticket_event(desk, "9001", "evt-sig-1", ORGS["acme"])
    before = rows(desk, "SELECT COUNT(*) FROM decisions")[0][0]
    body = json.dumps(event).encode()
    unsigned = desk.client.post("/v1/integrations/zendesk/webhook", content=body)
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["field"] == "X-Zendesk-Webhook-Signature"
    assert desk.post_event(event, secret="another-secret").status_code == 401
    stale = desk.post_event(event, at=datetime.now(UTC) - timedelta(minutes=10))
    assert stale.status_code == 401 and "5 minutes" in stale.json()["error"]["message"]
    assert rows(desk, "SELECT COUNT(*) FROM decisions")[0][0] == before
    assert rows(desk, "SELECT COUNT(*) FROM tickets WHERE id LIKE '%/9001'")[0][0] == 0
    assert _notes_for(desk, "9001") == []


def test_a_new_ticket_gets_a_private_note_tags_and_running_clocks_once(desk: Desk) -> None:
    event = _ticket_event(desk, "35436", "evt-created-1", ORGS["acme"])
    r = desk.post_event(event)
    assert r.status_code == 200, r.text
    assert r.json()["action"] == "created" and not r.json()["duplicate"]
    # The note arrived (the delivery runs right after the answer), private, with the answer and the decision.
    notes = _notes_for(desk, "35436")
    assert len(notes) == 1
    note = notes[0]
    assert note["comment"]["public"] is False
    assert "suggested reply" in note["comment"]["body"] and "Decision:" in note["comment"]["body"]
    assert any(t.startswith("assist_tier_") for t in note["additional_tags"])
    assert "tags" not in note  # additional_tags adds; "tags" would wipe the agent's own
    # The organization is Acme's: its knowledge may be cited, nobody else's.
    assert ACCOUNTS["acme"] in note["comment"]["body"]
    for other in ("globex", "initech"):
        assert ACCOUNTS[other] not in note["comment"]["body"]
    # The decision is logged as Acme's, and the clocks run under Acme's namespace, from Zendesk.
    assert rows(desk, "SELECT account_id FROM decisions WHERE id = :i", i=r.json()["decision_id"]) == [("acme",)]
    assert rows(desk, "SELECT origin FROM tickets WHERE id = 'acme/35436'") == [("zendesk",)]
    # Zendesk retries what it thinks failed: the same event acts once.
    again = desk.post_event(event)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(_notes_for(desk, "35436")) == 1
    assert rows(desk, "SELECT COUNT(*) FROM decisions WHERE ticket_id = '35436'")[0][0] == 1


def test_an_unknown_organization_is_no_account(desk: Desk) -> None:
    r = desk.post_event(_ticket_event(desk, "35500", "evt-created-unknown-org", "777777"))
    assert r.status_code == 200, r.text
    body = _notes_for(desk, "35500")[0]["comment"]["body"]
    for marker in ACCOUNTS.values():
        assert marker not in body
    assert rows(desk, "SELECT account_id FROM tickets WHERE id = '/35500'") == [(None,)]


def test_status_and_staff_comments_keep_the_clocks_in_step(desk: Desk) -> None:
    assert desk.post_event(_ticket_event(desk, "35600", "evt-created-35600", ORGS["globex"])).status_code == 200
    comment = fixture_event("ticket_comment_added", id="35600", organization_id=ORGS["globex"])
    comment["id"] = "evt-comment-35600"
    r = desk.post_event(comment)
    assert r.status_code == 200 and r.json()["action"] == "comment_added"
    facts = desk.runtime.db.tracker.facts("35600", "globex")
    assert facts is not None and facts.get("first_reply_at")  # the agent's public reply stops the reply clock
    status = fixture_event("ticket_status_changed", id="35600", organization_id=ORGS["globex"])
    status["id"] = "evt-status-35600"
    assert desk.post_event(status).status_code == 200
    kinds = [e["kind"] for e in desk.runtime.db.tracker.timeline("35600", "globex")]
    assert "pause" in kinds  # pending pauses the SLA clocks
    # Another account's ticket of the same id is not touched, and an untracked ticket is ignored, not a 500.
    untracked = fixture_event("ticket_status_changed", id="99999", organization_id=ORGS["acme"])
    untracked["id"] = "evt-status-untracked"
    r = desk.post_event(untracked)
    assert r.status_code == 200 and r.json()["action"].startswith("ignored")


def test_trigger_bodies_need_the_invocation_id_and_bad_bodies_name_the_field(desk: Desk) -> None:
    trigger = {
        "assist_event": "ticket.created",
        "ticket": {
            "id": "35700",
            "subject": "SSO login loop",
            "description": "Users loop on the login page after enabling SAML.",
            "status": "New",
            "priority": "-",
            "organization_id": "",
            "created_at": "2026-03-04T15:00:00Z",
        },
    }
    missing = desk.post_event(trigger)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "id"
    ok = desk.post_event(trigger, **{"X-Zendesk-Webhook-Invocation-Id": "inv-35700"})
    assert ok.status_code == 200 and ok.json()["action"] == "created"
    broken = fixture_event("ticket_created", id="not-a-number")
    r = desk.post_event(broken)
    assert r.status_code == 422 and r.json()["error"]["field"] == "detail.id"
    nul = _ticket_event(desk, "35701", "evt-nul", None, description="bad \u0000 text")
    r = desk.post_event(nul)
    assert r.status_code == 422 and "NUL" in r.json()["error"]["message"]


def test_write_back_waits_out_a_429_and_a_5xx_and_arrives_once(desk: Desk) -> None:
    desk.zendesk.script.extend([(429, {"Retry-After": "7"}), (503, {})])
    r = desk.post_event(_ticket_event(desk, "35800", "evt-created-35800", ORGS["acme"]))
    assert r.status_code == 200
    assert desk.zendesk.refused[-1:] == [429] and _notes_for(desk, "35800") == []
    outbox = desk.runtime.db.outbox
    query = "SELECT attempts FROM outbox WHERE ticket_id = 'acme/35800' AND target = 'zendesk:ticket'"
    assert rows(desk, query) == [(1,)]
    sent_at = datetime.now(UTC)
    assert outbox.deliver(sent_at + timedelta(seconds=3), ticket_id="acme/35800").sent == 0  # not before 7 s
    failed = outbox.deliver(sent_at + timedelta(seconds=8), ticket_id="acme/35800")
    assert failed.failed == 1 and desk.zendesk.refused[-1] == 503
    assert outbox.deliver(sent_at + timedelta(minutes=2), ticket_id="acme/35800").sent == 1
    assert outbox.deliver(sent_at + timedelta(hours=2), ticket_id="acme/35800").sent == 0
    assert len(_notes_for(desk, "35800")) == 1


def test_escalations_the_sweeper_makes_are_written_back(desk: Desk) -> None:
    created = datetime.now(UTC) - timedelta(minutes=1)
    event = _ticket_event(desk, "35900", "evt-created-35900", ORGS["acme"], priority="URGENT")
    assert desk.post_event(event, at=created + timedelta(seconds=30)).status_code == 200
    before = len(_notes_for(desk, "35900"))
    desk.runtime.db.tracker.sweep(datetime.now(UTC) + timedelta(days=30))
    desk.runtime.db.outbox.deliver(datetime.now(UTC) + timedelta(days=30))
    notes = _notes_for(desk, "35900")
    assert len(notes) > before
    assert "escalated to" in notes[-1]["comment"]["body"] and "assist_escalated" in notes[-1]["additional_tags"]
    # once each: another sweep adds no second note for the same escalation
    desk.runtime.db.tracker.sweep(datetime.now(UTC) + timedelta(days=30, minutes=1))
    desk.runtime.db.outbox.deliver(datetime.now(UTC) + timedelta(days=31))
    bodies = [n["comment"]["body"] for n in _notes_for(desk, "35900")]
    assert len(bodies) == len(set(bodies))


def test_the_integration_is_off_without_a_secret(desk: Desk) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = desk.runtime.settings.model_copy(update={"zendesk_webhook_secret": None})
    with TestClient(create_app(settings, replace(desk.runtime, settings=settings))) as client:
        r = client.post("/v1/integrations/zendesk/webhook", content=b"{}")
    assert r.status_code == 404 and "ASSIST_ZENDESK_WEBHOOK_SECRET" in r.json()["error"]["message"]


def test_the_app_names_an_organization_and_gets_its_account_within_the_keys_reach(desk: Desk) -> None:
    from tests.api.conftest import auth

    body = {"body": "CSV export times out after 60 seconds", "zendesk_organization_id": ORGS["acme"]}
    mapped = desk.client.post("/v1/assist", json=body, headers=auth(desk.keys["agent"]))
    assert mapped.status_code == 200 and mapped.json()["account_id"] == "acme"
    foreign = desk.client.post("/v1/assist", json=body, headers=auth(desk.keys["globex"]))
    assert foreign.status_code == 404 and ACCOUNTS["acme"] not in foreign.text
    unknown = {**body, "zendesk_organization_id": "123"}
    r = desk.client.post("/v1/assist", json=unknown, headers=auth(desk.keys["agent"]))
    assert r.status_code == 200 and r.json()["account_id"] is None
    assert all(marker not in r.text for marker in ACCOUNTS.values())
    bad = desk.client.post(
        "/v1/assist", json={**body, "zendesk_organization_id": "x1"}, headers=auth(desk.keys["agent"])
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "zendesk_organization_id"


def test_an_admin_maps_an_organization_to_an_account_over_the_api(desk: Desk) -> None:
    from tests.api.conftest import auth

    body = {"name": "Initech", "plan": "business", "products": ["reporting"], "zendesk_organization_id": "509976"}
    put = desk.client.put("/v1/admin/accounts/initech", json=body, headers=auth(desk.keys["admin"]))
    assert put.status_code == 200, put.text
    assert put.json() == {"id": "initech", **body}
    got = desk.client.get("/v1/admin/accounts/initech", headers=auth(desk.keys["admin"]))
    assert got.json()["zendesk_organization_id"] == "509976"
    assert desk.client.put("/v1/admin/accounts/initech", json=body, headers=auth(desk.keys["agent"])).status_code == 403
    bad = desk.client.put(
        "/v1/admin/accounts/initech", json={"zendesk_organization_id": "x9"}, headers=auth(desk.keys["admin"])
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "zendesk_organization_id"
    reserved = desk.client.put("/v1/admin/accounts/__no_access__", json=body, headers=auth(desk.keys["admin"]))
    assert reserved.status_code == 422
    assert desk.client.get("/v1/admin/accounts/nobody", headers=auth(desk.keys["admin"])).status_code == 404
    # Its tickets now arrive as Initech's.
    r = desk.post_event(_ticket_event(desk, "36100", "evt-created-36100", "509976"))
    assert r.status_code == 200
    assert rows(desk, "SELECT account_id FROM tickets WHERE id = 'initech/36100'") == [("initech",)]


def test_a_queue_mapped_to_a_zendesk_group_assigns_it(desk: Desk) -> None:
    from assist.outbox import NotifyConfig, send
    from assist.settings import settings_from_env
    from tests.helpdesk.zendesk_server import EMAIL, TOKEN

    env = {
        "ASSIST_ZENDESK_URL": desk.zendesk.url,
        "ASSIST_ZENDESK_EMAIL": EMAIL,
        "ASSIST_ZENDESK_API_TOKEN": TOKEN,
        "ASSIST_ZENDESK_GROUPS": "billing=360001, security_response=360002",
    }
    zendesk = settings_from_env(env).zendesk
    assert zendesk is not None and zendesk.groups == {"billing": 360001, "security_response": 360002}
    payload = {"zendesk_ticket_id": "36200", "note": "n", "tags": ["assist_tier_t2"], "queue": "billing"}
    send(NotifyConfig({}, zendesk), "zendesk:ticket", "escalation", payload, "k-36200")
    assert _notes_for(desk, "36200")[-1]["group_id"] == 360001
    # Without a mapping for the queue, the group is left as the agents set it.
    send(NotifyConfig({}, zendesk), "zendesk:ticket", "escalation", {**payload, "queue": "integrations"}, "k2")
    assert "group_id" not in _notes_for(desk, "36200")[-1]
