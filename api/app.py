"""The HTTP API: thin routes onto the runtime (``assist.runtime``). One error format, one error table
(``api.errors``).

Auth: ``Authorization: Bearer <key>`` (or ``X-API-Key``). Keys are stored hashed, each with a role (agent, admin)
and optionally an account; a key bound to account A gets 404 for anything of account B.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import AccountPath, AccountQuery, Admin, Key, Rt, TicketPath, bound_row, now_or, scoped_account
from api.errors import INTERNAL, field_of, row_of
from api.helpdesk import router as helpdesk_routes
from api.schemas import (
    DecisionRecord,
    ErrorResponse,
    EscalationReport,
    EvaluateIn,
    Health,
    MatrixIn,
    MatrixOut,
    PolicyChangeOut,
    TicketChangeIn,
    TicketRegisterIn,
    TicketsIn,
    TicketStateOut,
    TimelineEntry,
)
from assist.clock import escalation_report
from assist.models import (
    AccountIn,
    AccountOut,
    AssistResult,
    DecisionOut,
    IngestResult,
    ResolutionIn,
    ResolutionResult,
    TicketIn,
)
from assist.runtime import Runtime, open_runtime
from assist.settings import Settings
from matrix.errors import Error


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the app. Nothing is opened at import; the runtime opens at start-up (or is handed in)."""
    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

    registry = CollectorRegistry()
    latency = Histogram("assist_request_seconds", "Request latency", ["route", "method", "status"], registry=registry)
    decisions_total = Counter(
        "assist_decisions_total", "Decisions by tier and rule", ["tier", "rule"], registry=registry
    )
    deflections_total = Counter(
        "assist_deflections_total", "Tickets kept at Tier 1 with a cited answer", registry=registry
    )
    lock = threading.Lock()
    opened: list[Runtime] = [runtime] if runtime is not None else []

    def get_runtime() -> Runtime:
        if not opened:
            with lock:
                if not opened:
                    opened.append(open_runtime(settings))
        return opened[0]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        get_runtime()  # open the store, the database and the model before the first request
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Escalation assist",
        version="0.2.0",
        description="Deflect at Tier 1 with account-aware, cited answers; then decide escalation with a "
        'deterministic matrix. Errors: {"error": {code, message, field}}.',
        responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
    )
    app.state.open_runtime = get_runtime

    def error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
        return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status)

    @app.exception_handler(Error)
    async def _known(_: Request, exc: Error) -> JSONResponse:
        row = row_of(exc)
        if row is INTERNAL:  # a code the table does not know is a bug, not the caller's problem
            return error(500, "internal", "internal error; the request was not applied")
        return error(row.status, exc.code, str(exc), field_of(exc))

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

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return error(500, "internal", "internal error; the request was not applied")

    @app.middleware("http")
    async def _timing(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        route = request.scope.get("route")
        latency.labels(getattr(route, "path", "unmatched"), request.method, str(response.status_code)).observe(
            time.perf_counter() - start
        )
        return response

    # -- assist ---------------------------------------------------------------------------------------------------
    @app.post("/v1/assist", response_model=AssistResult, tags=["assist"], responses={404: {"model": ErrorResponse}})
    def assist_ticket(ticket: TicketIn, key: Key, rt: Rt) -> AssistResult:
        """Deflect first, then decide: an account-aware answer with citations, and the escalation decision."""
        account = ticket.account_id
        if account is None and ticket.zendesk_organization_id:
            mapped = rt.knowledge.account_for_zendesk_organization(ticket.zendesk_organization_id)
            account = mapped.id if mapped else None
        ticket = ticket.model_copy(update={"account_id": scoped_account(key, account)})
        result = rt.pipeline.run(ticket)
        decisions_total.labels(result.decision.tier, result.decision.rule_id).inc()
        if result.deflected:
            deflections_total.inc()
        return result

    @app.post(
        "/v1/tickets/{ticket_id}/resolution",
        response_model=ResolutionResult,
        tags=["assist"],
        responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
    )
    def record_resolution(ticket_id: TicketPath, res: ResolutionIn, key: Key, rt: Rt) -> ResolutionResult:
        """Index how a ticket was resolved into its account's knowledge; flag a recurring issue (3+ in 30 days)."""
        res = res.model_copy(update={"account_id": scoped_account(key, res.account_id)})
        return rt.knowledge.record_resolution(rt.db.log, ticket_id, res)

    # -- the matrix -----------------------------------------------------------------------------------------------
    @app.post("/v1/escalation/evaluate", response_model=DecisionOut, tags=["matrix"])
    def evaluate_facts(req: EvaluateIn, key: Key, rt: Rt) -> dict[str, Any]:
        """Facts in, decision out: the matrix in force alone, no retrieval."""
        account = scoped_account(key, req.account_id)
        decision = rt.pipeline.decide(req.facts, req.now, req.ticket_id, account)
        decisions_total.labels(decision.tier, decision.rule_id).inc()
        return decision.to_dict()

    @app.get("/v1/matrix", response_model=MatrixOut, tags=["matrix"])
    def get_matrix(key: Key, rt: Rt) -> dict[str, Any]:
        """The matrix in force and its version."""
        m = rt.db.policy.current()
        return {"version": m.version, "matrix": m.model_dump(mode="json")}

    @app.put("/v1/matrix", response_model=MatrixOut, tags=["admin"], responses={403: {"model": ErrorResponse}})
    def put_matrix(body: MatrixIn, key: Admin, rt: Rt) -> dict[str, Any]:
        """Replace the matrix in force (admin). The YAML is validated first; a broken one changes nothing. Every
        worker and sweeper uses the new version within ``ASSIST_POLICY_REFRESH_SECONDS``."""
        new = rt.db.policy.replace(body.yaml, by=f"key {key.id} ({key.name})")
        return {"version": new.version, "matrix": new.model_dump(mode="json")}

    @app.get("/v1/matrix/history", response_model=list[PolicyChangeOut], tags=["admin"])
    def matrix_history(key: Admin, rt: Rt) -> list[dict[str, Any]]:
        """Who replaced the matrix in force, when, and which version it replaced (newest first)."""
        return [c.to_dict() for c in rt.db.policy.history()]

    @app.get("/v1/decisions", response_model=list[DecisionRecord], tags=["matrix"])
    def list_decisions(
        key: Key,
        rt: Rt,
        account_id: AccountQuery = None,
        tier: Annotated[str | None, Query(max_length=20)] = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """Logged decisions, newest first; filter by account, tier and time."""
        account = scoped_account(key, account_id)
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                now_or(value, name)
        return rt.db.log.list(account, tier, since, until, limit, key.account_id)

    # -- the SLA clock ------------------------------------------------------------------------------------------
    @app.post(
        "/v1/tickets",
        response_model=TicketStateOut,
        tags=["tracker"],
        status_code=201,
        responses={409: {"model": ErrorResponse}},
    )
    def register_ticket(req: TicketRegisterIn, key: Key, rt: Rt) -> dict[str, Any]:
        """Track a ticket: its SLA clocks run and the sweeper escalates it when its time runs out."""
        account = scoped_account(key, req.account_id)
        return rt.db.tracker.register(req.ticket_id, account, req.facts, now_or(req.now))

    @app.patch(
        "/v1/tickets/{ticket_id}",
        response_model=TicketStateOut,
        tags=["tracker"],
        responses={404: {"model": ErrorResponse}},
    )
    def change_ticket(
        ticket_id: TicketPath, req: TicketChangeIn, key: Key, rt: Rt, account_id: AccountQuery = None
    ) -> dict[str, Any]:
        """Send a ticket's changes (status, severity, tier, first reply, customer update); re-evaluates. A key
        that is not bound to an account names the ticket's account with ``account_id``."""
        changes = dict(req.facts)
        if req.customer_update_at is not None:
            changes["customer_update_at"] = now_or(req.customer_update_at, "customer_update_at").isoformat()
        return rt.db.tracker.change(ticket_id, changes, now_or(req.now), scoped_account(key, account_id))

    @app.get(
        "/v1/tickets/{ticket_id}/timeline",
        response_model=list[TimelineEntry],
        tags=["tracker"],
        responses={404: {"model": ErrorResponse}},
    )
    def ticket_timeline(
        ticket_id: TicketPath, key: Key, rt: Rt, account_id: AccountQuery = None
    ) -> list[dict[str, Any]]:
        """Every evaluation, escalation, pause, notification and breach, with the rule, the clock arithmetic and
        the matrix version."""
        return rt.db.tracker.timeline(ticket_id, scoped_account(key, account_id))

    @app.get("/v1/reports/escalations", response_model=EscalationReport, tags=["tracker"])
    def report(key: Key, rt: Rt) -> dict[str, Any]:
        """Volume by tier, queue, rule and plan; time to reply/resolve per tier against SLA; breach rate;
        the top recurring issues."""
        return escalation_report(rt.db.engine, rt.db.policy.current(), datetime.now(UTC), key.account_id)

    # -- admin ----------------------------------------------------------------------------------------------------
    @app.post(
        "/v1/admin/tickets",
        response_model=IngestResult,
        tags=["admin"],
        responses={403: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
    )
    def ingest_tickets(body: TicketsIn, key: Admin, rt: Rt) -> IngestResult:
        """Ingest past tickets (the JSONL shape of FORMAT.md, as a JSON list) into the knowledge base (admin). A key
        bound to an account writes into that account only, whatever the rows say."""
        return rt.knowledge.ingest_ticket_rows([bound_row(key, row, i) for i, row in enumerate(body.tickets)])

    @app.put("/v1/admin/accounts/{account_id}", response_model=AccountOut, tags=["admin"])
    def put_account(account_id: AccountPath, body: AccountIn, key: Admin, rt: Rt) -> AccountOut:
        """Create or update an account: plan, products and the Zendesk organization whose tickets are its own
        (admin; a key bound to an account may change only that one)."""
        return rt.knowledge.put_account(scoped_account(key, account_id) or account_id, body)

    @app.get("/v1/admin/accounts/{account_id}", response_model=AccountOut, tags=["admin"])
    def get_account(account_id: AccountPath, key: Admin, rt: Rt) -> AccountOut:
        return rt.knowledge.account_out(scoped_account(key, account_id) or account_id)

    app.include_router(helpdesk_routes)  # Zendesk's ticket events and agent feedback

    # -- ops and pages ------------------------------------------------------------------------------------------
    @app.get("/healthz", response_model=Health, tags=["ops"])
    def healthz(rt: Rt) -> dict[str, Any]:
        return {"status": "ok", "matrix_version": rt.db.policy.current().version, "chunks": rt.store.count()}

    @app.get("/metrics", response_class=PlainTextResponse, tags=["ops"])
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry).decode(), media_type="text/plain; version=0.0.4")

    origins = " ".join(settings.sidebar_origins)

    @app.get("/sidebar", response_class=HTMLResponse, include_in_schema=False)
    def sidebar() -> HTMLResponse:
        """The helpdesk sidebar. It runs no inline script, and only the configured helpdesk origins may frame it
        (and send it tickets): a foreign page framing it cannot make it call the API with the agent's key."""
        page = resources.files("api").joinpath("static/sidebar.html").read_text(encoding="utf-8")
        page = page.replace("{{ORIGINS}}", html.escape(origins, quote=True))
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
                f"script-src 'self'; connect-src 'self'; frame-ancestors 'self' {origins}".rstrip(),
                "Referrer-Policy": "no-referrer",
            },
        )

    @app.get("/sidebar.js", include_in_schema=False)
    def sidebar_script() -> Response:
        script = resources.files("api").joinpath("static/sidebar.js").read_text(encoding="utf-8")
        return Response(script, media_type="text/javascript; charset=utf-8")

    return app
