"""The escalation matrix: schema, loader and lint, facts vocabulary, evaluator, SLA clocks, spreadsheet
round trip and what-if replay. Pure: no I/O beyond reading its file, no ML, no network, no imports from the rest
of the project.
"""

from matrix.engine import Decision, Sla, TraceStep, evaluate
from matrix.errors import Error, FactError, MatrixError, MatrixLoadError
from matrix.loader import default_matrix, load_matrix, parse_matrix
from matrix.schema import Matrix

__all__ = [
    "Decision",
    "Error",
    "FactError",
    "Matrix",
    "MatrixError",
    "MatrixLoadError",
    "Sla",
    "TraceStep",
    "default_matrix",
    "evaluate",
    "load_matrix",
    "parse_matrix",
]
