"""The one place amounts convert between currencies.

A rate is the number of target-currency units per one source-currency unit, in major
units: an exact `Decimal` as a provider published it (a bid), or an exact `Fraction`
when it is the inverse of a published price (1 / ask) or the product of two rates (a
bridge). Conversion works on the rate's exact integer ratio and integer minor units, so
no context precision, no float and no intermediate rounding can touch a value; the only
rounding is the final step to a whole minor unit, and it is explicit. Rates are shown
(quotes, reports) as Decimals of at most 18 significant digits (`display_rate`) and in
ISO 20022 XchgRate with at most 11 (`iso_rate`); the amounts are what binds.

Rounding rule (who gains the remainder):
    * Amount fixed on the SENDING side: the debtor agent pays exactly `source_minor`;
      the creditor agent receives `floor(source * rate)` in the target's minor unit.
    * Amount fixed on the RECEIVING side: the creditor agent receives exactly
      `target_minor`; the debtor agent pays `ceil(target / rate)`, the least source
      amount that buys it.
  Either way the rounding is in the FX provider's favour and worth less than one minor
  unit of the side that was rounded: the provider receives every source unit the
  debtor pays and pays every target unit the creditor receives, and keeps the fraction
  of a minor unit that cannot be paid out (`Conversion.provider_gain`). No minor unit
  is created or destroyed: each leg moves the same integer out of one account and into
  another.

Exponents (0, 2 or 3 digits, from ISO 4217 via corridor.foundation.money) are applied
as powers of ten on the integer ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from corridor.foundation.errors import AmountError, InputError
from corridor.foundation.money import AMOUNT_MINOR_MAX, exponent

RateValue = Decimal | Fraction  # target units per source unit, exact
DISPLAY_DIGITS_MAX = 18  # significant digits of a rate shown in quotes and reports
ISO_RATE_DIGITS_MAX = 11  # XchgRate is BaseOneRate: totalDigits 11
ISO_RATE_FRACTION_DIGITS_MAX = 10  # and fractionDigits 10


class Rounding(StrEnum):
    """How `convert` makes a whole number of minor units."""

    down = "down"  # toward zero: the payer of the converted amount keeps the fraction
    up = "up"  # away from zero: the receiver of the converted amount gets the fraction


class FixedSide(StrEnum):
    """Which amount of a quote the debtor agent fixed."""

    send = "SEND"  # the source amount; the target amount follows from the rate
    receive = "RECEIVE"  # the target amount; the source amount follows from the rate


@dataclass(frozen=True, slots=True)
class Conversion:
    """One currency conversion at one rate.

    Attributes:
        source_currency / target_currency: ISO 4217 codes.
        rate: target units per source unit (major units), exact (Decimal or Fraction).
        source_minor: what the payer pays the FX provider, minor units of source.
        target_minor: what the FX provider pays out, minor units of target.
        fixed_side: which of the two amounts was given.
        provider_gain: source_minor * rate - target_minor, exact, in minor units of the
            target currency; 0 <= gain < 1 for SEND, 0 <= gain < rate-per-source-minor
            for RECEIVE. It is the FX provider's, by the rule above.
    """

    source_currency: str
    target_currency: str
    rate: RateValue
    source_minor: int
    target_minor: int
    fixed_side: FixedSide
    provider_gain: Fraction


def exact_rate(rate: object) -> Fraction:
    """A rate as an exact Fraction; floats and non-positive or non-finite rates refused."""
    if isinstance(rate, Decimal) and rate.is_finite() and rate > 0:
        return _decimal_fraction(rate)
    if isinstance(rate, Fraction) and rate.numerator > 0:  # the denominator is positive
        return rate
    raise InputError("must be a positive finite Decimal or Fraction", field="rate", value=rate)


@lru_cache(maxsize=4_096)
def _decimal_fraction(rate: Decimal) -> Fraction:
    return Fraction(rate)


def _minor_ratio(source: str, target: str, rate: RateValue) -> tuple[int, int]:
    """Target minor units per one source minor unit, exact, as (numerator, denominator)
    integers, both positive (not reduced)."""
    exact = exact_rate(rate)
    numerator, denominator = exact.numerator, exact.denominator
    shift = exponent(target) - exponent(source)
    if shift >= 0:
        return numerator * 10**shift, denominator
    return numerator, denominator * 10**-shift


def convert(
    amount_minor: int,
    from_ccy: str,
    to_ccy: str,
    rate: RateValue,
    rounding: Rounding = Rounding.down,
) -> int:
    """`amount_minor` of `from_ccy` in minor units of `to_ccy` at `rate`, rounded as told."""
    _check_amount(amount_minor, "amount_minor")
    numerator, denominator = _minor_ratio(from_ccy, to_ccy, rate)
    whole, rest = divmod(amount_minor * numerator, denominator)
    if rounding is Rounding.up and rest:
        whole += 1
    assert whole >= 0
    assert 0 <= rest < denominator
    return _check_result(whole, "converted amount")


def convert_send_fixed(source_minor: int, source: str, target: str, rate: RateValue) -> Conversion:
    """The source amount is fixed; the target amount is rounded down."""
    _check_amount(source_minor, "source_minor")
    numerator, denominator = _minor_ratio(source, target, rate)
    target_minor, rest = divmod(source_minor * numerator, denominator)
    _check_result(target_minor, "converted amount")
    assert 0 <= rest < denominator
    gain = Fraction(rest, denominator)  # source * rate - target, in target minor units
    return Conversion(source, target, rate, source_minor, target_minor, FixedSide.send, gain)


def convert_receive_fixed(
    target_minor: int, source: str, target: str, rate: RateValue
) -> Conversion:
    """The target amount is fixed; the source amount is the least that buys it (rounded up)."""
    _check_amount(target_minor, "target_minor")
    numerator, denominator = _minor_ratio(source, target, rate)
    source_minor = -(-(target_minor * denominator) // numerator)  # ceil(target / rate)
    _check_result(source_minor, "source amount")
    rest = source_minor * numerator - target_minor * denominator
    assert rest >= 0
    assert rest < numerator or target_minor == 0  # worth less than one source minor unit
    gain = Fraction(rest, denominator)
    return Conversion(source, target, rate, source_minor, target_minor, FixedSide.receive, gain)


def convert_fixed(
    side: FixedSide, amount_minor: int, source: str, target: str, rate: RateValue
) -> Conversion:
    """`convert_send_fixed` or `convert_receive_fixed`, by the side that is fixed."""
    if side is FixedSide.send:
        return convert_send_fixed(amount_minor, source, target, rate)
    return convert_receive_fixed(amount_minor, source, target, rate)


def composite_rate(first: RateValue, second: RateValue) -> Fraction:
    """The product of two rates, exact."""
    product = exact_rate(first) * exact_rate(second)
    assert product > 0
    return product


def display_rate(rate: RateValue) -> Decimal:
    """A rate to show: a Decimal as it is, a Fraction rounded half-even to
    DISPLAY_DIGITS_MAX significant digits (in a local context)."""
    if isinstance(rate, Decimal):
        exact_rate(rate)
        return rate
    exact = exact_rate(rate)
    with localcontext() as ctx:
        ctx.prec = DISPLAY_DIGITS_MAX
        ctx.rounding = ROUND_HALF_EVEN
        shown = Decimal(exact.numerator) / Decimal(exact.denominator)
    assert abs(Fraction(shown) - exact) <= exact / 10 ** (DISPLAY_DIGITS_MAX - 1)
    return shown


def iso_rate(rate: RateValue) -> Decimal:
    """The rate as ISO 20022 XchgRate (BaseOneRate) carries it: at most 11 digits, of which
    at most 10 after the point; rounded half-even when the exact rate has more.

    The settlement and instructed amounts are binding; XchgRate informs."""
    exact = exact_rate(rate)
    with localcontext() as ctx:
        ctx.prec = 40
        rate = Decimal(exact.numerator) / Decimal(exact.denominator)
    integer_digits = max(len(str(int(rate))), 1) if rate >= 1 else 0
    if integer_digits > ISO_RATE_DIGITS_MAX:
        raise InputError("has more than 11 integer digits", field="rate", value=rate)
    places = min(ISO_RATE_FRACTION_DIGITS_MAX, ISO_RATE_DIGITS_MAX - integer_digits)
    with localcontext() as ctx:
        ctx.prec = 40
        shown = rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    if shown == 0:
        raise InputError("is too small for XchgRate (10 fraction digits)", field="rate", value=rate)
    assert len(shown.as_tuple().digits) <= ISO_RATE_DIGITS_MAX
    return shown.normalize()


def _check_amount(amount_minor: object, field: str) -> None:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise AmountError(
            "must be an integer number of minor units", field=field, value=amount_minor
        )
    if amount_minor < 0 or amount_minor > AMOUNT_MINOR_MAX:
        raise AmountError(f"must be in [0, {AMOUNT_MINOR_MAX}]", field=field, value=amount_minor)


def _check_result(amount_minor: int, what: str) -> int:
    if amount_minor > AMOUNT_MINOR_MAX:
        raise AmountError(
            f"the {what} exceeds {AMOUNT_MINOR_MAX} minor units",
            field="amount_minor",
            value=amount_minor,
        )
    return amount_minor
