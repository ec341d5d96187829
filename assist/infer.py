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
            rf"\b(?:show|shows|showing|now have|now has) no {_THINGS}",
            # A change that cannot be taken back: what it removed is gone.
            r"\b(?:no|can'?t|cannot|can not) (?:see (?:any |an )?|find (?:any |an )?)?(?:undo|way to undo|way back)\b",
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
            r"degraded (?:performance|service)|\bis there an incident\b",
            # The provider's status page lists it, or the service stopped moving: a posted or visible incident.
            r"status(?:\.[a-z0-9-]+)*(?:\.[a-z]{2,})? (?:page )?(?:now )?(?:shows|lists|says)"
            r"(?! (?:all|everything|it'?s|that|green|operational|no(?:thing)?)\b)",
            r"\b(?:haven'?t|hasn'?t|have not|has not) (?:moved|updated)\b",
        ],
        "de": [r"ausfall", r"ausgefallen", r"nicht erreichbar", r"lädt nicht"],
        "fr": [r"\bpanne\b", r"indisponible", r"inaccessible", r"ne (?:charge|répond) (?:pas|plus)"],
        "es": [r"caída", r"no (?:está )?disponible", r"no carga", r"no responde"],
    },
    "multi_customer_impact": {
        "en": [
            r"all (?:our |of our )?(?:customers|users|tenants)",
            r"every one of our customers|everyone is affected|widespread",
            r"(?:multiple|several|many|\d+) (?:of our )?(?:\w+ )?(?:customers|tenants|clients)",
            r"other (?:companies|customers) too|(?:two|other) (?:other )?companies",
            r"another (?:\w+ )?(?:company|customer)\b[^.!?\n]{0,80}\b(?:same|too|as well)",
            # Their own customers feel it: the fault reaches past this account.
            r"our (?:end |own )?customers (?:can'?t|cannot|are (?:seeing|getting|affected)|see|get)",
            r"to all (?:of )?our (?:\w+ )?customers",
        ],
        "de": [r"alle (?:unsere[rn]? )?kunden", r"mehrere kunden", r"für \d+ (?:unserer |unseren )?kunden"],
        "fr": [r"tous (?:nos )?clients", r"plusieurs clients", r"\d+ (?:de nos )?clients"],
        "es": [r"todos (?:nuestros )?clientes", r"varios clientes", r"\d+ (?:de nuestros )?clientes"],
    },
    "reproducible": {
        "en": [
            r"reproduc",
            r"every time",
            r"consistently",
            r"steps to reproduce",
            r"always (?:fails|happens)",
            # It fails every time, for everything of a kind, or again: not a one-off.
            r"\b(?:every|each|all)\b[^.!?\n]{0,50}\b(?:fail|reject|error|time[sd]? ?out|break|crash|return)",
            r"\b(?:fail|reject|error|broke|timing out)\w*\b[^.!?\n]{0,30}\b(?:every|each) "
            r"(?:time|day|night|morning|run|hour)",
            r"\b(?:fail\w*|broken|timing out|rejected|errors?) again\b|\bagain\b[^.!?\n]{0,20}\b(?:fail|error|broken)",
            r"\b(?:returns?|returning|gets?|getting) (?:an? )?(?:http )?[45]\d\d\b",
            # The customer checked it does not go away: tried again, elsewhere, another way, with the same result.
            r"same (?:result|thing|error|problem|behaviou?r)",
            r"\btried\b[^.!?\n]{0,60}\b(?:and|,)\b[^.!?\n]{0,60}",
            r"\b(?:also|even) (?:over|on|with|in|from) (?:a |another |our |the |mobile )",
        ],
        "de": [
            r"reproduzierbar",
            r"jedes mal|immer wieder|immer (?:das |dasselbe |der |die )?gleiche",
            r"\bjede[nrs]?\b[^.!?\n]{0,50}(?:fehl|schlägt|bricht|abgelehnt)",
        ],
        "fr": [
            r"reproductible",
            r"à chaque fois|même (?:résultat|erreur|problème)",
            r"\b(?:chaque|tous|toutes)\b[^.!?\n]{0,50}(?:échou|erreur|rejet)",
        ],
        "es": [
            r"reproducible",
            r"cada vez|\bsiempre\b|mismo (?:resultado|error|problema)",
            r"\b(?:cada|todas?|todos)\b[^.!?\n]{0,50}(?:fall|error|rechaz|devuelv)",
        ],
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

# The first type whose words appear wins, so the order goes from the most specific to the most general. A billing
# product's tickets all mention invoices: billing words decide only when nothing more specific does, except a
# dispute, which is billing whatever else it says.
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
    (
        "data_integrity",
        [
            r"data loss",
            r"corrupt",
            r"missing (?:data|records|events|rows|usage)",
            r"duplicat(?:e|ed) (?:records|events|rows|customers?|invoices?)",
            r"over-?count|double[- ]count|counted twice|(?:higher|lower) than (?:our|expected|it should)",
            r"(?:numbers|totals|counts) (?:don'?t|do not) match",
            r"doppelt|stimmt nicht|en double|duplicad",
        ],
    ),
    ("outage", [r"\boutage\b", r"\bdown\b", r"unavailable", r"not responding", r"ausfall", r"\bpanne\b", r"caída"]),
    ("billing", [r"\bdisput", r"overcharg", r"\brefund", r"widerspr|erstatt|rembours|contest|reembols"]),
    (
        "feature_request",
        [r"feature request", r"would be (?:nice|great)", r"please add", r"can you add", r"\bwishlist\b"],
    ),
    (
        "how_to",
        [
            r"\bhow (?:do|can|to)\b",
            r"where (?:do|can|is)",
            r"is there a way",
            r"\bconfigure\b",
            r"\bsetup\b",
            r"\bwie\b|comment|cómo",
        ],
    ),
    (
        "account",
        [
            r"password reset",
            r"\blog ?in\b|sign[- ]?in",
            r"locked out",
            r"\bmfa\b",
            r"2fa",
            r"user access",
            r"permission",
            r"\binvit",
            r"\broles?\b",
        ],
    ),
    (
        "bug",
        [r"\berror\b", r"\bbug\b", r"exception", r"crash", r"fails?\b", r"broken", r"not working", r"fehler|erreur"],
    ),
    (
        "integration",
        [
            r"\bapi\b",
            r"webhook",
            r"integration",
            r"\bsso\b",
            r"saml",
            r"\bscim\b",
            r"oauth",
            r"connector",
            r"\bsdk\b",
        ],
    ),
    ("billing", [r"invoice", r"billing", r"charged", r"payment", r"subscription", r"pricing", r"rechnung|factur"]),
]


