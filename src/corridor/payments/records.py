"""The hub's domain records: participants, payments and their events, outbox messages.

All immutable. Times are epoch milliseconds (UTC); amounts are minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from corridor.foundation.slots import slot_copier, slot_init


class ParticipantKind(StrEnum):
    central_bank = "central_bank"
    direct = "direct"
    indirect = "indirect"
    fx_provider = "fx_provider"


class ParticipantStatus(StrEnum):
    active = "active"
    suspended = "suspended"
    closed = "closed"


@dataclass(frozen=True, slots=True)
class Participant:
    """A member of the network.

    Attributes:
        bic: ISO 9362 BIC (8 or 11 characters), the participant's key.
        lei: ISO 17442 LEI, or None.
        name / country: legal name and ISO 3166 alpha-2 country.
        kind: central bank (settlement agent), direct, indirect or FX provider.
        status: active, suspended (messages refused, incoming payments refused), closed.
        settles_through: for an indirect participant, the direct participant's BIC.
        public_key_pem: the registered key that signs its messages ("" if none yet).
    """

    bic: str
    name: str
    country: str
    kind: ParticipantKind
    status: ParticipantStatus = ParticipantStatus.active
    lei: str | None = None
    settles_through: str | None = None
    public_key_pem: str = ""
    updated_at_ms: int = 0


class PaymentState(StrEnum):
    """DESIGN.md's lifecycle. Terminal: rejected, cancelled, returned (a delivered
    payment can still be returned; lifecycle.ALLOWED is the table)."""

    received = "RECEIVED"
    validated = "VALIDATED"
    screened = "SCREENED"
    held = "HELD"
    queued = "QUEUED"
    settled = "SETTLED"
    delivered = "DELIVERED"
    rejected = "REJECTED"
    cancelled = "CANCELLED"
    returned = "RETURNED"


class PaymentKind(StrEnum):
    customer = "pacs.008"  # customer credit transfer between agents
    institution = "pacs.009"  # financial institution transfer
    funding = "funding"  # settlement agent funds or defunds a participant
    return_ = "pacs.004"  # return of a settled payment


@slot_init
@dataclass(frozen=True, slots=True)
class Payment:
    """One payment (one transaction of a message), keyed by its UETR.

    Attributes:
        uetr: the unique end-to-end transaction reference (UUID v4), the tracking key.
        kind: see PaymentKind.
        msg_id / end_to_end_id / tx_id: the sender's references.
        instructing_agent: the participant that sent the message.
        debtor_agent / creditor_agent: BICs named in the message.
        debit_participant / credit_participant: whose settlement accounts move (differs
            from the agents for indirect participants).
        amount_minor / currency: the interbank settlement amount.
        state: the latest lifecycle state; reason: ISO reason code when rejected.
        transfer_id: the ledger transfer that settled it (0 until settled).
        related_uetr: for a return, the original payment.
        priority: the settlement priority asked for (URGT, HIGH, NORM or None).
        queue_seq: its place in the debtor's queue while QUEUED (FIFO within priority).
    """

    uetr: str
    kind: PaymentKind
    msg_id: str
    end_to_end_id: str
    instructing_agent: str
    debtor_agent: str
    creditor_agent: str
    debit_participant: str
    credit_participant: str
    amount_minor: int
    currency: str
    state: PaymentState
    created_at_ms: int
    updated_at_ms: int
    tx_id: str | None = None
    reason: str | None = None
    transfer_id: int = 0
    related_uetr: str | None = None
    returned_minor: int = 0
    priority: str | None = None
    queue_seq: int = 0


@slot_init
@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """One step of a payment's life, as the tracker shows it."""

    uetr: str
    state: PaymentState
    at_ms: int
    detail: str = ""


@slot_init
@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message waiting for (or delivered to) a participant.

    Attributes:
        message_id: unique; the participant acknowledges by it.
        recipient: the participant's BIC.
        kind: message identifier, e.g. "pacs.002.001.10".
        payload: the signed message bytes.
        uetrs: the payments it concerns (none for a message-level reject).
        seq: the outbox position (assigned by the store; 0 before it is stored).
    """

    message_id: str
    recipient: str
    kind: str
    payload: bytes
    created_at_ms: int
    uetrs: tuple[str, ...] = ()
    seq: int = 0
    acked_at_ms: int | None = None


@slot_init
@dataclass(frozen=True, slots=True)
class InboundRecord:
    """A message received from a participant, with the answer it got (for duplicates)."""

    sender: str
    msg_id: str
    kind: str
    received_at_ms: int
    answer_message_id: str
    answer_status: str
    payload: bytes = b""


class CaseStatus(StrEnum):
    open = "open"
    released = "released"
    rejected = "rejected"


@dataclass(frozen=True, slots=True)
class ComplianceCase:
    """A payment held by screening, waiting for compliance officers.

    Attributes:
        id: the case id. uetr: the held payment.
        summary: one line for lists; hits: JSON of every hit with its explanation.
        lists_used: JSON of the list versions the screening decision used.
        decided_by / decided_at_ms / decision_note: filled when released or rejected.
    """

    id: str
    uetr: str
    opened_at_ms: int
    status: CaseStatus
    summary: str
    hits: str
    lists_used: str
    decided_by: str | None = None
    decided_at_ms: int | None = None
    decision_note: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentChanges:
    """Everything a batch changes besides the ledger, committed in the same transaction.

    Attributes:
        payments: new or updated payments (upserted by UETR).
        events: lifecycle events to append.
        outbox: messages to deliver.
        inbound: received messages and their answers.
        acks: (recipient, message_id, at_ms) of outbox messages acknowledged now.
        fx_trades: FX conversions settled by this batch (for the FX reports).
        cases: compliance cases opened or decided by this batch.
        quotes: FX quotes whose status changed (stored while live, deleted at their end).
    """

    payments: tuple[Payment, ...] = ()
    events: tuple[PaymentEvent, ...] = ()
    outbox: tuple[OutboxMessage, ...] = ()
    inbound: tuple[InboundRecord, ...] = ()
    acks: tuple[tuple[str, str, int], ...] = ()
    fx_trades: tuple[object, ...] = ()  # corridor.fx.reports.FxTrade
    cases: tuple[ComplianceCase, ...] = ()
    # (corridor.fx.Quote, corridor.fx.QuoteStatus) of quotes whose status changed
    quotes: tuple[tuple[object, object], ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.payments
            or self.events
            or self.outbox
            or self.inbound
            or self.acks
            or self.fx_trades
            or self.cases
            or self.quotes
        )


# the hub copies every payment four times per settlement (one per lifecycle step):
# dataclasses.replace was ~10 % of a bulk batch
_copy_payment = slot_copier(Payment)


def evolve_payment(payment: Payment, **changes: Any) -> Payment:
    """`payment` with `changes` (field=value): dataclasses.replace, at a fraction of its
    cost (no __post_init__ on Payment: nothing is skipped)."""
    result: Payment = _copy_payment(payment, **changes)
    return result
