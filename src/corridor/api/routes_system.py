"""`/health` and `/metrics`: no credential (meant for load balancers and Prometheus on
the operator's network; they expose no participant data, only counts and latencies)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from corridor.api.context import ApiContext, Ctx
from corridor.api.schemas import HealthView

router = APIRouter(tags=["system"])
ENGINE_PROBE_TIMEOUT_S = 2.0


def _engine_ready(ctx: ApiContext) -> bool:
    """On the engine thread, between batches: it answers, and its ledger is loaded (one
    left stale by a database outage is reloaded here, so balances serve again without
    waiting for the next payment)."""
    try:
        ctx.hub.engine.reload_if_stale()
    except Exception:  # the database is still away: the ledger stays stale
        return False
    return True


async def _database_ok(ctx: ApiContext) -> bool:
    try:
        await run_in_threadpool(ctx.hub.store.payment, "health-probe")
    except Exception:  # any failure to reach the database means unhealthy
        return False
    return True


async def _engine_ok(ctx: ApiContext) -> bool:
    if ctx.worker is None:
        return False
    try:
        return await asyncio.wait_for(ctx.worker.run(_engine_ready, ctx), ENGINE_PROBE_TIMEOUT_S)
    except (TimeoutError, RuntimeError):
        return False


_HEALTH: dict[int | str, dict[str, Any]] = {
    503: {
        "model": HealthView,
        "description": "The database or the engine thread is down (or its ledger not loaded)",
    }
}


@router.get("/health", summary="Is the hub up?", response_model=HealthView, responses=_HEALTH)
async def health(ctx: Ctx) -> JSONResponse:
    database, engine = await _database_ok(ctx), await _engine_ok(ctx)
    body = HealthView(
        status="ok" if database and engine else "unhealthy",
        database="ok" if database else "unreachable",
        engine="ok" if engine else "unresponsive",
    )
    return JSONResponse(body.model_dump(), status_code=200 if database and engine else 503)


_METRICS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Prometheus text exposition format",
        "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
    }
}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response, responses=_METRICS)
def metrics(ctx: Ctx) -> Response:
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE_LATEST)
