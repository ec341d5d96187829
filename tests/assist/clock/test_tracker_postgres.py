"""Several sweepers at once on real PostgreSQL: every due ticket escalated once, every notification recorded once
and delivered, a receiver that is down for a while still gets everything, and a sweeper killed mid-pass loses
nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select

from assist.clock import Tracker
from assist.db.schema import outbox, timeline
from assist.outbox import NotifyConfig

from .helpers import open_clock
from .receivers import Receiver

ROOT = Path(__file__).resolve().parents[3]
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
SWEEP = """
import sys, json
from datetime import datetime
from assist.outbox import NotifyConfig
from tests.assist.clock.helpers import open_clock
url, config, now = sys.argv[1], json.loads(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
tracker = open_clock(url, None, NotifyConfig(config))
stats = tracker.sweep(now, batch=50)
sent = tracker.outbox.deliver(now, batch=50)
print(json.dumps({"processed": stats.processed, "escalated": stats.escalated, "sent": sent.sent}))
"""


def _register(tracker: Tracker, n: int, prefix: str) -> None:
    for i in range(n):
        tracker.register(
            f"{prefix}-{i}", None, {"severity": "S2", "customer_tier": "enterprise", "issue_type": "bug"}, T0
        )


def _sweepers(url: str, config: dict[str, object], now: datetime, n: int) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [sys.executable, "-c", SWEEP, url, json.dumps(config), now.isoformat()],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(n)
    ]


def _escalations(url: str) -> Counter[str]:
    engine = create_engine(url)
    with engine.connect() as con:
        rows = con.execute(select(timeline.c.ticket_id).where(timeline.c.kind == "escalation")).all()
    engine.dispose()
    return Counter(r[0] for r in rows)


def test_three_sweepers_over_1000_due_tickets(pg_url: str) -> None:
    slack, hook = Receiver(failures=40), Receiver()
    try:
        config = {"slack:*": {"url": f"{slack.url}/slack"}}
        tracker = open_clock(pg_url, None, NotifyConfig(config))
        _register(tracker, 1000, "C")
        due = T0 + timedelta(minutes=31)
        procs = _sweepers(pg_url, config, due, 3)
        outs = [p.communicate(timeout=600) for p in procs]
        assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
        results = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
        assert sum(r["escalated"] for r in results) == 1000
        assert sum(1 for r in results if r["processed"]) >= 2, results  # the work was shared

        escalated = _escalations(pg_url)
        assert len(escalated) == 1000 and set(escalated.values()) == {1}

        # The receiver failed its first 40 requests; later passes retry with backoff until all are delivered.
        for minutes in (32, 35, 40, 60, 120):
            tracker.outbox.deliver(T0 + timedelta(minutes=minutes), batch=200)
        with tracker.engine.connect() as con:
            statuses = dict(con.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all())
            rows = con.execute(
                select(func.count(), func.count(outbox.c.dedup_key.distinct())).select_from(outbox)
            ).one()
        assert statuses == {"sent": 2000}  # 1000 "routed to T1" + 1000 "escalated to T2"
        assert rows[0] == rows[1] == 2000  # recorded exactly once
        keys = Counter(r["headers"]["X-Assist-Dedup-Key"] for r in slack.received)
        assert len(keys) == 2000 and max(keys.values()) == 1  # delivered once each
    finally:
        slack.close()
        hook.close()


def test_killed_sweeper_loses_nothing_and_doubles_nothing(pg_url: str) -> None:
    tracker = open_clock(pg_url)  # no endpoints: notifications are recorded, skipped
    _register(tracker, 600, "K")
    due = T0 + timedelta(minutes=31)
    proc = _sweepers(pg_url, {}, due, 1)[0]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and sum(_escalations(pg_url).values()) < 100:
        threading.Event().wait(0.05)  # polling a subprocess for progress, not waiting for time to pass
    assert proc.poll() is None, "the sweeper finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = sum(_escalations(pg_url).values())
    assert 0 < partial < 600
    finisher = _sweepers(pg_url, {}, due, 2)
    for p in finisher:
        p.communicate(timeout=600)
        assert p.returncode == 0
    escalated = _escalations(pg_url)
    assert len(escalated) == 600 and set(escalated.values()) == {1}
    with tracker.engine.connect() as con:
        n, distinct = con.execute(
            select(func.count(), func.count(outbox.c.dedup_key.distinct())).select_from(outbox)
        ).one()
    assert n == distinct == 1200
