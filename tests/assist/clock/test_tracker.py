"""SLA clocks and automatic escalation, with time driven explicitly (no sleeping), and the outbox."""

from __future__ import annotations

import hashlib
import hmac
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from assist.clock import Tracker, escalation_report
from assist.outbox import NotifyConfig
from matrix import FactError
from matrix.errors import Conflict

from .helpers import open_clock
from .receivers import Receiver, SmtpReceiver


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    return open_clock(f"sqlite:///{tmp_path / 't.sqlite3'}")


def kinds(tracker: Tracker, ticket: str, account: str | None = None) -> list[str]:
    return [e["kind"] for e in tracker.timeline(ticket, account) if e["kind"] != "evaluation"]


def test_left_alone_it_escalates_exactly_when_the_window_ends(tracker: Tracker) -> None:
    # enterprise S2 bug at T1: 30 minutes in T1, 24x7.
    d = tracker.register(
        "T-1",
        "acme",
        {"severity": "S2", "customer_tier": "enterprise", "issue_type": "bug"},
        at("2026-03-02T10:00:00Z"),
    )
    assert d["tier"] == "T1" and d["next_check_at"] == "2026-03-02T10:30:00Z"
    assert tracker.sweep(at("2026-03-02T10:29:59Z")).processed == 0
    stats = tracker.sweep(at("2026-03-02T10:30:00Z"))
    assert stats.escalated == 1
    esc = [e for e in tracker.timeline("T-1", "acme") if e["kind"] == "escalation"]
    assert esc[0]["from"] == "T1" and esc[0]["to"] == "T2" and esc[0]["rule_id"] == "time:T1"
    assert esc[0]["tier_entered_at"] == "2026-03-02T10:30:00Z"
    assert any("ran out at 2026-03-02T10:30:00Z" in c["detail"] for c in esc[0]["clock"])
    # Sweeping again at the same instant changes nothing: escalated once.
    assert tracker.sweep(at("2026-03-02T10:30:00Z")).escalated == 0


def test_business_hours_across_a_weekend_and_a_holiday(tracker: Tracker) -> None:
    # smb S3 at T1: 8 business hours (09-17 New York). Wednesday 2026-11-25 16:00 EST; Thursday is Thanksgiving,
    # then the weekend: 1h Wed + 7h Fri -> Friday 16:00 EST = 21:00Z.
    d = tracker.register(
        "H-1",
        None,
        {"severity": "S3", "customer_tier": "smb", "issue_type": "bug", "created_at": "2026-11-25T21:00:00Z"},
        at("2026-11-25T21:00:00Z"),
    )
    assert d["next_escalation_at"] == "2026-11-27T21:00:00Z"
    for day in ("2026-11-26T20:00:00Z", "2026-11-27T20:59:00Z"):
        tracker.sweep(at(day))
        assert "escalation" not in kinds(tracker, "H-1")
    tracker.sweep(at("2026-11-27T21:00:00Z"))
    assert kinds(tracker, "H-1").count("escalation") == 1


def test_paused_ticket_does_not_escalate_and_resumes_when_reopened(tracker: Tracker) -> None:
    t0 = at("2026-03-02T10:00:00Z")
    tracker.register("P-1", None, {"severity": "S2", "customer_tier": "enterprise", "issue_type": "bug"}, t0)
    tracker.change("P-1", {"status": "pending"}, t0 + timedelta(minutes=10))
    assert tracker.sweep(t0 + timedelta(hours=5)).processed == 0  # clock stopped: nothing is due
    d = tracker.change("P-1", {"status": "open"}, t0 + timedelta(hours=6))
    # 10 minutes ran before the pause; 20 remain from the resume.
    assert d["next_escalation_at"] == "2026-03-02T16:20:00Z" and d["sla"]["paused_minutes"] == 350
    tracker.sweep(at("2026-03-02T16:20:00Z"))
    assert kinds(tracker, "P-1").count("escalation") == 1


