"""Reading: payment tracking, the caller's payments, its balances, the public directory."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from corridor.api import render
from corridor.api.auth import AnyCaller, ParticipantCaller
from corridor.api.context import ApiContext, Ctx
from corridor.api.errors import NotFoundError, documented
from corridor.api.schemas import BalanceList, ParticipantList, PaymentPage, TrackingView
from corridor.foundation.errors import InputError
from corridor.hub.security import Principal
from corridor.hub.service import PAYMENTS_PAGE_MAX

router = APIRouter(prefix="/v1", tags=["payments"])
UETR_PATH = Path(max_length=64, description="the payment's UETR")
CURSOR_LENGTH_MAX = 100


def parse_cursor(text: str) -> tuple[int, str]:
    """`<updated_at_ms>_<uetr>` (from `next_after`), or empty for the start."""
    if not text:
        return 0, ""
    ms, sep, uetr = text.partition("_")
    if not sep or not ms.isdigit() or len(ms) > 18:
        raise InputError("not a cursor from next_after", field="after", value=text)
    return int(ms), uetr


@router.get(
    "/payments/{uetr}",
    summary="Track a payment",
    description="The payment's state and every lifecycle event with its time, like a gpi "
    "tracker. Visible to the parties' agents (and their settling participants) and "
    "operator users; to anyone else it does not exist (404).",
    response_model=TrackingView,
    responses=documented(401, 403, 404),
)
def track_payment(
    principal: AnyCaller,
    ctx: Ctx,
    uetr: str = UETR_PATH,
) -> TrackingView:
    return tracking_view(ctx, principal, uetr)


def tracking_view(ctx: ApiContext, principal: Principal, uetr: str) -> TrackingView:
    """The payment as `principal` may see it; 404 when unknown or not visible."""
    tracking = ctx.hub.track(principal, uetr)
    if tracking is None:
        raise NotFoundError("no such payment", param="uetr")
    return render.tracking(tracking)


@router.get(
    "/payments",
    summary="List the caller's payments (changes feed)",
    description="Ordered by last change; a payment that changes again reappears on a "
    "later page. Participants see the payments they are a party to, operator users all.",
    response_model=PaymentPage,
    responses=documented(400, 401, 403),
)
def list_payments(
    principal: AnyCaller,
    ctx: Ctx,
    after: str = Query("", max_length=CURSOR_LENGTH_MAX, description="`next_after` cursor"),
    limit: int = Query(100, ge=1, le=PAYMENTS_PAGE_MAX),
) -> PaymentPage:
    cursor = parse_cursor(after)
    page = ctx.hub.payments(principal, cursor, limit)
    next_after = f"{page[-1].updated_at_ms}_{page[-1].uetr}" if page else (after or None)
    has_more = len(page) == limit and bool(
        ctx.hub.payments(principal, (page[-1].updated_at_ms, page[-1].uetr), 1)
    )
    return PaymentPage(
        data=[render.payment(p) for p in page], has_more=has_more, next_after=next_after
    )


@router.get(
    "/balances",
    summary="The caller's settlement accounts",
    response_model=BalanceList,
    responses=documented(401, 403, 503),
)
async def balances(principal: ParticipantCaller, ctx: Ctx) -> BalanceList:
    accounts = await ctx.engine.run(ctx.hub.balances, principal)
    return BalanceList(data=[render.balance(b) for b in accounts])


_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The directory (JSON, or CSV with ?format=csv or Accept: text/csv)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/directory",
    summary="Download the public directory",
    description="Every participant: BIC, name, country, kind, status, LEI, settles_through "
    "and the public key that verifies its messages.",
    response_model=ParticipantList,
    responses={**_CSV, **documented(400, 401, 403)},
    tags=["directory"],
)
def directory(
    _principal: AnyCaller,
    ctx: Ctx,
    request: Request,
    format: Literal["json", "csv"] | None = Query(None, description="default: JSON"),
) -> Response:
    participants = ctx.hub.participants()
    if render.wants_csv(request, format):
        return render.csv_response(render.directory_csv(participants), "directory.csv")
    body = ParticipantList(data=[render.participant(p) for p in participants])
    return JSONResponse(body.model_dump(mode="json"))
