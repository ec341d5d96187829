"""Redact secrets and personal data before anything is embedded or stored.

Support text is full of pasted credentials, logs with tokens, signatures with phone numbers. None of it may reach
the vector store, the registry or a log. Each finding is replaced by a typed marker such as ``[REDACTED:email]`` so
an answer still reads naturally and nobody can recover the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), None),
    ("card_number", re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), _luhn),
    (
        "phone",
        # International (+CC …), North American (415-555-0132, (415) 555 0132), or any digits after a phone word.
        # Bare digit groups (order numbers, versions) are left alone.
        re.compile(
            r"(?<![\w.])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}(?![\w.])"
            r"|(?<![\w.])\(?\d{3}\)?[\s.-]\d{3}[.-]\d{4}(?![\w.])"
            r"|(?i:\b(?:phone|tel|mobile|cell|fax|telefon|call me at)\b[:.\s]*)\+?\d[\d\s().-]{6,}\d"
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
            return f"[REDACTED:{kind}]"

        text = pattern.sub(replace, text)
    return text, counts


def redact_text(text: str) -> str:
    return redact(text)[0]