def test_solved_then_reopened_ticket_resumes(tracker: Tracker) -> None:
    t0 = at("2026-03-02T10:00:00Z")
    tracker.register("R-1", None, {"severity": "S2", "customer_tier": "enterprise"}, t0)
    tracker.change("R-1", {"status": "solved"}, t0 + timedelta(minutes=5))
    assert tracker.sweep(t0 + timedelta(days=3)).processed == 0
    d = tracker.change("R-1", {"status": "open"}, t0 + timedelta(days=3))
    assert "reopened" in kinds(tracker, "R-1")
    assert at(d["next_escalation_at"]) == t0 + timedelta(days=3, minutes=25)


def test_warnings_breaches_and_update_reminders_once_each(tracker: Tracker) -> None:
    # enterprise S1 starts at T2: reply 15 min (warn at 75% = 11m15s), updates every 30 min.
    t0 = at("2026-03-02T10:00:00Z")
    tracker.register("W-1", "acme", {"severity": "S1", "customer_tier": "enterprise", "issue_type": "outage"}, t0)
    tracker.sweep(t0 + timedelta(minutes=11, seconds=15))
    tracker.sweep(t0 + timedelta(minutes=12))
    assert kinds(tracker, "W-1", "acme").count("warning") == 1
    tracker.sweep(t0 + timedelta(minutes=15))
    assert kinds(tracker, "W-1", "acme").count("breach") == 1
    tracker.sweep(t0 + timedelta(minutes=30))
    tracker.sweep(t0 + timedelta(minutes=31))
    assert kinds(tracker, "W-1", "acme").count("update_reminder") == 1
    tracker.change(
        "W-1",
        {"customer_update_at": "2026-03-02T10:40:00Z", "first_reply_at": "2026-03-02T10:40:00Z"},
        t0 + timedelta(minutes=40),
        "acme",
    )
    tracker.sweep(t0 + timedelta(minutes=69))
    assert kinds(tracker, "W-1", "acme").count("update_reminder") == 1  # next one is due at 11:10
    tracker.sweep(t0 + timedelta(minutes=70))
    assert kinds(tracker, "W-1", "acme").count("update_reminder") == 2


def test_bad_input_writes_nothing(tracker: Tracker) -> None:
    with pytest.raises(FactError, match="severity"):
        tracker.register("B-1", None, {"severity": "S9"}, at("2026-03-02T10:00:00Z"))
    tracker.register("B-1", None, {}, at("2026-03-02T10:00:00Z"))
    with pytest.raises(Conflict):
        tracker.register("B-1", None, {}, at("2026-03-02T10:00:00Z"))
    before = tracker.timeline("B-1")
    with pytest.raises(FactError):
        tracker.change("B-1", {"kb_confidence": 5}, at("2026-03-02T10:05:00Z"))
    assert tracker.timeline("B-1") == before


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver, Receiver, SmtpReceiver]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        smtp = SmtpReceiver()
    slack, pd, hook = Receiver(), Receiver(failures=3), Receiver()
    yield slack, pd, hook, smtp
    for r in (slack, pd, hook):
        r.close()
    smtp.close()


