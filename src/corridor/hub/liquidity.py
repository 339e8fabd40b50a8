"""Liquidity management in the hub: queues, sender limits, gridlock resolution.

The pure algorithms are in corridor.settlement; this desk keeps the hub's queues (one
QueueBook per currency) with the routed instruction behind every queued payment, so a
payment that waits can later settle and be forwarded exactly as if it had settled at once.
Runs on the engine thread only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from corridor.hub.intake import TransferInstruction
from corridor.settlement import (
    GridlockResult,
    LimitCheck,
    LimitConfig,
    LimitState,
    Priority,
    QueueBook,
    QueuedPayment,
    QueuePolicy,
    QueueResult,
    resolve,
)

Available = Callable[[str, str], int]  # (participant, currency) -> minor units above floor
GRIDLOCK_PAYMENTS_MAX = 20_000  # one linked chain must fit a ledger batch with its floors
ISO_PRIORITY = {
    Priority.urgent: "URGT",
    Priority.high: "HIGH",
    Priority.normal: "NORM",
}


def payment_id(uetr: str) -> int:
    return uuid.UUID(uetr).int


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A queued payment and the instruction that will settle it."""

    queued: QueuedPayment
    instruction: TransferInstruction


class LiquidityDesk:
    """Queues per currency and debtor, sender limits, and what is waiting behind them."""

    def __init__(self, policy: QueuePolicy | None = None, threshold_length: int = 1_000) -> None:
        self._policy = policy or QueuePolicy()
        self._threshold = threshold_length
        self._books: dict[str, QueueBook] = {}
        self._limits: dict[str, LimitState] = {}
        self._entries: dict[int, QueueEntry] = {}
        self._sequence = 0
        # currency -> debtor -> the liquidity at which its queue last released nothing:
        # until that grows or the queue changes, trying again cannot release anything.
        self._blocked_at: dict[str, dict[str, int]] = {}

    # -- reading --------------------------------------------------------------------
    def book(self, currency: str) -> QueueBook:
        book = self._books.get(currency)
        if book is None:
            book = self._books[currency] = QueueBook(
                currency, self._policy, threshold_length=self._threshold
            )
        return book

    def currencies(self) -> list[str]:
        return sorted(c for c, book in self._books.items() if book.length())

    def entry(self, uetr: str) -> QueueEntry | None:
        """The queued payment with this UETR; None for an unknown or malformed one."""
        try:
            return self._entries.get(payment_id(uetr))
        except ValueError:
            return None

    def entries(self, currency: str | None = None) -> list[QueueEntry]:
        books = [self.book(currency)] if currency else [self._books[c] for c in sorted(self._books)]
        return [self._entries[p.payment_id] for b in books for p in b.payments()]

    def length(self) -> int:
        return len(self._entries)

    def has_limits(self) -> bool:
        """Whether any currency has sender limits (settling then moves their positions)."""
        return bool(self._limits)

    def must_wait(self, instruction: TransferInstruction) -> bool:
        """Queue it without trying: its debtor's queue is not empty (FIFO), or it would
        break a sender limit now."""
        queue = self.book(instruction.currency).queue(instruction.debit_participant)
        limits = self._limits.get(instruction.currency)
        if limits is None and not len(queue):
            return False  # the usual case, decided without building the queue record
        queued = queued_payment(instruction, 0)
        for waiting in queue.payments():
            if waiting.priority < queued.priority:
                return True  # a more urgent payment waits: never overtake it
            if waiting.priority == queued.priority and not queue.may_bypass(queued, waiting):
                return True  # FIFO within a priority, unless the policy lets it bypass
        return limits is not None and limits.allows(queued) is not LimitCheck.ok

    # -- changing -------------------------------------------------------------------
    def reserve_sequence(self) -> int:
        """The next queue position (stored with the payment, so order survives a restart)."""
        self._sequence += 1
        return self._sequence

    def enqueue(self, instruction: TransferInstruction, sequence: int | None = None) -> QueueEntry:
        if sequence is None:
            self._sequence += 1
            sequence = self._sequence
        self._sequence = max(self._sequence, sequence)
        queued = queued_payment(instruction, sequence)
        result = self.book(instruction.currency).add(queued)
        if result is not QueueResult.ok:
            raise RuntimeError(f"queue refused {instruction.uetr}: {result.name}")
        entry = QueueEntry(queued, instruction)
        self._entries[queued.payment_id] = entry
        self._changed(queued.debtor, queued.currency)
        return entry

    def remove(self, uetrs: list[str]) -> None:
        ids = {payment_id(u) for u in uetrs}
        gone = [self._entries[i].queued for i in ids if i in self._entries]
        for currency in {q.currency for q in gone}:
            self.book(currency).remove_settled(ids)
        for queued in gone:
            self._changed(queued.debtor, queued.currency)
            del self._entries[queued.payment_id]

    def reprioritise(self, uetr: str, priority: Priority) -> bool:
        entry = self.entry(uetr)
        if entry is None:
            return False
        queue = self.book(entry.queued.currency).queue(entry.queued.debtor)
        if queue.reprioritise(entry.queued.payment_id, priority) is not QueueResult.ok:
            return False
        self._entries[entry.queued.payment_id] = QueueEntry(
            replace(entry.queued, priority=priority),
            replace(entry.instruction, priority=ISO_PRIORITY[priority]),
        )
        self._changed(entry.queued.debtor, entry.queued.currency)
        return True

    def move(self, uetr: str, *, to_front: bool) -> int | None:
        """Operator reordering within the payment's priority; returns its new sequence."""
        entry = self.entry(uetr)
        if entry is None:
            return None
        queue = self.book(entry.queued.currency).queue(entry.queued.debtor)
        if queue.move(entry.queued.payment_id, to_front=to_front) is not QueueResult.ok:
            return None
        moved = queue.get(entry.queued.payment_id)
        assert moved is not None
        self._entries[moved.payment_id] = QueueEntry(moved, entry.instruction)
        self._changed(moved.debtor, moved.currency)
        return moved.sequence

    def set_limits(self, currency: str, config: LimitConfig) -> None:
        self._forget_blocked(currency)
        state = self._limits.get(currency)
        if state is None:
            self._limits[currency] = LimitState(config)
        else:
            state.set_config(config)

    def record_settled(self, instruction: TransferInstruction) -> None:
        limits = self._limits.get(instruction.currency)
        if limits is not None:  # positions moved: a limit-blocked queue may pass now
            limits.record(queued_payment(instruction, 0))
            self._forget_blocked(instruction.currency)

    # -- what may settle now --------------------------------------------------------
    def releasable(self, available: Available) -> list[TransferInstruction]:
        """Per queue, the head payments that fit the debtor's liquidity now (FIFO, with
        the queue policy's bypass for smaller payments)."""
        released = []
        for currency in self.currencies():
            limits = self._limits.get(currency)
            blocked_at = self._blocked_at.setdefault(currency, {})
            for queue in self.book(currency).queues():
                liquidity = available(queue.debtor, currency)
                if liquidity <= blocked_at.get(queue.debtor, -1):
                    continue  # no more liquidity and the same queue: still blocked
                chosen = queue.settleable(liquidity, limits)
                if chosen:
                    blocked_at.pop(queue.debtor, None)
                else:
                    blocked_at[queue.debtor] = liquidity
                released += [self._entries[p.payment_id].instruction for p in chosen]
        return released

    def _forget_blocked(self, currency: str) -> None:
        self._blocked_at.pop(currency, None)

    def _changed(self, debtor: str, currency: str) -> None:
        """A queue's contents or order changed: it is worth trying again."""
        self._blocked_at.get(currency, {}).pop(debtor, None)

    def gridlock(
        self, currency: str, available: Available
    ) -> tuple[GridlockResult, list[TransferInstruction]]:
        """The largest set of queued payments that can settle together (multilateral
        offsetting; corridor.settlement.gridlock documents the algorithm)."""
        # Cross-currency payments settle as their own PvP chains, outside offsetting.
        payments = [
            p
            for p in self.book(currency).payments()
            if self._entries[p.payment_id].instruction.fx is None
        ]
        payments = payments[:GRIDLOCK_PAYMENTS_MAX]
        participants = {p.debtor for p in payments} | {p.creditor for p in payments}
        liquidity: Mapping[str, int] = {
            bic: max(available(bic, currency), 0) for bic in sorted(participants)
        }
        result = resolve(payments, liquidity, self._limits.get(currency))
        return result, [self._entries[p.payment_id].instruction for p in result.settled]


def queued_payment(instruction: TransferInstruction, sequence: int) -> QueuedPayment:
    """The queue record of a routed instruction, at its own settlement priority."""
    return QueuedPayment(
        payment_id=payment_id(instruction.uetr),
        debtor=instruction.debit_participant,
        creditor=instruction.credit_participant,
        currency=instruction.currency,
        amount_minor=instruction.amount_minor,
        priority=Priority.from_iso(instruction.priority),
        sequence=sequence,
    )


__all__ = ["GRIDLOCK_PAYMENTS_MAX", "LimitConfig", "LiquidityDesk", "QueueEntry", "payment_id"]