# Something is not working (severity S3 at least), and a question or a wish (S4), in each language.
PROBLEM_BY_LANGUAGE: dict[str, list[str]] = {
    "en": [
        r"\berrors?\b",
        r"\bfail(?:s|ed|ing|ure)?\b",
        r"\bbroken\b|\bbug\b",
        r"not working|(?:doesn'?t|does not|don'?t|do not|stopped) work",
        r"timed? ?out|\b(?:http|status|returns?|returning|with|got|gets|getting|into) [45]\d\ds?\b|\b[45]\d\d errors?",
        r"\bwrong\b|\bincorrect\b|mismatch|(?:doesn'?t|don'?t|do not|does not) match",
        r"different (?:numbers|totals|daily|values)",
        r"\bstuck\b|\bmissing\b|\bduplicates?\b",
        r"\b(?:can'?t|cannot|unable to)\b",
        r"keeps? (?:failing|creating|attaching|returning|showing)",
        r"\bstopped (?:\w+ing)\b",
    ],
    "de": [
        r"fehler|fehlgeschlagen|schlägt[^.!?\n]{0,40}\bfehl\b",
        r"bricht[^.!?\n]{0,40}\bab\b|fällt[^.!?\n]{0,40}\baus\b",
        r"funktioniert (?:nicht|nicht mehr)|geht nicht",
        r"\bfalsch",
        r"(?:kann|können) nicht",
        r"stimmt nicht",
        r"doppelt",
    ],
    "fr": [r"erreur", r"ne (?:fonctionne|marche) (?:pas|plus)", r"échou", r"impossible de", r"incorrect", r"en double"],
    "es": [r"\berror", r"no funciona", r"\bfalla", r"no (?:puedo|podemos)", r"incorrect", r"duplicad"],
}
QUESTION_BY_LANGUAGE: dict[str, list[str]] = {
    "en": [
        r"\?",
        r"\bhow (?:do|can|to|does)\b|\bwhere (?:do|can|is|are)\b|\bwhich\b|\bis there a way\b",
        r"\b(?:we'?d|we would|i'?d|i would) like\b|\b(?:can|could) (?:we|you|i)\b|\bis it possible\b",
    ],
    "de": [r"\?", r"\bwie\b|\bwo\b|gibt es", r"möchten|würden gern|können wir|könnten sie"],
    "fr": [r"\?", r"\bcomment\b|\boù\b|est-ce que", r"voudrions|aimerions|pouvons-nous|est-il possible"],
    "es": [r"[?¿]", r"\bcómo\b|\bdónde\b", r"quisiéramos|nos gustaría|podemos|es posible"],
}
PROBLEM = [p for patterns in PROBLEM_BY_LANGUAGE.values() for p in patterns]
QUESTION = [p for patterns in QUESTION_BY_LANGUAGE.values() for p in patterns]

