"""``assist matrix …``: own the escalation matrix — evaluate, lint, show, spreadsheet round trip, what-if replay,
and put a matrix in force."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import EXIT_LINT_FAILED, AsJson, DataDir, MatrixArg, MatrixPath, errors, fail, load, read_json
from matrix import evaluate, load_matrix

matrix_app = typer.Typer(
    help=(
        "Own the escalation matrix: evaluate a ticket's facts, lint the policy, show it as tables, move it "
        "to and from a spreadsheet, and put it in force. Without a PATH, the file commands use the default "
        "matrix shipped with the package."
    ),
    no_args_is_help=True,
)


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
    data = read_json(facts, "--facts")
    with errors():
        m = load(matrix)
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

    with errors():
        m = load(path)
        try:
            day = date.fromisoformat(today) if today else date.today()
        except ValueError:
            raise fail(f"--today: {today!r} is not a date like 2026-11-27", 2) from None
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

    with errors():
        m = load(path)
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
        raise fail(f"--format: must be xlsx or csv, got {kind!r}", 2)
    with errors():
        m = load(path)
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

    with errors():
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
        raise fail(f"--cases: cannot read {cases}: {exc.strerror or exc}", 2) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(ReplayCase(str(row.get("id", n)), row["facts"], row.get("now") or datetime.now(UTC)))
        except (json.JSONDecodeError, KeyError, AttributeError) as exc:
            raise fail(f'--cases: line {n} is not {{"id", "facts", "now"}}: {exc}', 2) from None
    with errors():
        result = replay(load(baseline), load_matrix(proposed), items)
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


@matrix_app.command("apply")
def matrix_apply(
    path: Annotated[Path, typer.Argument(help="The matrix YAML to put in force.")],
    data_dir: DataDir = None,
    by: Annotated[str, typer.Option(help="Who is replacing it (recorded in the audit trail).")] = "cli",
) -> None:
    """Put a matrix in force for every API worker and sweeper (the same as PUT /v1/matrix). It is validated
    first; a broken matrix changes nothing."""
    from api.cli.common import settings
    from assist.runtime import open_database

    with errors():
        m = load_matrix(path)
        db = open_database(settings(data_dir))
        before = db.policy.current().version
        db.policy.replace(path.read_text(encoding="utf-8"), by=by, source=str(path))
    typer.echo(f"in force: {m.name} ({before} -> {m.version})")


@matrix_app.command("history")
def matrix_history(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Who put which matrix in force, and when (newest first)."""
    from api.cli.common import settings
    from assist.runtime import open_database

    with errors():
        changes = [c.to_dict() for c in open_database(settings(data_dir)).policy.history()]
    if as_json:
        typer.echo(json.dumps(changes, indent=2))
        return
    for c in changes:
        typer.echo(f"{c['replaced_at']}  {c['version']}  by {c['replaced_by']}  (was {c['previous_version'] or '-'})")
