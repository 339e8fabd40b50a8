"""Liquidity: a participant's queued payments and their priority, and its camt reports;
the operator's queues, forced gridlock runs, cut-off, end of day and the business days.

Every call that touches the queues or the business day runs on the engine thread."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Body, Path, Query

from corridor.api import render
from corridor.api.auth import OperatorReader, OperatorWriter, ParticipantCaller
from corridor.api.context import ApiContext, Ctx
from corridor.api.errors import NotFoundError, documented
from corridor.api.routes_payments import UETR_PATH
from corridor.api.schemas_liquidity import (
    CURRENCY_PATTERN,
    CutOffView,
    DayList,
    DayStateName,
    DayView,
    EndOfDayRequest,
    EndOfDayView,
    GridlockView,
    MoveRequest,
    MoveView,
    NetPositionView,
    PriorityCode,
    PriorityRequest,
    PriorityView,
    QueuedPaymentView,
    QueueList,
    ReportRequest,
    ReportView,
    WindowList,
    WindowView,
)
from corridor.foundation.clock import datetime_to_ms, ms_to_datetime
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount
from corridor.hub.liquidity import QueueEntry
from corridor.hub.security import Principal
from corridor.hub.service import Hub
from corridor.hub.usecases.liquidity import GridlockReport
from corridor.iso20022.records import ReportKind
from corridor.settlement import Priority, QueuedPayment

router = APIRouter(prefix="/v1", tags=["liquidity"])
operator_router = APIRouter(prefix="/v1/operator", tags=["operator"])

REPORT_PERIOD_MS_MAX = 31 * 86_400_000
CURRENCY_PATH = Path(pattern=CURRENCY_PATTERN, description="ISO 4217 code of a network currency")
CURRENCY_QUERY = Query(None, pattern=CURRENCY_PATTERN, description="one currency (default: all)")
END_OF_DAY_BODY = Body(None)
_PRIORITY_CODES = {
    Priority.urgent: PriorityCode.URGT,
    Priority.high: PriorityCode.HIGH,
    Priority.normal: PriorityCode.NORM,
}


# -- rendering (engine thread: queues and days change there) ------------------------
def _books(hub: Hub, entries: list[QueueEntry]) -> dict[int, QueuedPayment]:
    """The queue books' own records of `entries` (QueueEntry.queued keeps the priority
    a payment was queued with; the book has the current one)."""
    currencies = sorted({entry.queued.currency for entry in entries})
    return {p.payment_id: p for c in currencies for p in hub.liquidity.book(c).payments()}


def _queued(entry: QueueEntry, position: int, current: QueuedPayment | None) -> QueuedPaymentView:
    queued = current or entry.queued
    return QueuedPaymentView(
        uetr=entry.instruction.uetr,
        position=position,
        debtor=queued.debtor,
        creditor=queued.creditor,
        currency=queued.currency,
        amount=format_amount(queued.amount_minor, queued.currency),
        amount_minor=queued.amount_minor,
        priority=_PRIORITY_CODES[queued.priority],
        sequence=queued.sequence,
    )


def _queue_list(hub: Hub, principal: Principal, currency: str | None) -> QueueList:
    entries = hub.queue(principal, currency or "")
    books = _books(hub, entries)
    views = [
        _queued(entry, index, books.get(entry.queued.payment_id))
        for index, entry in enumerate(entries)
    ]
    total = hub.liquidity.length() if not principal.is_participant else len(views)
    return QueueList(data=views, queued_total=total)


def _day(hub: Hub, currency: str) -> DayView:
    day = hub.days.day(currency)
    assert day is not None, currency
    return DayView(
        currency=currency,
        business_date=day.day,
        state=DayStateName(day.state.name),
        time_zone=day.calendar.time_zone,
        opens_at=day.opens_at(),
        cut_off_at=day.cut_off_at(),
        end_of_day_at=day.end_of_day_at(),
        extension_min=day.extension_min,
        queued_count=hub.liquidity.book(currency).length(),
    )


def _days(hub: Hub) -> DayList:
    return DayList(data=[_day(hub, currency) for currency in hub.days.currencies()])


def _gridlock(report: GridlockReport) -> GridlockView:
    ccy = report.currency
    return GridlockView(
        currency=ccy,
        queued_count=report.queued_count,
        settled_count=report.settled_count,
        gross=format_amount(report.gross_minor, ccy),
        gross_minor=report.gross_minor,
        net_used=format_amount(report.net_used_minor, ccy),
        net_used_minor=report.net_used_minor,
        liquidity_saved=format_amount(report.liquidity_saved_minor, ccy),
        liquidity_saved_minor=report.liquidity_saved_minor,
    )


def _network_currency(ctx: ApiContext, currency: str | None, *, in_path: bool) -> None:
    if currency is None or currency in ctx.hub.days.currencies():
        return
    if in_path:
        raise NotFoundError("no such currency in this network", param="currency")
    raise InputError("is not a currency of this network", field="currency", value=currency)


# -- participant ----------------------------------------------------------------------
@router.get(
    "/queue",
    summary="The caller's payments waiting for liquidity, in settlement order",
    response_model=QueueList,
    responses=documented(400, 401, 403, 503),
)
async def own_queue(
    principal: ParticipantCaller, ctx: Ctx, currency: str | None = CURRENCY_QUERY
) -> QueueList:
    _network_currency(ctx, currency, in_path=False)
    return await ctx.engine.run(_queue_list, ctx.hub, principal, currency)


def _reprioritise(
    hub: Hub, principal: Principal, uetr: str, priority: Priority
) -> PriorityView | None:
    """None when no such queued payment is the caller's to change (the two look alike)."""
    try:
        uuid.UUID(uetr)
    except ValueError:
        return None
    entry = hub.liquidity.entry(uetr)
    if entry is None or (
        principal.is_participant and entry.instruction.debit_participant != principal.name
    ):
        return None
    changed = hub.reprioritise(principal, uetr, priority)
    entries = hub.liquidity.entries(entry.queued.currency)
    books = _books(hub, entries)
    for position, now in enumerate(entries):
        if now.instruction.uetr == uetr:
            view = _queued(now, position, books.get(now.queued.payment_id))
            return PriorityView(changed=changed, payment=view, settled=False)
    return PriorityView(changed=changed, payment=None, settled=True)


