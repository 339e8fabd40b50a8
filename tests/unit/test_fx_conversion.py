"""Conversion: exact arithmetic, the documented rounding rule, and rate validation.

Property tests draw amounts, rates of 10 to 18 significant digits, and currency pairs
over the exponents 0, 2 and 3, and check that rounding is exactly the documented rule:
never more than one minor unit, always in the FX provider's favour.
"""

from __future__ import annotations

from decimal import Decimal, getcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.foundation.errors import AmountError, InputError
from corridor.foundation.money import AMOUNT_MINOR_MAX, exponent
from corridor.fx import (
    FixedSide,
    Rounding,
    composite_rate,
    convert,
    convert_receive_fixed,
    convert_send_fixed,
    display_rate,
    iso_rate,
    parse_rate,
)
from corridor.fx.rates import RATE_DIGITS_MAX

# Exponent 0, 2 and 3 currencies (ISO 4217).
CURRENCIES = ("JPY", "KRW", "USD", "INR", "EUR", "KWD", "BHD", "TND")


@st.composite
def rates(draw: st.DrawFn) -> Decimal:
    """A rate with 10 to 18 significant digits, between about 1e-6 and 1e6."""
    digits = draw(st.integers(10, RATE_DIGITS_MAX))
    mantissa = draw(st.integers(10 ** (digits - 1), 10**digits - 1))
    places = draw(st.integers(digits - 7, min(digits + 5, 18)))
    return Decimal(mantissa).scaleb(-places)


pairs = st.tuples(st.sampled_from(CURRENCIES), st.sampled_from(CURRENCIES)).filter(
    lambda p: p[0] != p[1]
)
amounts = st.integers(1, 10**15)


def exact_target(amount_minor: int, source: str, target: str, rate: Decimal) -> Fraction:
    """The reference: value in target minor units, by plain rational arithmetic."""
    return Fraction(amount_minor, 10 ** exponent(source)) * Fraction(rate) * 10 ** exponent(target)


@settings(max_examples=400, deadline=None)
@given(amount=amounts, pair=pairs, rate=rates())
def test_send_fixed_rounds_the_creditor_amount_down_and_the_provider_keeps_the_rest(
    amount: int, pair: tuple[str, str], rate: Decimal
) -> None:
    source, target = pair
    exact = exact_target(amount, source, target, rate)
    if exact > AMOUNT_MINOR_MAX:
        with pytest.raises(AmountError, match="exceeds"):
            convert_send_fixed(amount, source, target, rate)
        return
    result = convert_send_fixed(amount, source, target, rate)
    assert result.source_minor == amount  # the debtor pays exactly what was fixed
    assert result.target_minor == exact.numerator // exact.denominator
    assert result.provider_gain == exact - result.target_minor
    assert 0 <= result.provider_gain < 1
    assert result.fixed_side is FixedSide.send


@settings(max_examples=400, deadline=None)
@given(amount=amounts, pair=pairs, rate=rates())
def test_receive_fixed_charges_the_least_source_amount_that_buys_the_target(
    amount: int, pair: tuple[str, str], rate: Decimal
) -> None:
    source, target = pair
    if amount / exact_target(1, source, target, rate) > AMOUNT_MINOR_MAX:
        with pytest.raises(AmountError, match="exceeds"):
            convert_receive_fixed(amount, source, target, rate)
        return
    result = convert_receive_fixed(amount, source, target, rate)
    assert result.target_minor == amount  # the creditor gets exactly what was fixed
    paid = exact_target(result.source_minor, source, target, rate)
    one_less = exact_target(result.source_minor - 1, source, target, rate)
    assert paid >= amount > one_less
    assert result.provider_gain == paid - amount
    assert result.provider_gain < exact_target(1, source, target, rate) or amount == 0


@settings(max_examples=200, deadline=None)
@given(amount=amounts, pair=pairs, rate=rates())
def test_convert_down_and_up_bracket_the_exact_value(
    amount: int, pair: tuple[str, str], rate: Decimal
) -> None:
    source, target = pair
    exact = exact_target(amount, source, target, rate)
    if exact > AMOUNT_MINOR_MAX - 1:
        return  # overflow is covered by the send-fixed property
    down = convert(amount, source, target, rate)
    up = convert(amount, source, target, rate, Rounding.up)
    assert down <= exact <= up
    assert up - down == (0 if exact.denominator == 1 else 1)


