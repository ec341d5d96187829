"""The routing model's mix of meaning (embeddings) and wording (TF-IDF) is chosen on held-out past tickets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assist.router import (
    HistoryRouter,
    _fit,
    _mix,
    _mix_weight,
    _probabilities,
    _wording,
    choose_weight,
    held_out_accuracy,
)
from ingest.connectors import TicketsConnector
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import ingest
from ingest.store import KnowledgeStore


def _tickets(signal_in: str, n: int = 300) -> tuple[np.ndarray, list[str], list[str]]:
    """One model's input carries the queue (for 80% of tickets: labels are noisy), the other's carries nothing."""
    rng = np.random.default_rng(0)
    queues = ["Billing", "Identity", "Reporting", "Exports"]
    y = [queues[i % 4] for i in range(n)]
    shown = [i % 4 if rng.random() < 0.8 else int(rng.integers(4)) for i in range(n)]
    centres = rng.normal(size=(4, 32)) * 3
    if signal_in == "meaning":
        x = np.asarray([centres[j] + rng.normal(size=32) for j in shown], dtype=np.float32)
        texts = [f"ticket {' '.join(str(v) for v in rng.integers(10_000, size=6))}" for _ in y]
    else:
        x = rng.normal(size=(n, 32)).astype(np.float32)
        texts = [f"{queues[j].lower()}word ticket {rng.integers(10_000)}" for j in shown]
    return x, texts, y


def test_the_held_out_score_follows_where_the_signal_is() -> None:
    # Four queues (chance 0.25); the informative input routes 80% of tickets by construction.
    acc = held_out_accuracy(*_tickets("wording"))
    assert acc[0.0] - acc[1.0] >= 0.25 and acc[1.0] <= 0.45  # TF-IDF alone routes, embeddings alone barely
    acc = held_out_accuracy(*_tickets("meaning"))
    assert acc[1.0] - acc[0.0] >= 0.25 and acc[0.0] <= 0.45


def test_a_mix_must_beat_the_even_mix_by_more_than_noise() -> None:
    # 300 held out: the standard error at 50% is 2.9 points, so a lead of 5 points counts and one of 1 does not.
    assert choose_weight({0.0: 0.55, 0.25: 0.52, 0.5: 0.50, 0.75: 0.45, 1.0: 0.40}, 300) == 0.0
    assert choose_weight({0.0: 0.48, 0.25: 0.49, 0.5: 0.50, 0.75: 0.51, 1.0: 0.50}, 300) == 0.5
    assert choose_weight({0.0: 0.8, 0.25: 0.8, 0.5: 0.8, 0.75: 0.8, 1.0: 0.8}, 300) == 0.5
    assert choose_weight({0.0: 0.4, 0.25: 0.4, 0.5: 0.4, 0.75: 0.7, 1.0: 0.7}, 300) == 0.75  # ties: nearest even
    assert _mix_weight(*_tickets("wording", 30)) == 0.5  # too few tickets to hold any out: the even mix


def test_mixed_probabilities_are_a_convex_combination() -> None:
    x, texts, y = _tickets("meaning", 80)
    wording = _wording()
    fitted = _fit(x, y, wording.fit_transform(texts))
    probabilities = _probabilities(fitted, x[:5], wording.transform(texts[:5]))
    dense_only, lexical_only, half = (_mix(probabilities, w) for w in (1.0, 0.0, 0.5))
    assert not np.allclose(dense_only, lexical_only)  # two different models, or the mix would test nothing
    assert np.allclose(half, (dense_only + lexical_only) / 2)
    assert np.allclose(half.sum(axis=1), 1.0)


def test_routing_learns_from_the_whole_question_not_the_shortened_chunk(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    # Chunks shorten a long question to make room for the reply; here the only word that tells the queues apart
    # comes after a long shared preamble, so a router fit on the chunk text could not learn it.
    preamble = " ".join(["Our finance team reports that the nightly job misbehaves after the upgrade."] * 12)
    rows = [
        {
            "id": f"T-{i}",
            "subject": "Nightly job problem",
            "body": f"{preamble} The affected module is {'ledger' if i % 2 else 'payroll'}.",
            "answer": "We restarted the job and it completed.",
            "account_id": "acme",
            "queue": "Accounting" if i % 2 else "People",
        }
        for i in range(40)
    ]
    path = tmp_path / "tickets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ingest(TicketsConnector(path), tmp_path / "kb", embedder, progress=False)
    store = KnowledgeStore.open(tmp_path / "kb", embedder)
    router = HistoryRouter(store)
    text = f"Nightly job problem\n\n{preamble} The affected module is ledger."
    vector = embedder.embed([text])[0]
    # A request never waits for a fit: the first one starts it in the background and routes with nothing yet.
    assert router.predict(vector, text) == {}
    assert router._fitting is not None
    router._fitting.join(timeout=120)
    assert router.predict(vector, text)["queue"].value == "Accounting"
    router.fit()  # nothing changed: a no-op
    text = text.replace("ledger", "payroll")
    assert router.predict(embedder.embed([text])[0], text)["queue"].value == "People"


def test_agents_corrections_teach_the_router_at_its_next_refit(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    # Past tickets know two queues; agents then re-route SFTP delivery tickets to a queue no past ticket has.
    rows = [
        {
            "id": f"T-{i}",
            "subject": "Invoice question" if i % 2 else "Login problem",
            "body": "Our invoice total looks wrong this month." if i % 2 else "Users cannot sign in with SSO.",
            "answer": "Fixed.",
            "account_id": "acme",
            "queue": "Billing" if i % 2 else "Identity",
        }
        for i in range(30)
    ]
    path = tmp_path / "tickets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ingest(TicketsConnector(path), tmp_path / "kb", embedder, progress=False)
    corrections: list[tuple[str, dict[str, str]]] = []
    router = HistoryRouter(
        KnowledgeStore.open(tmp_path / "kb", embedder),
        background=False,
        corrections=(lambda: len(corrections), lambda: list(corrections)),
    )
    text = "The scheduled report never reached our SFTP server last night."
    vector = embedder.embed([text])[0]
    router.fit()
    assert router.predict(vector, text)["queue"].value in ("Billing", "Identity")
    for i in range(12):
        corrections.append((f"SFTP delivery of the daily export failed again ({i}).", {"queue": "Integrations"}))
    router.fit()  # the corrections changed: it refits, and the agents' queue is now a class it can predict
    assert router.predict(vector, text)["queue"].value == "Integrations"