@router.post(
    "/queue/{uetr}/priority",
    summary="Change the priority of one of the caller's queued payments",
    description="URGT settles before HIGH, HIGH before NORM; within a priority, first in "
    "first out. A payment the new priority lets settle at once leaves the queue "
    "(`settled`: true).",
    response_model=PriorityView,
    responses=documented(400, 401, 403, 404, 503),
)
async def reprioritise(
    principal: ParticipantCaller, ctx: Ctx, body: PriorityRequest, uetr: str = UETR_PATH
) -> PriorityView:
    priority = Priority.from_iso(body.priority.value)
    view = await ctx.engine.run(_reprioritise, ctx.hub, principal, uetr, priority)
    if view is None:
        raise NotFoundError("no such queued payment", param="uetr")
    return view


def _report(hub: Hub, principal: Principal, body: ReportRequest) -> ReportView:
    from_ms, to_ms = datetime_to_ms(body.from_), datetime_to_ms(body.to)
    if from_ms < 0:
        raise InputError("must be after 1970-01-01", field="from", value=body.from_.isoformat())
    if to_ms <= from_ms:
        raise InputError("must be after `from`", field="to", value=body.to.isoformat())
    if to_ms - from_ms > REPORT_PERIOD_MS_MAX:
        raise InputError("the period is at most 31 days", field="to", value=body.to.isoformat())
    message = hub.report(principal, body.currency, ReportKind(body.kind.value), from_ms, to_ms)
    return ReportView(
        message_id=message.message_id,
        kind=message.kind,
        currency=body.currency,
        from_=ms_to_datetime(from_ms),
        to=ms_to_datetime(to_ms),
        created_at=ms_to_datetime(message.created_at_ms),
        payload_base64=render.b64(message.payload),
    )


@router.post(
    "/reports",
    summary="A camt.053 statement, camt.052 report or camt.054 notification, on request",
    description="For the caller's settlement account in `currency`, over [from, to) (at "
    "most 31 days). The signed message is returned and also placed in the outbox.",
    response_model=ReportView,
    responses=documented(400, 401, 403, 503),
)
async def report(principal: ParticipantCaller, ctx: Ctx, body: ReportRequest) -> ReportView:
    return await ctx.engine.run(_report, ctx.hub, principal, body)


# -- operator -------------------------------------------------------------------------
@operator_router.get(
    "/queues",
    summary="Every queued payment (or one currency's), in settlement order",
    response_model=QueueList,
    responses=documented(400, 401, 403, 503),
)
async def queues(
    principal: OperatorReader, ctx: Ctx, currency: str | None = CURRENCY_QUERY
) -> QueueList:
    _network_currency(ctx, currency, in_path=False)
    return await ctx.engine.run(_queue_list, ctx.hub, principal, currency)


def _move(hub: Hub, principal: Principal, uetr: str, to_front: bool) -> MoveView | None:
    entry = hub.liquidity.entry(uetr)
    if entry is None:
        return None
    moved = hub.move_in_queue(principal, uetr, to_front=to_front)
    entries = [
        e
        for e in hub.queue(principal, entry.queued.currency)
        if e.queued.debtor == entry.queued.debtor
    ]
    books = _books(hub, entries)
    return MoveView(
        moved=moved,
        queue=[_queued(e, i, books.get(e.queued.payment_id)) for i, e in enumerate(entries)],
    )


