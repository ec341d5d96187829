"""The demo knowledge base shipped with the package: a small TechQA slice (Apache-2.0, see DEMO_KB_NOTICE.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ingest.connectors import DocsConnector


def demo_dir() -> Path:
    return Path(str(resources.files("assist").joinpath("demo_kb")))


def demo_connector() -> DocsConnector:
    """Public docs: the technotes, source_id ``technotes/<key>.txt`` as in the TechQA set."""
    return DocsConnector(demo_dir())