def test_outbox_delivers_every_channel_once_and_retries_a_failing_one(
    tmp_path: Path, receivers: tuple[Receiver, Receiver, Receiver, SmtpReceiver]
) -> None:
    slack, pd, hook, smtp = receivers
    config = NotifyConfig(
        {
            "slack:*": {"url": f"{slack.url}/slack"},
            "pagerduty:*": {"url": f"{pd.url}/v2/enqueue", "routing_key": "RKEY"},
            "webhook:ops": {"url": f"{hook.url}/hook", "secret": "s3cret"},
            "email:*": {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "from": "assist@example.com"},
        }
    )
    from matrix.loader import default_matrix_text

    text = default_matrix_text().replace(
        'notify: ["slack:#incidents", "pagerduty:major-incident"]',
        'notify: ["slack:#incidents", "pagerduty:major-incident", "webhook:ops"]',
    )
    tr = open_clock(f"sqlite:///{tmp_path / 't.sqlite3'}", text, config)
    t0 = at("2026-03-02T10:00:00Z")
    tr.register(
        "N-1",
        "acme",
        {"severity": "S1", "customer_tier": "enterprise", "issue_type": "outage", "affected_accounts": 12},
        t0,
    )  # multi-customer outage -> T4 at once
    first = tr.outbox.deliver(t0)
    assert first.failed >= 1  # PagerDuty is down for three attempts
    for minutes in (1, 2, 5, 10):
        tr.outbox.deliver(t0 + timedelta(minutes=minutes))
    # T4 + incident-response queue + S1 targets, each once: one Slack post, one PagerDuty incident (after three
    # failed attempts), one signed webhook, two e-mails (status page, leadership).
    assert len(slack.received) == 1 and len(hook.received) == 1 and len(pd.received) == 1
    assert len(smtp.messages) == 2
    pd_msg = pd.received[0]["body"]
    assert pd_msg["dedup_key"] == "acme/N-1:T4"  # one incident per ticket and tier, in its account
    assert pd_msg["event_action"] == "trigger" and pd_msg["routing_key"] == "RKEY"
    assert pd_msg["payload"]["severity"] == "critical"
    sig = hook.received[0]["headers"]["X-Assist-Signature"]
    assert sig == "sha256=" + hmac.new(b"s3cret", hook.received[0]["raw"], hashlib.sha256).hexdigest()
    assert tr.outbox.deliver(t0 + timedelta(hours=1)).sent == 0  # nothing is sent twice

    tr.change("N-1", {"status": "solved"}, t0 + timedelta(hours=2), "acme")
    tr.outbox.deliver(t0 + timedelta(hours=2))
    resolves = [r["body"] for r in pd.received if r["body"]["event_action"] == "resolve"]
    assert resolves and resolves[0]["dedup_key"] == pd_msg["dedup_key"]
    assert "notification" in kinds(tr, "N-1", "acme")
    report = escalation_report(tr.engine, tr.policy.current(), t0 + timedelta(hours=3))  # the same tables
    assert report["escalations"]["tier"] == {} and report["per_tier"]["T4"]["resolved"] == 1


def test_two_deliverers_at_once_send_each_notification_once(tmp_path: Path) -> None:
    """The webhook's delivery and a sweeper's (two processes on one SQLite file) meet on the same due rows: while
    the first is still waiting for the endpoint, the second finds nothing left to send, and the service's writes
    go through."""
    gate = threading.Event()
    slack = Receiver(gate=gate)
    url = f"sqlite:///{tmp_path / 't.sqlite3'}"
    config = NotifyConfig({"slack:*": {"url": f"{slack.url}/slack"}})
    tr = open_clock(url, None, config)
    t0 = at("2026-03-02T10:00:00Z")
    outage = {"severity": "S1", "customer_tier": "enterprise", "issue_type": "outage", "affected_accounts": 12}
    for n in range(4):  # each a multi-customer outage: Slack posts at once
        tr.register(f"N-{n}", "acme", outage, t0)
    other = open_clock(url, None, config)  # a second process: its own engine on the same file
    results: dict[str, Any] = {}

    def run(name: str, tracker: Tracker) -> None:
        try:
            results[name] = tracker.outbox.deliver(t0)
        except BaseException as exc:
            results[name] = exc

    first = threading.Thread(target=run, args=("first", tr))
    first.start()
    assert slack.arrived.wait(timeout=120)  # the first deliverer is inside its first send
    second = threading.Thread(target=run, args=("second", other))
    second.start()
    second.join(timeout=120)  # returns at once when nothing is left to claim; blocks on the gate if it re-sends
    finished_before_the_endpoint_answered = not second.is_alive()
    other.register("N-9", "acme", {"severity": "S3", "customer_tier": "enterprise"}, t0)  # a write meanwhile
    gate.set()
    first.join()
    second.join()
    slack.close()
    assert finished_before_the_endpoint_answered
    assert results["second"].sent == 0, results  # everything due was the first deliverer's
    texts = [r["body"].get("text", "") for r in slack.received]
    assert len(texts) == len(set(texts)) == results["first"].sent >= 4  # every post once (N-9's too)
    assert tr.outbox.deliver(t0 + timedelta(hours=1)).sent == 0
