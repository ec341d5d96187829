"""The decision log on SQLite (embedded default) and on real PostgreSQL (127.0.0.1:5432, database test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assist.db import MIGRATIONS, connect
from assist.decision_log import DecisionLog
from assist.keys import KeyStore
from matrix import default_matrix, evaluate
from matrix.errors import InvalidInput

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionLog]:
    if request.param == "sqlite":
        yield DecisionLog(connect(f"sqlite:///{tmp_path / 'assist.sqlite3'}"))
        return
    yield DecisionLog(connect(request.getfixturevalue("pg_url")))


def test_record_and_filter(log: DecisionLog) -> None:
    m = default_matrix()
    t0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
    for i, (account, facts) in enumerate(
        [("acme", {"signals": ["data_loss"]}), ("acme", {}), ("globex", {"signals": ["security_incident"]})]
    ):
        d = evaluate(m, facts, t0 + timedelta(minutes=i))
        log.record(f"T-{i}", account, facts, d.to_dict(), d.evaluated_at, False)
    assert [r["ticket_id"] for r in log.list()] == ["T-2", "T-1", "T-0"]
    assert [r["ticket_id"] for r in log.list(account_id="acme", tier="T3")] == ["T-0"]
    assert [r["ticket_id"] for r in log.list(since=t0 + timedelta(minutes=1))] == ["T-2", "T-1"]
    assert [r["ticket_id"] for r in log.list(restrict_account="globex")] == ["T-2"]
    row = log.list(account_id="globex")[0]
    assert row["decision"]["rule_id"] == "security_incident" and row["created_at"] == "2026-03-02T10:02:00Z"
    assert log.knows("globex", "T-2") and not log.knows("acme", "T-2") and not log.knows(None, "T-2")


def test_same_decision_twice_is_recorded_once(log: DecisionLog) -> None:
    d = evaluate(default_matrix(), {}, "2026-03-02T10:00:00Z")
    a = log.record("T-1", "acme", {}, d.to_dict(), d.evaluated_at, False)
    b = log.record("T-1", "acme", {}, d.to_dict(), d.evaluated_at, False)
    assert a == b and len(log.list()) == 1


def test_recurring_resolutions_in_30_days(log: DecisionLog) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    counts = [
        log.add_resolution(f"R-{i}", "acme", "k1", "s", "r", t0 + timedelta(days=d))
        for i, d in enumerate([0, 10, 45, 50, 55])
    ]
    assert counts == [1, 2, 1, 2, 3]  # the first two fall out of the window by day 45
    # Another account's resolutions of the same issue are not acme's recurring issue, and the other way round.
    assert log.add_resolution("R-9", "globex", "k1", "s", "r", t0 + timedelta(days=56)) == 1
    assert log.add_resolution("R-10", "acme", "k1", "s", "r", t0 + timedelta(days=57)) == 4


def test_keys_are_stored_hashed(log: DecisionLog) -> None:
    keys = KeyStore(log.engine)
    raw, key = keys.create("sidebar", "agent", "acme", datetime.now(UTC))
    assert keys.find(raw) == key and keys.find(raw + "x") is None
    with log.engine.connect() as con:
        stored = con.execute(text("SELECT key_hash FROM api_keys")).scalar()
    assert stored != raw and raw not in str(stored)
    with pytest.raises(InvalidInput, match="role"):
        keys.create("x", "root", None, datetime.now(UTC))


def test_migrations_are_recorded_and_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    connect(url)
    engine = connect(url)  # a second start applies nothing new
    with engine.connect() as con:
        versions = [r[0] for r in con.execute(text("SELECT version FROM schema_version ORDER BY version"))]
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_an_older_database_is_brought_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as con:  # the parts of a database left by a release with three migrations that change
        con.execute(text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        con.execute(text("INSERT INTO schema_version VALUES (1), (2), (3)"))
        con.execute(text("CREATE TABLE tickets (id VARCHAR(200) PRIMARY KEY, account_id VARCHAR(200))"))
        con.execute(text("CREATE TABLE timeline (ticket_id VARCHAR(200), kind VARCHAR(30))"))
        con.execute(text("CREATE TABLE outbox (ticket_id VARCHAR(200), target VARCHAR(300))"))
        con.execute(text("INSERT INTO tickets VALUES ('OLD-1', 'acme'), ('OLD-2', NULL)"))
        con.execute(text("INSERT INTO timeline VALUES ('OLD-1', 'registered'), ('OLD-2', 'registered')"))
        con.execute(text("INSERT INTO outbox VALUES ('OLD-1', 'slack:#x')"))
    engine.dispose()
    with connect(url).connect() as con:
        # Tickets gain the matrix version of their last evaluation (unknown: the sweeper re-evaluates them) and
        # move into their account's namespace, their timeline and notifications with them.
        rows = con.execute(text("SELECT id, matrix_version FROM tickets ORDER BY id")).all()
        assert rows == [("/OLD-2", None), ("acme/OLD-1", None)]
        assert sorted(con.execute(text("SELECT ticket_id FROM timeline")).scalars()) == ["/OLD-2", "acme/OLD-1"]
        assert con.execute(text("SELECT ticket_id FROM outbox")).scalar() == "acme/OLD-1"
        assert con.execute(text("SELECT MAX(version) FROM schema_version")).scalar() == len(MIGRATIONS)
