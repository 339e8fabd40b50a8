"""Money: integer minor units with the ISO 4217 exponent; strict decimal strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.foundation.errors import AmountError, CurrencyError
from corridor.foundation.money import (
    check_amount_minor,
    exponent,
    format_amount,
    parse_amount,
    to_decimal,
)


@pytest.mark.parametrize(
    ("code", "digits"),
    [("INR", 2), ("JPY", 0), ("BHD", 3), ("CNY", 2), ("KWD", 3), ("CLP", 0), ("ZAR", 2)],
)
def test_exponent_comes_from_iso_4217(code: str, digits: int) -> None:
    assert exponent(code) == digits


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("1234.50", "INR", 123450),
        ("1234.5", "INR", 123450),
        ("1234", "INR", 123400),
        ("0.01", "INR", 1),
        ("0", "INR", 0),
        ("1500", "JPY", 1500),
        ("1.234", "BHD", 1234),
        ("007.10", "INR", 710),
        ("12.300", "INR", 1230),
    ],
)
def test_parse_amount(text: str, code: str, minor: int) -> None:
    assert parse_amount(text, code) == minor


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("1.234", "INR", "3 fraction digits; INR allows 2"),
        ("1.5", "JPY", "JPY allows 0"),
        ("-1.00", "INR", "not a plain decimal"),
        ("+1.00", "INR", "not a plain decimal"),
        ("1e5", "INR", "not a plain decimal"),
        ("NaN", "INR", "not a plain decimal"),
        ("Infinity", "INR", "not a plain decimal"),
        ("1,000.00", "INR", "not a plain decimal"),
        (" 1.00", "INR", "not a plain decimal"),
        ("", "INR", "not a plain decimal"),
        ("1.", "INR", "not a plain decimal"),
        (".5", "INR", "not a plain decimal"),
        ("12345678901234567.00", "INR", "more than 18 digits"),
        ("１２", "INR", "not a plain decimal"),  # full-width digits
    ],
)
def test_parse_amount_refuses_and_names_the_value(text: str, code: str, fragment: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, code, field="IntrBkSttlmAmt")
    assert fragment in str(caught.value)
    assert caught.value.field == "IntrBkSttlmAmt"
    assert caught.value.value == text


@pytest.mark.parametrize("code", ["XAU", "XXX", "ABC", "inr", "IN", 123])
def test_unknown_or_unit_less_currencies_are_refused(code: object) -> None:
    with pytest.raises(CurrencyError) as caught:
        exponent(code)  # type: ignore[arg-type]
    assert caught.value.field == "currency"


def test_float_amounts_are_refused() -> None:
    with pytest.raises(AmountError):
        parse_amount(12.5, "INR")  # type: ignore[arg-type]
    with pytest.raises(AmountError):
        format_amount(12.5, "INR")  # type: ignore[arg-type]
    with pytest.raises(AmountError):
        check_amount_minor(1.0)
    with pytest.raises(AmountError):
        check_amount_minor(True)
    with pytest.raises(AmountError):
        check_amount_minor(0)
    with pytest.raises(AmountError):
        check_amount_minor(10**18)
    assert check_amount_minor(10**18 - 1) == 10**18 - 1


@pytest.mark.parametrize(
    ("minor", "code", "text"),
    [
        (123450, "INR", "1234.50"),
        (1, "INR", "0.01"),
        (0, "INR", "0.00"),
        (1500, "JPY", "1500"),
        (1, "BHD", "0.001"),
        (-250, "INR", "-2.50"),
    ],
)
def test_format_amount(minor: int, code: str, text: str) -> None:
    assert format_amount(minor, code) == text


@given(st.integers(min_value=0, max_value=10**18 - 1), st.sampled_from(["INR", "JPY", "BHD"]))
def test_format_then_parse_round_trips(minor: int, code: str) -> None:
    assert parse_amount(format_amount(minor, code), code) == minor
    assert to_decimal(minor, code).as_tuple().exponent == -exponent(code) or minor == 0
