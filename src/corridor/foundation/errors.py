"""The one exception root of Corridor.

Rejections of bad business input are values (result enums), not exceptions. Exceptions
are for bad input at a boundary (config, amounts, requests), for infrastructure failures,
and for bugs. The tree::

    CorridorError
    ├── InputError            bad input at a boundary; names the field and the value
    │   ├── AmountError       an amount string or number that is not valid money
    │   ├── CurrencyError     an unknown or unsupported currency code
    │   └── ConfigError       a malformed configuration file
    ├── StoreError            the database failed or holds something impossible
    ├── TransitionError       a lifecycle step the table forbids (payments.lifecycle): a bug
    └── InvariantViolation    a broken invariant: the engine must stop, loudly
"""

from __future__ import annotations


class CorridorError(Exception):
    """Root of every error Corridor raises on purpose."""

    http_status: int = 500


class InputError(CorridorError):
    """Bad input at a boundary. `field` names where, `value` what was given."""

    http_status = 400

    def __init__(self, message: str, *, field: str = "", value: object = None) -> None:
        self.message = message
        self.field = field
        self.value = value
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{message}")


class AmountError(InputError):
    """An amount that is not valid money for its currency."""


class CurrencyError(InputError):
    """A currency code that ISO 4217 does not know, or that has no minor-unit exponent."""


class ConfigError(InputError):
    """A configuration file that cannot be used. Nothing was written."""

    def __init__(self, message: str, *, file: str, field: str = "", value: object = None) -> None:
        self.file = file
        super().__init__(message, field=field, value=value)
        where = f"{file}: {field}: " if field else f"{file}: "
        self.args = (f"{where}{message}",)


class StoreError(CorridorError):
    """The store failed, or holds data that contradicts the engine."""


class InvariantViolation(CorridorError):  # noqa: N818 - the name is the domain word
    """A ledger invariant does not hold. Never caught: the engine stops."""
