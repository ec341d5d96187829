"""Conditions over facts: the data model, a one-line text form, and compilation to fast predicates.

In YAML a condition is structured::

    when:
      all:
        - {fact: customer_tier, op: eq, value: enterprise}
        - any:
            - {fact: signals, op: contains, value: outage}
            - {fact: issue_type, op: eq, value: outage}

The same condition as text (used in spreadsheet cells, and accepted in YAML too)::

    all(customer_tier = enterprise, any(signals contains outage, issue_type = outage))

``render`` and ``parse_text`` are exact inverses on the data model, which is what makes the spreadsheet round
trip lossless.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

# Operator names used in YAML, and their symbols in the text form.
SYMBOLS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
FROM_SYMBOL = {v: k for k, v in SYMBOLS.items()}
WORD_OPS = ("in", "not_in", "contains", "not_contains", "contains_any", "contains_all", "exists", "missing")
ALL_OPS = frozenset(SYMBOLS) | frozenset(WORD_OPS)
UNARY_OPS = frozenset({"exists", "missing"})

Cond = dict[str, Any]  # {"all": [...]} | {"any": [...]} | {"not": {...}} | {"fact", "op", "value"}


class ConditionSyntaxError(ValueError):
    """The text form could not be parsed; the message says where."""


def normalise(raw: Any, where: str = "when") -> Cond:
    """Turn YAML/JSON (or the text form) into the canonical dict form; raise ValueError naming the path."""
    if isinstance(raw, str):
        return parse_text(raw)
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: a condition must be a mapping or a text expression, got {raw!r}")
    keys = set(raw)
    for group in ("all", "any"):
        if group in keys:
            if keys != {group}:
                raise ValueError(f"{where}: '{group}' cannot be combined with {sorted(keys - {group})}")
            items = raw[group]
            if not isinstance(items, list) or not items:
                raise ValueError(f"{where}.{group}: must be a non-empty list of conditions")
            return {group: [normalise(c, f"{where}.{group}[{i}]") for i, c in enumerate(items)]}
    if "not" in keys:
        if keys != {"not"}:
            raise ValueError(f"{where}: 'not' cannot be combined with {sorted(keys - {'not'})}")
        return {"not": normalise(raw["not"], f"{where}.not")}
    unknown = keys - {"fact", "op", "value"}
    if unknown or "fact" not in keys:
        raise ValueError(f"{where}: expected all/any/not or {{fact, op, value}}, got keys {sorted(keys)}")
    op = raw.get("op", "eq")
    if op in FROM_SYMBOL:
        op = FROM_SYMBOL[op]
    if op not in ALL_OPS:
        raise ValueError(f"{where}.op: unknown operator {op!r}; use one of {', '.join(sorted(ALL_OPS))}")
    if not isinstance(raw["fact"], str):
        raise ValueError(f"{where}.fact: must be a fact name, got {raw['fact']!r}")
    if op in UNARY_OPS:
        if raw.get("value") is not None:
            raise ValueError(f"{where}.value: operator '{op}' takes no value")
        return {"fact": raw["fact"], "op": op}
    if "value" not in keys:
        raise ValueError(f"{where}.value: operator '{op}' needs a value")
    return {"fact": raw["fact"], "op": op, "value": raw["value"]}


def leaves(cond: Cond) -> list[Cond]:
    """Every {fact, op, value} inside a condition, in order."""
    if "fact" in cond:
        return [cond]
    if "not" in cond:
        return leaves(cond["not"])
    return [leaf for child in next(iter(cond.values())) for leaf in leaves(child)]


# ---------------------------------------------------------------------------------------------------- text form

_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:#@/-]*$")
_RESERVED = {"true", "false", "null", "all", "any", "not"} | set(WORD_OPS)


def _render_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_render_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str) and _BARE.match(value) and value not in _RESERVED:
        return value
    return json.dumps(value)


def render(cond: Cond) -> str:
    """The one-line text form of a condition."""
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        return f"{key}(" + ", ".join(render(c) for c in cond[key]) + ")"
    if "not" in cond:
        return f"not({render(cond['not'])})"
    op = cond["op"]
    text = f"{cond['fact']} {SYMBOLS.get(op, op)}"
    return text if op in UNARY_OPS else f"{text} {_render_value(cond['value'])}"


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z_]))
      | (?P<sym>!=|>=|<=|=|>|<|\(|\)|\[|\]|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.:#@/-]*)
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ConditionSyntaxError(f"unexpected character at column {pos + 1}: {text[pos : pos + 12]!r}")
        kind = m.lastgroup or ""
        raw = m.group(kind)
        value: Any = raw
        if kind == "str" or kind == "num":
            value = json.loads(raw)
        tokens.append((kind, value, m.start(kind) + 1))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, Any, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, Any, int]:
        tok = self.peek()
        if tok is None:
            raise ConditionSyntaxError(f"unexpected end of condition {self.text!r}")
        if expected is not None and tok[1] != expected:
            raise ConditionSyntaxError(f"expected {expected!r} at column {tok[2]}, found {tok[1]!r}")
        self.i += 1
        return tok

    def condition(self) -> Cond:
        kind, value, col = self.take()
        if kind != "word":
            raise ConditionSyntaxError(f"expected a fact name or all/any/not at column {col}, found {value!r}")
        nxt = self.peek()
        if value in ("all", "any", "not") and nxt is not None and nxt[1] == "(":
            self.take("(")
            items = [self.condition()]
            while self.peek() is not None and self.peek()[1] == ",":  # type: ignore[index]
                self.take(",")
                items.append(self.condition())
            self.take(")")
            if value == "not":
                if len(items) != 1:
                    raise ConditionSyntaxError(f"not(...) takes one condition (column {col})")
                return {"not": items[0]}
            return {value: items}
        op_tok = self.take()
        op = FROM_SYMBOL.get(op_tok[1], op_tok[1])
        if op not in ALL_OPS or op_tok[0] not in ("sym", "word"):
            raise ConditionSyntaxError(f"unknown operator {op_tok[1]!r} at column {op_tok[2]}")
        if op in UNARY_OPS:
            return {"fact": value, "op": op}
        return {"fact": value, "op": op, "value": self.value()}

    def value(self) -> Any:
        kind, value, col = self.take()
        if kind == "sym" and value == "[":
            items = [self.value()]
            while self.peek() is not None and self.peek()[1] == ",":  # type: ignore[index]
                self.take(",")
                items.append(self.value())
            self.take("]")
            return items
        if kind == "word":
            return {"true": True, "false": False}.get(value, value)
        if kind in ("str", "num"):
            return value
        raise ConditionSyntaxError(f"expected a value at column {col}, found {value!r}")


def parse_text(text: str) -> Cond:
    """Parse the one-line text form. ``parse_text(render(c)) == c`` for every canonical condition."""
    parser = _Parser(text)
    cond = parser.condition()
    if parser.peek() is not None:
        tok = parser.peek()
        raise ConditionSyntaxError(f"unexpected {tok[1]!r} at column {tok[2]} after a complete condition")  # type: ignore[index]
    return cond


# ---------------------------------------------------------------------------------------------------- compilation

Predicate = Callable[[Mapping[str, Any]], bool]


def _leaf_predicate(fact: str, op: str, value: Any) -> Predicate:
    # Each branch returns a closure specialised for its operator: no dispatch per evaluation.
    # A fact that is absent makes every comparison false (only `missing` and `not_*` can see absence).
    if op == "exists":
        return lambda f: fact in f
    if op == "missing":
        return lambda f: fact not in f
    if op == "eq":
        return lambda f: f.get(fact) == value
    if op == "ne":
        return lambda f: fact in f and f[fact] != value
    if op in ("in", "not_in"):
        members = frozenset(value)
        if op == "in":
            return lambda f: f.get(fact) in members
        return lambda f: fact in f and f[fact] not in members
    if op == "contains":
        return lambda f: value in f.get(fact, ())
    if op == "not_contains":
        return lambda f: value not in f.get(fact, ())
    if op == "contains_any":
        wanted = frozenset(value)
        return lambda f: not wanted.isdisjoint(f.get(fact, ()))
    if op == "contains_all":
        wanted = frozenset(value)
        return lambda f: wanted <= f.get(fact, frozenset())
    if op == "gt":
        return lambda f: fact in f and f[fact] > value
    if op == "gte":
        return lambda f: fact in f and f[fact] >= value
    if op == "lt":
        return lambda f: fact in f and f[fact] < value
    if op == "lte":
        return lambda f: fact in f and f[fact] <= value
    raise ValueError(f"unknown operator {op!r}")


def compile_condition(cond: Cond) -> Predicate:
    """Compile a canonical condition into a predicate over a facts mapping."""
    if "fact" in cond:
        return _leaf_predicate(cond["fact"], cond["op"], cond.get("value"))
    if "not" in cond:
        inner = compile_condition(cond["not"])
        return lambda f: not inner(f)
    parts = tuple(compile_condition(c) for c in next(iter(cond.values())))
    if len(parts) == 1:
        return parts[0]
    if "all" in cond:
        if len(parts) == 2:
            a, b = parts
            return lambda f: a(f) and b(f)
        return lambda f: all(p(f) for p in parts)
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) or b(f)
    return lambda f: any(p(f) for p in parts)


def _show(value: Any) -> str:
    if isinstance(value, frozenset | set):
        return "[" + ", ".join(sorted(value)) + "]"
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


Explainer = Callable[[Mapping[str, Any]], tuple[bool, str]]


def explain(cond: Cond, facts: Mapping[str, Any]) -> tuple[bool, str]:
    """Evaluate slowly, saying why: the leaves that decided the outcome with the fact values they read."""
    return compile_explainer(cond)(facts)


def compile_explainer(cond: Cond) -> Explainer:
    """``explain`` prepared once per condition: leaf texts rendered and predicates compiled ahead of time."""
    if "fact" in cond:
        test, name, text = _leaf_predicate(cond["fact"], cond["op"], cond.get("value")), cond["fact"], render(cond)

        def leaf(facts: Mapping[str, Any]) -> tuple[bool, str]:
            result = test(facts)
            seen = _show(facts[name]) if name in facts else "absent"
            return result, f"{text} is {'true' if result else 'false'} ({name}={seen})"

        return leaf
    if "not" in cond:
        inner = compile_explainer(cond["not"])

        def negated(facts: Mapping[str, Any]) -> tuple[bool, str]:
            result, why = inner(facts)
            return not result, f"not[{why}]"

        return negated
    every = "all" in cond
    parts = tuple(compile_explainer(c) for c in cond["all" if every else "any"])

    def group(facts: Mapping[str, Any]) -> tuple[bool, str]:
        results = [part(facts) for part in parts]
        outcome = all(r for r, _ in results) if every else any(r for r, _ in results)
        # A hit is explained by the leaves that made it true; a miss by the ones that made it false.
        return outcome, "; ".join(w for r, w in results if r == outcome)

    return group
