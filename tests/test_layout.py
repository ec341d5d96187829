"""The layout the architecture promises: layers point one way (matrix <- ingest <- assist <- evals <- api), no
import cycles between packages, and no module over 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["matrix", "ingest", "assist", "evals", "api"]


def _modules() -> list[Path]:
    return [p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")]


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(LAYERS)


def test_layers_point_one_way() -> None:
    wrong = []
    for path in _modules():
        layer = path.relative_to(ROOT).parts[0]
        allowed = set(LAYERS[: LAYERS.index(layer) + 1])
        wrong += [f"{path.relative_to(ROOT)} imports {p}" for p in sorted(_imported_packages(path) - allowed)]
    assert wrong == []


def test_no_module_over_500_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text("from api.app import create_app\nimport evals.runner\n")
    assert _imported_packages(bad) == {"api", "evals"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycles_between_modules() -> None:
    names = {_module_name(p): p for p in _modules()}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            targets |= {c for c in candidates if c in names and c != name}
        # A package's __init__ re-exporting its own modules is not a cycle of the code.
        graph[name] = {t for t in targets if not (name == t.rsplit(".", 1)[0] or t == name.rsplit(".", 1)[0])}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []
