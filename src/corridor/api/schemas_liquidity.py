"""Bodies of the liquidity endpoints: queues, priorities, gridlock, business day, reports.

Amounts appear twice, as a decimal string and in minor units; times are ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CURRENCY_PATTERN = "^[A-Z]{3}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriorityCode(StrEnum):
    """ISO 20022 settlement priority: URGT settles before HIGH, HIGH before NORM."""

    URGT = "URGT"
    HIGH = "HIGH"
    NORM = "NORM"


class QueuedPaymentView(BaseModel):
    """One payment waiting for liquidity; `position` is its place in the currency's
    queues as listed (0 = first)."""

    uetr: str
    position: int
    debtor: str = Field(description="the debit participant (BIC)")
    creditor: str = Field(description="the credit participant (BIC)")
    currency: str
    amount: str
    amount_minor: int
    priority: PriorityCode
    sequence: int = Field(description="enqueue order inside its priority (smaller = earlier)")


class QueueList(BaseModel):
    data: list[QueuedPaymentView]
    queued_total: int = Field(description="payments queued in every currency (operator view)")


class PriorityRequest(_Strict):
    priority: PriorityCode


class PriorityView(BaseModel):
    changed: bool = Field(description="false when the payment already had this priority")
    settled: bool = Field(description="the new priority let it settle: it left the queue")
    payment: QueuedPaymentView | None = Field(description="the payment in its queue now")


class GridlockView(BaseModel):
    """One gridlock run: what was queued, what settled, the liquidity it saved."""

    currency: str
    queued_count: int
    settled_count: int
    gross: str
    gross_minor: int
    net_used: str
    net_used_minor: int
    liquidity_saved: str
    liquidity_saved_minor: int


class DayStateName(StrEnum):
    closed = "closed"
    open = "open"
    cut_off = "cut_off"
    end_of_day = "end_of_day"


class DayView(BaseModel):
    """A currency's business day: its state and when its next steps are due."""

    currency: str
    business_date: date
    state: DayStateName
    time_zone: str
    opens_at: datetime
    cut_off_at: datetime = Field(description="extensions included")
    end_of_day_at: datetime = Field(description="extensions included")
    extension_min: int = Field(description="minutes the cut-off was extended (four eyes)")
    queued_count: int = Field(description="payments waiting in this currency's queues")


class DayList(BaseModel):
    data: list[DayView]


class CutOffView(BaseModel):
    currency: str
    rejected: int = Field(description="queued payments rejected (TM01)")
    day: DayView


class EndOfDayRequest(_Strict):
    business_date: date | None = Field(
        default=None, description="default: the currency's current business date"
    )


class EndOfDayView(BaseModel):
    currency: str
    business_date: date
    rejected_at_cut_off: int
    statements: int = Field(description="camt.053 messages placed in the owners' outboxes")
    entries: int


class ReportKindCode(StrEnum):
    statement = "camt.053"
    report = "camt.052"
    notification = "camt.054"


class ReportRequest(_Strict):
    kind: ReportKindCode
    currency: str = Field(pattern=CURRENCY_PATTERN, examples=["INR"])
    from_: AwareDatetime = Field(alias="from", description="period start (inclusive)")
    to: AwareDatetime = Field(description="period end (exclusive)")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ReportView(BaseModel):
    """The camt report (also placed in the caller's outbox)."""

    message_id: str
    kind: str = Field(description="message identifier, e.g. camt.053.001.08")
    currency: str
    from_: datetime = Field(alias="from")
    to: datetime
    created_at: datetime
    payload_base64: str = Field(description="the signed message, base64")

    model_config = ConfigDict(populate_by_name=True)


class NetPositionView(BaseModel):
    participant: str
    net: str
    net_minor: int


class WindowView(BaseModel):
    """One deferred net settlement window: what it cleared and how it settled."""

    window_id: int
    currency: str
    state: str
    payment_count: int
    gross: str
    gross_minor: int
    net_settlement: str
    net_settlement_minor: int
    liquidity_saved: str
    liquidity_saved_minor: int
    net_positions: list[NetPositionView]


class WindowList(BaseModel):
    data: list[WindowView]


class MoveRequest(_Strict):
    to_front: bool = Field(description="true: first of its priority; false: last")


class MoveView(BaseModel):
    moved: bool
    queue: list[QueuedPaymentView] = Field(description="the debtor's queue, in order, after")
