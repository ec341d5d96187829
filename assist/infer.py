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

# What a lost or vanished thing is called in a billing product's tickets, in each language.
_THINGS = (
    r"(?:data|records?|files?|rows?|events?|invoices?|invoice lines?|line items?|credit notes?|customers?|"
    r"dashboards?|usage|subscriptions?|price plans?|payments?)"
)

# signal -> language -> patterns over the lower-cased text. A support lead extends these per language; each hit
# is quoted as the fact's evidence. Order is the order of the vocabulary.
SIGNALS_BY_LANGUAGE: dict[str, dict[str, list[str]]] = {
    "data_loss": {
        "en": [
            r"data loss",
            rf"\blost (?:all |our |my |the )?{_THINGS}",
            rf"\b{_THINGS}\b[^.!?\n]{{0,40}}\b(?:disappeared|vanished|are gone|is gone|went missing|"
            r"were deleted|got deleted|wiped)",
            r"\b(?:disappeared|vanished)\b",
            r"\bdeleted\b[^.!?\n]{0,40}\bby mistake\b|\bby mistake\b[^.!?\n]{0,40}\bdeleted\b",
            r"corrupt(?:ed|ion)",
            rf"missing {_THINGS}|{_THINGS} (?:are |is )?missing",
            r"shows? (?:no (?:line items|lines)|0 for)",
        ],
        "de": [r"datenverlust", r"verschwunden", r"\bfehlen\b|\bfehlende\b", r"gelöscht", r"verloren"],
        "fr": [r"perte de données", r"disparu", r"\bperdu", r"manquant", r"supprimé"],
        "es": [r"pérdida de datos", r"desapareci", r"\bperdid", r"\bfaltan\b", r"borrad|eliminad"],
    },
    "security_incident": {
        "en": [
            r"security (?:incident|breach|issue)",
            _BREACH,
            r"unauthori[sz]ed (?:access|user|login|sign[- ]?in)",
            r"hacked",
            r"compromised",
            r"phishing",
            r"leaked (?:credentials|keys?|password|secret|token)|(?:key|secret|token|password)s? (?:was |were )?leaked",
            r"\b(?:pushed|posted|pasted|committed|exposed)\b[^.!?\n]{0,60}\b(?:key|secret|token|password|credentials)",
            r"\b(?:key|secret|token|password|credentials)\b[^.!?\n]{0,40}\b(?:public(?:ly)?|github|stack overflow)",
            r"(?:unknown|unrecognized|unexpected) (?:admin|user|api key|sign[- ]?in)",
            r"terminated (?:employee|user)[^.!?\n]{0,40}(?:signed|logged) in",
            r"another (?:company|customer|tenant)'?s? (?:invoice|data|account)",
            r"vulnerab",
        ],
        "de": [
            r"sicherheitsvorfall",
            r"unbefugt",
            r"gehackt",
            r"kompromittiert",
            r"zugangsdaten[^.!?\n]{0,40}öffentlich",
        ],
        "fr": [r"incident de sécurité", r"accès non autorisé", r"piraté", r"compromis", r"fuite"],
        "es": [r"incidente de seguridad", r"acceso no autorizado", r"hackead", r"comprometid", r"filtra"],
    },
    "outage": {
        "en": [
            r"\boutage\b",
            r"\b(?:is|are|went|goes|been) down\b|\bdown (?:for|since)\b|\bapi down\b",
            r"not (?:loading|responding|reachable)|won'?t load|spins forever",
            r"unavailable",
            # One user who cannot log in, or one request that times out, is not an outage.
            r"cannot (?:access|reach) (?:the )?(?:app|site|service|platform|api)",
            r"can'?t (?:open|access|reach) (?:the )?app",
            r"\b5\d\d (?:errors?|service|gateway|bad gateway)",
            r"\b(?:return(?:s|ing)?|with|fail(?:s|ing)? with) 50[234]\b",
        ],
        "de": [r"ausfall", r"ausgefallen", r"nicht erreichbar", r"lädt nicht"],
        "fr": [r"\bpanne\b", r"indisponible", r"inaccessible", r"ne (?:charge|répond) (?:pas|plus)"],
        "es": [r"caída", r"no (?:está )?disponible", r"no carga", r"no responde"],
    },
    "multi_customer_impact": {
        "en": [
            r"all (?:our |of our )?(?:customers|users|tenants)",
            r"every one of our customers|everyone is affected|widespread",
            r"(?:multiple|several|many|\d+) (?:of our )?(?:customers|tenants|clients)",
            r"other (?:companies|customers) too|(?:two|other) (?:other )?companies",
        ],
        "de": [r"alle (?:unsere[rn]? )?kunden", r"mehrere kunden", r"für \d+ (?:unserer |unseren )?kunden"],
        "fr": [r"tous (?:nos )?clients", r"plusieurs clients", r"\d+ (?:de nos )?clients"],
        "es": [r"todos (?:nuestros )?clientes", r"varios clientes", r"\d+ (?:de nuestros )?clientes"],
    },
    "reproducible": {
        "en": [r"reproduc", r"every time", r"consistently", r"steps to reproduce", r"always (?:fails|happens)"],
        "de": [r"reproduzierbar", r"jedes mal"],
        "fr": [r"reproductible", r"à chaque fois"],
        "es": [r"reproducible", r"cada vez"],
    },
    "confirmed_defect": {
        "en": [r"confirmed (?:bug|defect)", r"known (?:bug|defect|issue)", r"\bregression\b"],
        "de": [r"bekannter fehler", r"bestätigter fehler"],
        "fr": [r"bug connu", r"régression"],
        "es": [r"error conocido", r"regresión"],
    },
}
SIGNALS: dict[str, list[str]] = {
    name: [p for patterns in by_language.values() for p in patterns]
    for name, by_language in SIGNALS_BY_LANGUAGE.items()
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


def infer_severity(signals: dict[str, str], issue_type: str | None) -> Inferred | None:
    """Severity by the matrix's definitions, from the signals found (and their words, as evidence):
    S1 production down across customers or data or security at risk; S2 a service down or a defect hurting
    several customers; S4 a question or a wish. Anything else is left unset: the matrix's default applies and the
    decision lists it as assumed, for the agent to set."""
    words = lambda *names: ", ".join(f"{n} '{signals[n]}'" for n in names if n in signals)  # noqa: E731
    if "data_loss" in signals or "security_incident" in signals:
        return Inferred("S1", "data or security at risk: " + words("data_loss", "security_incident"))
    if "outage" in signals and "multi_customer_impact" in signals:
        return Inferred("S1", "down for several customers: " + words("outage", "multi_customer_impact"))
    if "outage" in signals or ("confirmed_defect" in signals and "multi_customer_impact" in signals):
        return Inferred("S2", "service down or a defect across customers: " + words("outage", "confirmed_defect"))
    if issue_type in ("how_to", "feature_request") and not signals:
        return Inferred("S4", f"a {issue_type.replace('_', ' ')} with no sign of an incident")
    return None


def infer_facts(text: str, similar: list[ScoredChunk], products: tuple[str, ...] = ()) -> dict[str, Inferred]:
    """severity, issue_type, signals, product_area and the routing labels (queue, priority, type) of similar
    tickets."""
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
    severity = infer_severity(found, out["issue_type"].value if "issue_type" in out else None)
    if severity is not None:
        out["severity"] = severity
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
