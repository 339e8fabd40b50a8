"""Rates that FX providers publish: the one place a rate becomes a `Decimal`.

A provider publishes a `RateSheet`: for each currency pair (base/quote) one or more
`ProviderRate` tiers, each with a bid and/or an ask, an amount band, a validity window
and the provider's exposure cap for the pair. Prices are quote-currency units per one
base-currency unit, in major units (e.g. base USD, quote INR, bid 83.1250000000).

Direction (who buys what) follows the usual dealer convention:
    base -> quote (the customer sells base):  rate = bid
    quote -> base (the customer buys base):   rate = 1 / ask, exact (a Fraction)
A missing bid or ask means the provider quotes that pair one way only ("a rate per
direction"). Amount bands and exposure caps are in minor units of the base currency.

Rates are exact `Decimal`s of at most RATE_DIGITS_MAX (18) significant digits, so every
rate carries at least 10 significant digits of precision. Floats, strings with an
exponent, NaN, infinities, zero and negatives are refused with an `InputError` that
names the field and the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from corridor.foundation.config import BIC_RE
from corridor.foundation.errors import InputError
from corridor.foundation.money import AMOUNT_MINOR_MAX, currency

RATE_DIGITS_MAX = 18  # significant digits of a published rate
RATE_DIGITS_MIN_SUPPORTED = 10  # the floor; RATE_DIGITS_MAX is above it
RATE_EXPONENT_MIN = -18  # no rate finer than 1e-18
RATE_VALUE_MAX = Decimal(10) ** 10  # no rate above 10^10 units per unit (fits XchgRate)
RATES_PER_SHEET_MAX = 1_000
Pair = tuple[str, str]  # (base, quote)
Direction = tuple[str, str]  # (source, target)


def parse_rate(value: object, *, field: str = "rate") -> Decimal:
    """A positive, finite rate as an exact Decimal; `value` is a Decimal or a plain string.

    Floats are refused: a float such as 0.1 is not the number its digits show.
    """
    if isinstance(value, bool | float) or not isinstance(value, Decimal | str):
        raise InputError(
            "must be a Decimal or a decimal string, never a float", field=field, value=value
        )
    try:
        rate = Decimal(value.strip()) if isinstance(value, str) else value
    except InvalidOperation:
        raise InputError("is not a decimal number", field=field, value=value) from None
    if isinstance(value, str) and ("e" in value.lower() or not value.strip()):
        raise InputError("must be a plain decimal (no exponent)", field=field, value=value)
    return _check_rate(rate, field, value)


def _check_rate(rate: Decimal, field: str, given: object = None) -> Decimal:
    """Check a rate; errors show `given` (what the caller passed) or else the rate."""
    shown = rate if given is None else given
    if not rate.is_finite():
        raise InputError("must be finite", field=field, value=shown)
    if rate <= 0:
        raise InputError("must be positive", field=field, value=shown)
    if rate > RATE_VALUE_MAX:
        raise InputError(f"must be at most {RATE_VALUE_MAX}", field=field, value=shown)
    normal = rate.normalize()
    digits = len(normal.as_tuple().digits)
    if digits > RATE_DIGITS_MAX:
        raise InputError(
            f"has {digits} significant digits; at most {RATE_DIGITS_MAX}", field=field, value=shown
        )
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < RATE_EXPONENT_MIN:
        raise InputError(f"is finer than 1e{RATE_EXPONENT_MIN}", field=field, value=shown)
    return rate


@dataclass(frozen=True, slots=True)
class ProviderRate:
    """One tier of a provider's executable rates for a pair.

    Attributes:
        provider: the FX provider's BIC.
        base / quote: the pair; prices are quote units per one base unit (major units).
        bid: the price at which the provider buys base (customer sells base); None = not quoted.
        ask: the price at which the provider sells base (customer buys base); None = not quoted.
        band_min_minor / band_max_minor: the trade's base-currency amount must lie in
            [min, max], minor units of base.
        valid_from_ms / valid_until_ms: executable when valid_from_ms <= now < valid_until_ms.
        exposure_max_minor: the provider's cap on its total exposure in this pair (both
            directions, minor units of base); every tier of a pair states the same cap.
    """

    provider: str
    base: str
    quote: str
    bid: Decimal | None
    ask: Decimal | None
    band_min_minor: int
    band_max_minor: int
    valid_from_ms: int
    valid_until_ms: int
    exposure_max_minor: int

    def __post_init__(self) -> None:
        _check_bic(self.provider, "provider")
        currency(self.base)
        currency(self.quote)
        if self.base == self.quote:
            raise InputError("base and quote must differ", field="quote", value=self.quote)
        _check_prices(self.bid, self.ask)
        _check_band(self.band_min_minor, self.band_max_minor)
        _check_window(self.valid_from_ms, self.valid_until_ms)
        _check_minor(self.exposure_max_minor, "exposure_max_minor", zero_ok=False)

    @property
    def pair(self) -> Pair:
        return (self.base, self.quote)

    def rate_for(self, source: str, target: str) -> Fraction | None:
        """The exact rate (target units per source unit) for a direction, or None."""
        if source == self.base and target == self.quote:
            return None if self.bid is None else _fraction(self.bid)
        if source == self.quote and target == self.base:
            return None if self.ask is None else _inverse(self.ask)
        return None

    def is_valid_at(self, now_ms: int) -> bool:
        return self.valid_from_ms <= now_ms < self.valid_until_ms


@dataclass(frozen=True, slots=True)
class RateSheet:
    """Everything one provider quotes right now; a new sheet replaces the previous one.

    Attributes:
        provider: the FX provider's BIC; every rate in the sheet is this provider's.
        rates: the tiers, at most RATES_PER_SHEET_MAX.
        published_at_ms: when the hub accepted it.
    """

    provider: str
    rates: tuple[ProviderRate, ...]
    published_at_ms: int

    def __post_init__(self) -> None:
        _check_bic(self.provider, "provider")
        if len(self.rates) > RATES_PER_SHEET_MAX:
            raise InputError(
                f"at most {RATES_PER_SHEET_MAX} rates per sheet",
                field="rates",
                value=len(self.rates),
            )
        first: dict[Pair, ProviderRate] = {}
        for index, rate in enumerate(self.rates):
            if rate.provider != self.provider:
                raise InputError(
                    f"is not the sheet's provider {self.provider}",
                    field=f"rates[{index}].provider",
                    value=rate.provider,
                )
            seen = first.setdefault(_canonical(rate.pair), rate)
            if seen.pair != rate.pair:
                raise InputError(
                    f"states the pair as {rate.base}/{rate.quote}; another tier as "
                    f"{seen.base}/{seen.quote}",
                    field=f"rates[{index}].base",
                    value=rate.base,
                )
            if seen.exposure_max_minor != rate.exposure_max_minor:
                raise InputError(
                    "differs from another tier of the same pair",
                    field=f"rates[{index}].exposure_max_minor",
                    value=rate.exposure_max_minor,
                )

    def exposure_caps(self) -> dict[Pair, int]:
        """The cap per pair, keyed by the pair as the tiers state it (base, quote)."""
        return {rate.pair: rate.exposure_max_minor for rate in self.rates}

    def tiers_for(self, source: str, target: str) -> list[ProviderRate]:
        return [r for r in self.rates if r.rate_for(source, target) is not None]


def base_amount_minor(rate: ProviderRate, source: str, source_minor: int, target_minor: int) -> int:
    """The trade's size in the pair's base currency (for bands and exposure)."""
    assert source in rate.pair
    return source_minor if source == rate.base else target_minor


@lru_cache(maxsize=4_096)
def _fraction(price: Decimal) -> Fraction:
    return Fraction(price)


@lru_cache(maxsize=4_096)
def _inverse(price: Decimal) -> Fraction:
    return 1 / Fraction(price)


def _canonical(pair: Pair) -> Pair:
    return (pair[0], pair[1]) if pair[0] < pair[1] else (pair[1], pair[0])


def _check_bic(value: object, field: str) -> None:
    if not isinstance(value, str) or not BIC_RE.match(value):
        raise InputError("is not a BIC (ISO 9362)", field=field, value=value)


def _check_prices(bid: object, ask: object) -> None:
    if bid is None and ask is None:
        raise InputError("a rate needs a bid, an ask, or both", field="bid", value=None)
    for name, price in (("bid", bid), ("ask", ask)):
        if price is not None:
            if not isinstance(price, Decimal):
                raise InputError("must be a Decimal (use parse_rate)", field=name, value=price)
            _check_rate(price, name)
    if isinstance(bid, Decimal) and isinstance(ask, Decimal) and bid > ask:
        raise InputError(f"is above the ask {ask} (a crossed quote)", field="bid", value=bid)


def _check_minor(value: object, field: str, *, zero_ok: bool) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError("must be an integer number of minor units", field=field, value=value)
    if value < 0 or (value == 0 and not zero_ok) or value > AMOUNT_MINOR_MAX:
        low = 0 if zero_ok else 1
        raise InputError(f"must be in [{low}, {AMOUNT_MINOR_MAX}]", field=field, value=value)


def _check_band(band_min_minor: int, band_max_minor: int) -> None:
    _check_minor(band_min_minor, "band_min_minor", zero_ok=True)
    _check_minor(band_max_minor, "band_max_minor", zero_ok=False)
    if band_min_minor > band_max_minor:
        raise InputError(
            f"is above band_max_minor {band_max_minor}",
            field="band_min_minor",
            value=band_min_minor,
        )


def _check_window(valid_from_ms: int, valid_until_ms: int) -> None:
    for name, value in (("valid_from_ms", valid_from_ms), ("valid_until_ms", valid_until_ms)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError(
                "must be a non-negative integer (ms since epoch)", field=name, value=value
            )
    if valid_until_ms <= valid_from_ms:
        raise InputError(
            f"must be after valid_from_ms {valid_from_ms}",
            field="valid_until_ms",
            value=valid_until_ms,
        )
