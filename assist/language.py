"""The language a ticket is written in, and whether the fact lexicons read it.

py3langid (the maintained fork of langid.py: a naive Bayes model of 97 languages, bundled in the wheel, so nothing
is downloaded) classifies the ticket in about 0.2 ms once its model is loaded (about a second, on first use). Facts
are read with every language's lexicons at once, since tickets mix languages ("die Webhooks", "SSO"); the language
says what the facts may have missed: a ticket in a language without lexicons gets its facts from the words the
lexicons share (error codes, product names, "SSO"), and the agent is told to check them. An LLM answer is asked for
in the ticket's language.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from assist.lexicons.words import PROBLEM_BY_LANGUAGE

# The languages every *_BY_LANGUAGE table of the lexicons covers.
LEXICON_LANGUAGES = tuple(PROBLEM_BY_LANGUAGE)
# Below this probability the model is guessing (a short line of product terms and codes reads as anything).
SURE = 0.5


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, e.g. "de"
    probability: float

    @property
    def lexicon(self) -> bool:
        """Whether the fact lexicons have words of this language."""
        return self.code in LEXICON_LANGUAGES

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "probability": self.probability, "lexicon": self.lexicon}


def detect(text: str) -> Language | None:
    """The language of ``text``, or None when the model is not sure (too few words of any one language)."""
    code, probability = _identifier().classify(text)
    if probability < SURE:
        return None
    return Language(str(code), round(float(probability), 3))


@functools.cache
def _identifier() -> Any:
    # Built on first use, not at import: loading the model takes about a second.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
