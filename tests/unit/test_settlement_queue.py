"""Queues: order, FIFO-bypass, reprioritise, cancel, moves, cut-off expiry."""

from __future__ import annotations

import pytest

from corridor.foundation.errors import InputError
from corridor.settlement import (
    CUT_OFF_REASON,
    LimitConfig,
    LimitState,
    PaymentQueue,
    Priority,
    QueueBook,
    QueuedPayment,
    QueuePolicy,
    QueueResult,
)

U, H, N = Priority.urgent, Priority.high, Priority.normal


def pay(pid: int, amount: int, priority: Priority = N, creditor: str = "B") -> QueuedPayment:
    return QueuedPayment(pid, "A", creditor, "EUR", amount, priority, sequence=pid)


def queue_of(*payments: QueuedPayment, policy: QueuePolicy | None = None) -> PaymentQueue:
    queue = PaymentQueue("A", "EUR", policy)
    for p in payments:
        assert queue.add(p) is QueueResult.ok
    return queue


def ids(payments) -> list[int]:
    return [p.payment_id for p in payments]


def test_order_is_priority_then_fifo() -> None:
    queue = queue_of(pay(1, 10, N), pay(2, 10, H), pay(3, 10, U), pay(4, 10, N), pay(5, 10, U))
    assert ids(queue.payments()) == [3, 5, 2, 1, 4]


def test_add_refuses_duplicates_other_queues_and_overflow() -> None:
    queue = queue_of(pay(1, 10), policy=QueuePolicy(length_max=2))
    assert queue.add(pay(1, 10)) is QueueResult.exists
    other = QueuedPayment(9, "Z", "B", "EUR", 5)
    assert queue.add(other) is QueueResult.wrong_queue
    assert queue.add(pay(2, 10)) is QueueResult.ok
    assert queue.add(pay(3, 10)) is QueueResult.queue_full


def test_settleable_takes_in_order_until_liquidity_runs_out() -> None:
    queue = queue_of(pay(1, 50), pay(2, 30), pay(3, 40), policy=QueuePolicy(fifo_bypass=False))
    assert ids(queue.settleable(80)) == [1, 2]
    assert ids(queue.settleable(79)) == [1]  # 2 does not fit; strict FIFO stops there
    assert len(queue) == 3  # selection removes nothing


def test_fifo_bypass_lets_smaller_normal_payments_overtake() -> None:
    queue = queue_of(pay(1, 100), pay(2, 30), pay(3, 120), pay(4, 20))
    assert ids(queue.settleable(60)) == [2, 4]
    capped = queue_of(pay(1, 100), pay(2, 30), pay(4, 20), policy=QueuePolicy(bypass_amount_max=25))
    assert ids(capped.settleable(60)) == [4]


def test_urgent_payments_are_never_overtaken() -> None:
    queue = queue_of(pay(1, 100, U), pay(2, 10, N))
    assert queue.settleable(60) == []


def test_limits_block_like_liquidity() -> None:
    limits = LimitState(LimitConfig(bilateral_minor={("A", "B"): 40}))
    queue = queue_of(pay(1, 30), pay(2, 30), pay(3, 5, creditor="C"))
    assert ids(queue.settleable(1_000, limits)) == [1, 3]  # 2 would pass the limit
    assert limits.bilateral_position("A", "B") == 0  # the caller's state is untouched


def test_reprioritise_keeps_arrival_order_within_the_new_priority() -> None:
    queue = queue_of(pay(1, 10, H), pay(2, 10), pay(3, 10, H))
    assert queue.reprioritise(2, H) is QueueResult.ok
    assert ids(queue.payments()) == [1, 2, 3]
    assert queue.reprioritise(99, U) is QueueResult.not_found


def test_cancel_and_operator_moves() -> None:
    queue = queue_of(pay(1, 10), pay(2, 10), pay(3, 10))
    assert queue.cancel(2) == pay(2, 10)
    assert queue.cancel(2) is None
    assert queue.move(3, to_front=True) is QueueResult.ok
    assert ids(queue.payments()) == [3, 1]
    assert queue.move(3, to_front=False) is QueueResult.ok
    assert ids(queue.payments()) == [1, 3]


def test_expire_at_cut_off_rejects_everything_left() -> None:
    queue = queue_of(pay(1, 10), pay(2, 10, U))
    rejections = queue.expire()
    assert [(r.payment.payment_id, r.reason) for r in rejections] == [
        (2, CUT_OFF_REASON),
        (1, CUT_OFF_REASON),
    ]
    assert len(queue) == 0


def test_queue_book_threshold_and_removal() -> None:
    book = QueueBook("EUR", threshold_length=2)
    book.add(pay(1, 10))
    assert not book.gridlock_due()
    book.add(QueuedPayment(2, "B", "A", "EUR", 5, sequence=2))
    assert book.gridlock_due()
    assert book.find(2) is not None
    assert book.remove_settled({1, 2}) == 2
    assert book.length() == 0
    with pytest.raises(InputError):
        QueueBook("EUR", threshold_length=0)


def test_priority_from_iso_and_bad_payments() -> None:
    assert [Priority.from_iso(c) for c in ("URGT", "HIGH", "NORM", None)] == [U, H, N, N]
    with pytest.raises(InputError) as error:
        Priority.from_iso("LOW")
    assert error.value.field == "priority"
    with pytest.raises(InputError):
        QueuedPayment(1, "A", "A", "EUR", 10)
    with pytest.raises(InputError):
        QueuedPayment(1, "A", "B", "EUR", 0)
