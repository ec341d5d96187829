"""The routing model's mix of meaning (embeddings) and wording (TF-IDF) is chosen on held-out past tickets."""

from __future__ import annotations

import numpy as np

from assist.router import _fit, _mix_weight, _mixed


def _tickets(signal_in: str, n: int = 200) -> tuple[np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(0)
    queues = ["Billing", "Identity", "Reporting", "Exports"]
    y = [queues[i % 4] for i in range(n)]
    centres = rng.normal(size=(4, 32))
    if signal_in == "wording":
        x = rng.normal(size=(n, 32))  # embeddings carry nothing
        texts = [f"{q.lower()}word ticket {rng.integers(1000)}" for q in y]
    else:
        x = np.asarray([centres[i % 4] + rng.normal(scale=0.3, size=32) for i in range(n)])
        texts = [f"ticket {' '.join(str(v) for v in rng.integers(1000, size=5))}" for _ in y]  # words carry nothing
    return x.astype(np.float32), texts, y


def test_the_mix_follows_where_the_signal_is() -> None:
    x, texts, y = _tickets("wording")
    assert _mix_weight(x, texts, y) <= 0.25
    x, texts, y = _tickets("meaning")
    assert _mix_weight(x, texts, y) >= 0.75


def test_mixed_probabilities_are_a_convex_combination() -> None:
    x, texts, y = _tickets("meaning", 80)
    fitted = _fit(x, texts, y)
    dense_only, lexical_only, half = (_mixed(fitted, x[:5], texts[:5], w) for w in (1.0, 0.0, 0.5))
    assert np.allclose(half, (dense_only + lexical_only) / 2)
    assert np.allclose(half.sum(axis=1), 1.0)
