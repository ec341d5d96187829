"""The HTTP API: thin routes onto ``assist.service`` and ``matrix``. One error format, one error-code table.

Auth: ``Authorization: Bearer <key>`` (or ``X-API-Key``). Keys are stored hashed, each with a role (agent, admin)
and optionally an account; a key bound to account A gets 404 for anything of account B.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assist.decision_log import ApiKey
from assist.service import AssistService, Busy, NotFound, ResolutionIn, TicketIn
from assist.settings import Settings
from assist.tracker import Conflict, TicketExists, TicketNotFound
from matrix.errors import FactError, MatrixLoadError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        self.status, self.code, self.message, self.field = status, code, message, field
        super().__init__(message)


# The one error-code table: exception type -> (HTTP status, code). Messages name the field and the value.
ERRORS: dict[type[Exception], tuple[int, str]] = {
    FactError: (422, "invalid_fact"),
    MatrixLoadError: (422, "invalid_matrix"),
    NotFound: (404, "not_found"),
    TicketNotFound: (404, "not_found"),
    Busy: (409, "busy"),
    TicketExists: (409, "conflict"),
    Conflict: (409, "conflict"),
}


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, Any] = Field(..., description="The ticket's facts (see GET /v1/matrix for the vocabulary).")
    now: datetime | None = Field(None, description="Evaluate as of this time (default: now).")
    ticket_id: str | None = Field(None, max_length=200)
    account_id: str | None = Field(None, max_length=200)


class SlaOut(BaseModel):
    reply_by: str
    resolve_by: str
    reply_warn_at: str | None
    resolve_warn_at: str | None
    calendar: str
    paused_minutes: int
    paused: bool
    reply_breached: bool
    resolve_breached: bool


class TraceStepOut(BaseModel):
    rule: str
    result: str
    detail: str


class DecisionOut(BaseModel):
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


class CitationOut(BaseModel):
    n: int
    source: str
    source_id: str
    title: str
    snippet: str
    visibility: str
    score: float


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = Field(description="null when the model has no known price")


class AnswerOut(BaseModel):
    text: str
    mode: str
    llm_error: str | None = None
    usage: UsageOut | None = Field(None, description="tokens and cost of the LLM calls; null for extractive answers")


class FactOut(BaseModel):
    value: Any
    source: str


class AssistOut(BaseModel):
    ticket_id: str | None
    account_id: str | None
    answer: AnswerOut
    citations: list[CitationOut]
    internal_notes: list[CitationOut]
    confidence: float
    deflected: bool
    facts: dict[str, FactOut]
    routing: dict[str, FactOut]
    decision: DecisionOut
    decision_id: str


class ResolutionOut(BaseModel):
    ticket_id: str
    account_id: str | None
    indexed_chunks: int
    issue_key: str
    resolved_in_30_days: int
    recurring: bool
    known_ticket: bool


class DecisionRecord(BaseModel):
    id: str
    ticket_id: str | None
    account_id: str | None
    created_at: str
    tier: str
    queue: str | None
    rule_id: str
    escalate: bool
    deflected: bool
    matrix_version: str
    facts: dict[str, Any]
    decision: DecisionOut


class MatrixOut(BaseModel):
    version: str
    matrix: dict[str, Any]


class MatrixIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(..., min_length=1, max_length=1_000_000, description="The whole matrix file.")


class TicketsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tickets: list[dict[str, Any]] = Field(..., min_length=1, max_length=5000)


class SkippedOut(BaseModel):
    location: str
    reason: str


class IngestOut(BaseModel):
    items: int
    written: int
    unchanged: int
    chunks: int
    skipped: list[SkippedOut]


class TicketRegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: str = Field(..., min_length=1, max_length=200)
    account_id: str | None = Field(None, min_length=1, max_length=200)
    facts: dict[str, Any] = Field(default_factory=dict)
    now: datetime | None = None


class TicketChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="Changed facts: status, severity, "
        "current_tier, first_reply_at … (pending/on_hold pause the clocks).",
    )
    customer_update_at: datetime | None = Field(None, description="When the customer was last updated.")
    now: datetime | None = None


class TicketStateOut(DecisionOut):
    next_check_at: str | None


class TimelineEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    at: str
    kind: str


class EscalationReport(BaseModel):
    tickets: int
    open: int
    escalations: dict[str, dict[str, int]]
    breach_rate: float
    per_tier: dict[str, dict[str, Any]]
    recurring_issues: list[dict[str, Any]]


class Health(BaseModel):
    status: str
    matrix_version: str
    chunks: int


# -- auth (module level: FastAPI resolves these annotations by name) -------------------------------------------


def current_key(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <api key>")] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> ApiKey:
    raw = x_api_key or (authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else None)
    if not raw:
        raise ApiError(401, "unauthorized", "an API key is required (Authorization: Bearer <key>)")
    svc: AssistService = request.app.state.service
    svc.start()
    assert svc.log is not None
    key = svc.log.find_key(raw)
    if key is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key")
    return key


Key = Annotated[ApiKey, Depends(current_key)]


def admin_key(key: Key) -> ApiKey:
    if key.role != "admin":
        raise ApiError(403, "forbidden", "this route needs an admin key")
    return key


Admin = Annotated[ApiKey, Depends(admin_key)]


def create_app(settings: Settings, service: AssistService | None = None) -> FastAPI:
    """Build the app. Nothing is opened at import; ``service.start()`` runs at start-up."""
    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

    svc = service or AssistService(settings)
    registry = CollectorRegistry()
    latency = Histogram("assist_request_seconds", "Request latency", ["route", "method", "status"], registry=registry)
    decisions_total = Counter(
        "assist_decisions_total", "Decisions by tier and rule", ["tier", "rule"], registry=registry
    )
    deflections_total = Counter(
        "assist_deflections_total", "Tickets kept at Tier 1 with a cited answer", registry=registry
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        svc.start()  # open the store, the database and the model before the first request
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Escalation assist",
        version="0.1.0",
        description="Deflect at Tier 1 with account-aware, cited answers; then decide escalation with a "
        'deterministic matrix. Errors: {"error": {code, message, field}}.',
        responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
    )

    app.state.service = svc

    def error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
        return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]  # where it was sent, not which field
        field = ".".join(loc) or None
        return error(422, "invalid_request", f"{field or 'request'}: {first.get('msg')}", field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error(exc.status_code, code, str(exc.detail))

    for exc_type, (status, code) in ERRORS.items():

        def handler(_: Request, exc: Exception, status: int = status, code: str = code) -> JSONResponse:
            field = getattr(exc, "field", None)
            if isinstance(exc, FactError):
                field = f"facts.{exc.field}" if exc.field not in ("now",) else exc.field
            return error(status, code, str(exc), field)

        app.add_exception_handler(exc_type, handler)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return error(500, "internal", "internal error; the request was not applied")

    @app.middleware("http")
    async def _timing(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        latency.labels(getattr(route, "path", "unmatched"), request.method, str(response.status_code)).observe(
            time.perf_counter() - start
        )
        return response

    def scoped_account(key: ApiKey, account_id: str | None) -> str | None:
        """A key bound to an account only ever sees that account; anything else looks like it does not exist."""
        if key.account_id is None:
            return account_id
        if account_id not in (None, key.account_id):
            raise ApiError(404, "not_found", f"account {account_id!r} not found", "account_id")
        return key.account_id

    # -- routes -------------------------------------------------------------------------------------------------
    @app.post("/v1/assist", response_model=AssistOut, tags=["assist"], responses={404: {"model": ErrorResponse}})
    def assist_ticket(ticket: TicketIn, key: Key) -> dict[str, Any]:
        """Deflect first, then decide: an account-aware answer with citations, and the escalation decision."""
        ticket = ticket.model_copy(update={"account_id": scoped_account(key, ticket.account_id)})
        body = svc.assist(ticket)
        d = body["decision"]
        decisions_total.labels(d["tier"], d["rule_id"]).inc()
        if body["deflected"]:
            deflections_total.inc()
        return body

    @app.post("/v1/escalation/evaluate", response_model=DecisionOut, tags=["matrix"])
    def evaluate_facts(req: EvaluateIn, key: Key) -> dict[str, Any]:
        """Facts in, decision out: the matrix alone, no retrieval."""
        account = scoped_account(key, req.account_id)
        decision = svc.decide(req.facts, req.now, req.ticket_id, account)
        decisions_total.labels(decision.tier, decision.rule_id).inc()
        return decision.to_dict()

    @app.get("/v1/matrix", response_model=MatrixOut, tags=["matrix"])
    def get_matrix(key: Key) -> dict[str, Any]:
        """The matrix in force and its version."""
        svc.start()
        assert svc.matrix is not None
        return {"version": svc.matrix.version, "matrix": svc.matrix.model_dump(mode="json")}

    @app.post(
        "/v1/tickets/{ticket_id}/resolution",
        response_model=ResolutionOut,
        tags=["assist"],
        responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
    )
    def record_resolution(
        ticket_id: Annotated[str, Field(min_length=1, max_length=200)], res: ResolutionIn, key: Key
    ) -> dict[str, Any]:
        """Index how a ticket was resolved into its account's knowledge; flag a recurring issue (3+ in 30 days)."""
        account = scoped_account(key, res.account_id)
        res = res.model_copy(update={"account_id": account})
        return svc.resolve(ticket_id, res, key.account_id)

    @app.get("/v1/decisions", response_model=list[DecisionRecord], tags=["matrix"])
    def list_decisions(
        key: Key,
        account_id: Annotated[str | None, Query(max_length=200)] = None,
        tier: Annotated[str | None, Query(max_length=20)] = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """Logged decisions, newest first; filter by account, tier and time."""
        account = scoped_account(key, account_id)
        svc.start()
        assert svc.log is not None
        for name, value in (("since", since), ("until", until)):
            if value is not None and value.tzinfo is None:
                raise ApiError(422, "invalid_request", f"{name}: must carry a time zone", name)
        return svc.log.list(account, tier, since, until, limit, key.account_id)

    def tracker() -> Any:
        svc.start()
        assert svc.tracker is not None
        return svc.tracker

    def now_or(value: datetime | None, name: str = "now") -> datetime:
        if value is None:
            return datetime.now(UTC)
        if value.tzinfo is None:
            raise ApiError(422, "invalid_request", f"{name}: must carry a time zone", name)
        return value

    @app.post(
        "/v1/tickets",
        response_model=TicketStateOut,
        tags=["tracker"],
        status_code=201,
        responses={409: {"model": ErrorResponse}},
    )
    def register_ticket(req: TicketRegisterIn, key: Key) -> dict[str, Any]:
        """Track a ticket: its SLA clocks run and the sweeper escalates it when its time runs out."""
        account = scoped_account(key, req.account_id)
        result: dict[str, Any] = tracker().register(req.ticket_id, account, req.facts, now_or(req.now))
        return result

    @app.patch(
        "/v1/tickets/{ticket_id}",
        response_model=TicketStateOut,
        tags=["tracker"],
        responses={404: {"model": ErrorResponse}},
    )
    def change_ticket(
        ticket_id: Annotated[str, Field(min_length=1, max_length=200)], req: TicketChangeIn, key: Key
    ) -> dict[str, Any]:
        """Send a ticket's changes (status, severity, tier, first reply, customer update); re-evaluates."""
        changes = dict(req.facts)
        if req.customer_update_at is not None:
            changes["customer_update_at"] = now_or(req.customer_update_at, "customer_update_at").isoformat()
        result: dict[str, Any] = tracker().change(ticket_id, changes, now_or(req.now), key.account_id)
        return result

    @app.get(
        "/v1/tickets/{ticket_id}/timeline",
        response_model=list[TimelineEntry],
        tags=["tracker"],
        responses={404: {"model": ErrorResponse}},
    )
    def ticket_timeline(
        ticket_id: Annotated[str, Field(min_length=1, max_length=200)], key: Key
    ) -> list[dict[str, Any]]:
        """Every evaluation, escalation, pause, notification and breach, with the rule and clock arithmetic."""
        result: list[dict[str, Any]] = tracker().timeline(ticket_id, key.account_id)
        return result

    @app.get("/v1/reports/escalations", response_model=EscalationReport, tags=["tracker"])
    def escalation_report(key: Key) -> dict[str, Any]:
        """Volume by tier, queue, rule and plan; time to reply/resolve per tier against SLA; breach rate;
        the top recurring issues."""
        result: dict[str, Any] = tracker().report(datetime.now(UTC), key.account_id)
        return result

    @app.get("/healthz", response_model=Health, tags=["ops"])
    def healthz() -> dict[str, Any]:
        svc.start()
        assert svc.matrix is not None and svc.store is not None
        return {"status": "ok", "matrix_version": svc.matrix.version, "chunks": svc.store.count()}

    @app.get("/metrics", response_class=PlainTextResponse, tags=["ops"])
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry).decode(), media_type="text/plain; version=0.0.4")

    @app.get("/sidebar", response_class=HTMLResponse, include_in_schema=False)
    def sidebar() -> HTMLResponse:
        page = resources.files("api").joinpath("static/sidebar.html").read_text(encoding="utf-8")
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
                "script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors *",
            },
        )

    @app.put("/v1/matrix", response_model=MatrixOut, tags=["admin"], responses={403: {"model": ErrorResponse}})
    def put_matrix(body: MatrixIn, key: Admin) -> dict[str, Any]:
        """Replace the matrix in force (admin). The YAML is validated first; a broken one changes nothing."""
        from matrix.loader import parse_matrix

        new = parse_matrix(body.yaml, "request body")
        svc.start()
        path = settings.data_dir / "matrix.yaml"
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(body.yaml, encoding="utf-8")
        tmp.replace(path)  # atomic: a crash leaves the old file or the new one, never half of one
        svc.matrix = new
        return {"version": new.version, "matrix": new.model_dump(mode="json")}

    @app.post(
        "/v1/admin/tickets",
        response_model=IngestOut,
        tags=["admin"],
        responses={403: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
    )
    def ingest_tickets(body: TicketsIn, key: Admin) -> dict[str, Any]:
        """Ingest past tickets (the JSONL shape of FORMAT.md, as a JSON list) into the knowledge base (admin)."""
        return svc.ingest_ticket_rows(body.tickets)

    return app
