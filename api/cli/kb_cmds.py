"""``assist ingest …`` and ``assist kb …``: write what support already knows into the knowledge base, inspect it,
prune it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import AsJson, ChromaUrl, DataDir, errors, fail, settings
from ingest.documents import SourceKind

ingest_app = typer.Typer(
    help=(
        "Index what support already knows into the knowledge base (Chroma under --data-dir): docs folders, past "
        "tickets (JSONL/CSV), Zendesk exports, Slack exports, and CRM accounts. Every chunk carries its account "
        "(or public); secrets and personal data are redacted first. Re-running is safe: unchanged items are "
        "skipped, edited ones replaced, an interrupted run resumes where it stopped."
    ),
    no_args_is_help=True,
)
kb_app = typer.Typer(help="Inspect and prune the knowledge base.", no_args_is_help=True)

Account_ = Annotated[
    str | None,
    typer.Option(
        "--account", help="Account that owns items which do not name one (docs and Slack: instead of public)."
    ),
]
Threads = Annotated[
    int | None,
    typer.Option("--threads", help="Torch threads for embedding (default: $ASSIST_TORCH_THREADS; see README)."),
]
PathArg = Annotated[Path, typer.Argument(help="The file or folder to read.")]


def _ingest(connector: Any, data_dir: Path | None, chroma_url: str | None, as_json: bool, threads: int | None) -> None:
    from ingest.embed import MiniLMEmbedder
    from ingest.pipeline import ingest

    folder = connector.source in ("docs", "slack")
    if not (connector.path.is_dir() if folder else connector.path.is_file()):
        what = "a folder" if folder else "a file"
        found = "does not exist" if not connector.path.exists() else f"is not {what}"
        raise fail(f"PATH: {connector.path} {found} (ingest {connector.source} reads {what})", 2)

    s = settings(data_dir, chroma_url, torch_threads=threads)
    with errors():
        summary = ingest(
            connector,
            s.data_dir,
            MiniLMEmbedder(threads=s.torch_threads),
            s.chroma_url,
            progress=not as_json and sys.stderr.isatty(),
        )
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
        raise fail(f"--visibility: must be internal or public, got {visibility!r}", 2)
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

    s = settings(data_dir, chroma_url)
    root = s.data_dir
    if not (root / "registry.sqlite3").exists() and not s.chroma_url:
        raise fail(f"--data-dir: no knowledge base at {root} (run `assist ingest ...` first)", 2)
    registry = Registry(root)
    try:
        stats = registry.item_stats()
        stats["accounts"] = registry.account_count()
        stats["chunks_in_store"] = KnowledgeStore.open(root, chroma_url=s.chroma_url).count()
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
    source: Annotated[SourceKind, typer.Option(help="The kind of knowledge.")],
    source_id: Annotated[str | None, typer.Option(help="One item; without it, the whole source.")] = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Delete every chunk of one item (--source-id) or of a whole source."""
    from ingest.pipeline import delete

    s = settings(data_dir, chroma_url)
    with errors():
        n = delete(s.data_dir, source.value, source_id, chroma_url=s.chroma_url)
    typer.echo(f"deleted {n} chunks")