# A billing dispute, in each language: the amount it is about is read next to these words.
DISPUTE_BY_LANGUAGE: dict[str, list[str]] = {
    "en": [
        r"\bdisput",
        r"overcharg",
        r"(?:charged|billed) (?:us )?twice|double[- ](?:charged|billed)",
        r"\brefund",
        r"incorrect(?:ly)? (?:invoice|charge|billed|charged)|wrong (?:invoice|amount|charge)",
        r"(?:cancel|void|correct) (?:the|this|that) invoice",
    ],
    "de": [r"bestreit", r"widerspr", r"erstatt", r"stornier", r"zu viel berechnet|doppelt (?:berechnet|abgebucht)"],
    "fr": [r"contest", r"rembours", r"factur(?:é|e)e? (?:deux fois|en double|à tort)", r"annul(?:er|ez) la facture"],
    "es": [r"disput", r"reembols", r"cobrad[oa]s? (?:dos veces|de más)", r"anul(?:ar|en) la factura", r"reclam"],
}
DISPUTE = [p for patterns in DISPUTE_BY_LANGUAGE.values() for p in patterns]
_CURRENCY = r"[$€£]|usd|eur|gbp|chf|nok|sek|dkk"
# An amount with its currency before or after it; a rate ("$3 per million") is a price, not an amount owed.
_MONEY = re.compile(
    rf"(?:(?P<c1>{_CURRENCY})\s?(?P<n1>\d[\d,.']*\d|\d)|(?P<n2>\d[\d,.']*\d|\d)\s?(?P<c2>{_CURRENCY}|euros?|dollars?)(?![a-z]))"
    r"(?!\s*(?:per\b|/|an?\s|each\b|pro\b|par\b|por\b))",
    re.IGNORECASE,
)

# What a known defect looks like in the knowledge it was retrieved from (a known-issue article, an engineer's
# Slack reply), and what a documented workaround looks like next to it.
DEFECT_MARKERS = [
    r"known issue",
    r"confirmed(?:,)? (?:defect|bug)",
    r"\bthat'?s a bug\b|bug on our side",
    r"\beng-\d+\b",
    r"until the fix ships|no fix (?:date|yet)",
]
FIXED_MARKERS = [
    r"status:\W*(?:fixed|resolved)",
    r"\bfixed in\b",
    r"\b(?:was|been|is now|got) fixed\b",
    r"\bfix (?:has )?(?:shipped|released|deployed|went out)",
    r"\bresolved in \d",
]
WORKAROUND_MARKERS = [r"workaround:\W*yes", r"\bas a workaround\b", r"\bworkaround\b"]
NO_WORKAROUND = [r"\bno (?:\w+ )?workarounds?\b", r"workaround:\W*no\b", r"without (?:a |any )?workaround"]
DEFECT_SIMILARITY = 0.5  # a chunk this close to the ticket describes the same problem


