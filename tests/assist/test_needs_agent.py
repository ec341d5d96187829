"""Every inferred fact carries a confidence; a fact inferred too weakly is not decided on but left to the agent, with
its suggestion, and the decision says which defaults it assumed."""

from __future__ import annotations

import json

import pytest

from assist.infer import EVIDENCE_CONFIDENCE, infer_facts
from assist.models import TicketIn
from assist.pipeline import Pipeline
from assist.retrieval import ScoredChunk
from assist.runtime import open_runtime
from assist.settings import Settings
from ingest.connectors import TicketsConnector
from ingest.embed import MiniLMEmbedder
from ingest.pipeline import ingest


def _ticket(source_id: str, area: str) -> ScoredChunk:
    meta = {"source_id": source_id, "source": "tickets", "product_area": area}
    return ScoredChunk(f"c-{source_id}", "export stuck", meta, 0.5, {"dense": 1}, 0.7)


def test_each_inferred_fact_carries_the_confidence_of_its_evidence() -> None:
    facts = infer_facts("We have data loss: half of our invoices disappeared overnight.", [])
    assert facts["signals"].confidence == EVIDENCE_CONFIDENCE["keyword"]
    assert facts["severity"].value == "S1" and facts["severity"].confidence == EVIDENCE_CONFIDENCE["signals"]
    # Similar tickets that agree make a sure product area; tickets that split make a doubtful one.
    agree = infer_facts("export stuck", [_ticket("T-1", "exports"), _ticket("T-2", "exports")])
    assert agree["product_area"].value == "exports" and agree["product_area"].confidence == 1.0
    split = infer_facts("export stuck", [_ticket("T-1", "exports"), _ticket("T-2", "sso"), _ticket("T-3", "api")])
    assert split["product_area"].value == "exports"
    assert split["product_area"].confidence == pytest.approx(1 / (1 + 1 / 2 + 1 / 3), abs=1e-3)
    assert split["product_area"].to_dict()["confidence"] < 0.6


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder) -> Pipeline:
    root = tmp_path_factory.mktemp("needs")
    # Three past tickets of one account about the same stuck export, each filed under another product area: their
    # votes split.
    rows = [
        ("T-1", "exports", "The nightly CSV export is stuck at 90 percent and never finishes."),
        ("T-2", "warehouse_sync", "Our nightly CSV export to the warehouse is stuck and never finishes."),
        ("T-3", "dashboards", "The CSV export of the dashboard is stuck at 90 percent, nightly."),
    ]
    path = root / "tickets.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": i,
                    "subject": "Export stuck",
                    "body": body,
                    "answer": "Restart the export.",
                    "status": "solved",
                    "product_area": area,
                    "account_id": "acme",
                }
            )
            for i, area, body in rows
        )
    )
    ingest(TicketsConnector(path), root / "kb", embedder, progress=False)
    # An operator who wants facts at least 60% sure before the matrix decides on them says so.
    settings = Settings(data_dir=root / "kb", demo_kb=False, fact_threshold=0.6)  # type: ignore[call-arg]
    return open_runtime(settings, embedder=embedder).pipeline


def test_a_weak_fact_is_left_to_the_agent_with_its_suggestion(pipeline: Pipeline) -> None:
    body = "Our nightly CSV export is stuck at 90 percent again."
    result = pipeline.run(TicketIn(body=body, account_id="acme", now="2026-03-02T10:00:00Z"))  # type: ignore[arg-type]
    # The votes split three ways: the product area is not decided on, it is suggested.
    assert "product_area" not in result.facts
    suggestion = result.needs_agent["product_area"]
    assert suggestion.value in {"exports", "warehouse_sync", "dashboards"}
    assert suggestion.confidence < 0.6 and "similar tickets" in suggestion.source
    # Facts that were decided on say how sure they are; what the matrix assumed is listed.
    assert all(0.0 <= f.confidence <= 1.0 for f in result.facts.values())
    assert result.assumed == [s.detail for s in result.decision.trace if s.rule == "defaults"]
    assert "customer_tier absent: assumed" in " ".join(result.assumed)

    # The agent sets it: it is the helpdesk's fact now, and nothing is left to the agent for it.
    again = pipeline.run(
        TicketIn(
            body=body,
            account_id="acme",
            now="2026-03-02T10:00:00Z",
            facts={"product_area": "exports", "customer_tier": "enterprise"},
        )  # type: ignore[arg-type]
    )
    assert again.facts["product_area"].source == "helpdesk" and again.facts["product_area"].confidence == 1.0
    assert "product_area" not in again.needs_agent
    assert not any("customer_tier" in a for a in again.assumed)


def test_the_result_names_the_tickets_language_and_whether_the_lexicons_read_it(pipeline: Pipeline) -> None:
    now = "2026-03-02T10:00:00Z"
    german = pipeline.run(TicketIn(body="Der nächtliche CSV-Export hängt bei 90 Prozent und wird nie fertig.", now=now))  # type: ignore[arg-type]
    assert german.language is not None and (german.language.code, german.language.lexicon) == ("de", True)
    # Italian has no word lists: the agent is told to check the facts (the sidebar says so).
    italian = pipeline.run(
        TicketIn(body="L'esportazione notturna in CSV si blocca al 90 percento e non finisce mai.", now=now)
    )  # type: ignore[arg-type]
    assert italian.language is not None and (italian.language.code, italian.language.lexicon) == ("it", False)
    assert pipeline.run(TicketIn(body="TP-2002", now=now)).language is None  # type: ignore[arg-type]
