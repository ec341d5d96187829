"""Redact secrets and personal data before anything is embedded or stored.

Support text is full of pasted credentials, logs with tokens, signatures with phone numbers. None of it may reach
the vector store, the registry, the database or a log. Each finding is replaced by a typed marker such as
``[REDACTED:email]`` so an answer still reads naturally and nobody can recover the value.

Two detectors, in order: our patterns (structured secrets, secrets named by a keyword and random enough to be one,
and personal data with its checksums: cards by Luhn and issuer, IBANs by mod 97, SSNs by their reserved ranges),
then detect-secrets' provider plugins (Yelp; AWS, Azure, Stripe, SendGrid, Twilio, npm, GitLab, Slack, Discord,
Mailchimp … token formats), which a maintained project keeps current as providers change their formats.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

_Pattern = tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool] | None]


def _luhn(match: re.Match[str]) -> bool:
    digits = [int(c) for c in re.sub(r"\D", "", match.group(0))]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> bool:
    """A payment card: Luhn, and an issuer prefix (Visa, Mastercard, Amex, Discover)."""
    digits = re.sub(r"\D", "", match.group(0))
    return bool(re.match(r"4|5[1-5]|2[2-7]|3[47]|6(?:011|5)", digits)) and _luhn(match)


def _iban(match: re.Match[str]) -> bool:
    """ISO 13616: move the country and check digits to the end, letters to numbers, mod 97 == 1."""
    raw = re.sub(r"\s", "", match.group(0)).upper()
    if not 15 <= len(raw) <= 34:
        return False
    digits = "".join(str(int(c, 36)) for c in raw[4:] + raw[:4])
    return int(digits) % 97 == 1


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_token(match: re.Match[str]) -> bool:
    """A value named by a secret word that is random enough to be one: mixed case with digits and high entropy,
    or a long hex string. Words, dates, slugs and ids of lower-case words and numbers stay."""
    token = match.group("token")
    if token.startswith("/") or "//" in token or token.lower().startswith("www."):
        return False  # a link, not a value
    if re.fullmatch(r"[0-9a-f]{32,}", token):
        return True
    mixed = all(re.search(c, token) for c in (r"[a-z]", r"[A-Z]", r"\d"))
    return mixed and _entropy(token) >= 3.5


# Order matters: multi-line and structured secrets first, so a token inside a header is removed whole.
PATTERNS: list[_Pattern] = [
    (
        "private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z)", re.S
        ),
        None,
    ),
    ("bearer_token", re.compile(r"(?i)\b(?:authorization\s*[:=]\s*)?bearer\s+[A-Za-z0-9\-._~+/]{8,}=*"), None),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), None),
    ("aws_access_key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"), None),
    (
        "aws_secret",
        re.compile(
            r"(?i)(?:aws_secret_access_key|aws_secret|secret_access_key)\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}[\"']?"
        ),
        None,
    ),
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"), None),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), None),
    ("slack_webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"), None),
    ("openai_key", re.compile(r"\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}\b"), None),
    (
        "api_key",
        re.compile(
            r"(?i)\b(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key)"
            r"\s*[:=]\s*[\"']?[A-Za-z0-9\-._~+/]{12,}[\"']?"
        ),
        None,
    ),
    (
        "password",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|passwort|mot de passe|contraseña|pass)\b"
            r"\s*(?:is|was|:|=)\s*[\"']?[^\s\"',;]{3,}[\"']?"
        ),
        None,
    ),
    ("url_credentials", re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"), None),
    ("basic_auth", re.compile(r"(?i)\bauthorization\s*[:=]\s*basic\s+[A-Za-z0-9+/]{8,}=*"), None),
    (
        "service_account_key",
        re.compile(r'"private_key_id"\s*:\s*"[0-9a-f]{20,}"|"client_secret"\s*:\s*"[^"]{8,}"'),
        None,
    ),
    ("signing_secret", re.compile(r"\b(?:whsec|shpss|shpat|sk_live|rk_live|sk_test)_[A-Za-z0-9]{16,}\b"), None),
    (
        "secret",
        # A secret named by a keyword: "the secret key is wJalr…", "signing secret: 7f3a…", "token=…"
        re.compile(
            r"(?i)\b(?:secret|token|key|credential|signature|passphrase|webhook)s?\b[^\n]{0,30}?(?:\bis\b|[:=]|\s)\s*"
            r"[\"']?(?P<token>[A-Za-z0-9/+=_.-]{20,})"
        ),
        _random_token,
    ),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b"), _iban),
    ("ssn", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), None),
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), None),
    # Cards as people write them: 4-4-4-4(-3) in one separator, Amex 4-6-5, or 13-19 digits in a row.
    (
        "card_number",
        re.compile(r"\b(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}|3[47]\d{2}([ -]?)\d{6}\2\d{5}|\d{13,19})\b"),
        _card,
    ),
    (
        "phone",
        # International (+CC …), North American (415-555-0132, (415) 555 0132), or any digits after a phone word.
        # Bare digit groups (order numbers, versions) are left alone.
        re.compile(
            r"(?<![\w.])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}(?![\w.])"
            r"|(?<![\w.])\(?\d{3}\)?[\s.-]\d{3}[.-]\d{4}(?![\w.])"
            r"|(?i:\b(?:phone|tel|mobile|mobil|handy|cell|fax|telefon|telefonnummer|rufnummer|t[ée]l[ée]phone|"
            r"tel[ée]fono|call me at)\b[:.\s]*)\+?\d[\d\s()./-]{6,}\d"
        ),
        None,
    ),
]


def redact(text: str) -> tuple[str, dict[str, int]]:
    """Return the text with every finding replaced, and how many of each kind were found."""
    counts: dict[str, int] = {}
    for kind, pattern, check in PATTERNS:

        def replace(
            match: re.Match[str], kind: str = kind, check: Callable[[re.Match[str]], bool] | None = check
        ) -> str:
            if check is not None and not check(match):
                return match.group(0)
            counts[kind] = counts.get(kind, 0) + 1
            if "token" in match.re.groupindex:  # keep the words that named it: "signing secret: [REDACTED:…]"
                start, end = match.span("token")
                whole = match.group(0)
                return whole[: start - match.start()] + f"[REDACTED:{kind}]" + whole[end - match.start() :]
            return f"[REDACTED:{kind}]"

        text = pattern.sub(replace, text)
    for kind, secret in _provider_secrets(text):
        if secret in text:
            counts[kind] = counts.get(kind, 0) + text.count(secret)
            text = text.replace(secret, f"[REDACTED:{kind}]")
    return text, counts


@functools.cache
def _providers() -> tuple[Any, ...]:
    """detect-secrets' provider plugins (regex formats), built on first use. Public IPs are not secrets."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    return tuple(cls() for cls in classes if issubclass(cls, RegexBasedDetector) and cls.__name__ != "IPPublicDetector")


def _provider_secrets(text: str) -> Iterator[tuple[str, str]]:
    # The plugins' own patterns, whole matches (their analyze_string yields a pattern's first group where it has
    # one, such as "glpat" alone).
    for plugin in _providers():
        kind = re.sub(r"[^a-z0-9]+", "_", plugin.secret_type.lower()).strip("_")
        for pattern in plugin.denylist:
            for match in pattern.finditer(text):
                secret = match.group(0)
                if len(secret) >= 8 and "REDACTED" not in secret:
                    yield kind, secret


def redact_text(text: str) -> str:
    return redact(text)[0]


def redact_values(value: Any) -> Any:
    """Every string inside ``value`` (facts as a helpdesk sends them: strings, lists, objects) redacted; the rest
    as it is. Facts are kept in the decision log and the ticket timeline."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_values(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_values(v) for k, v in value.items()}
    return value
