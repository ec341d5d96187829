"""Property tests over the API's input models: arbitrary Unicode (lone surrogates and NULs included), deep
nesting and huge numbers give a 4xx naming a field or a 2xx, never a 500, and a refused request logs nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Env, auth

_text = st.text(st.characters(exclude_categories=()), max_size=40)  # any code point: surrogates, NULs included
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_json = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=12
)
_facts = st.dictionaries(
    st.one_of(_text, st.sampled_from(["severity", "signals", "created_at", "kb_confidence"])), _json, max_size=4
)


def _send(env: Env, path: str, body: dict[str, Any], key: str) -> Any:
    raw = json.dumps(body)  # escapes lone surrogates as \\udXXX, as a client would send them
    return env.client.post(path, content=raw, headers={**auth(key), "Content-Type": "application/json"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=_facts, ticket_id=st.one_of(st.none(), _text), account=st.one_of(st.none(), _text))
def test_evaluate_never_fails_on_odd_input(env: Env, facts: dict[str, Any], ticket_id: Any, account: Any) -> None:
    r = _send(
        env,
        "/v1/escalation/evaluate",
        {"facts": facts, "ticket_id": ticket_id, "account_id": account},
        env.keys["admin"],
    )
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.json()["error"]["code"] != "internal"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_text.filter(lambda t: t.strip()), subject=st.one_of(st.none(), _text), facts=_facts)
def test_assist_never_fails_and_a_refusal_logs_nothing(
    env: Env, body: str, subject: Any, facts: dict[str, Any]
) -> None:
    key = env.keys["globex"]
    before = len(env.client.get("/v1/decisions?limit=1000", headers=auth(key)).json())
    r = _send(env, "/v1/assist", {"body": body, "subject": subject, "facts": facts}, key)
    assert r.status_code < 500, r.text
    after = env.client.get("/v1/decisions?limit=1000", headers=auth(key))
    assert after.status_code == 200  # whatever was logged can be served again
    if r.status_code >= 400:
        assert len(after.json()) == before
