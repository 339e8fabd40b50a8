"""FX: rates, conversion, quotes, bridge routing and payment-versus-payment (domain layer).

Pure and deterministic: no I/O, no clock, no randomness; time and ids are passed in.
Public API::

    book = QuoteBook(FxConfig(fees=FeeSchedule(agent="CORRXXXX", bps=5), lock_ms=30_000,
                              bridge_currencies=("USD",)))
    book.publish(RateSheet(provider, (ProviderRate(...), ...), published_at_ms=now_ms))
    outcome = book.request_quote(QuoteRequest(...), quote_id, now_ms)   # quote or rejection
    used = book.consume(quote_id, now_ms, terms)                        # check the pacs.008
    plan = pvp_plan(used.quote, account_of=..., fees_account_of=..., new_id=...)
    ledger.apply(plan.transfers, now_ms)                                # all legs or none
    trades = book.settle(quote_id, now_ms)    # or book.release(quote_id) if rejected
    fx_volumes(trades); book.exposure()
"""

from corridor.fx.bridge import BRIDGE_CURRENCIES_MAX, Route, RouteOutcome, route
from corridor.fx.charges import Charge, ChargeBearer, ChargeKind, FeeSchedule, no_fees
from corridor.fx.conversion import (
    Conversion,
    FixedSide,
    Rounding,
    composite_rate,
    convert,
    convert_fixed,
    convert_receive_fixed,
    convert_send_fixed,
    display_rate,
    iso_rate,
)
from corridor.fx.exposure import ExposureRow
from corridor.fx.model import (
    PaymentTerms,
    Quote,
    QuoteLeg,
    QuoteOutcome,
    QuoteRejection,
    QuoteRequest,
    QuoteStatus,
    terms_of,
)
from corridor.fx.pvp import (
    TRANSFER_CODE_FX_BRIDGE,
    TRANSFER_CODE_FX_CHARGE,
    TRANSFER_CODE_FX_SOURCE,
    TRANSFER_CODE_FX_TARGET,
    LegRole,
    PvpPlan,
    SettlementLeg,
    pvp_plan,
)
from corridor.fx.quotes import (
    ConsumeOutcome,
    FxConfig,
    QuoteBook,
    QuoteBookState,
    QuoteStateError,
    price_quote,
)
from corridor.fx.rates import ProviderRate, RateSheet, parse_rate
from corridor.fx.reports import FxTrade, FxVolume, fx_volumes, trades_of, utc_day

__all__ = [
    "BRIDGE_CURRENCIES_MAX",
    "TRANSFER_CODE_FX_BRIDGE",
    "TRANSFER_CODE_FX_CHARGE",
    "TRANSFER_CODE_FX_SOURCE",
    "TRANSFER_CODE_FX_TARGET",
    "Charge",
    "ChargeBearer",
    "ChargeKind",
    "ConsumeOutcome",
    "Conversion",
    "ExposureRow",
    "FeeSchedule",
    "FixedSide",
    "FxConfig",
    "FxTrade",
    "FxVolume",
    "LegRole",
    "PaymentTerms",
    "ProviderRate",
    "PvpPlan",
    "Quote",
    "QuoteBook",
    "QuoteBookState",
    "QuoteLeg",
    "QuoteOutcome",
    "QuoteRejection",
    "QuoteRequest",
    "QuoteStateError",
    "QuoteStatus",
    "RateSheet",
    "Rounding",
    "Route",
    "RouteOutcome",
    "SettlementLeg",
    "composite_rate",
    "convert",
    "convert_fixed",
    "convert_receive_fixed",
    "convert_send_fixed",
    "display_rate",
    "fx_volumes",
    "iso_rate",
    "no_fees",
    "parse_rate",
    "price_quote",
    "pvp_plan",
    "route",
    "terms_of",
    "trades_of",
    "utc_day",
]
