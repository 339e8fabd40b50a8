"""Two-phase transfers: reserve, then post (fully or partly), void, or expire.

A pending transfer's amount counts against the debit account's floor at once; posting
moves the posted amount and releases the whole reservation; expiry happens at the start
of the first batch whose `now_ms` is at or after `expires_at = applied_at + timeout_ms`.
Time passed to `apply` never runs backwards inside the ledger.
"""

from __future__ import annotations

import pytest

from corridor.ledger import (
    AccountBalance,
    AccountKind,
    Command,
    CreateAccount,
    CreateTransfer,
    ExpirePending,
    Ledger,
    PendingStatus,
    PostPending,
    Result,
    SetAccountFloor,
    VoidPending,
)

ISSUANCE, A, B = 1, 10, 11
R = Result
T0 = 1_000_000


@pytest.fixture
def ledger() -> Ledger:
    """EUR issuance, A holding 1,000, B empty; time T0."""
    ledger = Ledger()
    setup: list[Command] = [
        CreateAccount(ISSUANCE, "ECB", "EUR", AccountKind.issuance, None),
        CreateAccount(A, "BANKAAAA", "EUR", AccountKind.settlement),
        CreateAccount(B, "BANKBBBB", "EUR", AccountKind.settlement),
        CreateTransfer(1, ISSUANCE, A, 1_000),
    ]
    assert ledger.apply(setup, T0).results == [R.ok] * 4
    return ledger


def _pending(id: int, amount: int, timeout_ms: int = 0, dr: int = A) -> CreateTransfer:
    return CreateTransfer(id, dr, B, amount, pending=True, timeout_ms=timeout_ms)


def _account(ledger: Ledger, account_id: int) -> AccountBalance:
    account = ledger.account(account_id)
    assert account is not None
    return account


def _totals(ledger: Ledger, account_id: int) -> tuple[int, int, int, int]:
    a = _account(ledger, account_id)
    return (a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending)


def test_a_pending_transfer_reserves_without_moving(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 300)], T0).results == [R.ok]
    assert _totals(ledger, A) == (0, 1_000, 300, 0)
    assert _totals(ledger, B) == (0, 0, 0, 300)
    assert _account(ledger, A).available_minor == 700
    assert _account(ledger, B).balance_minor == 0
    assert ledger.pending_status(2) is PendingStatus.pending


def test_pending_debits_count_against_the_floor(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 800)], T0).results == [R.ok]
    assert ledger.apply([CreateTransfer(3, A, B, 201)], T0).results == [R.exceeds_floor]
    assert ledger.apply([_pending(3, 201)], T0).results == [R.exceeds_floor]
    assert ledger.apply([CreateTransfer(3, A, B, 200)], T0).results == [R.ok]
    assert _account(ledger, A).available_minor == 0


def test_pending_credits_cannot_be_spent(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 800)], T0).results == [R.ok]
    assert ledger.apply([CreateTransfer(3, B, A, 1)], T0).results == [R.exceeds_floor]


def test_post_in_full_moves_the_amount(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 300)], T0).results == [R.ok]
    outcome = ledger.apply([PostPending(3, 2)], T0 + 1)
    assert outcome.results == [R.ok]
    assert outcome.events == [PostPending(3, 2, 300)]
    assert _totals(ledger, A) == (300, 1_000, 0, 0)
    assert _totals(ledger, B) == (0, 300, 0, 0)
    assert ledger.pending_status(2) is PendingStatus.posted


def test_a_partial_post_releases_the_rest(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 800)], T0).results == [R.ok]
    assert ledger.apply([PostPending(3, 2, 300)], T0).results == [R.ok]
    assert _totals(ledger, A) == (300, 1_000, 0, 0)
    assert _account(ledger, A).available_minor == 700
    assert _account(ledger, B).balance_minor == 300
    assert ledger.apply([CreateTransfer(4, A, B, 700)], T0).results == [R.ok]


def test_a_void_releases_everything(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 800)], T0).results == [R.ok]
    outcome = ledger.apply([VoidPending(3, 2)], T0)
    assert outcome.results == [R.ok]
    assert outcome.events == [VoidPending(3, 2)]
    assert _totals(ledger, A) == (0, 1_000, 0, 0)
    assert _totals(ledger, B) == (0, 0, 0, 0)
    assert ledger.pending_status(2) is PendingStatus.voided


def test_expiry_happens_exactly_at_the_timeout(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 800, timeout_ms=500)], T0).results == [R.ok]
    just_before = ledger.apply([], T0 + 499)
    assert just_before.events == []
    assert ledger.pending_status(2) is PendingStatus.pending
    at_timeout = ledger.apply([], T0 + 500)
    assert at_timeout.events == [ExpirePending(2)]
    assert ledger.pending_status(2) is PendingStatus.expired
    assert _totals(ledger, A) == (0, 1_000, 0, 0)
    assert _totals(ledger, B) == (0, 0, 0, 0)
    assert {account.id for account in at_timeout.accounts} == {A, B}


def test_a_post_just_before_the_timeout_succeeds(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 800, timeout_ms=500)], T0).results == [R.ok]
    assert ledger.apply([PostPending(3, 2, 100)], T0 + 499).results == [R.ok]
    assert ledger.apply([], T0 + 10_000).events == []
    assert _account(ledger, B).balance_minor == 100


