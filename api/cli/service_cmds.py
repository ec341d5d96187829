"""The running service from the command line: ``assist serve``, ``assist ask``, ``assist keys``, the SLA clock's
sweeper (``assist clock``) and the leadership report (``assist report``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import AsJson, ChromaUrl, DataDir, errors, fail, read_json, settings

keys_app = typer.Typer(
    help="API keys: stored hashed, each with a role and optionally an account.", no_args_is_help=True
)
clock_app = typer.Typer(
    help="Time enforces it: the SLA sweeper that escalates, warns and notifies.", no_args_is_help=True
)
report_app = typer.Typer(help="Leadership views.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="agent (ask, evaluate, record resolutions) or admin (also changes).")],
    account: Annotated[str | None, typer.Option(help="Bind the key to one account: it sees nothing else.")] = None,
    name: Annotated[str, typer.Option(help="Who or what uses the key.")] = "cli",
    data_dir: DataDir = None,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from assist.runtime import open_database

    with errors():
        raw, key = open_database(settings(data_dir)).keys.create(name, role, account, datetime.now(UTC))
    typer.echo(raw)
    typer.echo(f"key {key.id}: role {key.role}, account {key.account_id or '(all)'}", err=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Run the API and the helpdesk sidebar (http://HOST:PORT/sidebar) on the embedded defaults.

    On first start with an empty knowledge base a small TechQA demo slice is ingested, and when no API key exists
    an agent key is created and the sidebar URL is printed with it.
    """
    import uvicorn

    from api.app import create_app
    from assist.runtime import open_runtime

    s = settings(data_dir, chroma_url)
    with errors():
        rt = open_runtime(s)
    keys = rt.db.keys
    if keys.count() == 0:
        raw, _ = keys.create("first-run sidebar", "agent", None, datetime.now(UTC))
        typer.echo(f"created an agent API key (shown once): {raw}")
        typer.echo(f"sidebar: http://{host}:{port}/sidebar#key={raw}")
    else:
        typer.echo(f"sidebar: http://{host}:{port}/sidebar (paste an API key; `assist keys create` makes one)")
    uvicorn.run(create_app(s, rt), host=host, port=port, log_level="info")


def ask(
    text: Annotated[str, typer.Argument(help="The ticket text.")],
    account: Annotated[str | None, typer.Option(help="The customer's account id.")] = None,
    subject: Annotated[str | None, typer.Option(help="Ticket subject.")] = None,
    facts: Annotated[Path | None, typer.Option(help="JSON file of facts the helpdesk knows (they win).")] = None,
    now: Annotated[str | None, typer.Option(help="Decide as of this ISO 8601 time.")] = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the same body as POST /v1/assist.")] = False,
) -> None:
    """Should I escalate? The suggested answer with its citations, then the decision and why."""
    from pydantic import ValidationError

    from assist.models import TicketIn
    from assist.runtime import open_runtime

    s = settings(data_dir, chroma_url)
    try:
        ticket = TicketIn(
            body=text,
            subject=subject,
            account_id=account,
            facts=read_json(facts, "--facts") if facts else {},
            now=now,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", 2) from None
    with errors():
        result = open_runtime(s, background=False).pipeline.run(ticket)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    typer.echo(f"Answer ({result.answer.mode}, confidence {result.confidence:.0%}):")
    typer.echo("  " + (result.answer.text or "no answer in the knowledge base"))
    for c in result.citations:
        typer.echo(f"  [{c.n}] {c.source}:{c.source_id}  {c.title[:70]}")
    d = result.decision
    verb = "ESCALATE to" if d.escalate else "Stay at"
    typer.echo(
        f"Decision: {verb} {d.tier}{' / ' + d.queue if d.queue else ''} — owner {d.owner_role}, backup {d.backup_role}"
    )
    typer.echo(f"  why: {d.rule_id}: {d.reason}")
    typer.echo(
        f"  reply by {d.sla.reply_by}, resolve by {d.sla.resolve_by}, next escalation {d.next_escalation_at or 'none'}"
    )
    inferred = ", ".join(f"{k}={v.value} ({v.source}, {v.confidence:.0%} sure)" for k, v in result.facts.items())
    typer.echo(f"  facts: {inferred}")
    if result.assumed:
        typer.echo(f"  assumed, please check: {'; '.join(result.assumed)}")
    if result.needs_agent:
        unclear = "; ".join(
            f"{k} (suggested {v.value}, {v.confidence:.0%} sure)" for k, v in result.needs_agent.items()
        )
        typer.echo(f"  unclear from the words, set with --facts: {unclear}")


@clock_app.command("tick")
def clock_tick(
    now: Annotated[str | None, typer.Option(help="Run the pass as of this ISO 8601 time (default: now).")] = None,
    data_dir: DataDir = None,
    deliver: Annotated[bool, typer.Option(help="Also send due notifications.")] = True,
) -> None:
    """One pass: escalate every ticket whose clock ran out, fire warnings and reminders, send notifications."""
    from assist.runtime import open_database
    from matrix.facts import parse_datetime

    with errors():
        at = parse_datetime("--now", now) if now else datetime.now(UTC)
        db = open_database(settings(data_dir))
        stats = db.tracker.sweep(at)
    line = ", ".join(f"{k} {v}" for k, v in stats.to_dict().items())
    if deliver:
        d = db.outbox.deliver(at)
        line += f"; notifications sent {d.sent}, failed {d.failed}, skipped {d.skipped}, dead {d.dead}"
    typer.echo(line)


@clock_app.command("run")
def clock_run(
    interval: Annotated[float, typer.Option(help="Seconds between passes.", min=1)] = 30.0,
    data_dir: DataDir = None,
) -> None:
    """The long-running sweeper. Safe to run several at once on PostgreSQL (rows are claimed with SKIP LOCKED).
    Each pass uses the matrix in force when it starts, so a replacement applies from the next pass."""
    import signal
    import threading

    from assist.runtime import open_database

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with errors():
        db = open_database(settings(data_dir))
    typer.echo(f"sweeping every {interval:g}s; Ctrl-C to stop")
    while not stop.is_set():
        at = datetime.now(UTC)
        stats = db.tracker.sweep(at)
        sent = db.outbox.deliver(at)
        if stats.processed or sent.sent or sent.failed:
            typer.echo(
                f"{at.isoformat(timespec='seconds')} processed {stats.processed}, escalated "
                f"{stats.escalated}, sent {sent.sent}, failed {sent.failed}"
            )
        stop.wait(interval)


@report_app.command("escalations")
def report_escalations(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Volume by tier, queue, rule and plan; time to reply/resolve per tier against SLA; breach rate; recurring
    issues."""
    from assist.clock import escalation_report
    from assist.runtime import open_database

    with errors():
        db = open_database(settings(data_dir))
        report = escalation_report(db.engine, db.policy.current(), datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(f"{report['tickets']} tickets ({report['open']} open), breach rate {report['breach_rate']:.1%}")
    for dim, counts in report["escalations"].items():
        if counts:
            typer.echo(f"  escalations by {dim}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for tier, row in report["per_tier"].items():
        typer.echo(
            f"  {tier}: reply {row['mean_minutes_to_reply']} min (SLA {row['mean_reply_sla']}), resolve "
            f"{row['mean_minutes_to_resolve']} min (SLA {row['mean_resolve_sla']}), {row['resolved']} resolved"
        )
    for issue in report["recurring_issues"]:
        typer.echo(f"  recurring: {issue['example']} ({issue['resolved_in_30_days']} in 30 days)")
