"""The ``assist`` command line: a thin door onto matrix/ (and, as they land, ingest/, assist/, api/, evals/).

Errors are typed inside the packages; this module maps them to one exit-code table and prints the same message
the API would return.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from matrix import Matrix, MatrixError, default_matrix, evaluate, load_matrix
from matrix.errors import FactError, MatrixLoadError

# One exit-code table for every command: 2 = the input was wrong (names the field), 1 = the policy has problems.
EXIT_CODES: dict[type[Exception], int] = {FactError: 2, MatrixLoadError: 2, MatrixError: 2}
EXIT_BUSY = 3  # another process is writing to the data dir
EXIT_LINT_FAILED = 1

app = typer.Typer(
    help=(
        "Escalation assist for B2B support teams.\n\n"
        "Deflect tickets at Tier 1 from past tickets, Slack threads and docs, then decide escalation with a "
        "deterministic escalation matrix: tier, queue, owner and backup, who is notified, SLA deadlines and the "
        "next automatic escalation, with the rule and facts that decided it."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
matrix_app = typer.Typer(
    help=(
        "Own the escalation matrix: evaluate a ticket's facts, lint the policy, show it as tables, and move it "
        "to and from a spreadsheet. Without a PATH, commands use the default matrix shipped with the package."
    ),
    no_args_is_help=True,
)
app.add_typer(matrix_app, name="matrix")
ingest_app = typer.Typer(
    help=(
        "Index what support already knows into the knowledge base (Chroma under --data-dir): docs folders, past "
        "tickets (JSONL/CSV), Zendesk exports, Slack exports, and CRM accounts. Every chunk carries its account "
        "(or public); secrets and personal data are redacted first. Re-running is safe: unchanged items are "
        "skipped, edited ones replaced, an interrupted run resumes where it stopped."
    ),
    no_args_is_help=True,
)
app.add_typer(ingest_app, name="ingest")
kb_app = typer.Typer(help="Inspect and prune the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the packages' typed errors into a message on stderr and the exit code from EXIT_CODES."""
    try:
        yield
    except MatrixError as exc:
        code = next((c for t, c in EXIT_CODES.items() if isinstance(exc, t)), 2)
        raise _fail(str(exc), code) from None


def _load(path: Path | None) -> Matrix:
    return default_matrix() if path is None else load_matrix(path)


MatrixPath = Annotated[
    Path | None,
    typer.Option("--matrix", "-m", help="Matrix YAML file. Default: the matrix shipped with the package."),
]
MatrixArg = Annotated[Path | None, typer.Argument(help="Matrix YAML file. Default: the shipped matrix.")]


def _read_json(path: Path, what: str) -> Any:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(f"{what}: cannot read {path}: {exc.strerror or exc}", 2) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"{what}: {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", 2) from None


@matrix_app.command("evaluate")
def matrix_evaluate(
    facts: Annotated[Path, typer.Option("--facts", "-f", help="JSON file with the ticket's facts ('-' for stdin).")],
    matrix: MatrixPath = None,
    now: Annotated[
        str | None, typer.Option(help="Evaluate as of this ISO 8601 time (default: the current time, UTC).")
    ] = None,
) -> None:
    """Print the escalation decision for one ticket as JSON.

    The decision says whether to escalate, to which tier and queue, the owner and backup roles, who is notified,
    the SLA deadlines, the next automatic escalation and the rule that decided, with a trace of every rule
    considered. Bad facts exit with code 2 and a message naming the field.
    """
    data = _read_json(facts, "--facts")
    with _errors():
        m = _load(matrix)
        decision = evaluate(m, data, now or datetime.now(UTC).isoformat())
    typer.echo(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False))


