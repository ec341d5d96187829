"""The ingest registry (SQLite in the data dir): which items are stored with how many chunks, checkpoints,
accounts, and the single-writer lock.

The registry is what makes ingestion idempotent and resumable: an unchanged item (same content hash) is skipped
without embedding; an edited item knows how many chunks it had, so stale ones are deleted.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.connectors.base import Account, Checkpoint
from matrix.errors import Busy

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    source TEXT NOT NULL, source_id TEXT NOT NULL, account TEXT NOT NULL, content_hash TEXT NOT NULL,
    n_chunks INTEGER NOT NULL, updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (source, source_id));
CREATE TABLE IF NOT EXISTS checkpoints (
    connector TEXT NOT NULL, path TEXT NOT NULL, fingerprint TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (connector, path));
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT, products TEXT NOT NULL, sla_overrides TEXT NOT NULL);
"""


class WriterBusy(Busy):
    """Another process is writing to this data dir."""


class Registry:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.db = sqlite3.connect(data_dir / "registry.sqlite3", isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(accounts)")}
        if "zendesk_organization_id" not in columns:  # a data dir made before the Zendesk integration
            try:
                self.db.execute("ALTER TABLE accounts ADD COLUMN zendesk_organization_id TEXT")
            except sqlite3.OperationalError as exc:  # another process opening the registry added it first
                if "duplicate column" not in str(exc):
                    raise

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # items -------------------------------------------------------------------------------------------------
    def item(self, source: str, source_id: str) -> tuple[str, int, str] | None:
        """(content hash, number of chunks, account) of an indexed item."""
        row = self.db.execute(
            "SELECT content_hash, n_chunks, account FROM items WHERE source=? AND source_id=?", (source, source_id)
        ).fetchone()
        return (row[0], int(row[1]), row[2]) if row else None

    def put_item(
        self, con: sqlite3.Connection, source: str, source_id: str, account: str, digest: str, n_chunks: int
    ) -> None:
        con.execute(
            "INSERT INTO items(source, source_id, account, content_hash, n_chunks) VALUES (?,?,?,?,?) "
            "ON CONFLICT(source, source_id) DO UPDATE SET account=excluded.account, "
            "content_hash=excluded.content_hash, n_chunks=excluded.n_chunks, updated_at=datetime('now')",
            (source, source_id, account, digest, n_chunks),
        )

    def delete_items(self, source: str, source_id: str | None = None) -> int:
        if source_id is None:
            cur = self.db.execute("DELETE FROM items WHERE source=?", (source,))
        else:
            cur = self.db.execute("DELETE FROM items WHERE source=? AND source_id=?", (source, source_id))
        return cur.rowcount

    def item_stats(self) -> dict[str, Any]:
        per_source = {
            s: {"items": n, "chunks": c}
            for s, n, c in self.db.execute(
                "SELECT source, COUNT(*), SUM(n_chunks) FROM items GROUP BY source ORDER BY source"
            )
        }
        per_account = {
            a: {"items": n, "chunks": c}
            for a, n, c in self.db.execute(
                "SELECT account, COUNT(*), SUM(n_chunks) FROM items GROUP BY account ORDER BY account"
            )
        }
        return {"per_source": per_source, "per_account": per_account}

    # checkpoints ---------------------------------------------------------------------------------------------
    def checkpoint(self, connector: str, path: str) -> Checkpoint | None:
        row = self.db.execute(
            "SELECT fingerprint, position FROM checkpoints WHERE connector=? AND path=?", (connector, path)
        ).fetchone()
        return Checkpoint(connector, row[0], int(row[1])) if row else None

    def save_checkpoint(self, con: sqlite3.Connection, path: str, cp: Checkpoint) -> None:
        con.execute(
            "INSERT INTO checkpoints VALUES (?,?,?,?) ON CONFLICT(connector, path) DO UPDATE SET "
            "fingerprint=excluded.fingerprint, position=excluded.position",
            (cp.connector, path, cp.fingerprint, cp.position),
        )

    def clear_checkpoint(self, connector: str, path: str) -> None:
        self.db.execute("DELETE FROM checkpoints WHERE connector=? AND path=?", (connector, path))

    # accounts ------------------------------------------------------------------------------------------------
    def put_account(self, con: sqlite3.Connection, a: Account) -> None:
        con.execute(
            "INSERT INTO accounts(id, name, plan, products, sla_overrides, zendesk_organization_id) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name=excluded.name, plan=excluded.plan, "
            "products=excluded.products, sla_overrides=excluded.sla_overrides, "
            "zendesk_organization_id=excluded.zendesk_organization_id",
            (
                a.id,
                a.name,
                a.plan,
                json.dumps(list(a.products)),
                json.dumps(dict(a.sla_overrides)),
                a.zendesk_organization_id,
            ),
        )

    _ACCOUNT = "SELECT id, name, plan, products, sla_overrides, zendesk_organization_id FROM accounts"

    def account(self, account_id: str) -> Account | None:
        return self._account(self.db.execute(f"{self._ACCOUNT} WHERE id=?", (account_id,)).fetchone())

    def account_for_zendesk_organization(self, organization_id: str) -> Account | None:
        """The account mapped to a Zendesk organization (the lowest id, should two claim it)."""
        query = f"{self._ACCOUNT} WHERE zendesk_organization_id=? ORDER BY id LIMIT 1"
        return self._account(self.db.execute(query, (organization_id,)).fetchone())

    @staticmethod
    def _account(row: Any) -> Account | None:
        if row is None:
            return None
        overrides = tuple(sorted(json.loads(row[4]).items()))
        return Account(row[0], row[1], row[2], tuple(json.loads(row[3])), overrides, row[5])

    def account_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0])


@contextmanager
def writer_lock(data_dir: Path) -> Iterator[None]:
    """One writer per data dir: a second one fails at once with WriterBusy instead of waiting or corrupting."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise WriterBusy(f"{data_dir} is being written by {holder}; wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process is killed
