"""Golden decisions of the default matrix: every default trigger and the clock rules, by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from matrix import Matrix, evaluate

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "golden_cases.yaml").read_text())


def test_every_default_trigger_has_a_golden_case(dm: Matrix) -> None:
    decided = set()
    for case in CASES:
        decided.add(evaluate(dm, case["facts"], case["now"]).rule_id)
    missing = {t.id for t in dm.triggers} - decided
    assert not missing, f"triggers without a golden case that they decide: {missing}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden(dm: Matrix, case: dict[str, Any]) -> None:
    got = evaluate(dm, case["facts"], case["now"]).to_dict()
    for key, want in case["expect"].items():
        assert got[key] == want, f"{key}: want {want!r}, got {got[key]!r}\nreason: {got['reason']}\n{got['trace']}"
    # The rule that decided is named in the trace (or is the floor/time step the engine applied).
    assert any(step["rule"] == got["rule_id"] for step in got["trace"])
