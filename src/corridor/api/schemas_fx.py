"""Bodies of the FX endpoints: quotes, rate sheets, volumes and exposure.

Rates are decimal strings (never floats); amounts are decimal strings in the currency's
major unit and integers in minor units; times are ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from corridor.fx import ChargeBearer, ChargeKind, FixedSide, QuoteStatus
from corridor.fx.rates import RATES_PER_SHEET_MAX

CURRENCY_PATTERN = "^[A-Z]{3}$"
BIC_PATTERN = "^[A-Z0-9]{8}([A-Z0-9]{3})?$"
DECIMAL_LENGTH_MAX = 40


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- quotes ---------------------------------------------------------------------------
class QuoteRequestBody(_Strict):
    """What a cross-currency payment would cost; the debtor agent is the caller."""

    creditor_agent: str = Field(pattern=BIC_PATTERN, examples=["HANGCNSH"])
    source_currency: str = Field(pattern=CURRENCY_PATTERN, examples=["INR"])
    target_currency: str = Field(pattern=CURRENCY_PATTERN, examples=["CNY"])
    fixed_side: FixedSide = Field(
        default=FixedSide.send,
        description="SEND: `amount` is what you pay (source currency); RECEIVE: what the "
        "creditor agent receives (target currency)",
    )
    amount: str = Field(max_length=DECIMAL_LENGTH_MAX, examples=["100.00"])
    charge_bearer: ChargeBearer = Field(
        default=ChargeBearer.debtor, description="ChrgBr: DEBT, CRED (SEND only), SHAR, SLEV"
    )


class QuoteLegView(BaseModel):
    provider: str
    source_currency: str
    target_currency: str
    rate: str = Field(description="target units per source unit, 18 significant digits")
    source_amount: str
    source_minor: int
    target_amount: str
    target_minor: int


class ChargeView(BaseModel):
    kind: ChargeKind
    amount: str
    amount_minor: int
    currency: str
    agent: str = Field(description="the charging agent's BIC (the operator)")


class QuoteView(BaseModel):
    """An executable, locked quote; carry `id` in the pacs.008 as InstrInf /FXQT/<id>."""

    id: str
    status: QuoteStatus
    debtor_agent: str
    creditor_agent: str
    source_currency: str
    target_currency: str
    fixed_side: FixedSide
    charge_bearer: ChargeBearer
    source_amount: str = Field(description="converted amount (paid to the provider)")
    source_minor: int
    target_amount: str = Field(description="what the creditor agent receives: IntrBkSttlmAmt")
    target_minor: int
    charges_amount: str
    charges_minor: int
    debtor_total_amount: str = Field(description="debited from the debtor agent's account")
    debtor_total_minor: int
    instructed_amount: str = Field(description="the pacs.008's InstdAmt (source currency)")
    instructed_minor: int
    rate: str = Field(description="target units per source unit, 18 significant digits")
    xchg_rate: str = Field(description="the pacs.008's XchgRate")
    bridge_currency: str | None
    legs: list[QuoteLegView]
    charges: list[ChargeView]
    created_at: datetime
    expires_at: datetime = Field(description="executable until this instant (exclusive)")


# -- rate sheets ----------------------------------------------------------------------
class RateTierRequest(_Strict):
    """One tier: prices are quote-currency units per one base unit; bands and the
    exposure cap are amounts of the base currency."""

    base: str = Field(pattern=CURRENCY_PATTERN, examples=["CNY"])
    quote: str = Field(pattern=CURRENCY_PATTERN, examples=["INR"])
    bid: str | None = Field(default=None, max_length=DECIMAL_LENGTH_MAX, examples=["11.5312"])
    ask: str | None = Field(default=None, max_length=DECIMAL_LENGTH_MAX, examples=["11.6412"])
    band_min: str = Field(default="0", max_length=DECIMAL_LENGTH_MAX)
    band_max: str = Field(max_length=DECIMAL_LENGTH_MAX, examples=["10000000.00"])
    exposure_max: str = Field(max_length=DECIMAL_LENGTH_MAX, examples=["50000000.00"])
    valid_from: AwareDatetime
    valid_until: AwareDatetime


class RateSheetRequest(_Strict):
    rates: list[RateTierRequest] = Field(max_length=RATES_PER_SHEET_MAX)


class RateTierView(BaseModel):
    base: str
    quote: str
    bid: str | None
    ask: str | None
    band_min: str
    band_min_minor: int
    band_max: str
    band_max_minor: int
    exposure_max: str
    exposure_max_minor: int
    valid_from: datetime
    valid_until: datetime


class RateSheetView(BaseModel):
    provider: str
    published_at: datetime
    rates: list[RateTierView]


# -- reports --------------------------------------------------------------------------
class FxVolumeView(BaseModel):
    day: date = Field(description="UTC day of settlement")
    provider: str
    source_currency: str
    target_currency: str
    trades: int
    source_amount: str
    source_minor: int
    target_amount: str
    target_minor: int


class FxVolumeList(BaseModel):
    data: list[FxVolumeView]


class ExposureView(BaseModel):
    """A provider's exposure in one pair, in the pair's base currency."""

    provider: str
    base: str
    quote: str
    reserved: str
    reserved_minor: int
    settled: str
    settled_minor: int
    now: str
    now_minor: int
    peak: str
    peak_minor: int
    cap: str | None
    cap_minor: int | None


class ExposureList(BaseModel):
    data: list[ExposureView]
