"""Payment queues: one per (debtor, currency), ordered by priority, then FIFO.

Selection (`settleable`) walks the queue in order and takes every payment that fits the
remaining liquidity and the limits. When a payment does not fit it *blocks* the queue:
nothing behind it settles, unless FIFO-bypass is on, the blocker is a normal payment and
the payment behind it is a normal payment smaller than the blocker (and, when set, no
larger than `bypass_amount_max`). Urgent and high payments are never overtaken.

Cancelling, reprioritising and operator moves keep the queue's order explicit: a
payment's `sequence` is its position key inside its priority; moving to the front or
the back gives it a sequence before the first or after the last.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from enum import IntEnum

from corridor.foundation.errors import InputError
from corridor.settlement.limits import LimitCheck, LimitState
from corridor.settlement.payments import Priority, QueuedPayment

QUEUE_LENGTH_MAX = 1_000_000
CUT_OFF_REASON = "AM04"  # ISO ExternalStatusReason1Code InsufficientFunds, at cut-off


class QueueResult(IntEnum):
    """Outcome of a queue change."""

    ok = 0
    not_found = 1
    exists = 2
    queue_full = 3
    wrong_queue = 4


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    """How a queue may be overtaken.

    Attributes:
        fifo_bypass: smaller normal payments may overtake a blocked normal payment.
        bypass_amount_max: when set, only payments up to this amount may overtake.
        length_max: most payments the queue holds.
    """

    fifo_bypass: bool = True
    bypass_amount_max: int | None = None
    length_max: int = QUEUE_LENGTH_MAX


@dataclass(frozen=True, slots=True)
class Rejection:
    """A queued payment to reject (pacs.002 RJCT), with its ISO reason code."""

    payment: QueuedPayment
    reason: str


class PaymentQueue:
    """The queued payments of one debtor in one currency."""

    __slots__ = ("_by_id", "_keys", "currency", "debtor", "policy")

    def __init__(self, debtor: str, currency: str, policy: QueuePolicy | None = None) -> None:
        self.debtor = debtor
        self.currency = currency
        self.policy = policy or QueuePolicy()
        self._by_id: dict[int, QueuedPayment] = {}
        self._keys: list[tuple[int, int, int]] = []  # sorted order keys

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, payment_id: int) -> bool:
        return payment_id in self._by_id

    def get(self, payment_id: int) -> QueuedPayment | None:
        return self._by_id.get(payment_id)

    def payments(self) -> list[QueuedPayment]:
        """Every queued payment, in settlement order."""
        by_id = self._by_id
        return [by_id[key[2]] for key in self._keys]

    def total_minor(self) -> int:
        return sum(p.amount_minor for p in self._by_id.values())

    # -- changes ----------------------------------------------------------------------
    def add(self, payment: QueuedPayment) -> QueueResult:
        """Queue a payment (its sequence says where inside its priority)."""
        if payment.debtor != self.debtor or payment.currency != self.currency:
            return QueueResult.wrong_queue
        if payment.payment_id in self._by_id:
            return QueueResult.exists
        if len(self._keys) >= self.policy.length_max:
            return QueueResult.queue_full
        self._by_id[payment.payment_id] = payment
        bisect.insort(self._keys, payment.order_key)
        return QueueResult.ok

    def cancel(self, payment_id: int) -> QueuedPayment | None:
        """Take a payment out (cancelled by its sender, or settled); None if absent."""
        payment = self._by_id.pop(payment_id, None)
        if payment is None:
            return None
        index = bisect.bisect_left(self._keys, payment.order_key)
        assert self._keys[index] == payment.order_key
        del self._keys[index]
        return payment

    def remove_all(self, payment_ids: set[int]) -> list[QueuedPayment]:
        """Take out every listed payment that is queued here (after a settlement)."""
        removed = [self._by_id.pop(pid) for pid in sorted(payment_ids) if pid in self._by_id]
        if removed:
            self._keys = [key for key in self._keys if key[2] in self._by_id]
        return removed

    def reprioritise(self, payment_id: int, priority: Priority) -> QueueResult:
        """Change a payment's priority; it keeps its sequence (its place by arrival)."""
        payment = self.cancel(payment_id)
        if payment is None:
            return QueueResult.not_found
        self.add(replace(payment, priority=priority))
        return QueueResult.ok

    def move(self, payment_id: int, *, to_front: bool) -> QueueResult:
        """Operator reordering: first or last of its priority."""
        payment = self.cancel(payment_id)
        if payment is None:
            return QueueResult.not_found
        same = [self._by_id[k[2]].sequence for k in self._keys if k[0] == payment.priority]
        if to_front:
            sequence = min(same, default=payment.sequence + 1) - 1
        else:
            sequence = max(same, default=payment.sequence - 1) + 1
        self.add(replace(payment, sequence=sequence))
        return QueueResult.ok

    def expire(self, reason: str = CUT_OFF_REASON) -> list[Rejection]:
        """At cut-off: every payment still queued is rejected; the queue is emptied."""
        rejections = [Rejection(payment, reason) for payment in self.payments()]
        self._by_id.clear()
        self._keys.clear()
        return rejections

    # -- selection ---------------------------------------------------------------------
    def settleable(
        self, available_minor: int, limits: LimitState | None = None
    ) -> list[QueuedPayment]:
        """The payments that can settle one after another now, in order, without the
        debtor going past `available_minor` (balance less floor) or breaking a limit.
        Nothing is removed: the caller settles them and then removes them."""
        trial = limits.copy() if limits is not None else None
        chosen: list[QueuedPayment] = []
        remaining = available_minor
        blocker: QueuedPayment | None = None
        for payment in self.payments():
            if blocker is not None and not self._may_overtake(payment, blocker):
                continue
            fits = payment.amount_minor <= remaining and (
                trial is None or trial.allows(payment) is LimitCheck.ok
            )
            if not fits:
                if blocker is None:
                    blocker = payment
                    if not self._bypass_allowed(payment):
                        break
                continue
            chosen.append(payment)
            remaining -= payment.amount_minor
            if trial is not None:
                trial.record(payment)
        assert remaining >= min(available_minor, 0)
        return chosen

    def may_bypass(self, payment: QueuedPayment, waiting: QueuedPayment) -> bool:
        """The policy's FIFO bypass: `payment` may try before `waiting` (both normal, and
        `payment` smaller and within the bypass cap)."""
        return self._bypass_allowed(waiting) and self._may_overtake(payment, waiting)

    def _bypass_allowed(self, blocker: QueuedPayment) -> bool:
        return self.policy.fifo_bypass and blocker.priority is Priority.normal

    def _may_overtake(self, payment: QueuedPayment, blocker: QueuedPayment) -> bool:
        cap = self.policy.bypass_amount_max
        return (
            payment.priority is Priority.normal
            and payment.amount_minor < blocker.amount_minor
            and (cap is None or payment.amount_minor <= cap)
        )


