"""Cross-currency payments: quotes for a debtor agent, FX providers' rate sheets, and the
operator's FX volumes and exposure. The quote book lives on the engine thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Query

from corridor.api.auth import OperatorReader, ParticipantCaller
from corridor.api.context import Ctx
from corridor.api.errors import ApiError, ErrorEnvelope, NotFoundError, documented
from corridor.api.schemas_fx import (
    ChargeView,
    ExposureList,
    ExposureView,
    FxVolumeList,
    FxVolumeView,
    QuoteLegView,
    QuoteRequestBody,
    QuoteView,
    RateSheetRequest,
    RateSheetView,
    RateTierRequest,
    RateTierView,
)
from corridor.foundation.clock import datetime_to_ms, ms_to_datetime
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount, parse_amount
from corridor.fx import (
    ExposureRow,
    FixedSide,
    FxVolume,
    ProviderRate,
    Quote,
    QuoteRequest,
    QuoteStatus,
    RateSheet,
    parse_rate,
)
from corridor.fx.model import QUOTE_ID_LENGTH_MAX
from corridor.hub.security import Principal
from corridor.hub.service import Hub

router = APIRouter(prefix="/v1/fx", tags=["fx"])
operator_router = APIRouter(prefix="/v1/operator/fx", tags=["operator"])
VOLUME_PERIOD_MS_MAX = 366 * 86_400_000
FROM_QUERY = Query(alias="from", description="ISO 8601 with a time zone")
TO_QUERY = Query(description="exclusive; at most 366 days after `from`")
QUOTE_ID_PATH = Path(max_length=QUOTE_ID_LENGTH_MAX, description="the quote's id")
_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorEnvelope,
        "description": "No quote: `code` says why (no_rate, provider_suspended, "
        "rate_not_valid, amount_too_small, amount_out_of_band, exposure_exceeded, quotes_full)",
    }
}


class QuoteRefusedError(ApiError):
    status, type, code = 409, "invalid_request_error", "quote_refused"


# -- rendering ------------------------------------------------------------------------
def _money(minor: int, currency: str) -> str:
    return format_amount(minor, currency)


def quote_view(quote: Quote, status: QuoteStatus) -> QuoteView:
    request = quote.request
    src, tgt = request.source_currency, request.target_currency
    legs = [
        QuoteLegView(
            provider=leg.provider,
            source_currency=leg.source_currency,
            target_currency=leg.target_currency,
            rate=str(leg.display_rate),
            source_amount=_money(leg.source_minor, leg.source_currency),
            source_minor=leg.source_minor,
            target_amount=_money(leg.target_minor, leg.target_currency),
            target_minor=leg.target_minor,
        )
        for leg in quote.legs
    ]
    charges = [
        ChargeView(
            kind=c.kind,
            amount=_money(c.amount_minor, c.currency),
            amount_minor=c.amount_minor,
            currency=c.currency,
            agent=c.agent,
        )
        for c in quote.charges
    ]
    return QuoteView(
        id=quote.id,
        status=status,
        debtor_agent=request.debtor_agent,
        creditor_agent=request.creditor_agent,
        source_currency=src,
        target_currency=tgt,
        fixed_side=request.fixed_side,
        charge_bearer=request.charge_bearer,
        source_amount=_money(quote.source_minor, src),
        source_minor=quote.source_minor,
        target_amount=_money(quote.target_minor, tgt),
        target_minor=quote.target_minor,
        charges_amount=_money(quote.charges_minor, src),
        charges_minor=quote.charges_minor,
        debtor_total_amount=_money(quote.debtor_total_minor, src),
        debtor_total_minor=quote.debtor_total_minor,
        instructed_amount=_money(quote.instructed_minor, src),
        instructed_minor=quote.instructed_minor,
        rate=str(quote.display_rate),
        xchg_rate=str(quote.xchg_rate),
        bridge_currency=quote.bridge_currency,
        legs=legs,
        charges=charges,
        created_at=ms_to_datetime(quote.created_at_ms),
        expires_at=ms_to_datetime(quote.expires_at_ms),
    )


def _tier_view(rate: ProviderRate) -> RateTierView:
    base = rate.base
    return RateTierView(
        base=base,
        quote=rate.quote,
        bid=None if rate.bid is None else str(rate.bid),
        ask=None if rate.ask is None else str(rate.ask),
        band_min=_money(rate.band_min_minor, base),
        band_min_minor=rate.band_min_minor,
        band_max=_money(rate.band_max_minor, base),
        band_max_minor=rate.band_max_minor,
        exposure_max=_money(rate.exposure_max_minor, base),
        exposure_max_minor=rate.exposure_max_minor,
        valid_from=ms_to_datetime(rate.valid_from_ms),
        valid_until=ms_to_datetime(rate.valid_until_ms),
    )


def _volume_view(v: FxVolume) -> FxVolumeView:
    return FxVolumeView(
        day=v.day,
        provider=v.provider,
        source_currency=v.source_currency,
        target_currency=v.target_currency,
        trades=v.trades,
        source_amount=_money(v.source_minor, v.source_currency),
        source_minor=v.source_minor,
        target_amount=_money(v.target_minor, v.target_currency),
        target_minor=v.target_minor,
    )


def _exposure_view(row: ExposureRow) -> ExposureView:
    base = row.base
    cap = row.cap_minor
    return ExposureView(
        provider=row.provider,
        base=base,
        quote=row.quote,
        reserved=_money(row.reserved_minor, base),
        reserved_minor=row.reserved_minor,
        settled=_money(row.settled_minor, base),
        settled_minor=row.settled_minor,
        now=_money(row.now_minor, base),
        now_minor=row.now_minor,
        peak=_money(row.peak_minor, base),
        peak_minor=row.peak_minor,
        cap=None if cap is None else _money(cap, base),
        cap_minor=cap,
    )


# -- quotes (participants) ------------------------------------------------------------
def _quote_request(principal: Principal, body: QuoteRequestBody) -> QuoteRequest:
    fixed_currency = (
        body.source_currency if body.fixed_side is FixedSide.send else body.target_currency
    )
    amount_minor = parse_amount(body.amount, fixed_currency, field="amount")
    if amount_minor <= 0:
        raise InputError("must be greater than zero", field="amount", value=body.amount)
    return QuoteRequest(
        debtor_agent=principal.name,
        creditor_agent=body.creditor_agent,
        source_currency=body.source_currency,
        target_currency=body.target_currency,
        fixed_side=body.fixed_side,
        amount_minor=amount_minor,
        charge_bearer=body.charge_bearer,
    )


@router.post(
    "/quotes",
    status_code=201,
    summary="Ask for an executable quote for a cross-currency payment",
    description="The best quote across FX providers (directly or through a bridge "
    "currency), locked until `expires_at`, for one pacs.008 that carries its id. Every "
    "amount, the rate and every charge are disclosed. The debtor agent is the caller.",
    response_model=QuoteView,
    responses={**documented(400, 401, 403, 503), **_REFUSED},
)
async def request_quote(
    principal: ParticipantCaller, ctx: Ctx, body: QuoteRequestBody
) -> QuoteView:
    request = _quote_request(principal, body)
    outcome = await ctx.engine.run(ctx.hub.lock_quote, principal, request)
    if outcome.quote is None:
        rejection = outcome.rejection.value if outcome.rejection else "quote_refused"
        raise QuoteRefusedError(outcome.detail or rejection, code=rejection)
    try:  # stored before it is given out; quotes asked for together share the commit
        await ctx.engine.commit_shared()
    except Exception:
        await ctx.engine.run(ctx.hub.discard_quote, outcome.quote.id)
        raise
    return quote_view(outcome.quote, QuoteStatus.locked)


def _own_quote(hub: Hub, principal: Principal, quote_id: str) -> QuoteView | None:
    book = hub.fx.book
    quote, status = book.quote(quote_id), book.status(quote_id)
    if quote is None or status is None:
        return None
    settling = hub.directory.settling_participant(quote.request.debtor_agent)
    if settling is None or settling.bic != principal.name:
        return None
    return quote_view(quote, status)


@router.get(
    "/quotes/{quote_id}",
    summary="One of the caller's quotes, with its status",
    description="What a pacs.008 that uses the quote must state (see docs/integration.md).",
    response_model=QuoteView,
    responses=documented(400, 401, 403, 404, 503),
)
async def get_quote(
    principal: ParticipantCaller, ctx: Ctx, quote_id: str = QUOTE_ID_PATH
) -> QuoteView:
    view = await ctx.engine.run(_own_quote, ctx.hub, principal, quote_id)
    if view is None:
        raise NotFoundError("no such quote", param="quote_id")
    return view


# -- rates (FX providers) -------------------------------------------------------------
def _tier(provider: str, index: int, tier: RateTierRequest) -> ProviderRate:
    where = f"rates[{index}]"
    return ProviderRate(
        provider=provider,
        base=tier.base,
        quote=tier.quote,
        bid=None if tier.bid is None else parse_rate(tier.bid, field=f"{where}.bid"),
        ask=None if tier.ask is None else parse_rate(tier.ask, field=f"{where}.ask"),
        band_min_minor=parse_amount(tier.band_min, tier.base, field=f"{where}.band_min"),
        band_max_minor=parse_amount(tier.band_max, tier.base, field=f"{where}.band_max"),
        valid_from_ms=_epoch_ms(tier.valid_from, f"{where}.valid_from"),
        valid_until_ms=_epoch_ms(tier.valid_until, f"{where}.valid_until"),
        exposure_max_minor=parse_amount(
            tier.exposure_max, tier.base, field=f"{where}.exposure_max"
        ),
    )


def _epoch_ms(moment: datetime, field: str) -> int:
    ms = datetime_to_ms(moment)
    if ms < 0:
        raise InputError("must be after 1970-01-01", field=field, value=moment.isoformat())
    return ms


def _publish(hub: Hub, principal: Principal, rates: list[ProviderRate]) -> RateSheetView:
    sheet = RateSheet(principal.name, tuple(rates), hub.clock.now_ms())
    hub.publish_rates(principal, sheet)
    return RateSheetView(
        provider=sheet.provider,
        published_at=ms_to_datetime(sheet.published_at_ms),
        rates=[_tier_view(rate) for rate in sheet.rates],
    )


@router.put(
    "/rates",
    summary="Publish (replace) the caller's executable rates (FX providers)",
    description="The whole sheet: every tier of every pair the provider quotes. Rates are "
    "decimal strings (at most 18 significant digits), never floats.",
    response_model=RateSheetView,
    responses=documented(400, 401, 403, 503),
)
async def publish_rates(
    principal: ParticipantCaller, ctx: Ctx, body: RateSheetRequest
) -> RateSheetView:
    rates = [_tier(principal.name, index, tier) for index, tier in enumerate(body.rates)]
    return await ctx.engine.run(_publish, ctx.hub, principal, rates)


# -- operator -------------------------------------------------------------------------
@operator_router.get(
    "/volumes",
    summary="FX volume and value per day, pair and provider (settled trades)",
    response_model=FxVolumeList,
    responses=documented(400, 401, 403),
)
def volumes(
    _p: OperatorReader,
    ctx: Ctx,
    from_: datetime = FROM_QUERY,
    to: datetime = TO_QUERY,
) -> FxVolumeList:
    from_ms, to_ms = _aware_ms(from_, "from"), _aware_ms(to, "to")
    if not from_ms < to_ms <= from_ms + VOLUME_PERIOD_MS_MAX:
        raise InputError("must be after `from`, by at most 366 days", field="to", value=str(to))
    return FxVolumeList(data=[_volume_view(v) for v in ctx.hub.fx_volumes(from_ms, to_ms)])


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InputError("needs a time zone (e.g. Z)", field=field, value=moment.isoformat())
    return moment


def _aware_ms(moment: datetime, field: str) -> int:
    return _epoch_ms(_aware(moment, field), field)


@operator_router.get(
    "/exposure",
    summary="Every FX provider's exposure per pair: reserved, settled, peak, cap",
    response_model=ExposureList,
    responses=documented(400, 401, 403, 503),
)
async def exposure(_p: OperatorReader, ctx: Ctx) -> ExposureList:
    rows = await ctx.engine.run(ctx.hub.fx_exposure)
    return ExposureList(data=[_exposure_view(row) for row in rows])
