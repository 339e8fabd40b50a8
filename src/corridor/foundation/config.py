"""The network configuration: what `corridor init` reads. Validation only; no file I/O.

A network file (TOML or YAML) names currencies with their settlement agents and the
participant banks with their accounts. Every problem is reported with the field's path,
e.g. `participants[2].accounts[0].credit_line: '10.001' has 3 fraction digits; INR allows 2`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corridor.foundation.errors import ConfigError, InputError
from corridor.foundation.money import currency as currency_info
from corridor.foundation.money import parse_amount

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
BIC_RE = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
PARTICIPANTS_MAX = 10_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_bic(value: str) -> str:
    if not BIC_RE.match(value):
        raise ValueError(f"{value!r} is not a BIC (ISO 9362: 8 or 11 letters and digits)")
    return value


class CurrencyConfig(_Strict):
    """A currency area: its code and its settlement agent (the central bank)."""

    code: str
    settlement_agent: str = Field(description="BIC of the central bank that issues it")
    time_zone: str = "UTC"
    opens_at: Annotated[str, Field(pattern=_HHMM)] = "07:00"
    cut_off_at: Annotated[str, Field(pattern=_HHMM)] = "17:00"
    end_of_day_at: Annotated[str, Field(pattern=_HHMM)] = "18:00"
    holidays: list[date] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    @model_validator(mode="after")
    def _day_in_order(self) -> CurrencyConfig:
        if not self.opens_at < self.cut_off_at <= self.end_of_day_at:
            raise ValueError(f"{self.code}: opens_at < cut_off_at <= end_of_day_at must hold")
        return self

    @field_validator("code")
    @classmethod
    def _known(cls, value: str) -> str:
        try:
            currency_info(value)
        except InputError as error:
            raise ValueError(error.message) from None
        return value

    _bic = field_validator("settlement_agent")(_check_bic)


class AccountConfig(_Strict):
    """A participant's settlement account in one currency."""

    currency: str
    credit_line: str = Field("0", description="intraday credit, decimal string in major units")
    opening_balance: str = Field("0", description="funded by the settlement agent at init")


class ParticipantConfig(_Strict):
    bic: str
    name: Annotated[str, Field(min_length=1, max_length=140)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    kind: Literal["central_bank", "direct", "indirect", "fx_provider"] = "direct"
    lei: str | None = None
    settles_through: str | None = None
    accounts: list[AccountConfig] = Field(default_factory=list)

    _bic = field_validator("bic")(_check_bic)


class NetworkConfig(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=140)]
    currencies: Annotated[list[CurrencyConfig], Field(min_length=1)]
    participants: Annotated[list[ParticipantConfig], Field(max_length=PARTICIPANTS_MAX)]

    @model_validator(mode="after")
    def _consistent(self) -> NetworkConfig:
        codes = [c.code for c in self.currencies]
        _no_duplicates(codes, "currencies", "code")
        _no_duplicates([p.bic for p in self.participants], "participants", "bic")
        for index, participant in enumerate(self.participants):
            for account_index, account in enumerate(participant.accounts):
                if account.currency not in codes:
                    raise ValueError(
                        f"participants[{index}].accounts[{account_index}].currency: "
                        f"{account.currency!r} is not one of the network's currencies {codes}"
                    )
        return self


def _no_duplicates(values: list[str], where: str, field: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{where}[{index}].{field}: {value!r} appears twice")
        seen.add(value)


def parse_network_config(data: Any, *, file: str) -> NetworkConfig:
    """Validate raw config data (from TOML/YAML); ConfigError names file, field, problem."""
    if not isinstance(data, dict):
        raise ConfigError("must be a table/mapping at the top level", file=file)
    try:
        config = NetworkConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = _path(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(message, file=file, field=field, value=first.get("input")) from None
    _check_amounts(config, file)
    return config


def _check_amounts(config: NetworkConfig, file: str) -> None:
    for index, participant in enumerate(config.participants):
        for account_index, account in enumerate(participant.accounts):
            for name in ("credit_line", "opening_balance"):
                field = f"participants[{index}].accounts[{account_index}].{name}"
                try:
                    parse_amount(getattr(account, name), account.currency, field=field)
                except InputError as error:
                    raise ConfigError(
                        error.message, file=file, field=field, value=error.value
                    ) from None


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"