class QueueBook:
    """Every queue of one currency, and the trigger for a gridlock run."""

    __slots__ = ("_queues", "currency", "policy", "threshold_length")

    def __init__(
        self, currency: str, policy: QueuePolicy | None = None, *, threshold_length: int = 1_000
    ) -> None:
        if threshold_length <= 0:
            raise InputError("must be positive", field="threshold_length", value=threshold_length)
        self.currency = currency
        self.policy = policy or QueuePolicy()
        self.threshold_length = threshold_length
        self._queues: dict[str, PaymentQueue] = {}

    def queue(self, debtor: str) -> PaymentQueue:
        queue = self._queues.get(debtor)
        if queue is None:
            queue = self._queues[debtor] = PaymentQueue(debtor, self.currency, self.policy)
        return queue

    def queues(self) -> list[PaymentQueue]:
        """Non-empty queues, by debtor."""
        return [self._queues[d] for d in sorted(self._queues) if len(self._queues[d])]

    def add(self, payment: QueuedPayment) -> QueueResult:
        return self.queue(payment.debtor).add(payment)

    def find(self, payment_id: int) -> QueuedPayment | None:
        for queue in self._queues.values():
            payment = queue.get(payment_id)
            if payment is not None:
                return payment
        return None

    def payments(self) -> list[QueuedPayment]:
        """All queued payments: by debtor, each queue in order."""
        return [p for queue in self.queues() for p in queue.payments()]

    def length(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def gridlock_due(self) -> bool:
        """True when the queues have passed the threshold that triggers a gridlock run."""
        return self.length() >= self.threshold_length

    def remove_settled(self, payment_ids: set[int]) -> int:
        return sum(len(queue.remove_all(payment_ids)) for queue in self._queues.values())

    def expire(self, reason: str = CUT_OFF_REASON) -> list[Rejection]:
        """At cut-off: reject everything still queued, queue by queue."""
        return [r for queue in self.queues() for r in queue.expire(reason)]
