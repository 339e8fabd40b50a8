"""The API's request and response bodies (pydantic models: they make the OpenAPI document).

Amounts appear twice: as a decimal string in the currency's major unit (`"1234.56"`) and
as an integer in minor units (`123456`). Times are ISO 8601 UTC. Never a float.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from corridor.hub.security import Role
from corridor.hub.service import ACK_IDS_MAX
from corridor.payments.records import ParticipantKind, ParticipantStatus, PaymentState

ID_LENGTH_MAX = 64
PEM_LENGTH_MAX = 8_192
ACCOUNTS_PER_PARTICIPANT_MAX = 32


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- messages ---------------------------------------------------------------------------
class AnswerView(BaseModel):
    """The hub's one answer to one inbound message (the signed XML is `payload_base64`)."""

    status: str = Field(description="ACSC, ACSP, PDNG, PART or RJCT; CNCL/RJCR for camt.029")
    reason: str | None = Field(description="ISO reason code when refused for one reason")
    message_id: str = Field(description="MsgId of the answer message")
    kind: str = Field(description="message identifier of the answer, e.g. pacs.002.001.10")
    duplicate: bool = Field(description="the MsgId was received before: the original answer")
    uetrs: list[str]
    detail: str
    payload_base64: str = Field(description="the signed answer message, base64")


class OutboxMessageView(BaseModel):
    seq: int = Field(description="position in the caller's outbox: the cursor")
    message_id: str
    kind: str
    uetrs: list[str]
    created_at: datetime
    acked_at: datetime | None
    payload_base64: str = Field(description="the signed message, base64")


class OutboxPage(BaseModel):
    data: list[OutboxMessageView]
    has_more: bool
    next_after: int = Field(description="pass as `after` to read the next page")


class AckRequest(_Strict):
    message_ids: list[Annotated[str, Field(min_length=1, max_length=ID_LENGTH_MAX)]] = Field(
        min_length=1, max_length=ACK_IDS_MAX, description="outbox message ids to acknowledge"
    )


class AckView(BaseModel):
    acknowledged: list[str]
    unknown: list[str] = Field(description="not in the caller's outbox (or nonexistent)")


# -- payments ---------------------------------------------------------------------------
class PaymentView(BaseModel):
    uetr: str
    kind: str
    state: PaymentState
    reason: str | None
    msg_id: str
    end_to_end_id: str
    tx_id: str | None
    instructing_agent: str
    debtor_agent: str
    creditor_agent: str
    debit_participant: str
    credit_participant: str
    currency: str
    amount: str
    amount_minor: int
    returned_amount: str
    returned_amount_minor: int
    related_uetr: str | None
    created_at: datetime
    updated_at: datetime


class EventView(BaseModel):
    state: PaymentState
    at: datetime
    detail: str


class TrackingView(BaseModel):
    """A payment and every step of its life, oldest first (gpi tracker style)."""

    payment: PaymentView
    events: list[EventView]


class PaymentPage(BaseModel):
    data: list[PaymentView]
    has_more: bool
    next_after: str | None = Field(description="pass as `after` to read the next page")


# -- accounts ---------------------------------------------------------------------------
class BalanceView(BaseModel):
    currency: str
    balance: str
    balance_minor: int
    available: str
    available_minor: int
    floor: str | None = Field(description="lowest allowed balance (minus the credit line)")
    floor_minor: int | None
    closed: bool


class BalanceList(BaseModel):
    data: list[BalanceView]


class AccountView(BalanceView):
    owner: str
    kind: str


class AccountList(BaseModel):
    data: list[AccountView]


# -- directory --------------------------------------------------------------------------
class ParticipantView(BaseModel):
    bic: str
    name: str
    country: str
    kind: ParticipantKind
    status: ParticipantStatus
    lei: str | None
    settles_through: str | None
    public_key_pem: str = Field(description="the registered public key, empty if none")
    updated_at: datetime | None


class ParticipantList(BaseModel):
    data: list[ParticipantView]


class AccountRequest(_Strict):
    currency: str = Field(min_length=3, max_length=3, examples=["INR"])
    credit_line: str = Field(
        default="0", max_length=40, description="intraday credit line, decimal string"
    )


class OnboardRequest(_Strict):
    bic: str = Field(max_length=11, examples=["GANGINBB"])
    name: str = Field(max_length=140)
    country: str = Field(max_length=2, examples=["IN"])
    kind: ParticipantKind
    lei: str | None = Field(default=None, max_length=20)
    settles_through: str | None = Field(default=None, max_length=11)
    public_key_pem: str = Field(default="", max_length=PEM_LENGTH_MAX)
    accounts: list[AccountRequest] = Field(
        default_factory=list, max_length=ACCOUNTS_PER_PARTICIPANT_MAX
    )


class AccountResultView(BaseModel):
    currency: str
    result: str = Field(description="ledger result: ok, or why the account was not opened")


class OnboardView(BaseModel):
    participant: ParticipantView
    accounts: list[AccountResultView]


class KeyRequest(_Strict):
    public_key_pem: str = Field(min_length=1, max_length=PEM_LENGTH_MAX)


class CredentialRequest(_Strict):
    principal: str = Field(
        min_length=1, max_length=ID_LENGTH_MAX, description="a BIC, or an operator user name"
    )
    role: Role


class CredentialView(BaseModel):
    principal: str
    role: Role
    token: str = Field(description="shown once; the hub keeps only its hash")


# -- system -----------------------------------------------------------------------------
class HealthView(BaseModel):
    status: str = Field(description="ok or unhealthy")
    database: str
    engine: str
