"""The generated isolation suite: every route that names a ticket or an account, with an own, a foreign, an
unknown and a reserved account or id, under every kind of key. A key bound to acme never gets a byte of globex's
data (a marker planted in globex's ticket facts, timeline, decisions and resolution), and a foreign or reserved
name is never a 2xx for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Env, auth

MARK = {"acme": "ACME-ISO-MARK", "globex": "GLOBEX-ISO-MARK"}
NOW = "2026-06-01T10:00:00Z"


@pytest.fixture(scope="module")
def planted(env: Env) -> Env:
    """acme and globex both use ticket id ISO-1, each with its own marker everywhere it can be stored."""
    for account, mark in MARK.items():
        key = auth(env.keys[account])
        facts = {"severity": "S2", "customer_tier": "enterprise", "product_area": mark}
        assert (
            env.client.post(
                "/v1/tickets", json={"ticket_id": "ISO-1", "facts": facts, "now": NOW}, headers=key
            ).status_code
            == 201
        )
        body = {"ticket_id": "ISO-1", "body": f"export fails {mark}", "facts": {"product_area": mark}}
        assert env.client.post("/v1/assist", json=body, headers=key).status_code == 200
        res = {"resolution": f"restart the export worker {mark}", "summary": f"export {mark}"}
        assert env.client.post("/v1/tickets/ISO-1/resolution", json=res, headers=key).status_code == 200
    return env


# (name, method, path, body or None); {a} is the account the request names, {t} the ticket id.
ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("assist", "POST", "/v1/assist", {"ticket_id": "{t}", "account_id": "{a}", "body": "export fails"}),
    ("evaluate", "POST", "/v1/escalation/evaluate", {"ticket_id": "{t}", "account_id": "{a}", "facts": {}}),
    ("register", "POST", "/v1/tickets", {"ticket_id": "{t}-new", "account_id": "{a}", "facts": {}, "now": NOW}),
    ("change", "PATCH", "/v1/tickets/{t}?account_id={a}", {"facts": {"status": "open"}, "now": NOW}),
    ("timeline", "GET", "/v1/tickets/{t}/timeline?account_id={a}", None),
    ("resolution", "POST", "/v1/tickets/{t}/resolution", {"resolution": "a fix", "account_id": "{a}"}),
    ("decisions", "GET", "/v1/decisions?account_id={a}&limit=1000", None),
    ("report", "GET", "/v1/reports/escalations", None),
    ("feedback_report", "GET", "/v1/reports/feedback", None),
    ("ingest", "POST", "/v1/admin/tickets", {"tickets": [{"id": "{t}-row", "body": "b", "account_id": "{a}"}]}),
]
ADMIN_ONLY = {"ingest"}
UNNAMED = {"report", "feedback_report"}  # names no account: always the key's own view


def _fill(value: Any, account: str, ticket: str) -> Any:
    if isinstance(value, str):
        return value.replace("{a}", account).replace("{t}", ticket)
    if isinstance(value, dict):
        return {k: _fill(v, account, ticket) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, account, ticket) for v in value]
    return value


def _call(
    env: Env, route: tuple[str, str, str, dict[str, Any] | None], account: str, ticket: str, key: str | None
) -> Any:
    _, method, path, body = route
    headers = auth(key) if key else {}
    return env.client.request(method, _fill(path, account, ticket), json=_fill(body, account, ticket), headers=headers)


KEYS: dict[str, Callable[[Env, str], str | None]] = {
    "bound agent": lambda env, admin: env.keys["acme"],
    "bound admin": lambda env, admin: admin,
    "unbound agent": lambda env, admin: env.keys["agent"],
    "admin": lambda env, admin: env.keys["admin"],
    "no key": lambda env, admin: None,
}
CASES = {
    "own": ("acme", "ISO-1"),
    "foreign": ("globex", "ISO-1"),
    "unknown": ("acme", "NOPE-1"),
    "reserved": ("__no_access__", "ISO-1"),
}


@pytest.mark.parametrize("route", ROUTES, ids=[r[0] for r in ROUTES])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("who", list(KEYS))
def test_isolation(
    planted: Env, acme_admin: str, route: tuple[str, str, str, dict[str, Any] | None], case: str, who: str
) -> None:
    account, ticket = CASES[case]
    if route[0] == "register":
        ticket = f"{ticket}-{who}-{case}".replace(" ", "_")  # a new id each time
    r = _call(planted, route, account, ticket, KEYS[who](planted, acme_admin))
    status, name = r.status_code, route[0]
    assert status < 500, r.text
    if who == "no key":
        assert status == 401
        return
    if name in ADMIN_ONLY and who in ("bound agent", "unbound agent"):
        assert status == 403
        return
    bound = who.startswith("bound")
    if name in UNNAMED:
        assert status == 200, r.text
    elif case == "reserved":
        assert status == 422, r.text
    elif (case == "foreign" and bound) or (case == "unknown" and name in ("change", "timeline")):
        assert status == 404, r.text
    else:
        assert 200 <= status < 300, r.text
    if bound or (account == "acme" and name not in UNNAMED):
        assert MARK["globex"] not in r.text, r.text  # no byte of the other account's data