def _amount(number: str) -> float:
    """ "12,600" -> 12600, "1.234,56" -> 1234.56, "1.50" -> 1.5: the last separator followed by two digits (or
    any separator when both kinds appear) is the decimal point; the others group thousands."""
    digits = number.replace("'", "")
    last = max(digits.rfind(","), digits.rfind("."))
    decimal = last >= 0 and (("," in digits and "." in digits) or len(digits) - last - 1 == 2)
    whole, frac = (digits[:last], digits[last + 1 :]) if decimal else (digits, "")
    whole = whole.replace(",", "").replace(".", "")
    return float(f"{whole}.{frac}") if frac else float(whole)


def infer_dispute_amount(text: str) -> Inferred | None:
    """The amount a billing dispute is about: the one in the sentence that disputes it, else the largest amount
    the ticket names (the invoice). None when nothing is disputed or no amount is named."""
    lowered = text.lower()
    words = [m for p in DISPUTE for m in re.finditer(p, lowered)]
    if not words:
        return None
    amounts = [(m.start(), m.group(0), _amount(m.group("n1") or m.group("n2"))) for m in _MONEY.finditer(text)]
    if not amounts:
        return None
    for word in words:
        start = max(lowered.rfind(c, 0, word.start()) for c in ".!?\n") + 1
        ends = [i for i in (lowered.find(c, word.end()) for c in ".!?\n") if i >= 0]
        end = min(ends) if ends else len(text)
        near = [a for a in amounts if start <= a[0] < end]
        if near:
            _, shown, value = min(near, key=lambda a: abs(a[0] - word.start()))
            return Inferred(value, f"disputed amount '{shown.strip()}' next to '{_word_at(lowered, word.start())}'")
    _, shown, value = max(amounts, key=lambda a: a[2])
    return Inferred(value, f"'{_word_at(lowered, words[0].start())}' of the invoice of '{shown.strip()}'")


def _word_at(text: str, start: int) -> str:
    found = re.match(r"[\w'-]+", text[start:])
    return found.group(0) if found else text[start : start + 12]


_ERROR_CODE = re.compile(r"\b[a-z]{2,4}-\d{3,5}\b")


def documented_code(text: str, similar: list[ScoredChunk]) -> dict[str, str]:
    """``documented_fix`` when the ticket quotes an error code and the knowledge closest to it (its best three
    chunks, when close enough) explains that code: a help-center article, an answered past ticket, a Slack thread."""
    codes = set(_ERROR_CODE.findall(text.lower()))
    if not codes:
        return {}
    for chunk in similar[:3]:
        if chunk.similarity is None or chunk.similarity < DEFECT_SIMILARITY:
            continue
        found = sorted(c for c in codes if c in chunk.text.lower())
        if found:
            where = f"{chunk.metadata.get('source')}:{chunk.source_id}"
            return {"documented_fix": f"'{found[0]}' is explained in {where}"}
    return {}


def known_defect(similar: list[ScoredChunk], text: str = "") -> dict[str, str]:
    """``confirmed_defect`` or ``documented_fix`` from the knowledge closest to the ticket: a help-center article
    titled as a known issue, or an engineer confirming a bug in a Slack thread or a past ticket. Read are the most
    similar of the best three chunks, and any of them that quotes the ticket's own error code (each with every
    retrieved chunk of its source). With a workaround written down it is a documented fix (support can resolve it);
    without one, a confirmed defect (the matrix sends those to engineering). A fixed issue is neither."""
    near = [c for c in similar[:3] if c.similarity is not None and c.similarity >= DEFECT_SIMILARITY]
    if not near:
        return {}
    codes = set(_ERROR_CODE.findall(text.lower()))
    best = max(near, key=lambda c: c.similarity or 0.0)
    quoting = [c for c in near if codes & set(_ERROR_CODE.findall(c.text.lower()))]
    for chunk in [best, *(c for c in quoting if c.source_id != best.source_id)]:
        found = _defect_in(chunk, "\n".join(c.text.lower() for c in similar if c.source_id == chunk.source_id))
        if found:
            return found
    return {}


