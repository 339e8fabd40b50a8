"""Money: integer minor units, with the ISO 4217 exponent taken from the `iso4217` package.

The one place where decimal strings become minor units and back. Parsing is strict: a
sign, an exponent, NaN, more fraction digits than the currency allows, or more than
`DIGITS_MAX` digits are all refused with an `AmountError` that names the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from iso4217 import Currency as _Iso4217Currency

from corridor.foundation.errors import AmountError, CurrencyError

DIGITS_MAX = 18  # total significant digits of an amount, as in ISO 20022 amount types
AMOUNT_MINOR_MAX = 10**DIGITS_MAX - 1

_AMOUNT_RE = re.compile(r"^(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?$")
_CODE_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class CurrencyInfo:
    """A currency as ISO 4217 defines it.

    Attributes:
        code: the alphabetic code, e.g. "INR".
        exponent: the number of digits after the decimal point (minor units), e.g. 2.
        name: the English name.
    """

    code: str
    exponent: int
    name: str


@cache
def currency(code: str) -> CurrencyInfo:
    """Look up a currency by its ISO 4217 alphabetic code; refuse codes without minor units."""
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise CurrencyError(
            "must be three capital letters (ISO 4217)", field="currency", value=code
        )
    try:
        entry = _Iso4217Currency(code)
    except (ValueError, KeyError):
        raise CurrencyError(
            f"unknown ISO 4217 currency {code!r}", field="currency", value=code
        ) from None
    if entry.exponent is None:
        # Precious metals, SDR, test codes: no minor unit, so no money in this network.
        raise CurrencyError(
            f"currency {code!r} has no minor unit in ISO 4217", field="currency", value=code
        )
    return CurrencyInfo(code=code, exponent=int(entry.exponent), name=str(entry.currency_name))


def exponent(code: str) -> int:
    """The number of minor-unit digits of a currency."""
    return currency(code).exponent


def parse_amount(text: str, code: str, *, field: str = "amount") -> int:
    """Turn a decimal string such as "1234.50" into minor units for `code`.

    Refuses negatives, signs, exponents, NaN, too many fraction digits and more than
    DIGITS_MAX digits. Zero is allowed here; callers that need a positive amount say so.
    """
    if not isinstance(text, str):
        raise AmountError("must be a decimal string", field=field, value=text)
    match = _AMOUNT_RE.match(text)
    if match is None:
        raise AmountError(
            f"{text!r} is not a plain decimal number (digits, optional '.' and digits)",
            field=field,
            value=text,
        )
    exp = exponent(code)
    whole, frac = match.group("int"), match.group("frac") or ""
    if len(frac) > exp:
        if frac[exp:].strip("0"):
            raise AmountError(
                f"{text!r} has {len(frac)} fraction digits; {code} allows {exp}",
                field=field,
                value=text,
            )
        frac = frac[:exp]
    digits = (whole + frac.ljust(exp, "0")).lstrip("0") or "0"
    if len(digits) > DIGITS_MAX:
        raise AmountError(f"{text!r} has more than {DIGITS_MAX} digits", field=field, value=text)
    return int(digits)


def format_amount(amount_minor: int, code: str) -> str:
    """Minor units to the canonical decimal string, e.g. (123450, "INR") -> "1234.50"."""
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise AmountError(
            "must be an integer number of minor units", field="amount_minor", value=amount_minor
        )
    exp = exponent(code)
    sign = "-" if amount_minor < 0 else ""
    digits = str(abs(amount_minor))
    if exp == 0:
        return sign + digits
    digits = digits.rjust(exp + 1, "0")
    return f"{sign}{digits[:-exp]}.{digits[-exp:]}"


def to_decimal(amount_minor: int, code: str) -> Decimal:
    """Minor units as an exact Decimal in major units (for display and XML only)."""
    return Decimal(format_amount(amount_minor, code))


def check_amount_minor(amount_minor: object, *, field: str = "amount_minor") -> int:
    """Check that a value is a positive integer amount within DIGITS_MAX digits."""
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise AmountError(
            "must be an integer number of minor units", field=field, value=amount_minor
        )
    if amount_minor <= 0:
        raise AmountError("must be positive", field=field, value=amount_minor)
    if amount_minor > AMOUNT_MINOR_MAX:
        raise AmountError(f"must have at most {DIGITS_MAX} digits", field=field, value=amount_minor)
    return amount_minor
