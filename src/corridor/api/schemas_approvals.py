"""Bodies of the four-eyes and audit endpoints.

A request names an action and its parameters; each action has its own parameter model,
so a request that could never be carried out is refused before anyone approves it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from corridor.settlement.calendar import EXTENSION_MIN_MAX

CURRENCY_PATTERN = "^[A-Z]{3}$"
BIC_PATTERN = "^[A-Z0-9]{8}([A-Z0-9]{3})?$"
AMOUNT_LENGTH_MAX = 40
LIMIT_ROWS_MAX = 1_000
REASON_LENGTH_MAX = 140

Bic = Annotated[str, Field(pattern=BIC_PATTERN)]
Amount = Annotated[str, Field(max_length=AMOUNT_LENGTH_MAX, examples=["1000000.00"])]
Currency = Annotated[str, Field(pattern=CURRENCY_PATTERN, examples=["INR"])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FundParams(_Strict):
    """fund / defund: the currency's settlement agent credits (debits) the account."""

    bic: Bic
    currency: Currency
    amount: Amount


class CreditLineParams(_Strict):
    bic: Bic
    currency: Currency
    credit_line: Amount


class LimitsParams(_Strict):
    """Sender limits in one currency (amounts in its major unit)."""

    currency: Currency
    bilateral: list[tuple[Bic, Bic, Amount]] = Field(
        default_factory=list,
        max_length=LIMIT_ROWS_MAX,
        description="[setter, counterparty, amount]: the setter's cap toward one bank",
    )
    multilateral: list[tuple[Bic, Amount]] = Field(
        default_factory=list, max_length=LIMIT_ROWS_MAX, description="[setter, amount]"
    )
    net_debit_cap: list[tuple[Bic, Amount]] = Field(
        default_factory=list, max_length=LIMIT_ROWS_MAX, description="[participant, amount]"
    )


class ExtendCutOffParams(_Strict):
    currency: Currency
    minutes: int = Field(ge=1, le=EXTENSION_MIN_MAX)
    reason: str = Field(default="", max_length=REASON_LENGTH_MAX)


class FundRequest(_Strict):
    action: Literal["fund"]
    params: FundParams


class DefundRequest(_Strict):
    action: Literal["defund"]
    params: FundParams


class CreditLineRequest(_Strict):
    action: Literal["set_credit_line"]
    params: CreditLineParams


class LimitsRequest(_Strict):
    action: Literal["set_limits"]
    params: LimitsParams


class ExtendCutOffRequest(_Strict):
    action: Literal["extend_cut_off"]
    params: ExtendCutOffParams


ApprovalBody = FundRequest | DefundRequest | CreditLineRequest | LimitsRequest | ExtendCutOffRequest
ApprovalRequest = Annotated[ApprovalBody, Field(discriminator="action")]


class ApprovalView(BaseModel):
    id: str
    action: str
    params: dict[str, Any] = Field(description="exactly what the approver approves")
    requested_by: str
    requested_at: datetime
    status: str = Field(description="pending, approved or refused")
    decided_by: str | None
    decided_at: datetime | None


class ApprovalList(BaseModel):
    data: list[ApprovalView]


class DecisionView(BaseModel):
    approval: ApprovalView
    result: str | None = Field(
        description="what carrying the action out returned (e.g. ok, wrong_state); "
        "null for a refusal or an action without a result"
    )


class AuditEntryView(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    detail: str = Field(description="the entry's details, JSON text (as hashed)")
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    data: list[AuditEntryView]
    has_more: bool
    next_after: int = Field(description="pass as `after` to read the next page")


class AuditCheckView(BaseModel):
    entries: int
    ok: bool
    problems: list[str]
