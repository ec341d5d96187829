"""The ``assist`` command line: a thin door onto the runtime, the matrix and the evals, with the same error table
as the HTTP API (``api.errors``): the message the API would return on stderr, and the table's exit code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from api.cli.eval_cmds import eval_app
from api.cli.kb_cmds import ingest_app, kb_app
from api.cli.matrix_cmds import matrix_app
from api.cli.service_cmds import ask, clock_app, keys_app, report_app, serve
from api.cli.zendesk_cmds import zendesk_app

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
app.command("serve")(serve)
app.command("ask")(ask)
app.add_typer(matrix_app, name="matrix")
app.add_typer(ingest_app, name="ingest")
app.add_typer(kb_app, name="kb")
app.add_typer(keys_app, name="keys")
app.add_typer(clock_app, name="clock")
app.add_typer(report_app, name="report")
app.add_typer(eval_app, name="eval")
app.add_typer(zendesk_app, name="zendesk")


def main(argv: list[str] | None = None) -> Any:
    """Console entry point (``assist``)."""
    command: Callable[..., Any] = typer.main.get_command(app)
    return command(args=argv, prog_name="assist")
