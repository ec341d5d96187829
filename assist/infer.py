"""Facts inferred from the ticket text and from similar past tickets. Each says where it came from.

Inference only fills facts the helpdesk did not send; explicit facts always win. The matrix then decides —
nothing here decides a tier. Keyword lexicons are deliberately plain so a support lead can read and extend them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from assist.lexicons import (
    BLOCKING,
    DEFECT_MARKERS,
    DISPUTE,
    FIXED_MARKERS,
    FIXED_SECTIONS,
    ISSUE_TYPES,
    MONEY,
    NO_WORKAROUND,
    NOT,
    PROBLEM,
    QUESTION,
    SIGNALS,
    WORKAROUND_MARKERS,
)
from assist.retrieval import ScoredChunk, documented_codes, error_codes, source_text
from ingest.documents import is_ticket_source

DEFECT_SIMILARITY = 0.5  # a chunk this close to the ticket describes the same problem
# A past ticket this close retells the same problem, not a neighbouring one: on the escalation_b2b dev set the
# account's own past tickets that answer a new ticket score 0.75-0.93, those about a neighbouring problem 0.65-0.73.
SAME_PROBLEM_SIMILARITY = 0.75


# How sure each kind of evidence makes an inferred fact: about the share of such inferences that named the fact
# right on the labelled escalation_b2b dev set (`assist eval run` reports each fact's accuracy per confidence as
# `facts.<fact>.by_confidence`, the check that these still hold). A fact below the pipeline's `fact_threshold` is not
# set: the decision lists it as needing the agent, with this value as the suggestion. Facts read from an account or
# measured (kb_confidence) are certain; a routing model's facts carry the model's own probability; a signal read
# from the closest knowledge (a known defect, a documented error code) carries that chunk's similarity.
EVIDENCE_CONFIDENCE = {
    "keyword": 0.8,  # a signal's own words in the ticket: "deleted", "is down", "leaked"
    "signals": 0.65,  # severity from signals that define it (data loss, security, outage, defect): 0.63 of 46
    "issue_type_keyword": 0.5,  # issue type from the lexicons, a question turned how-to: 0.51 of 132
    "dispute_sentence": 0.9,  # the amount in the sentence that disputes it
    "dispute_invoice": 0.6,  # no amount in that sentence: the largest one named
    "feature_request": 0.8,  # severity S4 of a feature request (with a disputed invoice's S3: 0.82 of 11)
    "disputed": 0.8,  # severity S3 of a disputed invoice
    "question_subject": 0.9,  # severity S4: the customer's own summary is a question naming no problem: 0.95 of 19
    "blocking_words": 0.65,  # severity S2: not working, and nobody can work or said to be urgent: 2 of 3
    "problem_words": 0.75,  # severity S3: words of something not working, or an error code: 0.75 of 52
    "question_words": 0.8,  # severity S4: a question, nothing said to be broken: 0.87 of 15
    "named_product": 0.9,  # product area: one of the account's products named
    "agent_correction": 0.9,  # what an agent set on a ticket of the account in nearly the same words
    "account": 1.0,  # the account's record: plan
    "measured": 1.0,  # kb_confidence: computed, not guessed
}


@dataclass(frozen=True)
class Inferred:
    value: Any
    source: str  # where it came from, in words: "helpdesk", "keyword 'outage'", "similar tickets: T-1, T-7"
    confidence: float = 1.0  # how sure that evidence makes the fact, 0..1 (EVIDENCE_CONFIDENCE)
    evidence: str = "account"  # the kind of evidence (a key of EVIDENCE_CONFIDENCE, or "routing_model", "votes")

    @staticmethod
    def by(evidence: str, value: Any, source: str, scale: float = 1.0) -> Inferred:
        """A fact from a kind of evidence, with that evidence's confidence (times ``scale``: a similarity)."""
        return Inferred(value, source, round(EVIDENCE_CONFIDENCE[evidence] * scale, 3), evidence)

    def to_dict(self) -> dict[str, Any]:
        value = sorted(self.value) if isinstance(self.value, set | frozenset) else self.value
        return {"value": value, "source": self.source, "confidence": self.confidence}


