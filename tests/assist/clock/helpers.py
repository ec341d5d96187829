"""The clock's parts as the composition root wires them, over a database URL and an optional matrix text."""

from __future__ import annotations

from assist.clock import Tracker
from assist.db import connect
from assist.outbox import NotifyConfig, Outbox
from assist.policy import PolicyStore
from matrix.loader import default_matrix_text


def open_clock(url: str, matrix_text: str | None = None, notify: NotifyConfig | None = None) -> Tracker:
    """A tracker whose policy store holds ``matrix_text`` (default: the shipped matrix) and whose outbox has
    ``notify``'s endpoints; read them back as ``tracker.policy`` and ``tracker.outbox``."""
    engine = connect(url)
    policy = PolicyStore(engine, max_age=0)
    text = matrix_text or default_matrix_text()
    if not policy.history(1) or policy.current().version != _version(text):
        policy.replace(text, by="test")
    return Tracker(engine, policy, Outbox(engine, notify))


def _version(text: str) -> str:
    from matrix import parse_matrix

    return parse_matrix(text).version