@matrix_app.command("lint")
def matrix_lint(
    path: MatrixArg = None,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too, not just errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list informational findings.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    today: Annotated[
        str | None, typer.Option(help="Judge the review date as of this day (YYYY-MM-DD). Default: today.")
    ] = None,
) -> None:
    """Check a matrix for mistakes a valid file can still make.

    Shadowed rules, overlapping rules that disagree, fact combinations no rule covers, tiers nothing can reach,
    tiers without a backup, SLAs looser for a worse severity or a higher plan, missing responsibility text, and a
    review overdue (monthly for 90 days after adoption, then quarterly). Exit 1 when there are errors (or
    warnings with --strict).
    """
    from matrix.lint import has_problems, lint

    with _errors():
        m = _load(path)
        try:
            day = date.fromisoformat(today) if today else date.today()
        except ValueError:
            raise _fail(f"--today: {today!r} is not a date like 2026-11-27", 2) from None
        findings = lint(m, day)
    if as_json:
        typer.echo(json.dumps({"version": m.version, "findings": [f.to_dict() for f in findings]}, indent=2))
    else:
        shown = [f for f in findings if verbose or f.level != "info"]
        for f in shown:
            typer.echo(f"{f.level:7} {f.code:20} {f.where}: {f.message}")
        counts = {lvl: sum(f.level == lvl for f in findings) for lvl in ("error", "warning", "info")}
        hidden = "" if verbose or not counts["info"] else " (use -v to list info)"
        typer.echo(
            f"{m.name} ({m.version}): {counts['error']} error(s), {counts['warning']} warning(s), "
            f"{counts['info']} info{hidden}"
        )
    if has_problems(findings, strict):
        raise typer.Exit(EXIT_LINT_FAILED)


@matrix_app.command("show")
def matrix_show(path: MatrixArg = None) -> None:
    """Show the matrix as readable tables: tiers, severities, SLAs per plan, triggers in order, time escalation."""
    from rich.console import Console
    from rich.table import Table

    from matrix.conditions import render
    from matrix.schema import format_duration

    with _errors():
        m = _load(path)
    console = Console()
    console.print(f"[bold]{m.name}[/bold]  version {m.version}  owner {m.owner}  last reviewed {m.last_reviewed}")

    def table(title: str, cols: list[str], rows: list[list[str]]) -> None:
        t = Table(title=title, title_justify="left", show_lines=False)
        for c in cols:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*r)
        console.print(t)

    table(
        "Tiers",
        ["tier", "name", "owner", "backup", "responsibility", "notify"],
        [[t.id, t.name, t.owner_role, t.backup_role or "-", t.responsibility, ", ".join(t.notify)] for t in m.tiers],
    )
    table(
        "Severities",
        ["severity", "name", "entry tier", "customer updates", "description"],
        [
            [
                s.id,
                s.name,
                s.entry_tier,
                format_duration(m.customer_updates[s.id]) if s.id in m.customer_updates else "-",
                s.description,
            ]
            for s in m.severities
        ],
    )
    table(
        "SLA (reply / resolve, active time in the plan's calendar)",
        ["plan", "calendar", *[s.id for s in m.severities]],
        [
            [
                p.id,
                p.calendar,
                *[
                    f"{format_duration(p.sla[s.id].reply)} / {format_duration(p.sla[s.id].resolve)}"
                    for s in m.severities
                ],
            ]
            for p in m.plans
        ],
    )
    table(
        "Triggers (first match decides)",
        ["#", "id", "when", "tier", "queue", "bypass", "after"],
        [
            [
                str(i + 1),
                t.id,
                render(t.when),
                t.tier,
                t.queue or "-",
                "yes" if t.bypass else "",
                format_duration(t.after) if t.after else "",
            ]
            for i, t in enumerate(m.triggers)
        ],
    )
    rows = []
    for te in m.time_escalation:
        for plan, by in te.minutes.items():
            rows.append(
                [
                    f"{te.tier} -> {te.to}",
                    plan,
                    *[format_duration(by[s.id]) if s.id in by else "-" for s in m.severities],
                ]
            )
    table("Time in tier before escalating", ["move", "plan", *[s.id for s in m.severities]], rows)
    table(
        "Queues",
        ["queue", "tier", "owner", "backup"],
        [[q.id, q.tier, q.owner_role or "(tier owner)", q.backup_role or "(tier backup)"] for q in m.queues],
    )


