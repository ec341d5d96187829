"""``assist zendesk …``: the Zendesk app package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import errors

zendesk_app = typer.Typer(help="Use it from Zendesk: the sidebar app to upload.", no_args_is_help=True)


@zendesk_app.command("package")
def package(
    out: Annotated[Path, typer.Option("--out", help="The zip to write, e.g. app.zip.")],
    service_url: Annotated[str, typer.Option(help="Where the service runs, e.g. https://assist.example.com.")],
) -> None:
    """Build the Zendesk app (ticket and new-ticket sidebar) to upload as a private app."""
    from api.zendesk_package import build_package

    with errors():
        data = build_package(service_url)
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({len(data):,} bytes): upload it in Admin Center > Apps and integrations")