def _amount(number: str) -> float:
    """ "12,600" -> 12600, "1.234,56" -> 1234.56, "6 200,00" -> 6200, "1.50" -> 1.5: the last separator followed
    by two digits (or any separator when both kinds appear) is the decimal point; the others group thousands."""
    digits = re.sub(r"['\s]", "", number)
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
    amounts = [(m.start(), m.group(0), _amount(m.group("n1") or m.group("n2"))) for m in MONEY.finditer(text)]
    if not amounts:
        return None
    for word in words:
        start = max(lowered.rfind(c, 0, word.start()) for c in ".!?\n") + 1
        ends = [i for i in (lowered.find(c, word.end()) for c in ".!?\n") if i >= 0]
        end = min(ends) if ends else len(text)
        near = [a for a in amounts if start <= a[0] < end]
        if near:
            _, shown, value = min(near, key=lambda a: abs(a[0] - word.start()))
            why = f"disputed amount '{shown.strip()}' next to '{_word_at(lowered, word.start())}'"
            return Inferred.by("dispute_sentence", value, why)
    _, shown, value = max(amounts, key=lambda a: a[2])
    why = f"'{_word_at(lowered, words[0].start())}' of the invoice of '{shown.strip()}'"
    return Inferred.by("dispute_invoice", value, why)


def _word_at(text: str, start: int) -> str:
    found = re.match(r"[\w'-]+", text[start:])
    return found.group(0) if found else text[start : start + 12]


def documented_code(text: str, similar: list[ScoredChunk]) -> dict[str, Inferred]:
    """``documented_fix`` when the ticket quotes an error code and the knowledge closest to it (its best three
    chunks, when close enough) explains that code: a help-center article, an answered past ticket, a Slack thread."""
    codes = set(error_codes(text))
    if not codes:
        return {}
    for chunk in similar[:3]:
        if chunk.similarity is None or chunk.similarity < DEFECT_SIMILARITY:
            continue
        found = sorted(c for c in codes if c in chunk.text.lower())
        source = source_text(similar, chunk.source_id)
        if found and _find(DEFECT_MARKERS, source) and _find(FIXED_MARKERS, source):
            continue  # a known issue explained the code and was fixed since: this ticket says it is back
        if found:
            where = f"{chunk.metadata.get('source')}:{chunk.source_id}"
            return {"documented_fix": _from_knowledge(f"'{found[0]}' is explained in {where}", chunk)}
    return {}


def known_defect(similar: list[ScoredChunk], text: str = "") -> dict[str, Inferred]:
    """``confirmed_defect`` or ``documented_fix`` from the knowledge closest to the ticket: a help-center article
    titled as a known issue, or an engineer confirming a bug in a Slack thread or a past ticket. Read are the most
    similar of the best three chunks, and any of them that quotes the ticket's own error code (each with every
    retrieved chunk of its source). With a workaround written down it is a documented fix (support can resolve it);
    without one, a confirmed defect (the matrix sends those to engineering). A fixed issue is neither. A workaround
    written down in any of the three close chunks wins over a thread saying there is none: engineering's first
    "no workaround yet" is often followed by the workaround support now gives (a known-issue article, a resync done
    on a past ticket), and a defect that support can work around is not sent to engineering."""
    near = [c for c in similar[:3] if c.similarity is not None and c.similarity >= DEFECT_SIMILARITY]
    if not near:
        return {}
    codes = set(error_codes(text))
    best = max(near, key=lambda c: c.similarity or 0.0)
    quoting = [c for c in near if codes & set(error_codes(c.text))]
    # One chunk per source (read with all of its source's retrieved text): the closest and the quoting ones first.
    chosen: dict[str, ScoredChunk] = {}
    for c in [best, *quoting, *near]:
        chosen.setdefault(c.source_id, c)
    first = len({c.source_id for c in [best, *quoting]})
    found = [_defect_in(c, source_text(similar, sid)) for sid, c in chosen.items()]
    fixes = [f for f in found if "documented_fix" in f]
    # A defect without a workaround is read only from the closest chunk and those quoting the ticket's code.
    return fixes[0] if fixes else next((f for f in found[:first] if f), {})