@settings(max_examples=300, deadline=None)
@given(amount=amounts, pair=pairs, ask=rates())
def test_buying_base_at_the_ask_divides_exactly(
    amount: int, pair: tuple[str, str], ask: Decimal
) -> None:
    """The rate 1/ask is exact: paying for a fixed amount costs ceil(amount * ask)."""
    base, quote = pair
    needed = Fraction(amount, 10 ** exponent(base)) * Fraction(ask) * 10 ** exponent(quote)
    if needed > AMOUNT_MINOR_MAX:
        return
    result = convert_receive_fixed(amount, quote, base, 1 / Fraction(ask))
    assert result.source_minor == -(-needed.numerator // needed.denominator)
    assert result.provider_gain >= 0


@settings(max_examples=200, deadline=None)
@given(first=rates(), second=rates())
def test_a_displayed_rate_is_the_exact_rate_to_18_significant_digits(
    first: Decimal, second: Decimal
) -> None:
    exact = composite_rate(first, 1 / Fraction(second))
    shown = display_rate(exact)
    assert len(shown.as_tuple().digits) <= 18
    assert abs(Fraction(shown) - exact) <= exact / 10**17


def test_conversion_leaves_the_global_decimal_context_alone() -> None:
    before = (getcontext().prec, getcontext().rounding)
    display_rate(1 / Fraction("3.000000001"))
    iso_rate(composite_rate(Decimal("83.12345678901"), Decimal("0.0123456789012345")))
    convert_send_fixed(10**15, "KWD", "JPY", Decimal("491.123456789012345"))
    assert (getcontext().prec, getcontext().rounding) == before


@pytest.mark.parametrize(
    ("amount", "source", "target", "rate", "expected"),
    [
        (100_00, "USD", "INR", Decimal("83.1250000000"), 8312_50),  # 2 -> 2
        (100_00, "USD", "JPY", Decimal("150.1234567890"), 15012),  # 2 -> 0, rounded down
        (1000, "JPY", "USD", Decimal("0.006661234567"), 6_66),  # 0 -> 2
        (1_000, "KWD", "USD", Decimal("3.2512345678"), 3_25),  # 3 -> 2: 1.000 KWD
        (1_00, "USD", "BHD", Decimal("0.3769999999"), 376),  # 2 -> 3
        (1, "JPY", "KWD", Decimal("0.0020500000"), 2),  # 0 -> 3
    ],
)
def test_examples_across_exponents(
    amount: int, source: str, target: str, rate: Decimal, expected: int
) -> None:
    assert convert(amount, source, target, rate) == expected


def test_receive_fixed_example_rounds_the_debtor_amount_up() -> None:
    result = convert_receive_fixed(10_000_00, "USD", "INR", Decimal("83.1234567891"))
    # 10,000.00 INR / 83.1234567891 = 120.3030... USD -> 120.31 USD
    assert result.source_minor == 120_31
    assert result.provider_gain == Fraction(12031) * Fraction("83.1234567891") - 1_000_000


def test_composite_rate_is_the_exact_product() -> None:
    first, second = Decimal("0.012034567891"), Decimal("150.12345678901234")
    assert composite_rate(first, second) == Fraction(first) * Fraction(second)
    assert composite_rate(first, 1 / Fraction(second)) == Fraction(first) / Fraction(second)


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (Decimal("83.125"), Decimal("83.125")),
        (Decimal("150.123456789012"), Decimal("150.12345679")),  # 11 digits in all
        (Decimal("0.006661234567891"), Decimal("0.0066612346")),  # 10 fraction digits
        (Decimal("100"), Decimal("100")),
        (1 / Fraction("83.25"), Decimal("0.0120120120")),
    ],
)
def test_iso_rate_fits_base_one_rate(rate: Decimal | Fraction, shown: Decimal) -> None:
    result = iso_rate(rate)
    assert result == shown
    assert len(result.as_tuple().digits) <= 11
    assert -result.as_tuple().exponent <= 10  # type: ignore[operator]


def test_iso_rate_refuses_a_rate_too_small_to_show() -> None:
    with pytest.raises(InputError, match="too small"):
        iso_rate(Decimal("0.00000000001"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.1, "never a float"),
        (True, "never a float"),
        ("abc", "not a decimal"),
        ("1e5", "no exponent"),
        ("0", "positive"),
        ("-1.5", "positive"),
        ("NaN", "finite"),
        ("1.0000000000000000001", "significant digits"),
        ("10000000001", "at most"),
    ],
)
def test_parse_rate_refuses_bad_rates_naming_field_and_value(value: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_rate(value, field="bid")
    assert caught.value.field == "bid"
    assert caught.value.value == value


def test_parse_rate_keeps_every_digit() -> None:
    assert parse_rate("83.1234567890123456") == Decimal("83.1234567890123456")  # 18 digits


def test_convert_refuses_floats_negative_amounts_and_bad_rates() -> None:
    with pytest.raises(InputError, match="rate"):
        convert(100, "USD", "INR", 83.1)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="rate"):
        convert(100, "USD", "INR", Fraction(-1, 3))
    with pytest.raises(AmountError, match="amount_minor"):
        convert(-1, "USD", "INR", Decimal("83.1"))
    with pytest.raises(AmountError):
        convert(10**18 - 1, "KWD", "JPY", Decimal("10000"))  # the result would overflow
