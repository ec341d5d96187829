"""What every route depends on: the runtime, the caller's API key, and the account a key may see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request

from assist.keys import ApiKey
from assist.models import AccountId, TicketId
from assist.runtime import Runtime
from ingest.documents import account_id_problem
from matrix.errors import Error, InvalidInput, NotFound


class Unauthorized(Error):
    code = "unauthorized"


class Forbidden(Error):
    code = "forbidden"


def _runtime(request: Request) -> Runtime:
    opened: Runtime = request.app.state.open_runtime()
    return opened


Rt = Annotated[Runtime, Depends(_runtime)]


def current_key(
    rt: Rt,
    authorization: Annotated[str | None, Header(description="Bearer <api key>")] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> ApiKey:
    raw = x_api_key or (authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else None)
    if not raw:
        raise Unauthorized("an API key is required (Authorization: Bearer <key>)")
    key = rt.db.keys.find(raw)
    if key is None:
        raise Unauthorized("unknown or revoked API key")
    return key


Key = Annotated[ApiKey, Depends(current_key)]


def admin_key(key: Key) -> ApiKey:
    if key.role != "admin":
        raise Forbidden("this route needs an admin key")
    return key


Admin = Annotated[ApiKey, Depends(admin_key)]
TicketPath = Annotated[TicketId, Path(description="The helpdesk's ticket id (each account has its own).")]
AccountPath = Annotated[AccountId, Path(description="The account's id.")]
AccountQuery = Annotated[AccountId | None, Query(description="The account (keys not bound to one).")]


def scoped_account(key: ApiKey, account_id: str | None) -> str | None:
    """A key bound to an account only ever sees that account; anything else looks like it does not exist."""
    if key.account_id is None:
        return account_id
    if account_id not in (None, key.account_id):
        raise NotFound(f"account {account_id!r} not found", "account_id")
    return key.account_id


def bound_row(key: ApiKey, row: dict[str, Any], i: int) -> dict[str, Any]:
    """A past-ticket row as ``key`` may write it: a valid account (never a reserved scope), and for a key bound to
    an account, that account and nothing public."""
    where = f"tickets[{i}]"
    account = row.get("account_id")
    if account is not None:
        problem = account_id_problem(str(account))
        if problem:
            raise InvalidInput(f"{where}.account_id: {problem}", f"{where}.account_id")
    if key.account_id is None:
        return row
    if account not in (None, "", key.account_id):
        raise NotFound(f"account {account!r} not found", f"{where}.account_id")
    if row.get("public") not in (None, False, "", "false", "0"):
        raise InvalidInput(
            f"{where}.public: a key bound to an account cannot write public knowledge", f"{where}.public"
        )
    return {**row, "account_id": key.account_id}


def now_or(value: datetime | None, name: str = "now") -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise InvalidInput(f"{name}: must carry a time zone", name)
    return value
