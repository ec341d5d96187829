"""The words the facts are read from, per language: lexicons a support lead reads and extends.

Each list is plain regular expressions over the lower-cased ticket text; ``assist.infer`` quotes every hit as the
fact's evidence. Add a language by adding its key to each ``*_BY_LANGUAGE`` table. ``signals``: the signals and
their look-alikes; ``words``: issue types, severity words, disputes and the markers read in retrieved knowledge.
"""

from __future__ import annotations

from assist.lexicons.signals import NOT, NOT_BY_LANGUAGE, SIGNALS, SIGNALS_BY_LANGUAGE
from assist.lexicons.words import (
    BLOCKING,
    DEFECT_MARKERS,
    DISPUTE,
    FIXED_MARKERS,
    FIXED_SECTIONS,
    ISSUE_TYPES,
    MONEY,
    NO_WORKAROUND,
    PROBLEM,
    QUESTION,
    WORKAROUND_MARKERS,
)

__all__ = [
    "BLOCKING",
    "DEFECT_MARKERS",
    "DISPUTE",
    "FIXED_MARKERS",
    "FIXED_SECTIONS",
    "ISSUE_TYPES",
    "MONEY",
    "NOT",
    "NOT_BY_LANGUAGE",
    "NO_WORKAROUND",
    "PROBLEM",
    "QUESTION",
    "SIGNALS",
    "SIGNALS_BY_LANGUAGE",
    "WORKAROUND_MARKERS",
]
