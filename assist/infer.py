"""Facts inferred from the ticket text and from similar past tickets. Each says where it came from.

Inference only fills facts the helpdesk did not send; explicit facts always win. The matrix then decides —
nothing here decides a tier. Keyword lexicons are deliberately plain so a support lead can read and extend them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from assist.retrieval import ScoredChunk
from ingest.documents import is_ticket_source

# A breach of security, not of an SLA or a contract.
_BREACH = r"(?<!sla )\bbreach(?:ed|es)?\b(?! of (?:contract|the contract|sla|the sla|terms))"

# signal -> patterns (lower-cased text). Order is the order of the vocabulary.
SIGNALS: dict[str, list[str]] = {
    "data_loss": [
        r"data loss",
        r"lost (?:all |our |my )?(?:data|records|files)",
        r"\bdeleted\b.*\b(?:data|records)",
        r"corrupt(?:ed|ion)",
        r"missing (?:data|records|rows)",
        r"data (?:is |was )?gone",
    ],
    "security_incident": [
        r"security (?:incident|breach|issue)",
        _BREACH,
        r"unauthori[sz]ed access",
        r"hacked",
        r"compromised",
        r"phishing",
        r"leaked (?:credentials|keys|password)",
        r"vulnerab",
    ],
    "outage": [
        r"\boutage\b",
        r"\bdown\b",
        r"not (?:loading|responding|reachable)",
        r"unavailable",
        r"cannot (?:access|reach|log ?in) (?:the )?(?:app|site|service|platform)",
        r"\b5\d\d errors?\b",
    ],
    "multi_customer_impact": [
        r"all (?:our |of our )?(?:customers|users|tenants)",
        r"multiple customers",
        r"everyone is affected",
        r"widespread",
    ],
    "reproducible": [r"reproduc", r"every time", r"consistently", r"steps to reproduce", r"always (?:fails|happens)"],
    "confirmed_defect": [r"confirmed (?:bug|defect)", r"known (?:bug|defect|issue)", r"\bregression\b"],
}

ISSUE_TYPES: list[tuple[str, list[str]]] = [
    # Not the bare word "security": "what security features do you offer?" is a question, not an incident.
    (
        "security",
        [
            r"security (?:incident|breach|issue|alert|threat)",
            _BREACH,
            r"vulnerab",
            r"phishing",
            r"hacked",
            r"unauthori[sz]ed",
        ],
    ),
    ("data_integrity", [r"data loss", r"corrupt", r"missing (?:data|records)", r"duplicate records"]),
    ("outage", [r"\boutage\b", r"\bdown\b", r"unavailable", r"not responding"]),
    ("billing", [r"invoice", r"billing", r"charged", r"refund", r"payment", r"subscription", r"pricing"]),
    ("integration", [r"\bapi\b", r"webhook", r"integration", r"\bsso\b", r"saml", r"oauth", r"connector", r"\bsdk\b"]),
    ("account", [r"password reset", r"\blog ?in\b", r"locked out", r"\bmfa\b", r"2fa", r"user access", r"permission"]),
    (
        "feature_request",
        [r"feature request", r"would be (?:nice|great)", r"please add", r"can you add", r"\bwishlist\b"],
    ),
    ("bug", [r"\berror\b", r"\bbug\b", r"exception", r"crash", r"fails?\b", r"broken", r"not working"]),
    ("how_to", [r"\bhow (?:do|can|to)\b", r"where (?:do|can|is)", r"is there a way", r"\bconfigure\b", r"\bsetup\b"]),
]


@dataclass(frozen=True)
class Inferred:
    value: Any
    source: str  # where it came from, in words: "helpdesk", "keyword 'outage'", "similar tickets: T-1, T-7"

    def to_dict(self) -> dict[str, Any]:
        value = sorted(self.value) if isinstance(self.value, set | frozenset) else self.value
        return {"value": value, "source": self.source}


def _find(patterns: list[str], text: str) -> str | None:
    for p in patterns:
        m = re.search(p, text)
        if m:
            return m.group(0)
    return None


def infer_facts(text: str, similar: list[ScoredChunk], products: tuple[str, ...] = ()) -> dict[str, Inferred]:
    """issue_type, signals, product_area and the routing labels (queue, priority, type) of similar tickets."""
    lowered = text.lower()
    out: dict[str, Inferred] = {}
    found = {name: hit for name, patterns in SIGNALS.items() if (hit := _find(patterns, lowered))}
    if found:
        out["signals"] = Inferred(frozenset(found), "keywords: " + ", ".join(f"'{h}'" for h in found.values()))
    for issue_type, patterns in ISSUE_TYPES:
        hit = _find(patterns, lowered)
        if hit:
            out["issue_type"] = Inferred(issue_type, f"keyword '{hit}'")
            break
    for product in products:
        if product.lower() in lowered:
            out["product_area"] = Inferred(product, f"account product '{product}' named in the ticket")
            break

    # Functional routing learned from history: the labels of the most similar past tickets, weighted by rank.
    tickets = [c for c in similar if is_ticket_source(c.metadata.get("source"))]
    for label in ("queue", "priority", "type", "product_area"):
        if label in out:
            continue
        votes: Counter[str] = Counter()
        voters: dict[str, list[str]] = {}
        for rank, chunk in enumerate(tickets[:7], 1):
            value = chunk.metadata.get(label)
            if value:
                votes[str(value)] += 1.0 / rank  # type: ignore[assignment]
                voters.setdefault(str(value), []).append(chunk.source_id)
        if votes:
            value, _ = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            ids = list(dict.fromkeys(voters[value]))[:3]
            out[label] = Inferred(value, "similar tickets: " + ", ".join(ids))
    return out
