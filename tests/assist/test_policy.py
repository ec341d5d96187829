"""The matrix in force lives in one policy store in the database: a replacement reaches the tracker's next
evaluation, tickets registered after it, and other processes; a sweep uses one version throughout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assist.clock import Tracker
from assist.db import connect
from assist.outbox import Outbox
from assist.policy import PolicyStore
from assist.runtime import open_database
from assist.settings import Settings
from matrix import Matrix, parse_matrix
from matrix.errors import MatrixLoadError
from matrix.loader import default_matrix_text

from .clock.helpers import open_clock

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
ENTERPRISE_S2 = {"severity": "S2", "customer_tier": "enterprise", "issue_type": "bug"}


def cut_t1_allowance() -> str:
    """The shipped matrix with enterprise S2's time in T1 cut from 30 to 5 minutes."""
    text = default_matrix_text()
    old = "enterprise: {S1: 15m, S2: 30m, S3: 2h, S4: 4h}"
    assert old in text
    return text.replace(old, "enterprise: {S1: 15m, S2: 5m, S3: 2h, S4: 4h}", 1)


def at(minutes: int) -> datetime:
    return T0.replace(minute=minutes)


def test_a_replacement_reaches_the_trackers_next_evaluation(tmp_path: Path) -> None:
    tracker = open_clock(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    old_version = tracker.policy.current().version
    assert tracker.register("OLD", "acme", ENTERPRISE_S2, T0)["next_check_at"] == "2026-03-02T10:30:00Z"

    new = tracker.policy.replace(cut_t1_allowance(), by="key k1 (lead)")
    # A ticket registered after the replacement is decided by it, and says so.
    fresh = tracker.register("NEW", "acme", ENTERPRISE_S2, at(1))
    assert fresh["matrix_version"] == new.version and fresh["next_check_at"] == "2026-03-02T10:06:00Z"

    # The ticket registered before: its next check was computed under the old matrix (10:30), yet the first
    # sweep after its new allowance ran out escalates it, not 26 minutes later.
    stats = tracker.sweep(at(5))
    assert stats.escalated == 1
    escalation = next(e for e in tracker.timeline("OLD", "acme") if e["kind"] == "escalation")
    assert escalation["tier_entered_at"] == "2026-03-02T10:05:00Z" and escalation["matrix_version"] == new.version
    versions = {e.get("matrix_version") for e in tracker.timeline("OLD", "acme") if e["kind"] == "evaluation"}
    assert versions == {old_version, new.version}
    assert tracker.sweep(at(6)).escalated == 1  # NEW, at its own 5 minutes


def test_who_replaced_it_and_when_is_kept(tmp_path: Path) -> None:
    policy = PolicyStore(connect(f"sqlite:///{tmp_path / 'h.sqlite3'}"))
    first = policy.seed(None)
    new = policy.replace(cut_t1_allowance(), by="key k1 (lead)", now=T0)
    history = policy.history()
    assert [(c.version, c.replaced_by, c.previous_version) for c in history] == [
        (new.version, "key k1 (lead)", first.version),
        (first.version, "shipped default", None),
    ]
    assert history[0].replaced_at == T0


def test_a_broken_matrix_changes_nothing(tmp_path: Path) -> None:
    policy = PolicyStore(connect(f"sqlite:///{tmp_path / 'b.sqlite3'}"))
    before = policy.seed(None)
    with pytest.raises(MatrixLoadError, match="line"):
        policy.replace("name: x\ntiers: [", by="someone")
    assert policy.current().version == before.version and len(policy.history()) == 1


def test_seeding_takes_a_new_file_but_never_undoes_a_replacement(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, demo_kb=False, matrix_path=tmp_path / "m.yaml")
    settings.matrix_path.write_text(default_matrix_text())  # type: ignore[union-attr]
    shipped = open_database(settings).policy.current()
    replaced = open_database(settings).policy.replace(cut_t1_allowance(), by="api")
    # A worker restarting with the same file keeps the replacement in force…
    assert open_database(settings).policy.current().version == replaced.version
    # …and an edited file is an intentional change: it goes in force.
    settings.matrix_path.write_text(default_matrix_text().replace("Head of Support", "VP Support"))  # type: ignore[union-attr]
    edited = open_database(settings).policy.current()
    assert edited.version not in (shipped.version, replaced.version) and edited.owner == "VP Support"


def _assist(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``assist`` command in a process of its own, on the data dir ``data``."""
    env = {**os.environ, "ASSIST_DATA_DIR": str(data), "ASSIST_DEMO_KB": "false"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_another_process_sees_the_replacement(tmp_path: Path) -> None:
    """An API worker replaces the matrix; the sweeper process (`assist clock tick`) uses it at once."""
    data = tmp_path / "data"
    db = open_database(Settings(data_dir=data, demo_kb=False))
    db.tracker.register("P-1", None, ENTERPRISE_S2, T0)
    new = db.policy.replace(cut_t1_allowance(), by="api")
    out = _assist(data, "clock", "tick", "--now", "2026-03-02T10:05:00Z")
    assert out.returncode == 0, out.stderr
    assert "escalated 1" in out.stdout
    escalation = next(e for e in db.tracker.timeline("P-1") if e["kind"] == "escalation")
    assert escalation["matrix_version"] == new.version

    # And the other way round: a replacement made by another process is seen here once the cache ages out.
    policy = PolicyStore(db.engine, max_age=0)
    assert policy.current().version == new.version
    out = _assist(data, "matrix", "apply", str(tmp_path / "missing.yaml"))
    assert out.returncode == 2 and "error:" in out.stderr  # not a file: refused, nothing changes
    assert policy.current().version == new.version
    shipped = tmp_path / "shipped.yaml"
    shipped.write_text(default_matrix_text())
    out = _assist(data, "matrix", "apply", str(shipped), "--by", "lead")
    assert out.returncode == 0, out.stderr
    assert policy.current().version == parse_matrix(default_matrix_text()).version
    assert policy.history()[0].replaced_by == "lead"
    assert json.dumps(policy.history()[0].to_dict())


class _ReplacedDuringTheSweep(PolicyStore):
    """Every read of the matrix in force is followed at once by a replacement (as if a PUT landed then)."""

    def __init__(self, inner: PolicyStore, texts: list[str]) -> None:
        super().__init__(inner.engine, max_age=0)
        self.texts = texts

    def current(self) -> Matrix:
        m = super().current()
        if self.texts:
            self.replace(self.texts.pop(0), by="racing admin")
        return m


def test_a_sweep_uses_one_version_throughout(tmp_path: Path) -> None:
    tracker = open_clock(f"sqlite:///{tmp_path / 's.sqlite3'}")
    for i in range(30):
        tracker.register(f"S-{i}", None, ENTERPRISE_S2, T0)
    texts = [cut_t1_allowance(), default_matrix_text().replace("Head of Support", "VP Support")]
    racing = _ReplacedDuringTheSweep(tracker.policy, texts)
    swept = Tracker(tracker.engine, racing, Outbox(tracker.engine))
    version = PolicyStore(tracker.engine, max_age=0).current().version
    stats = swept.sweep(at(31), batch=7)  # several batches, several transactions
    assert stats.processed == 30 and stats.escalated == 30
    used = {
        e["matrix_version"]
        for i in range(30)
        for e in tracker.timeline(f"S-{i}")
        if e["kind"] in ("escalation", "evaluation") and e["at"] == "2026-03-02T10:31:00Z"
    }
    assert used == {version}