def resolved_before(similar: list[ScoredChunk], account: str | None, ticket: str = "") -> dict[str, Inferred]:
    """``documented_fix`` when the closest knowledge is the account's own past ticket about the same problem and it
    records how support resolved it: Tier 1 resolves it the same way. Not when that ticket was a defect fixed on
    our side or a known issue (its return is a regression, for engineering; a known defect is ``known_defect``'s)."""
    near = [c for c in similar[:3] if c.similarity is not None]
    if account is None or not near:
        return {}
    best = max(near, key=lambda c: c.similarity or 0.0)
    meta = best.metadata
    if (
        not is_ticket_source(meta.get("source"))
        or meta.get("account") != account
        or not meta.get("has_answer")
        or (best.similarity or 0.0) < SAME_PROBLEM_SIMILARITY
    ):
        return {}
    text = source_text(similar, best.source_id)
    if _find(FIXED_MARKERS, text) or _find(DEFECT_MARKERS, text):
        return {}
    codes = documented_codes(ticket, similar)
    if codes and not any(c in text for c in codes):
        return {}  # it never names the error code quoted now: another problem, however close its words
    return {"documented_fix": _from_knowledge(f"resolved before on {meta.get('source')}:{best.source_id}", best)}


def _answered(similar: list[ScoredChunk], source_id: str, sure: float) -> dict[str, Inferred]:
    """What the help center or a support thread answers with confidence has its fix written down: a bug reproduced
    every time ("the signature check always fails") that the article explains is Tier 1's. Not a bug the source
    says was fixed (release notes, a thread closed with the fix): the customer seeing it again is a regression."""
    meta = next((c.metadata for c in similar if c.source_id == source_id), {})
    fixed_section = _find(FIXED_SECTIONS, str(meta.get("heading", "")).lower())
    if fixed_section or _find(FIXED_MARKERS, source_text(similar, source_id)):
        return {}
    where = f"{meta.get('source', 'docs')}:{source_id}"
    return {"documented_fix": Inferred(True, f"answered with confidence by {where}", round(sure, 3), "knowledge")}


def _from_knowledge(why: str, chunk: ScoredChunk) -> Inferred:
    """A signal read from a chunk of knowledge: as sure as the chunk is close to the ticket (its similarity)."""
    return Inferred(True, why, round(chunk.similarity or 0.0, 3), "knowledge")


def _defect_in(chunk: ScoredChunk, text: str) -> dict[str, Inferred]:
    # An article that only links to a known issue is not one: for a help-center article, its title says it.
    is_doc = chunk.metadata.get("source") == "docs"
    marker = _find(DEFECT_MARKERS, str(chunk.metadata.get("title", "")).lower() if is_doc else text)
    if marker is None or _find(FIXED_MARKERS, text):
        return {}
    where = f"{chunk.metadata.get('source')}:{chunk.source_id} ('{marker}')"
    if _find(WORKAROUND_MARKERS, text) and not _find(NO_WORKAROUND, text):
        return {"documented_fix": _from_knowledge(f"known issue with a workaround in {where}", chunk)}
    return {"confirmed_defect": _from_knowledge(f"known defect without a workaround in {where}", chunk)}


def _without(text: str, name: str) -> str:
    """``text`` with the look-alikes of fact ``name`` blanked out (same length, so the other words stay apart)."""
    for p in NOT.get(name, ()):
        text = re.sub(p, lambda m: " " * len(m.group(0)), text)
    return text


def _find(patterns: list[str], text: str) -> str | None:
    for p in patterns:
        m = re.search(p, text)
        if m:
            return m.group(0)
    return None


