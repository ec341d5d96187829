"""The matrix in force: one policy store, kept in the database, read by every process.

Every API worker, every sweeper and the CLI read the matrix through ``PolicyStore.current()``; nothing keeps a copy
of its own. ``replace(yaml, by=…)`` validates the new matrix, then writes it as the newest row of ``policies`` —
the row is also the audit entry (who, when, which version it replaced). Another process sees the replacement the
next time it looks, at most ``max_age`` seconds later: ``current()`` re-reads the newest version id when its last
look is older than that (one indexed query) and parses a matrix only when the version changed.

Seeding: a database with no policy yet takes the configured matrix file, else the one an older release saved in the
data dir, else the shipped matrix. A configured file whose version the database has never held replaces the matrix
in force at start-up (someone edited it on purpose); one it already held does not, so restarting a worker never
undoes a replacement made through the API.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from assist.db import as_utc
from assist.db.schema import policies
from matrix import Matrix, parse_matrix
from matrix.errors import MatrixLoadError
from matrix.loader import default_matrix_text


@dataclass(frozen=True)
class PolicyChange:
    """One row of the audit trail."""

    version: str
    replaced_by: str
    replaced_at: datetime
    previous_version: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "replaced_by": self.replaced_by,
            "replaced_at": self.replaced_at.isoformat().replace("+00:00", "Z"),
            "previous_version": self.previous_version,
        }


class PolicyStore:
    def __init__(self, engine: Engine, max_age: float = 2.0) -> None:
        self.engine = engine
        self.max_age = max_age
        self._lock = threading.Lock()
        self._matrix: Matrix | None = None
        self._checked = -float("inf")

    # -- reading ------------------------------------------------------------------------------------------------
    def current(self) -> Matrix:
        """The matrix in force. Callers that must use one version for a whole unit of work (a sweep, a request)
        call this once and pass the matrix on."""
        have = self._matrix
        if have is not None and time.monotonic() - self._checked < self.max_age:
            return have
        with self.engine.connect() as con:
            row = con.execute(select(policies.c.id, policies.c.version).order_by(policies.c.id.desc()).limit(1)).first()
            if row is None:
                raise LookupError("no matrix in force: the policy store was never seeded (call seed() at start-up)")
            if have is None or have.version != row.version:
                text = con.execute(select(policies.c.yaml).where(policies.c.id == row.id)).scalar_one()
                have = parse_matrix(text, f"policy {row.version}")
        with self._lock:
            self._matrix, self._checked = have, time.monotonic()
        return have

    def history(self, limit: int = 50) -> list[PolicyChange]:
        """Who replaced the matrix and when, newest first."""
        q = select(policies).order_by(policies.c.id.desc()).limit(limit)
        with self.engine.connect() as con:
            rows = con.execute(q).mappings().all()
        return [
            PolicyChange(r["version"], r["replaced_by"], as_utc(r["replaced_at"]), r["previous_version"])  # type: ignore[arg-type]
            for r in rows
        ]

    # -- writing ------------------------------------------------------------------------------------------------
    def replace(self, yaml_text: str, by: str, now: datetime | None = None, source: str = "request body") -> Matrix:
        """Validate ``yaml_text`` and make it the matrix in force. A broken matrix raises ``MatrixLoadError`` and
        changes nothing."""
        new = parse_matrix(yaml_text, source)
        self._write(new, yaml_text, by, now)
        return new

    def _write(self, new: Matrix, yaml_text: str, by: str, now: datetime | None) -> None:
        with self.engine.begin() as con:
            previous = con.execute(select(policies.c.version).order_by(policies.c.id.desc()).limit(1)).scalar()
            con.execute(
                insert(policies).values(
                    version=new.version,
                    yaml=yaml_text,
                    replaced_by=by[:200],
                    replaced_at=now or datetime.now(UTC),
                    previous_version=previous,
                )
            )
        with self._lock:
            self._matrix, self._checked = new, time.monotonic()

    def seed(self, configured: Path | None, legacy: Path | None = None) -> Matrix:
        """Make sure a matrix is in force (see the module docstring); returns it."""
        with self.engine.connect() as con:
            known = set(con.execute(select(policies.c.version)).scalars())
        if configured is not None:
            try:
                text = configured.read_text(encoding="utf-8")
            except OSError as exc:
                raise MatrixLoadError(str(configured), [("(file)", f"cannot read: {exc.strerror or exc}")]) from None
            m = parse_matrix(text, str(configured))
            if m.version not in known:
                self._write(m, text, f"file:{configured}", None)
                return m
        elif not known:
            if legacy is not None and legacy.exists():
                text = legacy.read_text(encoding="utf-8")
                m = parse_matrix(text, str(legacy))
                by = f"file:{legacy}"
            else:
                text, by = default_matrix_text(), "shipped default"
                m = parse_matrix(text, "default_matrix.yaml")
            self._write(m, text, by, None)
            return m
        return self.current()
