"""Queued payments: the one record every settlement module shares.

Glossary: a *participant* is a BIC; a *payment* waits in the queue of its debtor for one
currency; *liquidity* is what the debtor may still pay out (available balance less floor).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from corridor.foundation.errors import InputError
from corridor.foundation.money import check_amount_minor


class Priority(IntEnum):
    """Settlement priority; a lower value settles first (ISO SttlmPrty / InstrPrty)."""

    urgent = 0
    high = 1
    normal = 2

    @classmethod
    def from_iso(cls, code: str | None) -> Priority:
        """Map an ISO 20022 priority code (URGT, HIGH, NORM; absent = NORM)."""
        if code is None or code == "NORM":
            return cls.normal
        if code == "HIGH":
            return cls.high
        if code == "URGT":
            return cls.urgent
        raise InputError("must be URGT, HIGH or NORM", field="priority", value=code)


@dataclass(frozen=True, slots=True)
class QueuedPayment:
    """A payment waiting for liquidity.

    Attributes:
        payment_id: the hub's id for the payment (a 128-bit int, e.g. its transfer id).
        debtor / creditor: participants (BICs); never equal.
        currency: ISO 4217 code of the queue.
        amount_minor: positive, minor units.
        priority: see Priority.
        sequence: position key inside its priority (enqueue order; smaller = earlier).
    """

    payment_id: int
    debtor: str
    creditor: str
    currency: str
    amount_minor: int
    priority: Priority = Priority.normal
    sequence: int = 0

    def __post_init__(self) -> None:
        check_amount_minor(self.amount_minor)
        if self.debtor == self.creditor:
            raise InputError(
                "debtor and creditor are the same", field="creditor", value=self.creditor
            )

    @property
    def order_key(self) -> tuple[int, int, int]:
        """Queue order: priority, then sequence (FIFO), then id as the last tie-break."""
        return (self.priority, self.sequence, self.payment_id)