def infer_severity(
    signals: dict[str, Inferred], issue_type: str | None, text: str = "", disputed: bool = False
) -> Inferred | None:
    """Severity by the matrix's definitions, with its evidence: S1 production down across customers or data or
    security at risk; S2 a service down, or a known defect with no workaround; S3 something not working for this
    customer (an error, a wrong number, a disputed invoice); S4 a question or a wish. Nothing of these in the
    words: left unset, so the matrix's default applies and the decision lists it as assumed, for the agent."""

    def by_signals(value: str, why: str, *names: str) -> Inferred:
        used = [n for n in names if n in signals]
        sure = min(signals[n].confidence for n in used)  # as sure as the least sure signal it rests on
        detail = ", ".join(f"{n} {signals[n].source}" for n in used)
        return Inferred(value, f"{why}: {detail}", min(sure, EVIDENCE_CONFIDENCE["signals"]), "signals")

    if "data_loss" in signals or "security_incident" in signals:
        return by_signals("S1", "data or security at risk", "data_loss", "security_incident")
    if "outage" in signals and "multi_customer_impact" in signals:
        return by_signals("S1", "down for several customers", "outage", "multi_customer_impact")
    if "outage" in signals or "confirmed_defect" in signals:
        return by_signals("S2", "service down or a defect with no workaround", "outage", "confirmed_defect")
    if issue_type == "feature_request":
        return Inferred.by("feature_request", "S4", "a feature request")
    lowered = text.lower()
    if disputed:
        return Inferred.by("disputed", "S3", "a disputed invoice")
    # The customer's own summary (the subject, or the first line) is a question: they ask, nothing is down.
    # A summary that names a problem ("webhook endpoint disabled??", "TP-2002 on the new endpoint??") is not one.
    first = lowered.strip().split("\n", 1)[0].strip()
    if first.endswith("?") and len(first) < 200 and not _broken(first):
        return Inferred.by("question_subject", "S4", f"asked as a question: '{first[:80]}'")
    problem = _broken(lowered)
    blocking = _find(BLOCKING, lowered)
    if problem and blocking:
        return Inferred.by("blocking_words", "S2", f"not working ('{problem}') and blocking: '{blocking}'")
    if problem:
        return Inferred.by("problem_words", "S3", f"something is not working: '{problem}'")
    if issue_type == "how_to" or _find(QUESTION, lowered):
        return Inferred.by("question_words", "S4", "a question, with no sign that anything is broken")
    return None


# Signals whose words name the ticket's type, most specific first.
SIGNAL_TYPES = (("security_incident", "security"), ("data_loss", "data_integrity"), ("outage", "outage"))
_PLACES = {kind: next(i for i, (k, _) in enumerate(ISSUE_TYPES) if k == kind) for _, kind in SIGNAL_TYPES}
ASKED_ABOUT = {"integration", "account", "bug"}  # areas a how-to question is about
DISPUTE_STAYS = {"billing", "security", "outage"}  # issue types a disputed amount does not turn into billing


def _asks(lowered: str) -> bool:
    """A question and no problem: the summary asks without naming a problem, or the text asks and names none."""
    first = lowered.strip().split("\n", 1)[0].strip()
    if first.endswith("?") and not _broken(first):
        return True
    return not _broken(lowered) and bool(_find(QUESTION, lowered))


def _broken(text: str) -> str | None:
    """Words of something not working, or an error code quoted: what a problem report says, in any language."""
    codes = error_codes(text)
    return _find(PROBLEM, _without(text, "problem")) or (codes[0].upper() if codes else None)


