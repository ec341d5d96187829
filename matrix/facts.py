"""The facts vocabulary: the names and value domains a matrix may read.

Rules are data over a vocabulary declared in code, so a matrix file can only name facts that exist and values
inside their domain (OPA-style). A matrix may declare extra facts of its own (see ``schema.FactDecl``); they go
through the same checks.

Facts arrive as a plain dict (from the helpdesk, the CLI or ``assist``). ``parse_facts`` validates it against
the vocabulary and returns a normalised dict: enums as strings, sets as frozensets, times as aware UTC datetimes.
Any bad value raises ``FactError`` naming the field and the value.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from matrix.errors import FactError

# Kinds a fact can have. Comparison operators a rule may use depend on the kind (see OPS_BY_KIND).
ENUM = "enum"  # one value out of a closed set
SET = "set"  # a subset of a closed set (e.g. signals)
NUMBER = "number"  # int or float, optional bounds
INTEGER = "integer"  # int, optional bounds
STRING = "string"  # free text (product_area)
DATETIME = "datetime"  # ISO 8601 with a zone
INTERVALS = "intervals"  # list of {start, end|null} (pauses)
BOOLEAN = "boolean"

OPS_BY_KIND: dict[str, frozenset[str]] = {
    ENUM: frozenset({"eq", "ne", "in", "not_in", "exists", "missing"}),
    SET: frozenset({"contains", "not_contains", "contains_any", "contains_all", "exists", "missing"}),
    NUMBER: frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "exists", "missing"}),
    INTEGER: frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "missing"}),
    STRING: frozenset({"eq", "ne", "in", "not_in", "exists", "missing"}),
    DATETIME: frozenset({"exists", "missing"}),
    INTERVALS: frozenset({"exists", "missing"}),
    BOOLEAN: frozenset({"eq", "ne", "exists", "missing"}),
}


@dataclass(frozen=True)
class FactSpec:
    """One fact of the vocabulary: its name, kind and domain."""

    name: str
    kind: str
    values: tuple[str, ...] = ()  # for ENUM and SET, in order (for ENUM, order is meaningful: first = worst)
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""
    _value_set: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_value_set", frozenset(self.values))

    def parse(self, raw: Any) -> Any:
        """Validate one raw value and return it normalised; raise FactError naming this fact."""
        return _PARSERS[self.kind](self, raw)

    def check_rule_value(self, op: str, value: Any) -> Any:
        """Validate a value written in a rule for this fact (domain check at matrix load)."""
        if op in ("exists", "missing"):
            return None
        if op in ("in", "not_in", "contains_any", "contains_all"):
            if not isinstance(value, list) or not value:
                raise FactError(self.name, value, f"operator '{op}' needs a non-empty list")
            element = self if self.kind != SET else FactSpec(self.name, ENUM, self.values)
            return [element.parse(v) for v in value]
        if self.kind == SET:
            return FactSpec(self.name, ENUM, self.values).parse(value)
        return self.parse(value)


def _parse_enum(spec: FactSpec, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in spec._value_set:
        raise FactError(spec.name, raw, f"must be one of {', '.join(spec.values)}")
    return raw


def _parse_set(spec: FactSpec, raw: Any) -> frozenset[str]:
    if isinstance(raw, str | bytes) or not isinstance(raw, list | tuple | set | frozenset):
        raise FactError(spec.name, raw, f"must be a list of values from {', '.join(spec.values)}")
    for item in raw:
        if not isinstance(item, str) or item not in spec._value_set:
            raise FactError(spec.name, item, f"contains a value outside {', '.join(spec.values)}")
    return frozenset(raw)


def _bounded(spec: FactSpec, raw: Any, number: float) -> None:
    if spec.minimum is not None and number < spec.minimum:
        raise FactError(spec.name, raw, f"must be >= {spec.minimum:g}")
    if spec.maximum is not None and number > spec.maximum:
        raise FactError(spec.name, raw, f"must be <= {spec.maximum:g}")


def _parse_number(spec: FactSpec, raw: Any) -> float | int:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise FactError(spec.name, raw, "must be a finite number")
    _bounded(spec, raw, raw)
    return raw


def _parse_integer(spec: FactSpec, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        else:
            raise FactError(spec.name, raw, "must be an integer")
    _bounded(spec, raw, raw)
    return raw


def _parse_string(spec: FactSpec, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise FactError(spec.name, raw, "must be a non-empty string")
    return raw.strip()


def _parse_boolean(spec: FactSpec, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise FactError(spec.name, raw, "must be true or false")
    return raw


def parse_datetime(name: str, raw: Any) -> datetime:
    """Parse an ISO 8601 timestamp that carries a zone; naive times are refused (ambiguous for SLAs)."""
    if isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw)  # Python 3.11 reads a trailing Z
        except ValueError:
            raise FactError(name, raw, "must be an ISO 8601 timestamp such as 2026-03-01T10:00:00Z") from None
        if value.tzinfo is UTC and 1900 <= value.year <= 9000:  # the usual wire form: already what we return
            return value
    elif isinstance(raw, datetime):
        value = raw
    else:
        raise FactError(name, raw, "must be an ISO 8601 timestamp such as 2026-03-01T10:00:00Z")
    if value.tzinfo is None or value.utcoffset() is None:
        raise FactError(name, raw, "must carry a time zone (e.g. a trailing Z for UTC)")
    if not 1900 <= value.year <= 9000:  # room for SLA arithmetic years ahead without leaving datetime's range
        raise FactError(name, raw, "must be between the years 1900 and 9000")
    return value.astimezone(UTC)


def format_datetime(value: datetime | None) -> str | None:
    """The one wire form of an instant: UTC, whole seconds, a trailing Z."""
    return None if value is None else _wire_form(value)


def _wire_form(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:-6] + "Z"  # drop "+00:00"; whole seconds (truncated)


def _parse_datetime(spec: FactSpec, raw: Any) -> datetime:
    return parse_datetime(spec.name, raw)


def _parse_intervals(spec: FactSpec, raw: Any) -> tuple[tuple[datetime, datetime | None], ...]:
    if not isinstance(raw, list | tuple):
        raise FactError(spec.name, raw, "must be a list of {start, end} objects")
    out: list[tuple[datetime, datetime | None]] = []
    for i, item in enumerate(raw):
        where = f"{spec.name}[{i}]"
        if not isinstance(item, Mapping) or "start" not in item or set(item) - {"start", "end"}:
            raise FactError(where, item, "must be an object with 'start' and optional 'end'")
        start = parse_datetime(f"{where}.start", item["start"])
        end_raw = item.get("end")
        end = None if end_raw is None else parse_datetime(f"{where}.end", end_raw)
        if end is not None and end < start:
            raise FactError(f"{where}.end", end_raw, "must not be before start")
        if end is None and i != len(raw) - 1:
            raise FactError(f"{where}.end", None, "only the last pause may be open (no end)")
        out.append((start, end))
    return tuple(sorted(out, key=lambda p: p[0]))


_PARSERS: dict[str, Callable[[FactSpec, Any], Any]] = {
    ENUM: _parse_enum,
    SET: _parse_set,
    NUMBER: _parse_number,
    INTEGER: _parse_integer,
    STRING: _parse_string,
    DATETIME: _parse_datetime,
    INTERVALS: _parse_intervals,
    BOOLEAN: _parse_boolean,
}

SEVERITIES = ("S1", "S2", "S3", "S4")
CUSTOMER_TIERS = ("enterprise", "business", "smb")
ISSUE_TYPES = (
    "how_to",
    "account",
    "billing",
    "bug",
    "integration",
    "outage",
    "security",
    "data_integrity",
    "feature_request",
)
TIERS = ("T1", "T2", "T3", "T4")
STATUSES = ("new", "open", "pending", "on_hold", "solved")
PAUSING_STATUSES = frozenset({"pending", "on_hold"})
SIGNALS = (
    "data_loss",
    "security_incident",
    "outage",
    "multi_customer_impact",
    "reproducible",
    "documented_fix",
    "confirmed_defect",
)


def core_vocabulary() -> dict[str, FactSpec]:
    """The default facts every matrix can read. Names and values are a contract other parts rely on.

    ``severity``, ``customer_tier`` and ``current_tier`` take their value lists from the matrix when it declares
    its own severities, plans or tiers (see ``schema.Matrix.vocabulary``).
    """
    specs = [
        FactSpec("severity", ENUM, SEVERITIES, description="S1 (worst) .. S4"),
        FactSpec("customer_tier", ENUM, CUSTOMER_TIERS, description="the customer's plan"),
        FactSpec("issue_type", ENUM, ISSUE_TYPES),
        FactSpec("product_area", STRING),
        FactSpec("current_tier", ENUM, TIERS, description="the tier that holds the ticket now"),
        FactSpec("status", ENUM, STATUSES, description="pending and on_hold pause SLA clocks"),
        FactSpec("created_at", DATETIME),
        FactSpec("tier_entered_at", DATETIME, description="when the ticket entered its current tier"),
        FactSpec("first_reply_at", DATETIME),
        FactSpec("pauses", INTERVALS, description="pending/on-hold periods: [{start, end|null}]"),
        FactSpec("signals", SET, SIGNALS),
        FactSpec("billing_dispute_amount", NUMBER, minimum=0),
        FactSpec("affected_accounts", INTEGER, minimum=0),
        FactSpec("kb_confidence", NUMBER, minimum=0, maximum=1),
    ]
    return {s.name: s for s in specs}


def parse_facts(raw: Any, vocabulary: Mapping[str, FactSpec]) -> dict[str, Any]:
    """Validate a facts mapping against a vocabulary. ``None`` values count as absent.

    >>> parse_facts({"severity": "S1"}, core_vocabulary())
    {'severity': 'S1'}
    """
    return fact_parser(vocabulary)(raw)


def fact_parser(vocabulary: Mapping[str, FactSpec]) -> Callable[[Any], dict[str, Any]]:
    """``parse_facts`` for one vocabulary, with each fact's parser looked up once (the engine keeps one per
    matrix). Most facts are enum values: those that are valid as sent need no call."""
    parsers = {name: functools.partial(_PARSERS[spec.kind], spec) for name, spec in vocabulary.items()}
    enums = {name: spec._value_set for name, spec in vocabulary.items() if spec.kind == ENUM}
    instants = {name for name, spec in vocabulary.items() if spec.kind == DATETIME}

    def parse(raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise FactError("facts", raw, "must be a JSON object")
        out: dict[str, Any] = {}
        for name, value in raw.items():
            if type(value) is str:
                if value in enums.get(name, ()):
                    out[name] = value
                    continue
                if name in instants:
                    out[name] = parse_datetime(name, value)
                    continue
            parser = parsers.get(name)
            if parser is None:
                raise FactError(str(name), value, "is not a fact this matrix declares")
            if value is not None:
                out[name] = parser(value)
        return out

    return parse