def _defect_in(chunk: ScoredChunk, text: str) -> dict[str, str]:
    # An article that only links to a known issue is not one: for a help-center article, its title says it.
    is_doc = chunk.metadata.get("source") == "docs"
    marker = _find(DEFECT_MARKERS, str(chunk.metadata.get("title", "")).lower() if is_doc else text)
    if marker is None or _find(FIXED_MARKERS, text):
        return {}
    where = f"{chunk.metadata.get('source')}:{chunk.source_id} ('{marker}')"
    if _find(WORKAROUND_MARKERS, text) and not _find(NO_WORKAROUND, text):
        return {"documented_fix": f"known issue with a workaround in {where}"}
    return {"confirmed_defect": f"known defect without a workaround in {where}"}


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


def infer_severity(
    signals: dict[str, str], issue_type: str | None, text: str = "", disputed: bool = False
) -> Inferred | None:
    """Severity by the matrix's definitions, with its evidence: S1 production down across customers or data or
    security at risk; S2 a service down, or a known defect with no workaround; S3 something not working for this
    customer (an error, a wrong number, a disputed invoice); S4 a question or a wish. Nothing of these in the
    words: left unset, so the matrix's default applies and the decision lists it as assumed, for the agent."""
    words = lambda *names: ", ".join(f"{n} {signals[n]}" for n in names if n in signals)  # noqa: E731
    if "data_loss" in signals or "security_incident" in signals:
        return Inferred("S1", "data or security at risk: " + words("data_loss", "security_incident"))
    if "outage" in signals and "multi_customer_impact" in signals:
        return Inferred("S1", "down for several customers: " + words("outage", "multi_customer_impact"))
    if "outage" in signals or "confirmed_defect" in signals:
        return Inferred("S2", "service down or a defect with no workaround: " + words("outage", "confirmed_defect"))
    if issue_type == "feature_request":
        return Inferred("S4", "a feature request")
    lowered = text.lower()
    if disputed:
        return Inferred("S3", "a disputed invoice")
    # The customer's own summary (the subject, or the first line) is a question: they ask, nothing is down.
    first = lowered.strip().split("\n", 1)[0].strip()
    if first.endswith("?") and len(first) < 200:
        return Inferred("S4", f"asked as a question: '{first[:80]}'")
    problem = _find(PROBLEM, lowered)
    if problem:
        return Inferred("S3", f"something is not working: '{problem}'")
    if issue_type == "how_to" or _find(QUESTION, lowered):
        return Inferred("S4", "a question, with no sign that anything is broken")
    return None


def infer_facts(text: str, similar: list[ScoredChunk], products: tuple[str, ...] = ()) -> dict[str, Inferred]:
    """severity, issue_type, signals, product_area and the routing labels (queue, priority, type) of similar
    tickets."""
    lowered = text.lower()
    out: dict[str, Inferred] = {}
    found = {name: f"'{hit}'" for name, patterns in SIGNALS.items() if (hit := _find(patterns, lowered))}
    found.update({k: v for k, v in known_defect(similar, text).items() if k not in found})
    if "confirmed_defect" not in found:
        found.update({k: v for k, v in documented_code(text, similar).items() if k not in found})
    if found:
        out["signals"] = Inferred(frozenset(found), "; ".join(f"{k}: {v}" for k, v in found.items()))
    for kind, patterns in ISSUE_TYPES:
        hit = _find(patterns, lowered)
        if hit:
            out["issue_type"] = Inferred(kind, f"keyword '{hit}'")
            break
    amount = infer_dispute_amount(text)
    if amount is not None:
        out["billing_dispute_amount"] = amount
    issue_type = out["issue_type"].value if "issue_type" in out else None
    severity = infer_severity(found, issue_type, text, amount is not None)
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
