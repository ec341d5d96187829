"""Load a matrix file: YAML -> validated ``Matrix``, with every problem named by line and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from matrix import conditions
from matrix.errors import MatrixLoadError
from matrix.schema import Matrix, check_references

Loc = tuple[str | int, ...]


class _LineMap:
    """Maps a field path (('triggers', 3, 'tier')) to the YAML line that holds it."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, loc: Loc) -> int | None:
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        node, line = value, key.start_mark.line + 1
                        break
                # A loc element that is not a key (pydantic's union tags) is skipped, not fatal.
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
        return line


def _duplicate_keys(node: yaml.Node | None, path: Loc = ()) -> list[tuple[int, str]]:
    """PyYAML silently keeps the last of two equal keys; a policy file must not."""
    found: list[tuple[int, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                where = ".".join(str(p) for p in (*path, key.value))
                found.append((key.start_mark.line + 1, f"{where}: duplicate key"))
            seen.add(key.value)
            found += _duplicate_keys(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, (*path, i))
    return found


def _where(loc: Loc, lines: _LineMap) -> str:
    field = ".".join(str(p) for p in loc) or "(top)"
    line = lines.line(loc)
    return f"line {line}, {field}" if line else field


def parse_matrix(text: str, source: str = "<matrix>") -> Matrix:
    """Validate matrix YAML text. Raises ``MatrixLoadError`` listing every problem with its line and field."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except RecursionError:
        raise MatrixLoadError(source, [("(file)", "nested too deeply to be a matrix")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise MatrixLoadError(source, [(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    dups = _duplicate_keys(root)
    if dups:
        raise MatrixLoadError(source, [(f"line {line}", msg) for line, msg in dups])
    if not isinstance(data, dict):
        raise MatrixLoadError(source, [("(file)", "the matrix must be a YAML mapping")])
    return matrix_from_data(data, source, _LineMap(root))


def matrix_from_data(data: dict[str, Any], source: str = "<matrix>", lines: _LineMap | None = None) -> Matrix:
    """Validate an already-parsed mapping (the spreadsheet importer uses this)."""
    lines = lines or _LineMap(None)
    try:
        matrix = Matrix.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            msg = err["msg"].removeprefix("Value error, ")
            problems.append((_where(loc, lines), msg))
        raise MatrixLoadError(source, problems) from None
    refs = check_references(matrix)
    if refs:
        raise MatrixLoadError(source, [(_where(loc, lines), msg) for loc, msg in refs])
    return matrix


def load_matrix(path: str | Path) -> Matrix:
    """Read and validate a matrix file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise MatrixLoadError(str(p), [("(file)", f"cannot read: {exc.strerror or exc}")]) from None
    return parse_matrix(text, str(p))


def default_matrix_text() -> str:
    return resources.files("matrix").joinpath("default_matrix.yaml").read_text(encoding="utf-8")


def default_matrix() -> Matrix:
    """The matrix shipped with the package (a B2B SaaS template a support lead can start from)."""
    return parse_matrix(default_matrix_text(), "default_matrix.yaml")


def dump_yaml(m: Matrix) -> str:
    """The matrix as YAML (conditions in their one-line text form). ``parse_matrix(dump_yaml(m)) == m``."""
    data = m.model_dump(mode="json", exclude_defaults=False)
    for section in ("triggers", "post_resolution"):
        for item in data[section]:
            if item.get("when") is not None:
                item["when"] = conditions.render(item["when"])
    header = f"# Escalation matrix {m.name!r}, version {m.version}\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