@matrix_app.command("export")
def matrix_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write: a .xlsx file, or a folder for CSV.")],
    path: MatrixArg = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="xlsx or csv. Default: from --out (.xlsx, else csv).")
    ] = None,
) -> None:
    """Export the matrix to a spreadsheet: one sheet (or CSV file) per section, as support leads keep theirs."""
    from matrix.sheet import export_csv, export_xlsx

    kind = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    if kind not in ("xlsx", "csv"):
        raise _fail(f"--format: must be xlsx or csv, got {kind!r}", 2)
    with _errors():
        m = _load(path)
    if kind == "xlsx":
        export_xlsx(m, out)
        typer.echo(f"wrote {out} ({m.version})")
    else:
        files = export_csv(m, out)
        typer.echo(f"wrote {len(files)} CSV files to {out} ({m.version})")


@matrix_app.command("import")
def matrix_import(
    source: Annotated[Path, typer.Argument(help="A .xlsx workbook or a folder of <section>.csv files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="YAML file to write ('-' for stdout).")],
) -> None:
    """Import a spreadsheet back into a validated matrix YAML file (lossless: same version as exported)."""
    from matrix.loader import dump_yaml
    from matrix.sheet import import_sheets

    with _errors():
        m = import_sheets(source)
    text = dump_yaml(m)
    if str(out) == "-":
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out} ({m.version})")


@matrix_app.command("replay")
def matrix_replay(
    cases: Annotated[Path, typer.Option(help='JSONL, one ticket a line: {"id", "facts", "now"}.')],
    proposed: Annotated[Path, typer.Option(help="The matrix you want to roll out.")],
    baseline: Annotated[Path | None, typer.Option(help="The matrix in force. Default: the shipped matrix.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """What would move if PROPOSED replaced BASELINE: tickets whose decision changes, and volume per tier/queue/rule."""
    from matrix.replay import ReplayCase, replay

    items = []
    try:
        lines = cases.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise _fail(f"--cases: cannot read {cases}: {exc.strerror or exc}", 2) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(ReplayCase(str(row.get("id", n)), row["facts"], row.get("now") or datetime.now(UTC)))
        except (json.JSONDecodeError, KeyError, AttributeError) as exc:
            raise _fail(f'--cases: line {n} is not {{"id", "facts", "now"}}: {exc}', 2) from None
    with _errors():
        result = replay(_load(baseline), load_matrix(proposed), items)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    typer.echo(
        f"{result.n_cases} tickets, {len(result.changes)} change, {len(result.failures)} failed "
        f"({result.baseline_version} -> {result.proposed_version})"
    )
    for dim, counts in result.summary().items():
        moved = {k: v for k, v in counts.items() if v["delta"]}
        if moved:
            typer.echo(f"  {dim}: " + ", ".join(f"{k} {v['before']}->{v['after']}" for k, v in moved.items()))
    for change in result.changes[:20]:
        parts = [f"{k} {change.before[k]}->{change.after[k]}" for k in change.fields]
        typer.echo(f"  {change.id}: " + "; ".join(parts))


# ---------------------------------------------------------------------------------------------------- ingest


def _default_data_dir() -> Path:
    return Path(os.environ.get("ASSIST_DATA_DIR", "data"))


DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the knowledge base lives. Default: $ASSIST_DATA_DIR or ./data."),
]
ChromaUrl = Annotated[
    str | None,
    typer.Option(
        "--chroma-url",
        envvar="ASSIST_CHROMA_URL",
        help="Use a Chroma server (chroma run) instead of the embedded store, e.g. http://127.0.0.1:8000.",
    ),
]
Account_ = Annotated[
    str | None,
    typer.Option(
        "--account", help="Account that owns items which do not name one (docs and Slack: instead of public)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads",
        envvar="ASSIST_TORCH_THREADS",
        help="Torch threads for embedding (see README for the measured setting).",
    ),
]


def _ingest(connector: Any, data_dir: Path | None, chroma_url: str | None, as_json: bool, threads: int | None) -> None:
    from ingest.embed import MiniLMEmbedder
    from ingest.pipeline import ingest
    from ingest.registry import WriterBusy

    try:
        summary = ingest(
            connector,
            data_dir or _default_data_dir(),
            MiniLMEmbedder(threads=threads),
            chroma_url,
            progress=not as_json and sys.stderr.isatty(),
        )
    except WriterBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    data = summary.to_dict()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    resumed = f", resumed after item {data['resumed_from']}" if data["resumed_from"] else ""
    typer.echo(
        f"{data['source']}: {data['items']} items ({data['written']} written, {data['unchanged']} unchanged), "
        f"{data['chunks']} chunks, {data['accounts']} accounts, {len(data['skipped'])} skipped, "
        f"{data['seconds']}s{resumed}"
    )
    if data["redactions"]:
        typer.echo("redacted: " + ", ".join(f"{k} {v}" for k, v in data["redactions"].items()))
    for skip in data["skipped"][:20]:
        typer.echo(f"  skipped {skip['location']}: {skip['reason']}")
    if len(data["skipped"]) > 20:
        typer.echo(f"  … and {len(data['skipped']) - 20} more (use --json for all)")


PathArg = Annotated[Path, typer.Argument(help="The file or folder to read.")]


@ingest_app.command("docs")
def ingest_docs(
    path: PathArg,
    account: Account_ = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    as_json: AsJson = False,
    threads: Threads = None,
) -> None:
    """A folder of .md, .txt and .html files (any depth). Public unless --account is given."""
    from ingest.connectors import DocsConnector

    _ingest(DocsConnector(path, account), data_dir, chroma_url, as_json, threads)


@ingest_app.command("tickets")
def ingest_tickets(
    path: PathArg,
    account: Account_ = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    as_json: AsJson = False,
    threads: Threads = None,
) -> None:
    """Past tickets as JSONL (one per line) or CSV. A ticket without account_id is visible to no one unless it
    says "public": true (or --account names its owner)."""
    from ingest.connectors import TicketsConnector

    _ingest(TicketsConnector(path, account), data_dir, chroma_url, as_json, threads)


@ingest_app.command("zendesk")
def ingest_zendesk(
    path: PathArg,
    account: Account_ = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    as_json: AsJson = False,
    threads: Threads = None,
) -> None:
    """A Zendesk API ticket export {"tickets": [...]} with comments. Private comments become internal notes
    (agent-only); the account is the ticket's organization_id."""
    from ingest.connectors import ZendeskConnector

    _ingest(ZendeskConnector(path, account), data_dir, chroma_url, as_json, threads)


@ingest_app.command("slack")
def ingest_slack(
    path: PathArg,
    account: Account_ = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    as_json: AsJson = False,
    threads: Threads = None,
    visibility: Annotated[str, typer.Option(help="internal (agent-only, the default) or public.")] = "internal",
) -> None:
    """A Slack workspace export folder: threads rebuilt from thread_ts, user ids resolved via users.json."""
    from ingest.connectors import SlackConnector

    if visibility not in ("internal", "public"):
        raise _fail(f"--visibility: must be internal or public, got {visibility!r}", 2)
    _ingest(SlackConnector(path, account, visibility), data_dir, chroma_url, as_json, threads)


@ingest_app.command("accounts")
def ingest_accounts(path: PathArg, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """A CRM export (CSV or JSON): id, name, plan, products, contract SLA overrides."""
    from ingest.connectors import AccountsConnector

    _ingest(AccountsConnector(path), data_dir, None, as_json, None)


@kb_app.command("stats")
def kb_stats(data_dir: DataDir = None, chroma_url: ChromaUrl = None, as_json: AsJson = False) -> None:
    """Items and chunks per source and per account."""
    from ingest.registry import Registry
    from ingest.store import KnowledgeStore

    root = data_dir or _default_data_dir()
    if not (root / "registry.sqlite3").exists() and not chroma_url:
        raise _fail(f"--data-dir: no knowledge base at {root} (run `assist ingest ...` first)", 2)
    registry = Registry(root)
    try:
        stats = registry.item_stats()
        stats["accounts"] = registry.account_count()
        stats["chunks_in_store"] = KnowledgeStore.open(root, chroma_url=chroma_url).count()
    finally:
        registry.close()
    if as_json:
        typer.echo(json.dumps(stats, indent=2))
        return
    typer.echo(f"{stats['chunks_in_store']} chunks in the store, {stats['accounts']} accounts")
    for title, key in (("source", "per_source"), ("account", "per_account")):
        for name, row in stats[key].items():
            typer.echo(f"  {title} {name:30} {row['items']:>7} items {row['chunks']:>8} chunks")


@kb_app.command("delete")
def kb_delete(
    source: Annotated[str, typer.Option(help="docs, tickets, zendesk, slack, resolutions …")],
    source_id: Annotated[str | None, typer.Option(help="One item; without it, the whole source.")] = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Delete every chunk of one item (--source-id) or of a whole source."""
    from ingest.pipeline import delete
    from ingest.registry import WriterBusy

    try:
        n = delete(data_dir or _default_data_dir(), source, source_id, chroma_url=chroma_url)
    except WriterBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    typer.echo(f"deleted {n} chunks")


# ---------------------------------------------------------------------------------------------------- runtime

keys_app = typer.Typer(
    help="API keys: stored hashed, each with a role and optionally an account.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")


def _settings(data_dir: Path | None, chroma_url: str | None = None, **more: Any) -> Any:
    from pydantic import ValidationError

    from assist.settings import settings_from_env

    try:
        return settings_from_env(data_dir=data_dir, chroma_url=chroma_url, **more)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"settings: ASSIST_{str(first['loc'][0]).upper()}: {first['msg']}", 2) from None


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="agent (ask, evaluate, record resolutions) or admin (also changes).")],
    account: Annotated[str | None, typer.Option(help="Bind the key to one account: it sees nothing else.")] = None,
    name: Annotated[str, typer.Option(help="Who or what uses the key.")] = "cli",
    data_dir: DataDir = None,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from assist.decision_log import DecisionLog, connect

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = DecisionLog(connect(settings.database))
    try:
        raw, key = log.create_key(name, role, account, datetime.now(UTC))
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(raw)
    typer.echo(f"key {key.id}: role {key.role}, account {key.account_id or '(all)'}", err=True)


@app.command("serve")
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
    from assist.service import AssistService

    settings = _settings(data_dir, chroma_url)
    service = AssistService(settings).start()
    assert service.log is not None
    if service.log.key_count() == 0:
        raw, _ = service.log.create_key("first-run sidebar", "agent", None, datetime.now(UTC))
        typer.echo(f"created an agent API key (shown once): {raw}")
        typer.echo(f"sidebar: http://{host}:{port}/sidebar#key={raw}")
    else:
        typer.echo(f"sidebar: http://{host}:{port}/sidebar (paste an API key; `assist keys create` makes one)")
    uvicorn.run(create_app(settings, service), host=host, port=port, log_level="info")


@app.command("ask")
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

    from assist.service import AssistService, TicketIn

    settings = _settings(data_dir, chroma_url)
    try:
        ticket = TicketIn(
            body=text, subject=subject, account_id=account, facts=_read_json(facts, "--facts") if facts else {}, now=now
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", 2) from None
    with _errors():
        body = AssistService(settings).assist(ticket)
    if as_json:
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    typer.echo(f"Answer ({body['answer']['mode']}, confidence {body['confidence']:.0%}):")
    typer.echo("  " + (body["answer"]["text"] or "no answer in the knowledge base"))
    for c in body["citations"]:
        typer.echo(f"  [{c['n']}] {c['source']}:{c['source_id']}  {c['title'][:70]}")
    d = body["decision"]
    verb = "ESCALATE to" if d["escalate"] else "Stay at"
    typer.echo(
        f"Decision: {verb} {d['tier']}{' / ' + d['queue'] if d['queue'] else ''} — owner {d['owner_role']}, "
        f"backup {d['backup_role']}"
    )
    typer.echo(f"  why: {d['rule_id']}: {d['reason']}")
    typer.echo(
        f"  reply by {d['sla']['reply_by']}, resolve by {d['sla']['resolve_by']}, next escalation "
        f"{d['next_escalation_at'] or 'none'}"
    )
    inferred = ", ".join(f"{k}={v['value']} ({v['source']})" for k, v in body["facts"].items())
    typer.echo(f"  facts: {inferred}")


# ---------------------------------------------------------------------------------------------------- clocks

clock_app = typer.Typer(
    help="Time enforces it: the SLA sweeper that escalates, warns and notifies.", no_args_is_help=True
)
app.add_typer(clock_app, name="clock")
report_app = typer.Typer(help="Leadership views.", no_args_is_help=True)
app.add_typer(report_app, name="report")


def _tracker(data_dir: Path | None) -> Any:
    from assist.decision_log import DecisionLog, connect
    from assist.notify import NotifyConfig
    from assist.tracker import Tracker

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _errors():
        m = (
            load_matrix(settings.matrix_path)
            if settings.matrix_path
            else (
                load_matrix(settings.data_dir / "matrix.yaml")
                if (settings.data_dir / "matrix.yaml").exists()
                else default_matrix()
            )
        )
    return Tracker(DecisionLog(connect(settings.database)).engine, m, NotifyConfig.load(settings.notify_config))


@clock_app.command("tick")
def clock_tick(
    now: Annotated[str | None, typer.Option(help="Run the pass as of this ISO 8601 time (default: now).")] = None,
    data_dir: DataDir = None,
    deliver: Annotated[bool, typer.Option(help="Also send due notifications.")] = True,
) -> None:
    """One pass: escalate every ticket whose clock ran out, fire warnings and reminders, send notifications."""
    from matrix.facts import parse_datetime

    with _errors():
        at = parse_datetime("--now", now) if now else datetime.now(UTC)
    tracker = _tracker(data_dir)
    stats = tracker.sweep(at)
    line = ", ".join(f"{k} {v}" for k, v in stats.to_dict().items())
    if deliver:
        d = tracker.deliver(at)
        line += f"; notifications sent {d.sent}, failed {d.failed}, skipped {d.skipped}, dead {d.dead}"
    typer.echo(line)


@clock_app.command("run")
def clock_run(
    interval: Annotated[float, typer.Option(help="Seconds between passes.", min=1)] = 30.0,
    data_dir: DataDir = None,
) -> None:
    """The long-running sweeper. Safe to run several at once on PostgreSQL (rows are claimed with SKIP LOCKED)."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    tracker = _tracker(data_dir)
    typer.echo(f"sweeping every {interval:g}s; Ctrl-C to stop")
    while not stop.is_set():
        at = datetime.now(UTC)
        stats = tracker.sweep(at)
        sent = tracker.deliver(at)
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
    report = _tracker(data_dir).report(datetime.now(UTC))
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


# ---------------------------------------------------------------------------------------------------- evals

eval_app = typer.Typer(
    help="Measure before trusting: run labelled ticket sets through the assist, compare runs, replay a matrix.",
    no_args_is_help=True,
)
app.add_typer(eval_app, name="eval")


@eval_app.command("run")
def eval_run(
    set_dir: Annotated[Path, typer.Argument(help="A labelled set folder: cases.jsonl, kb/, optional matrix.yaml.")],
    out: Annotated[Path, typer.Option("--out", help="Where report.json, report.html and the run's store go.")],
    matrix: MatrixPath = None,
    llm: Annotated[str | None, typer.Option(help="A litellm model string; default: extractive answers.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N cases.", min=1)] = None,
) -> None:
    """Ingest the set's kb/ into a fresh store, run every case like POST /v1/assist, write the reports.

    Deflection (rate, correct, false, escalation precision/recall), retrieval (recall@1/5/10, MRR, nDCG@10),
    routing (accuracy, macro-F1, per class, confusion), grounding, latency — with BM25-only, dense-only and a
    TF-IDF + logistic-regression router as baselines from the same run.
    """
    from evals.runner import SetError, run

    if not (set_dir / "cases.jsonl").exists():
        raise _fail(f"SET_DIR: {set_dir} has no cases.jsonl", 2)
    try:
        with _errors():
            report = run(set_dir, out, matrix, llm, limit, progress=sys.stderr.isatty())
    except SetError as exc:
        raise _fail(str(exc), 2) from None
    d, r = report["deflection"], report["retrieval"]
    typer.echo(f"{report['set']}: {report['n_cases']} cases")
    typer.echo(
        f"  deflection {d['rate']:.1%}, correct {d['correct_rate']:.1%}, false {d['false_rate']:.1%}, "
        f"escalation P/R {d['escalation_precision']:.1%}/{d['escalation_recall']:.1%}"
    )
    if r.get("n"):
        b, dn = report["baselines"]["bm25"]["retrieval"], report["baselines"]["dense"]["retrieval"]
        typer.echo(
            f"  nDCG@10 {r['ndcg@10']:.3f} (BM25 {b['ndcg@10']:.3f}, dense {dn['ndcg@10']:.3f}), "
            f"MRR {r['mrr']:.3f}, R@5 {r['recall@5']:.3f}"
        )
    for label, m in report["routing"].items():
        base = report["baselines"]["tfidf_lr"]["routing"].get(label, {})
        extra = f" (TF-IDF+LR {base['accuracy']:.1%})" if base else ""
        typer.echo(f"  {label} accuracy {m['accuracy']:.1%}, macro-F1 {m['macro_f1']:.3f}{extra}")
    typer.echo(f"  wrote {out / 'report.json'} and {out / 'report.html'}")


@eval_app.command("compare")
def eval_compare(
    a: Annotated[Path, typer.Argument(help="The earlier report.json.")],
    b: Annotated[Path, typer.Argument(help="The later report.json.")],
) -> None:
    """What changed between two runs' headline figures."""
    from evals.runner import compare

    changes = compare(_read_json(a, "A"), _read_json(b, "B"))
    if not changes:
        typer.echo("no headline figure changed")
    for key, va, vb in changes:

        def show(v: Any) -> str:
            return f"{v:.4f}" if isinstance(v, float) else str(v)

        delta = f" ({vb - va:+.4f})" if isinstance(va, float) and isinstance(vb, float) else ""
        typer.echo(f"{key:32} {show(va):>10} -> {show(vb):<10}{delta}")


@eval_app.command("replay")
def eval_replay(
    set_dir: Annotated[Path, typer.Argument(help="The labelled set whose tickets are re-decided.")],
    matrix: Annotated[Path, typer.Option("--matrix", help="The proposed matrix.")],
    baseline: Annotated[
        Path | None, typer.Option(help="The matrix in force (default: the set's matrix, else the shipped one).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="A report.json of this set whose facts to reuse (default: run the set first).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    as_json: AsJson = False,
) -> None:
    """Re-decide every case under the proposed matrix: volume per tier/queue/rule before and after, and the
    cases that change."""
    import tempfile

    from evals.runner import DEFAULT_NOW, load_cases, run, set_matrix
    from matrix.replay import ReplayCase, replay

    baseline = baseline or set_matrix(set_dir)
    with _errors():
        new = load_matrix(matrix)
        old = _load(baseline)
    if report is not None:
        facts = {c["id"]: c["facts"] for c in _read_json(report, "--report")["cases"]}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            facts = {c["id"]: c["facts"] for c in run(set_dir, Path(tmp), baseline, None, limit, False)["cases"]}
    created = {c["id"]: c.get("created_at") for c in load_cases(set_dir, limit)}
    cases = [ReplayCase(cid, f, created.get(cid) or DEFAULT_NOW) for cid, f in facts.items()]
    result = replay(old, new, cases)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    typer.echo(
        f"{result.n_cases} cases, {len(result.changes)} would change "
        f"({result.baseline_version} -> {result.proposed_version})"
    )
    for dim, counts in result.summary().items():
        typer.echo(f"  {dim}: " + ", ".join(f"{k} {v['before']}->{v['after']}" for k, v in counts.items()))
    for change in result.changes[:25]:
        typer.echo(f"  {change.id}: " + "; ".join(f"{k} {change.before[k]}->{change.after[k]}" for k in change.fields))


@eval_app.command("matrix")
def eval_matrix(
    set_dir: Annotated[Path, typer.Argument(help="A labelled set (or any folder) with kb/tickets.jsonl.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the YAML here (default: print it).")] = None,
) -> None:
    """A starter matrix for the set's own queue names: the shipped matrix plus, for every queue label in its past
    tickets, a front-line queue and a routing rule after the shipped rules (which still decide first).

    `assist eval run` uses SET_DIR/matrix.yaml, else evals/matrices/<set name>.yaml, else the shipped matrix.
    """
    from evals.taxonomy import set_matrix_yaml

    try:
        text = set_matrix_yaml(set_dir)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")


def main(argv: list[str] | None = None) -> Any:
    """Console entry point (``assist``)."""
    command: Callable[..., Any] = typer.main.get_command(app)
    return command(args=argv, prog_name="assist")


if __name__ == "__main__":  # pragma: no cover
    main()
