"""What goes into the runtime and what comes out of it: the typed shapes the API, the CLI and the eval runner
share as they are (``AssistResult`` is the body of ``POST /v1/assist`` and of ``assist ask --json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ingest.documents import account_id_problem
from matrix.errors import InvalidInput

MAX_DEPTH = 32  # facts and rows are shallow; a deeper body is an attack, not a ticket


def _account_id(value: str) -> str:
    problem = account_id_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _ticket_id(value: str) -> str:
    if "/" in value or not value.strip() or any(c < " " for c in value):
        raise ValueError("must be printable text without '/' (tickets are namespaced as <account>/<id>)")
    return value


AccountId = Annotated[str, AfterValidator(_account_id)]
TicketId = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_ticket_id)]


def _printable(text: str) -> str:
    """A path safe to send back even when it names a broken key."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def text_problem(value: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """(where, why) of the first string in ``value`` that no database can store as text — a lone surrogate or a
    NUL — or of nesting deeper than MAX_DEPTH; None when it is clean. Keys are checked like values."""
    if depth > MAX_DEPTH:
        return path or "body", f"nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, str):
        if "\x00" in value:
            return path or "body", "contains a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "body", "contains a lone surrogate (not valid Unicode text)"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found = text_problem(key, where, depth + 1) or text_problem(item, where, depth + 1)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = text_problem(item, f"{path}[{i}]", depth + 1)
            if found:
                return found
    return None


class InputModel(BaseModel):
    """A request body: unknown fields refused, and no text a database cannot store (checked before anything is
    written, so nothing partial is kept and every stored row can be served again)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        found = text_problem(data)
        if found:
            # Not a ValueError: pydantic would wrap it without the path; this reaches the error table as is.
            where = _printable(found[0])
            raise InvalidInput(f"{where}: {found[1]}", where)
        return data


class TicketIn(InputModel):
    """A ticket as the helpdesk (or the sidebar) sends it."""

    ticket_id: TicketId | None = None
    subject: str | None = Field(None, max_length=500)
    body: str = Field(..., min_length=1, max_length=20000)
    account_id: AccountId | None = None
    zendesk_organization_id: str | None = Field(
        None,
        pattern=r"^[0-9]{1,20}$",
        description="The requester's Zendesk organization, when the account is not named: the account mapped to it "
        "(an unknown one is no account).",
    )
    facts: dict[str, Any] = Field(default_factory=dict, description="Facts the helpdesk knows; they win.")
    now: datetime | None = Field(None, description="Evaluate as of this time (default: now).")

    @property
    def query(self) -> str:
        """The text retrieval and inference read: subject and body."""
        return "\n\n".join(p for p in (self.subject, self.body) if p)


class ResolutionIn(InputModel):
    resolution: str = Field(..., min_length=1, max_length=20000)
    summary: str | None = Field(None, max_length=500, description="The problem in one line (default: subject).")
    account_id: AccountId | None = None
    issue_key: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Groups resolutions of the same problem (default: from the summary).",
    )
    now: datetime | None = None


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class SlaOut(_Out):
    reply_by: str
    resolve_by: str
    reply_warn_at: str | None
    resolve_warn_at: str | None
    calendar: str
    paused_minutes: int
    paused: bool
    reply_breached: bool
    resolve_breached: bool


class TraceStepOut(_Out):
    rule: str
    result: str
    detail: str


class DecisionOut(_Out):
    """``matrix.Decision`` in its wire form (``Decision.to_dict()``)."""

    escalate: bool
    tier: str
    queue: str | None
    owner_role: str
    backup_role: str | None
    notify: list[str]
    sla: SlaOut
    next_escalation_at: str | None
    customer_update_every_minutes: int
    post_resolution: list[str]
    rule_id: str
    reason: str
    trace: list[TraceStepOut]
    matrix_version: str
    evaluated_at: str
    tier_entered_at: str | None


class CitationOut(_Out):
    n: int
    source: str
    source_id: str
    title: str
    snippet: str
    visibility: str
    score: float


class UsageOut(_Out):
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = Field(description="null when the model has no known price")


class AnswerOut(_Out):
    text: str
    mode: str
    llm_error: str | None = None
    usage: UsageOut | None = Field(None, description="tokens and cost of the LLM calls; null for extractive answers")


class FactOut(_Out):
    """A fact's value, where it came from (helpdesk, the ticket's words, the account, a routing model) and how sure
    that evidence makes it (0..1; the helpdesk's own facts are 1)."""

    value: Any
    source: str
    confidence: float = 1.0


class LanguageOut(_Out):
    code: str = Field(description="ISO 639-1, e.g. de")
    probability: float
    lexicon: bool = Field(description="whether the fact lexicons have this language's words; if not, check the facts")


class AssistResult(_Out):
    """Deflect first, then decide: the answer with its citations, the facts with their provenance, the decision."""

    ticket_id: str | None
    account_id: str | None
    answer: AnswerOut
    citations: list[CitationOut]
    internal_notes: list[CitationOut]
    confidence: float
    deflected: bool
    facts: dict[str, FactOut]
    needs_agent: dict[str, FactOut] = Field(
        default_factory=dict,
        description="facts inferred too weakly to decide on: not set, shown with the suggestion for the agent",
    )
    assumed: list[str] = Field(default_factory=list, description="the matrix's defaults this decision applied")
    routing: dict[str, FactOut]
    language: LanguageOut | None = Field(None, description="the ticket's language; null when too short to tell")
    decision: DecisionOut
    decision_id: str


class ResolutionResult(_Out):
    ticket_id: str
    account_id: str | None
    indexed_chunks: int
    issue_key: str
    resolved_in_30_days: int
    recurring: bool
    known_ticket: bool


class IngestResult(_Out):
    items: int
    written: int
    unchanged: int
    chunks: int
    skipped: list[dict[str, str]]


class AccountIn(InputModel):
    """An account as the CRM knows it (the same fields as an accounts CSV row)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    plan: str | None = Field(None, min_length=1, max_length=50, description="The matrix's customer_tier.")
    products: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=100)
    zendesk_organization_id: str | None = Field(
        None, pattern=r"^[0-9]{1,20}$", description="The Zendesk organization whose tickets are this account's."
    )


class AccountOut(_Out):
    id: str
    name: str
    plan: str | None
    products: list[str]
    zendesk_organization_id: str | None
