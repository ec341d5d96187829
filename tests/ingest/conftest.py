from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.embed import MiniLMEmbedder

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    """The real packaged model, loaded once per test session."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    e = MiniLMEmbedder(threads=1)
    e.warm_up()
    return e
