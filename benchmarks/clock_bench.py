"""Due tickets processed per second by the SLA sweeper: one sweeper and two, on SQLite and PostgreSQL.

100,000 open tickets are bulk-loaded (enterprise S2 bugs at T1, created over the last hours); the ones whose
T1 window has run out are due. Each sweeper pass escalates them (matrix evaluation, timeline, outbox rows in one
transaction per batch). Two sweepers run as two processes claiming rows with SKIP LOCKED; SQLite is measured
with one sweeper only (the supported setup on one machine).

    python benchmarks/clock_bench.py [--tickets 100000] [--due 10000]
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
WORKER = """
import sys, json, time
from datetime import datetime
from assist.clock import Tracker
from assist.db import connect
from assist.outbox import Outbox
from assist.policy import PolicyStore
engine = connect(sys.argv[1])
policy = PolicyStore(engine)
policy.seed(None)
tracker = Tracker(engine, policy, Outbox(engine))
start = time.time()
stats = tracker.sweep(datetime.fromisoformat(sys.argv[2]), batch=200)
print(json.dumps({"processed": stats.processed, "start": start, "end": time.time()}))
"""


def load(url: str, n: int, due: int) -> None:
    from sqlalchemy import insert

    from assist.db import connect
    from assist.db.schema import tickets
    from matrix import default_matrix

    engine = connect(url)
    version = default_matrix().version
    rows = []
    for i in range(n):
        is_due = i < due
        created = NOW - timedelta(minutes=45 if is_due else 5)
        facts = {
            "severity": "S2",
            "customer_tier": "enterprise",
            "issue_type": "bug",
            "status": "open",
            "current_tier": "T1",
            "created_at": created.isoformat(),
            "tier_entered_at": created.isoformat(),
        }
        rows.append(
            {
                "id": f"B-{i}",
                "account_id": f"acct-{i % 50}",
                "facts": json.dumps(facts),
                "status": "open",
                "tier": "T1",
                "queue": None,
                "next_check_at": created + timedelta(minutes=30),
                "last_update_at": NOW,
                "created_at": created,
                "updated_at": created,
                "resolved_at": None,
                "version": 1,
                "fired": '["warning:reply", "breach:reply", "warning:resolve"]',
                "matrix_version": version,  # decided under the matrix in force: only due tickets are swept
            }
        )
    with engine.begin() as con:
        for start in range(0, n, 5000):
            con.execute(insert(tickets), rows[start : start + 5000])
    engine.dispose()


def sweep(url: str, workers: int) -> tuple[int, float]:
    """Processed count and the sweeping time: first worker's start to last worker's end (imports excluded)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, NOW.isoformat()], cwd=ROOT, text=True, stdout=subprocess.PIPE
        )
        for _ in range(workers)
    ]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    return sum(o["processed"] for o in outs), max(o["end"] for o in outs) - min(o["start"] for o in outs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    from sqlalchemy import create_engine, text

    print(f"{args.tickets:,} open tickets, {args.due:,} due")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        load(url, args.tickets, args.due)
        n, secs = sweep(url, 1)
        results[("sqlite", 1)] = n / secs
        print(f"SQLite, 1 sweeper: {n:,} due tickets in {secs:.1f}s = {n / secs:,.0f}/s")
    admin = create_engine(PG)
    for workers in (1, 2):
        schema = f"bench_{secrets.token_hex(4)}"
        with admin.begin() as con:
            con.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG}?options=-csearch_path%3D{schema}"
        try:
            load(url, args.tickets, args.due)
            n, secs = sweep(url, workers)
            results[("postgresql", workers)] = n / secs
            print(f"PostgreSQL, {workers} sweeper(s): {n:,} due tickets in {secs:.1f}s = {n / secs:,.0f}/s")
        finally:
            with admin.begin() as con:
                con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    print(f"PostgreSQL 2 vs 1 sweeper: {results[('postgresql', 2)] / results[('postgresql', 1)]:.2f}x")


if __name__ == "__main__":
    main()