@operator_router.post(
    "/queues/{uetr}/move",
    summary="Move a queued payment to the front or the back of its priority",
    description="Manual reordering by an operator (audited); the new place survives a "
    "restart. Returns the debtor's queue as it is afterwards.",
    response_model=MoveView,
    responses=documented(400, 401, 403, 404, 503),
)
async def move(
    principal: OperatorWriter, ctx: Ctx, body: MoveRequest, uetr: str = UETR_PATH
) -> MoveView:
    view = await ctx.engine.run(_move, ctx.hub, principal, uetr, body.to_front)
    if view is None:
        raise NotFoundError("no such queued payment", param="uetr")
    return view


@operator_router.post(
    "/gridlock/{currency}",
    summary="Run gridlock resolution now for one currency",
    description="Multilateral offsetting over the currency's queues, settled in one "
    "linked batch (all or nothing). The hub also runs it on a timer.",
    response_model=GridlockView,
    responses=documented(401, 403, 404, 503),
)
async def gridlock(_p: OperatorWriter, ctx: Ctx, currency: str = CURRENCY_PATH) -> GridlockView:
    _network_currency(ctx, currency, in_path=True)
    return _gridlock(await ctx.engine.run(ctx.hub.resolve_gridlock, currency))


def _windows(hub: Hub, currency: str) -> WindowList:
    views = []
    for report in hub.settle_windows(currency):
        ccy = report.currency
        views.append(
            WindowView(
                window_id=report.window_id,
                currency=ccy,
                state=report.state.name,
                payment_count=report.payment_count,
                gross=format_amount(report.gross_minor, ccy),
                gross_minor=report.gross_minor,
                net_settlement=format_amount(report.net_settlement_minor, ccy),
                net_settlement_minor=report.net_settlement_minor,
                liquidity_saved=format_amount(report.liquidity_saved_minor, ccy),
                liquidity_saved_minor=report.liquidity_saved_minor,
                net_positions=[
                    NetPositionView(participant=p, net=format_amount(n, ccy), net_minor=n)
                    for p, n in report.net_positions_minor.items()
                ],
            )
        )
    return WindowList(data=views)


@operator_router.post(
    "/netting/{currency}/settle",
    summary="Close the currency's net settlement window and settle every closed window",
    description="Deferred net settlement (currencies configured with "
    "`corridor serve --net-currency`): each window's net positions move in one linked "
    "batch; a window whose net debtor is short stays closed (state `closed`).",
    response_model=WindowList,
    responses=documented(400, 401, 403, 404, 503),
)
async def settle_windows(_p: OperatorWriter, ctx: Ctx, currency: str = CURRENCY_PATH) -> WindowList:
    _network_currency(ctx, currency, in_path=True)
    return await ctx.engine.run(_windows, ctx.hub, currency)


def _cut_off(hub: Hub, currency: str) -> CutOffView:
    rejected = hub.cut_off(currency)
    return CutOffView(currency=currency, rejected=rejected, day=_day(hub, currency))


@operator_router.post(
    "/day/{currency}/cut-off",
    summary="Cut-off now: reject every payment still queued in the currency (TM01)",
    response_model=CutOffView,
    responses=documented(401, 403, 404, 503),
)
async def cut_off(_p: OperatorWriter, ctx: Ctx, currency: str = CURRENCY_PATH) -> CutOffView:
    _network_currency(ctx, currency, in_path=True)
    return await ctx.engine.run(_cut_off, ctx.hub, currency)


def _end_of_day(hub: Hub, currency: str, business_date: date | None) -> EndOfDayView:
    day = hub.days.day(currency)
    assert day is not None, currency
    report = hub.end_of_day(currency, business_date or day.day)
    return EndOfDayView(
        currency=currency,
        business_date=report.business_date,
        rejected_at_cut_off=report.rejected_at_cut_off,
        statements=report.statements,
        entries=report.entries,
    )


@operator_router.post(
    "/day/{currency}/end-of-day",
    summary="End of day now: cut-off, then a camt.053 for every account of the currency",
    response_model=EndOfDayView,
    responses=documented(400, 401, 403, 404, 503),
)
async def end_of_day(
    _p: OperatorWriter,
    ctx: Ctx,
    currency: str = CURRENCY_PATH,
    body: EndOfDayRequest | None = END_OF_DAY_BODY,
) -> EndOfDayView:
    _network_currency(ctx, currency, in_path=True)
    business_date = body.business_date if body is not None else None
    return await ctx.engine.run(_end_of_day, ctx.hub, currency, business_date)


@operator_router.get(
    "/day",
    summary="Every currency's business day: state, cut-off, end of day, extension",
    response_model=DayList,
    responses=documented(401, 403, 503),
)
async def days(_p: OperatorReader, ctx: Ctx) -> DayList:
    return await ctx.engine.run(_days, ctx.hub)
