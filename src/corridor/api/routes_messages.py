"""Participant messaging: submit ISO 20022 XML, read the outbox (page or long poll), ack."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from corridor.api import render
from corridor.api.auth import ParticipantCaller
from corridor.api.context import POLL_INTERVAL_S, WAIT_MS_MAX, ApiContext, Ctx
from corridor.api.errors import (
    BodyTooLargeError,
    UnavailableError,
    UnsupportedMediaError,
    documented,
)
from corridor.api.schemas import AckRequest, AckView, AnswerView, OutboxPage
from corridor.hub.security import Principal
from corridor.hub.service import Hub
from corridor.store.hub_store import OUTBOX_PAGE_MAX

router = APIRouter(prefix="/v1", tags=["messages"])
XML_TYPES = ("application/xml", "text/xml")
SEQ_MAX = 2**63 - 1

_XML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One signed ISO 20022 message (AppHdr + Document), at most 4 MiB",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}
_ANSWER_XML: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer (also when it is a rejection: RJCT is a valid answer)",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}


async def read_body(request: Request, bytes_max: int) -> bytes:
    """The body, refused with 413 as soon as it passes `bytes_max` (never read whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > bytes_max:
        raise BodyTooLargeError(f"a message is at most {bytes_max} bytes", param="body")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > bytes_max:
            raise BodyTooLargeError(f"a message is at most {bytes_max} bytes", param="body")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_xml(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in XML_TYPES:
        raise UnsupportedMediaError("send the message as Content-Type: application/xml")


@router.post(
    "/messages",
    summary="Submit one ISO 20022 message",
    description="Returns the hub's answer after the durable commit: JSON by default, the "
    "signed answer XML with `Accept: application/xml`. A message whose MsgId was "
    "received before gets its original answer with `duplicate: true`, never a second "
    "settlement.",
    response_model=AnswerView,
    responses={**_ANSWER_XML, **documented(400, 401, 403, 413, 415, 503)},
    openapi_extra=_XML_BODY,
)
async def submit_message(
    principal: ParticipantCaller,
    ctx: Ctx,
    request: Request,
) -> Response:
    _check_xml(request)
    data = await read_body(request, ctx.message_bytes_max)
    answer = await ctx.engine.submit(principal.name, data)
    ctx.metrics.answered(answer)
    if "application/xml" in request.headers.get("accept", ""):
        return Response(answer.payload, media_type="application/xml")
    return JSONResponse(render.answer(answer).model_dump(mode="json"))


def outbox_page(
    hub: Hub, principal: Principal, after: int, limit: int, include_acked: bool
) -> OutboxPage:
    read = hub.outbox(principal, after, limit + 1, include_acked)  # +1: is there more?
    page = read[:limit]
    return OutboxPage(
        data=[render.outbox_message(m) for m in page],
        has_more=len(read) > limit,
        next_after=page[-1].seq if page else after,
    )


_AFTER = Query(0, ge=0, le=SEQ_MAX, description="return messages with seq greater than this")
_LIMIT = Query(100, ge=1, le=OUTBOX_PAGE_MAX)
_ACKED = Query(False, description="also return messages already acknowledged")


@router.get(
    "/outbox",
    summary="Read the caller's outbox (cursor page)",
    response_model=OutboxPage,
    responses=documented(400, 401, 403),
)
def read_outbox(
    principal: ParticipantCaller,
    ctx: Ctx,
    after: int = _AFTER,
    limit: int = _LIMIT,
    include_acked: bool = _ACKED,
) -> OutboxPage:
    return outbox_page(ctx.hub, principal, after, limit, include_acked)


@router.get(
    "/outbox/stream",
    summary="Long poll the caller's outbox",
    description="Like GET /v1/outbox, but when there is nothing to return it waits up to "
    f"`wait_ms` (at most {WAIT_MS_MAX}) for new messages; an empty page means none came.",
    response_model=OutboxPage,
    responses=documented(400, 401, 403, 503),
)
async def stream_outbox(
    principal: ParticipantCaller,
    ctx: Ctx,
    after: int = _AFTER,
    limit: int = _LIMIT,
    include_acked: bool = _ACKED,
    wait_ms: int = Query(20_000, ge=0, le=WAIT_MS_MAX, description="longest wait"),
) -> OutboxPage:
    if ctx.long_polls >= ctx.long_polls_max:
        raise UnavailableError(f"more than {ctx.long_polls_max} long polls waiting", code="busy")
    ctx.long_polls += 1
    try:
        return await _poll(ctx, principal, after, limit, include_acked, wait_ms)
    finally:
        ctx.long_polls -= 1


async def _poll(
    ctx: ApiContext, principal: Principal, after: int, limit: int, acked: bool, wait_ms: int
) -> OutboxPage:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_ms / 1000
    while True:
        page = await run_in_threadpool(outbox_page, ctx.hub, principal, after, limit, acked)
        remaining_s = deadline - loop.time()
        if page.data or remaining_s <= 0:
            return page
        await ctx.outbox_signal.wait(min(remaining_s, POLL_INTERVAL_S))


@router.post(
    "/outbox/ack",
    summary="Acknowledge outbox messages",
    description="Ids not in the caller's outbox (another participant's, or unknown) come "
    "back in `unknown` and are not acknowledged. Acknowledging twice is harmless.",
    response_model=AckView,
    responses=documented(400, 401, 403, 503),
)
async def ack_outbox(
    principal: ParticipantCaller,
    ctx: Ctx,
    body: AckRequest,
) -> AckView:
    result = await ctx.engine.run(ctx.hub.ack, principal, body.message_ids)
    return AckView(acknowledged=list(result.acknowledged), unknown=list(result.unknown))
