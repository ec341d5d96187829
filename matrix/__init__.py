"""The escalation matrix: schema, loader and lint, facts vocabulary, evaluator, SLA clocks, spreadsheet
round trip and what-if replay. Pure: no I/O beyond reading its file (and, on import, the manifest of a compiled
build, see ``_accel``), no ML, no network, no imports from the rest of the project.
"""

from matrix import _accel

# Before any of the compiled modules is imported: a matching mypyc build of them goes first on this package's path.
_accel.enable(__path__)

from matrix.engine import Decision, Sla, TraceStep, evaluate  # noqa: E402
from matrix.errors import FactError, MatrixError, MatrixLoadError  # noqa: E402
from matrix.loader import default_matrix, load_matrix, parse_matrix  # noqa: E402
from matrix.schema import Matrix  # noqa: E402

__all__ = [
    "Decision",
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
