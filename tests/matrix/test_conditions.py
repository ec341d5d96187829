"""Conditions: the text form and the structured form are exact inverses; operators behave on absent facts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matrix.conditions import ConditionSyntaxError, compile_condition, normalise, parse_text, render

words = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
scalars = st.one_of(
    words,
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.text(min_size=1, max_size=12),
    st.booleans(),
)
leaf = st.one_of(
    st.builds(
        lambda f, op, v: {"fact": f, "op": op, "value": v},
        words,
        st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_contains"]),
        scalars,
    ),
    st.builds(
        lambda f, op, v: {"fact": f, "op": op, "value": v},
        words,
        st.sampled_from(["in", "not_in", "contains_any", "contains_all"]),
        st.lists(scalars, min_size=1, max_size=3),
    ),
    st.builds(lambda f, op: {"fact": f, "op": op}, words, st.sampled_from(["exists", "missing"])),
)
conds = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=8,
)


@given(conds)
def test_text_form_round_trips(cond: dict[str, Any]) -> None:
    assert parse_text(render(cond)) == cond
    assert normalise(render(cond)) == cond


def test_examples() -> None:
    c = parse_text(
        "all(customer_tier = enterprise, any(signals contains outage, affected_accounts >= 2), "
        'not(product_area in ["data pipelines", sso]))'
    )
    f = compile_condition(c)
    assert f({"customer_tier": "enterprise", "signals": frozenset({"outage"}), "product_area": "billing"})
    assert not f({"customer_tier": "enterprise", "signals": frozenset({"outage"}), "product_area": "data pipelines"})
    assert not f({"customer_tier": "smb", "affected_accounts": 3})


@pytest.mark.parametrize(
    ("text", "facts", "want"),
    [
        ("kb_confidence >= 0.6", {}, False),
        ("kb_confidence < 0.6", {}, False),  # absent is not "less than"
        ("not(kb_confidence >= 0.6)", {}, True),
        ("issue_type != bug", {}, False),
        ("issue_type not_in [bug]", {}, False),
        ("signals not_contains documented_fix", {}, True),
        ("signals contains_all [outage, reproducible]", {"signals": frozenset({"outage"})}, False),
        ("product_area missing", {}, True),
        ("product_area exists", {"product_area": "x"}, True),
    ],
)
def test_absent_facts(text: str, facts: dict[str, Any], want: bool) -> None:
    assert compile_condition(parse_text(text))(facts) is want


@pytest.mark.parametrize("text", ["", "all(", "severity", "severity ~ S1", "severity = S1 extra", "not(a = 1, b = 2)"])
def test_syntax_errors(text: str) -> None:
    with pytest.raises(ConditionSyntaxError):
        parse_text(text)


def test_structured_errors_name_the_path() -> None:
    with pytest.raises(ValueError, match=r"when.all\[1\]: expected all/any/not"):
        normalise({"all": [{"fact": "a", "op": "eq", "value": 1}, {"bogus": 1}]})
    with pytest.raises(ValueError, match="unknown operator"):
        normalise({"fact": "a", "op": "like", "value": 1})
