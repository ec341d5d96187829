"""The hostile tester's view: the API's test service (several accounts, real Chroma, real model) plus an admin key
bound to one account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.conftest import Env, env  # noqa: F401  (the module-scoped service, shared by these tests)


@pytest.fixture(scope="module")
def acme_admin(env: Env) -> str:  # noqa: F811
    return env.runtime.db.keys.create("acme admin", "admin", "acme", datetime.now(UTC))[0]
