"""The FastAPI application over a Hub: `create_app(hub)`.

The app's lifespan starts the engine worker (the single thread every write goes
through) and stops it. Routes are thin: parse, call one hub use case, render.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, APIRouter
from starlette.types import ASGIApp, Receive, Scope, Send

from corridor.api import (
    routes_approvals,
    routes_compliance,
    routes_fx,
    routes_liquidity,
    routes_messages,
    routes_operator,
    routes_payments,
    routes_system,
    submit_path,
)
from corridor.api.access_log import AccessLog
from corridor.api.context import MESSAGE_BYTES_MAX, ApiContext, OutboxSignal
from corridor.api.errors import ErrorEnvelope, install_error_handlers
from corridor.api.metrics import Metrics
from corridor.api.submit_path import SubmitPath
from corridor.api.ticker import GRIDLOCK_INTERVAL_MS, TICK_INTERVAL_MS, Ticker, check_interval
from corridor.hub.intake_pool import IntakePool
from corridor.hub.service import Hub
from corridor.hub.worker import EngineWorker

API_VERSION = "1"
_REF_TEMPLATE = "#/components/schemas/{model}"
_TAGS = [
    {"name": "messages", "description": "Submit ISO 20022 messages; outbox and acks"},
    {"name": "payments", "description": "Tracking, payments, balances (participant data)"},
    {"name": "directory", "description": "The public directory"},
    {"name": "liquidity", "description": "Queued payments, priorities, statements and reports"},
    {"name": "fx", "description": "Quotes for cross-currency payments; providers' rates"},
    {"name": "compliance", "description": "Held payments: cases, explanations, decisions"},
    {"name": "operator", "description": "Operator users (operator, compliance, auditor)"},
    {"name": "system", "description": "Health and metrics (no credential)"},
]


def create_app(
    hub: Hub,
    *,
    message_bytes_max: int = MESSAGE_BYTES_MAX,
    tick_interval_ms: int = TICK_INTERVAL_MS,
    gridlock_interval_ms: int = GRIDLOCK_INTERVAL_MS,
    watchlists_dir: Path | None = None,
    screening_threshold: float | None = None,
    intake_pool: IntakePool | None = None,
) -> FastAPI:
    """The HTTP API over `hub`. Serve it with uvicorn (see server.run).

    While it runs, `hub.tick()` (business days) runs every `tick_interval_ms` and gridlock
    resolution every `gridlock_interval_ms` on the engine thread; 0 turns either off.
    `watchlists_dir` / `screening_threshold`: what POST /v1/operator/screening/reload puts
    in force (the hub's HubSettings.watchlists_dir; None: reloading is refused)."""
    ctx = ApiContext(hub=hub, metrics=Metrics(), message_bytes_max=message_bytes_max)
    check_interval(tick_interval_ms, "tick_interval_ms")
    check_interval(gridlock_interval_ms, "gridlock_interval_ms")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ctx.signal = OutboxSignal()
        ctx.worker = EngineWorker(
            hub, on_batch=lambda n: _batch_done(ctx, n), intake_pool=intake_pool
        )
        await ctx.worker.start()
        ticker = Ticker(hub, ctx.worker, tick_interval_ms, gridlock_interval_ms)
        _app.state.ticker = ticker
        ticker.start()
        try:
            yield
        finally:
            await ticker.stop()
            await ctx.worker.stop()
            ctx.worker = None
            if intake_pool is not None:
                # Here, not after uvicorn.run returns: uvicorn re-raises SIGTERM/SIGINT
                # once it has shut down, which would leave the workers orphaned.
                intake_pool.shutdown()

    app = HubApi(
        title="Corridor hub API",
        version=API_VERSION,
        description="Interbank payments over ISO 20022. See docs/integration.md.",
        openapi_tags=_TAGS,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.watchlists_dir = watchlists_dir
    app.state.screening_threshold = screening_threshold
    install_error_handlers(app)
    for module in (routes_messages, routes_payments, routes_operator, routes_system):
        app.include_router(module.router)
    for router in (routes_liquidity.router, routes_liquidity.operator_router, routes_fx.router):
        app.include_router(router)
    for router in (routes_fx.operator_router, routes_approvals.router):
        app.include_router(router)
    for router in (routes_compliance.router, routes_compliance.operator_router):
        app.include_router(router)
    submit_route = _route(routes_messages.router, submit_path.PATH, "POST")
    app.front = AccessLog(SubmitPath(app.inner, ctx=ctx, route=submit_route), ctx.metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


class HubApi(FastAPI):
    """The FastAPI app with two layers in front of it rather than inside its middleware
    stack: the access log (every request) and the submit path (POST /v1/messages, the
    request every payment makes). What the submit path does not serve itself goes on to
    FastAPI whole (`inner`); it no longer goes through FastAPI's entry (its telemetry
    check), Starlette's and three middleware layers on the way: ~5 % of the event loop's
    time per payment."""

    front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.front is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self  # as Starlette sets it (request.app)
        await self.front(scope, receive, send)

    async def inner(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI as it is: routing, dependencies, error handlers."""
        await super().__call__(scope, receive, send)


def _route(router: APIRouter, path: str, method: str) -> APIRoute:
    for route in router.routes:
        if isinstance(route, APIRoute) and route.path == path and method in route.methods:
            return route
    raise LookupError(f"no route {method} {path}")


def _batch_done(ctx: ApiContext, messages: int) -> None:
    ctx.metrics.batch(messages)
    if ctx.signal is not None:
        ctx.signal.notify()


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with its 422 responses replaced by our 400 envelope."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    envelope_ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None and "400" not in responses:
                responses["400"] = {
                    "description": "Invalid request; `param` names the field",
                    "content": {"application/json": {"schema": envelope_ref}},
                }
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components.setdefault(
        "ErrorEnvelope",
        ErrorEnvelope.model_json_schema(ref_template=_REF_TEMPLATE),
    )
    app.openapi_schema = schema
    return schema
