"""API keys: stored hashed, each with a role (agent, admin) and optionally the one account it may act in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from assist.db.schema import api_keys
from matrix.errors import InvalidInput


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: str  # agent | admin
    account_id: str | None


class KeyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def hash_key(raw: str) -> str:
        # Keys are 32 random bytes: a plain SHA-256 is enough (no dictionary to guess from), and it is constant
        # time to look up by hash.
        return hashlib.sha256(raw.encode()).hexdigest()

    def create(self, name: str, role: str, account_id: str | None, now: datetime) -> tuple[str, ApiKey]:
        if role not in ("agent", "admin"):
            raise InvalidInput(f"role: must be agent or admin, got {role!r}", "role")
        raw = "ea_" + secrets.token_urlsafe(32)
        key = ApiKey(secrets.token_hex(8), name, role, account_id)
        with self.engine.begin() as con:
            con.execute(
                insert(api_keys).values(
                    id=key.id,
                    name=name,
                    key_hash=self.hash_key(raw),
                    role=role,
                    account_id=account_id,
                    created_at=now,
                    revoked=False,
                )
            )
        return raw, key

    def find(self, raw: str) -> ApiKey | None:
        with self.engine.connect() as con:
            row = (
                con.execute(
                    select(api_keys).where(api_keys.c.key_hash == self.hash_key(raw), api_keys.c.revoked.is_(False))
                )
                .mappings()
                .first()
            )
        return ApiKey(row["id"], row["name"], row["role"], row["account_id"]) if row else None

    def count(self) -> int:
        with self.engine.connect() as con:
            return int(con.execute(select(func.count()).select_from(api_keys)).scalar() or 0)
