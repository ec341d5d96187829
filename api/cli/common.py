"""What every command shares: the settings (one path, ``settings``), the error table at this door (``errors``),
JSON input and the common options."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from api.errors import row_of
from assist.settings import Settings, settings_from_env
from matrix import Matrix, default_matrix, load_matrix
from matrix.errors import Error

EXIT_LINT_FAILED = 1


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def errors() -> Iterator[None]:
    """The packages' typed errors -> the message on stderr and the exit code of the error table."""
    try:
        yield
    except Error as exc:
        raise fail(str(exc), row_of(exc).exit) from None


def settings(data_dir: Path | None = None, chroma_url: str | None = None, **more: Any) -> Settings:
    """The one way a command builds its settings: ``ASSIST_*`` from the environment, options on top."""
    from pydantic import ValidationError

    try:
        return settings_from_env(data_dir=data_dir, chroma_url=chroma_url, **more)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"settings: ASSIST_{str(first['loc'][0]).upper()}: {first['msg']}", 2) from None


def load(path: Path | None) -> Matrix:
    return default_matrix() if path is None else load_matrix(path)


def read_json(path: Path, what: str) -> Any:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"{what}: cannot read {path}: {exc.strerror or exc}", 2) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"{what}: {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", 2) from None


MatrixPath = Annotated[
    Path | None,
    typer.Option("--matrix", "-m", help="Matrix YAML file. Default: the matrix shipped with the package."),
]
MatrixArg = Annotated[Path | None, typer.Argument(help="Matrix YAML file. Default: the shipped matrix.")]
DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Where the knowledge base and the database live. Default: $ASSIST_DATA_DIR or ./data."
    ),
]
ChromaUrl = Annotated[
    str | None,
    typer.Option(
        "--chroma-url",
        help="Use a Chroma server (chroma run) instead of the embedded store, e.g. http://127.0.0.1:8000. "
        "Default: $ASSIST_CHROMA_URL.",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
