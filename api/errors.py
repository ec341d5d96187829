"""The one error table of both doors: an error's code -> (HTTP status, CLI exit code).

Errors are raised inside the packages as ``matrix.errors.Error`` subclasses (the base every package shares);
the API answers ``{"error": {code, message, field}}`` with the status from this table, and the CLI prints
``error: <message>`` and exits with the code from it. Anything not in the table is a bug: the API answers 500
"internal" without details, the CLI exits 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from matrix.errors import Error


@dataclass(frozen=True)
class Row:
    status: int  # HTTP
    exit: int  # CLI: 2 = the input was wrong, 3 = try again later, 4 = not found


CODES: dict[str, Row] = {
    "invalid_request": Row(422, 2),
    "invalid_fact": Row(422, 2),
    "invalid_matrix": Row(422, 2),
    "matrix_error": Row(422, 2),
    "invalid_set": Row(422, 2),
    "unauthorized": Row(401, 2),
    "forbidden": Row(403, 2),
    "not_found": Row(404, 4),
    "conflict": Row(409, 3),
    "busy": Row(409, 3),
}
INTERNAL = Row(500, 1)


def row_of(exc: Error) -> Row:
    return CODES.get(exc.code, INTERNAL)


def field_of(exc: Error) -> str | None:
    """The field an error names, as the API reports it (facts under ``facts.``)."""
    from matrix.errors import FactError

    if isinstance(exc, FactError) and exc.field not in ("now", "facts"):
        return f"facts.{exc.field}"
    return exc.field