def infer_facts(
    text: str,
    similar: list[ScoredChunk],
    products: tuple[str, ...] = (),
    account: str | None = None,
    answered: tuple[str, float] | None = None,
) -> dict[str, Inferred]:
    """severity, issue_type, signals, product_area and the routing labels (queue, priority, type) of similar
    tickets, each with its evidence and confidence. ``account``: the ticket's, whose own past tickets may say how
    the same problem was resolved before. ``answered``: (source id, kb_confidence) when an article or a Slack thread
    answers the ticket confidently: its fix is documented."""
    lowered = text.lower()
    out: dict[str, Inferred] = {}
    found = {
        name: Inferred.by("keyword", True, f"'{hit}'")
        for name, patterns in SIGNALS.items()
        if (hit := _find(patterns, _without(lowered, name)))
    }
    found.update({k: v for k, v in known_defect(similar, text).items() if k not in found})
    if "confirmed_defect" not in found:
        found.update({k: v for k, v in documented_code(text, similar).items() if k not in found})
        if answered is not None and "documented_fix" not in found:
            found.update(_answered(similar, *answered))
        found.update({k: v for k, v in resolved_before(similar, account, text).items() if k not in found})
    if found:
        kinds = {f.evidence for f in found.values()}
        out["signals"] = Inferred(
            frozenset(found),
            "; ".join(f"{k}: {v.source}" for k, v in found.items()),
            min(f.confidence for f in found.values()),  # the set is as sure as its least sure member
            kinds.pop() if len(kinds) == 1 else "keyword+knowledge",
        )
    # The first type whose words appear, and its place in the lexicon's order (how specific it is).
    typed = (
        (at, kind, hit)
        for at, (kind, patterns) in enumerate(ISSUE_TYPES)
        if (hit := _find(patterns, _without(lowered, kind)))
    )
    place, kind, hit = next(typed, (len(ISSUE_TYPES), None, None))
    if kind is not None:
        out["issue_type"] = Inferred.by("issue_type_keyword", kind, f"keyword '{hit}'")
    # The words of a security incident, data loss or an outage make the ticket of that type, over a more general
    # type's word ("Fehler", "invoice") or none: the signals' lexicons are full in every language, and the
    # labelled tickets agree (every data-loss ticket is a data-integrity one, every outage an outage).
    for signal, implied in SIGNAL_TYPES:
        if signal in found and found[signal].evidence == "keyword" and _PLACES[implied] < place:
            why = f"{signal.replace('_', ' ')} in the words ({found[signal].source})"
            out["issue_type"] = Inferred.by("issue_type_keyword", implied, why)
            break
    if "issue_type" not in out and _asks(lowered):
        out["issue_type"] = Inferred.by("issue_type_keyword", "how_to", "a question that names nothing broken")
    elif out.get("issue_type") and out["issue_type"].value in ASKED_ABOUT and _asks(lowered):
        # "Can we raise the API limit?", "which SAML attribute?": a question about an area, nothing broken in it
        why = f"{out['issue_type'].source}, in a question that names nothing broken"
        out["issue_type"] = Inferred.by("issue_type_keyword", "how_to", why)
    amount = infer_dispute_amount(text)
    if amount is not None:
        out["billing_dispute_amount"] = amount
        # A disputed invoice is billing's, whatever the customer says is wrong with it ("the usage numbers don't
        # match", "the sync posted it twice"): the billing specialists own it. Not an incident or an outage.
        if out.get("issue_type") is None or out["issue_type"].value not in DISPUTE_STAYS:
            why = f"a disputed amount ({amount.source})"
            out["issue_type"] = Inferred.by("issue_type_keyword", "billing", why)
    issue_type = out["issue_type"].value if "issue_type" in out else None
    severity = infer_severity(found, issue_type, text, amount is not None)
    if severity is not None:
        out["severity"] = severity
    for product in products:
        if product.lower() in lowered:
            out["product_area"] = Inferred.by("named_product", product, f"account product '{product}' named")
            break

    # Functional routing learned from history: the labels of the most similar past tickets, weighted by rank; as
    # sure as the winner's share of the votes.
    tickets = list({c.source_id: c for c in reversed(similar) if is_ticket_source(c.metadata.get("source"))}.values())
    tickets.reverse()  # one vote per past ticket (its best chunk's rank), however many of its chunks were found
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
            value, weight = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            ids = list(dict.fromkeys(voters[value]))[:3]
            share = round(weight / sum(votes.values()), 3)
            out[label] = Inferred(value, "similar tickets: " + ", ".join(ids), share, "votes")
    return out
