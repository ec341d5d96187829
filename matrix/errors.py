"""Typed errors of the matrix package. The API and CLI map them to codes in one table at their edge."""

from __future__ import annotations

from typing import Any


class MatrixError(Exception):
    """Base class: every error the matrix package raises on purpose."""

    code = "matrix_error"


class FactError(MatrixError, ValueError):
    """A fact (or a value written for a fact) is outside the vocabulary. Names the field and the value."""

    code = "invalid_fact"

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field = field
        self.value = value
        self.message = message
        super().__init__(f"{field}: {message} (got {value!r})")


class MatrixLoadError(MatrixError):
    """The matrix file is broken. ``problems`` lists (location, message); location names line and field."""

    code = "invalid_matrix"

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {where}: {what}" for where, what in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the escalation matrix\n{lines}")
