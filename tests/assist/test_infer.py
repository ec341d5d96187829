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


@pytest.mark.parametrize(
    ("text", "signals", "severity"),
    [
        ("Für 37 unserer Kunden fehlen sämtliche Events vom 18.11.", {"data_loss", "multi_customer_impact"}, "S1"),
        ("Événements acceptés puis disparus pour notre client", {"data_loss"}, "S1"),
        ("La API no está disponible: cada llamada devuelve 503 desde las 9:00", {"outage"}, "S2"),
        ("We accidentally pushed a live API key to a public GitHub repo", {"security_incident"}, "S1"),
        (
            "Since 05:10 UTC every call fails with 503; two other companies see it too",
            {"outage", "multi_customer_impact"},
            "S1",
        ),
        ("How do I add a new user to our organization?", set(), "S4"),
        # Look-alikes: a single timeout, a scroll, a login of one user are no incident, and say nothing of severity.
        ("The export request timed out once for a large report", set(), None),
        ("Scroll down to the invoice list and click the invoice number", set(), None),
        ("I can't log in since I changed my password", set(), None),
    ],
)
def test_signals_in_four_languages_and_severity_by_the_matrix_definitions(
    text: str, signals: set[str], severity: str | None
) -> None:
    facts = infer_facts(text, [])
    assert set(facts["signals"].value if "signals" in facts else ()) == signals
    assert (facts["severity"].value if "severity" in facts else None) == severity
    if severity is not None:
        assert facts["severity"].source  # the words it read, for the agent to check
