"""Typed errors. Every error the project raises on purpose derives from ``Error`` and carries a ``code``.

The base lives here, in the package every other one builds on, so that ``ingest``, ``assist`` and ``evals`` can
share it without importing upwards. The doors (``api``: HTTP and the CLI) map each code to an HTTP status and an
exit code in one table, ``api.errors.CODES``. Messages name the field and the value.
"""

from __future__ import annotations

from typing import Any


class Error(Exception):
    """Base class of every error raised on purpose. ``code`` picks the row of the error table; ``field`` names
    the input that was wrong, when there is one."""

    code = "error"

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class MatrixError(Error):
    """Every error the matrix package raises on purpose."""

    code = "matrix_error"


class FactError(MatrixError, ValueError):
    """A fact (or a value written for a fact) is outside the vocabulary. Names the field and the value."""

    code = "invalid_fact"

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.value = value
        self.message = message
        super().__init__(f"{field}: {message} (got {value!r})", field)


class MatrixLoadError(MatrixError):
    """The matrix file is broken. ``problems`` lists (location, message); location names line and field."""

    code = "invalid_matrix"

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {where}: {what}" for where, what in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the escalation matrix\n{lines}")


class InvalidInput(Error):
    """A request, a file or an option is wrong; the message names the field and the value."""

    code = "invalid_request"


class NotFound(Error):
    """The thing named does not exist, or belongs to another account (the two look the same)."""

    code = "not_found"


class Conflict(Error):
    """The request clashes with the current state (a ticket registered twice, a concurrent write)."""

    code = "conflict"


class Busy(Error):
    """Another process holds the single-writer lock of the data dir; retry when it is done."""

    code = "busy"
