"""Facts inferred from the ticket text: golden cases, including the look-alikes that must not escalate."""

from __future__ import annotations

import pytest

from assist.infer import infer_facts


@pytest.mark.parametrize(
    ("text", "issue_type", "signals"),
    [
        ("We suffered a data breach last night, customer records were exposed", "security", {"security_incident"}),
        ("Unauthorized access to our admin account from an unknown IP", "security", {"security_incident"}),
        ("Possible phishing email pretending to be your billing team", "security", {"security_incident"}),
        # Look-alikes: the word "security" or "breach" without an incident.
        ("What security features does the enterprise plan include?", None, set()),
        ("How do I configure the security settings for SSO?", "integration", set()),
        ("Ticket 4411 is close to an SLA breach, please reply", None, set()),
        ("Is a late invoice a breach of contract on your side?", "billing", set()),
        ("Our dashboard has been down since 9am for all our users", "outage", {"outage", "multi_customer_impact"}),
    ],
)
def test_inferred_issue_type_and_signals(text: str, issue_type: str | None, signals: set[str]) -> None:
    facts = infer_facts(text, [])
    assert (facts["issue_type"].value if "issue_type" in facts else None) == issue_type
    assert set(facts["signals"].value if "signals" in facts else ()) == signals
    if "issue_type" in facts:
        assert facts["issue_type"].source.startswith("keyword '")  # every inferred fact says where it came from
