"""FX reports: volume and value per pair and provider per day, from settled trades.

A settled quote gives one `FxTrade` per leg (a bridged payment gives two, one per
provider and pair). Days are UTC calendar days of the settlement time unless the caller
passes its own `day_of` (e.g. the network's business-day calendar).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from corridor.fx.model import Quote

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FxTrade:
    """One settled conversion: the provider received source and paid target.

    Attributes:
        quote_id: the quote it settled.
        leg: 0 for the first (or only) leg, 1 for a bridge's second leg.
        provider: the FX provider's BIC.
        source_currency / target_currency: the direction.
        rate: target per source unit, as shown (18 significant digits).
        source_minor / target_minor: minor units of each currency.
        settled_at_ms: when the ledger settled it.
        base / quote / base_minor: the provider's pair as published and the trade's size
            in its base currency: where it counts in the provider's exposure. None for
            trades stored before they were recorded (revision 0010).
    """

    quote_id: str
    leg: int
    provider: str
    source_currency: str
    target_currency: str
    rate: Decimal
    source_minor: int
    target_minor: int
    settled_at_ms: int
    base: str | None = None
    quote: str | None = None
    base_minor: int | None = None


@dataclass(frozen=True, slots=True)
class FxVolume:
    """FX activity of one provider (or all, provider "*") in one direction on one day.

    Attributes:
        day: the calendar day.
        provider: BIC, or "*" for the total over providers.
        source_currency / target_currency: the direction.
        trades: how many conversions (volume).
        source_minor / target_minor: their summed value in each currency.
    """

    day: date
    provider: str
    source_currency: str
    target_currency: str
    trades: int
    source_minor: int
    target_minor: int


ALL_PROVIDERS = "*"


def utc_day(epoch_ms: int) -> date:
    """The UTC calendar day of a time in ms (integer arithmetic, no float)."""
    return (_EPOCH + timedelta(milliseconds=epoch_ms)).date()


def trades_of(quote: Quote, settled_at_ms: int) -> tuple[FxTrade, ...]:
    """The trades a settled quote made, one per leg."""
    return tuple(
        FxTrade(
            quote_id=quote.id,
            leg=index,
            provider=leg.provider,
            source_currency=leg.source_currency,
            target_currency=leg.target_currency,
            rate=leg.display_rate,
            source_minor=leg.source_minor,
            target_minor=leg.target_minor,
            settled_at_ms=settled_at_ms,
            base=leg.base,
            quote=leg.quote,
            base_minor=leg.base_minor,
        )
        for index, leg in enumerate(quote.legs)
    )


def fx_volumes(
    trades: Iterable[FxTrade],
    *,
    by_provider: bool = True,
    day_of: Callable[[int], date] = utc_day,
) -> list[FxVolume]:
    """Volume (count) and value (sums) per day, direction and provider, sorted by those keys.

    With by_provider=False, one row per day and direction over all providers ("*")."""
    totals: dict[tuple[date, str, str, str], list[int]] = {}
    for trade in trades:
        provider = trade.provider if by_provider else ALL_PROVIDERS
        key = (day_of(trade.settled_at_ms), provider, trade.source_currency, trade.target_currency)
        row = totals.setdefault(key, [0, 0, 0])
        row[0] += 1
        row[1] += trade.source_minor
        row[2] += trade.target_minor
    return [
        FxVolume(day, provider, source, target, count, source_minor, target_minor)
        for (day, provider, source, target), (count, source_minor, target_minor) in sorted(
            totals.items()
        )
    ]