@pytest.mark.parametrize("now_ms", [T0 + 500, T0 + 501, T0 + 86_400_000])
def test_post_or_void_at_or_after_the_timeout_is_pending_expired(
    ledger: Ledger, now_ms: int
) -> None:
    assert ledger.apply([_pending(2, 800, timeout_ms=500)], T0).results == [R.ok]
    outcome = ledger.apply([PostPending(3, 2), VoidPending(4, 2)], now_ms)
    assert outcome.results == [R.pending_expired, R.pending_expired]
    assert outcome.events == [ExpirePending(2)]  # expiries come first in the batch
    assert ledger.apply([PostPending(3, 2)], now_ms + 1).results == [R.pending_expired]
    assert ledger.applied(3) is None
    assert _account(ledger, B).balance_minor == 0


def test_expiry_frees_the_reservation_for_the_same_batch(ledger: Ledger) -> None:
    assert ledger.apply([_pending(2, 1_000, timeout_ms=10)], T0).results == [R.ok]
    assert ledger.apply([CreateTransfer(3, A, B, 1)], T0 + 9).results == [R.exceeds_floor]
    assert ledger.apply([CreateTransfer(3, A, B, 1)], T0 + 10).results == [R.ok]


def test_several_expiries_come_in_time_order(ledger: Ledger) -> None:
    batch = [_pending(2, 10, 300), _pending(3, 10, 100), _pending(4, 10, 0), _pending(5, 10, 200)]
    assert ledger.apply(batch, T0).results == [R.ok] * 4
    outcome = ledger.apply([], T0 + 250)
    assert outcome.events == [ExpirePending(3), ExpirePending(5)]
    assert ledger.apply([], T0 + 10**9).events == [ExpirePending(2)]
    assert ledger.pending_status(4) is PendingStatus.pending  # timeout 0: never expires
    assert _account(ledger, A).debits_pending == 10


def test_a_resolved_pending_does_not_expire_later(ledger: Ledger) -> None:
    batch = [_pending(2, 10, 100), _pending(3, 10, 100)]
    assert ledger.apply(batch, T0).results == [R.ok, R.ok]
    assert ledger.apply([PostPending(4, 2), VoidPending(5, 3)], T0 + 50).results == [R.ok] * 2
    assert ledger.apply([], T0 + 100).events == []
    assert ledger.pending_status(2) is PendingStatus.posted
    assert ledger.pending_status(3) is PendingStatus.voided


def test_time_never_runs_backwards(ledger: Ledger) -> None:
    assert ledger.apply([], T0 + 5_000).now_ms == T0 + 5_000
    outcome = ledger.apply([_pending(2, 10, timeout_ms=100)], T0)  # the clock went back
    assert outcome.now_ms == T0 + 5_000
    assert ledger.now_ms == T0 + 5_000
    # The timeout runs from the ledger's time, not from the earlier time given.
    assert ledger.apply([], T0 + 5_099).events == []
    assert ledger.apply([], T0 + 5_100).events == [ExpirePending(2)]


def test_journal_sequence_numbers_count_expiries(ledger: Ledger) -> None:
    first = ledger.next_seq
    outcome = ledger.apply([_pending(2, 10, timeout_ms=1)], T0)
    assert outcome.first_seq == first
    later = ledger.apply([CreateTransfer(3, A, B, 5)], T0 + 1)
    assert later.events == [ExpirePending(2), CreateTransfer(3, A, B, 5)]
    assert later.first_seq == first + 1
    assert ledger.next_seq == first + 3
    empty = ledger.apply([], T0 + 2)
    assert (empty.first_seq, ledger.next_seq) == (first + 3, first + 3)


def test_pending_from_the_issuance_account_has_no_floor(ledger: Ledger) -> None:
    huge = CreateTransfer(2, ISSUANCE, B, 10**17, pending=True, timeout_ms=5)
    assert ledger.apply([huge, PostPending(3, 2, 10**16)], T0).results == [R.ok, R.ok]
    assert _account(ledger, ISSUANCE).balance_minor == -1_000 - 10**16
    assert _account(ledger, B).balance_minor == 10**16


def test_a_floor_cannot_be_raised_above_what_pendings_leave(ledger: Ledger) -> None:
    assert ledger.apply([SetAccountFloor(A, -500), _pending(2, 1_400)], T0).results == [R.ok] * 2
    assert ledger.apply([SetAccountFloor(A, -399)], T0).results == [R.exceeds_floor]
    assert ledger.apply([VoidPending(3, 2), SetAccountFloor(A, 0)], T0).results == [R.ok] * 2


def test_posting_is_allowed_after_the_floor_changed(ledger: Ledger) -> None:
    """A reservation already holds the funds: a post never fails on the floor."""
    assert ledger.apply([SetAccountFloor(A, -500), _pending(2, 1_500)], T0).results == [R.ok] * 2
    assert ledger.apply([SetAccountFloor(A, -500)], T0).results == [R.ok]
    assert ledger.apply([PostPending(3, 2)], T0).results == [R.ok]
    assert _account(ledger, A).balance_minor == -500
    assert ledger.verify() == []


def test_the_pending_lifecycle_keeps_the_invariants(ledger: Ledger) -> None:
    batch = [_pending(2, 100, 10), _pending(3, 200), _pending(4, 300, 20)]
    assert ledger.apply(batch, T0).results == [R.ok] * 3
    assert ledger.verify() == []
    assert ledger.apply([PostPending(5, 3, 150)], T0 + 10).results == [R.ok]
    assert ledger.verify() == []
    assert ledger.apply([VoidPending(6, 4)], T0 + 15).results == [R.ok]
    assert ledger.verify() == []
    assert _totals(ledger, A) == (150, 1_000, 0, 0)
    assert _totals(ledger, B) == (0, 150, 0, 0)
