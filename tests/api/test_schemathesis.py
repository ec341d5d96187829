"""Property-based API fuzzing from the OpenAPI document: no input, valid or not, produces a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.app import create_app

from .conftest import Env, auth


def test_no_server_errors(env: Env) -> None:
    app = create_app(env.runtime.settings, env.runtime)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    seen: list[str] = []
    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: Any) -> None:
            # Admin key: every route is reachable, so generated input gets past auth into the handlers.
            response = case.call(headers=auth(env.keys["admin"]))
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and {"code", "message", "field"} <= set(body["error"]), body

        try:
            fuzz()
        except Unsatisfiable:
            # An operation without parameters or body has no invalid input to generate.
            assert mode == GenerationMode.NEGATIVE
            continue
        seen.append(f"{mode.value} {operation.method.upper()} {operation.path}")
    assert {"positive POST /v1/assist", "negative POST /v1/assist", "negative PUT /v1/matrix"} <= set(seen)
