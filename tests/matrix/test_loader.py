"""Loading a matrix: every problem is named by line and field; unknown keys and undeclared facts are refused."""

from __future__ import annotations

import pytest

from matrix import MatrixLoadError, load_matrix, parse_matrix
from matrix.loader import default_matrix_text, dump_yaml


def _broken(old: str, new: str) -> str:
    text = default_matrix_text()
    assert old in text, old
    return text.replace(old, new, 1)


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(MatrixLoadError) as err:
        parse_matrix(text, "m.yaml")
    return err.value.problems


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_default_matrix_loads_and_has_a_stable_version() -> None:
    a = parse_matrix(default_matrix_text())
    b = parse_matrix(default_matrix_text() + "\n# a comment does not change the policy\n")
    assert a.version == b.version and a.version.startswith("sha256:")


def test_content_change_changes_version() -> None:
    a = parse_matrix(default_matrix_text())
    b = parse_matrix(_broken("billing_dispute_amount >= 5000", "billing_dispute_amount >= 6000"))
    assert a.version != b.version


def test_unknown_key_is_named_with_its_line() -> None:
    text = _broken("    backup_role: support_team_lead\n", "    backup_role: support_team_lead\n    pager: yes\n")
    ((where, msg),) = _problems(text)
    assert where == f"line {_line_of(text, 'pager: yes')}, tiers.0.pager"
    assert "Extra inputs are not permitted" in msg


def test_undeclared_fact_in_a_rule_is_an_error() -> None:
    text = _broken("when: signals contains confirmed_defect", "when: sentiment = angry")
    ((where, msg),) = _problems(text)
    assert where.endswith("triggers.4.when.fact")
    assert where.startswith(f"line {_line_of(text, 'sentiment = angry')}")
    assert "unknown fact 'sentiment'" in msg


def test_value_outside_a_facts_domain_is_an_error() -> None:
    ((where, msg),) = _problems(_broken("when: issue_type = feature_request", "when: issue_type = wishlist"))
    assert where.endswith("triggers.10.when.value") and "must be one of" in msg


def test_operator_must_fit_the_fact() -> None:
    ((where, msg),) = _problems(_broken("when: issue_type = feature_request", "when: issue_type > feature_request"))
    assert where.endswith("triggers.10.when.op") and "does not apply to enum" in msg


def test_declared_extra_fact_can_be_used() -> None:
    text = _broken("triggers:\n", "facts:\n  - {name: region, kind: enum, values: [emea, amer]}\ntriggers:\n")
    text = text.replace("when: issue_type = feature_request", "when: all(issue_type = feature_request, region = emea)")
    m = parse_matrix(text)
    assert "region" in m.vocabulary


def test_unknown_tier_queue_and_missing_sla() -> None:
    text = _broken("    tier: T4\n    queue: incident_response", "    tier: T5\n    queue: incident_response")
    text = text.replace("      S4: {reply: 16h, resolve: 80h}\n", "")
    problems = dict(_problems(text))
    assert any("unknown tier 'T5'" in m for m in problems.values())
    assert any("no SLA target for severity 'S4'" in m for m in problems.values())


def test_bad_duration_and_time_zone() -> None:
    problems = _problems(
        _broken("S1: {reply: 15m, resolve: 4h}", "S1: {reply: soon, resolve: 4h}").replace(
            "timezone: America/New_York", "timezone: Mars/Olympus", 1
        )
    )
    messages = " ".join(m for _, m in problems)
    assert "duration" in messages and "unknown time zone 'Mars/Olympus'" in messages


def test_duplicate_keys_and_bad_yaml() -> None:
    ((where, msg),) = _problems(_broken("owner: Head of Support\n", "owner: Head of Support\nowner: Someone\n"))
    assert "duplicate key" in msg and where.startswith("line ")
    ((where, msg),) = _problems("name: [unclosed\n")
    assert "not valid YAML" in msg


def test_condition_text_errors_say_where() -> None:
    ((where, msg),) = _problems(_broken("when: issue_type = feature_request", "when: 'all(issue_type = '"))
    assert "triggers.10.when" in where and "unexpected end" in msg


def test_missing_file() -> None:
    with pytest.raises(MatrixLoadError) as err:
        load_matrix("/nonexistent/matrix.yaml")
    assert "cannot read" in str(err.value)


def test_dump_then_parse_is_identity() -> None:
    m = parse_matrix(default_matrix_text())
    assert parse_matrix(dump_yaml(m)) == m
