"""Linked chains: every command of a chain succeeds, or none of its effects remain.

A command with `linked=True` is linked to the next one; the chain ends at the first
command without the flag. The failing command keeps its own code, the others of its
chain get `linked_failed`; a batch that ends inside a chain gets `linked_chain_open`.
"""

from __future__ import annotations

import pytest

from corridor.ledger import (
    AccountBalance,
    AccountKind,
    CloseAccount,
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

ISSUANCE, A, B, C, USD = 1, 10, 11, 12, 20
R = Result


@pytest.fixture
def ledger() -> Ledger:
    """EUR issuance, A (holds 1,000), B and C (empty); a USD account."""
    ledger = Ledger()
    setup: list[Command] = [
        CreateAccount(ISSUANCE, "ECB", "EUR", AccountKind.issuance, None),
        CreateAccount(A, "BANKAAAA", "EUR", AccountKind.settlement),
        CreateAccount(B, "BANKBBBB", "EUR", AccountKind.settlement),
        CreateAccount(C, "BANKCCCC", "EUR", AccountKind.settlement),
        CreateAccount(USD, "BANKAAAA", "USD", AccountKind.settlement),
        CreateTransfer(1, ISSUANCE, A, 1_000),
    ]
    assert ledger.apply(setup, 0).results == [R.ok] * 6
    return ledger


def _t(id: int, dr: int, cr: int, amount: int, **kw: object) -> CreateTransfer:
    return CreateTransfer(id, dr, cr, amount, **kw)  # type: ignore[arg-type]


def _balances(ledger: Ledger) -> dict[int, AccountBalance]:
    return {account.id: account for account in ledger.accounts()}


def test_a_chain_that_succeeds_applies_every_command(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 600, linked=True), _t(3, B, C, 600, linked=True), _t(4, C, A, 100)]
    outcome = ledger.apply(chain, 10)
    assert outcome.results == [R.ok, R.ok, R.ok]
    assert outcome.events == chain
    balances = _balances(ledger)
    assert [balances[x].balance_minor for x in (A, B, C)] == [500, 0, 500]


@pytest.mark.parametrize("failing", [0, 1, 2])
def test_a_failure_anywhere_in_the_chain_undoes_the_whole_chain(
    ledger: Ledger, failing: int
) -> None:
    before = _balances(ledger)
    chain = [_t(2, A, B, 100, linked=True), _t(3, B, C, 50, linked=True), _t(4, C, A, 10)]
    chain[failing] = _t(chain[failing].id, A, USD, 1, linked=chain[failing].linked)
    outcome = ledger.apply(chain, 10)
    expected = [R.linked_failed] * 3
    expected[failing] = R.currency_mismatch
    assert outcome.results == expected
    assert outcome.events == []
    assert _balances(ledger) == before
    assert [ledger.applied(id) for id in (2, 3, 4)] == [None, None, None]
    assert ledger.verify() == []


def test_the_failing_command_keeps_its_own_code(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 500, linked=True), _t(3, A, C, 501, linked=True), _t(4, B, C, 1)]
    assert ledger.apply(chain, 10).results == [R.linked_failed, R.exceeds_floor, R.linked_failed]


def test_later_commands_in_a_chain_see_the_earlier_ones(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 1_000, linked=True), _t(3, B, C, 1_000)]
    assert ledger.apply(chain, 10).results == [R.ok, R.ok]
    assert _balances(ledger)[C].balance_minor == 1_000


def test_a_failed_chain_can_be_retried_under_the_same_ids(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 800, linked=True), _t(3, A, C, 800)]
    assert ledger.apply(chain, 10).results == [R.linked_failed, R.exceeds_floor]
    assert ledger.apply([_t(5, ISSUANCE, A, 600)], 20).results == [R.ok]
    outcome = ledger.apply(chain, 30)
    assert outcome.results == [R.ok, R.ok]
    assert outcome.events == chain


def test_the_retry_of_an_applied_chain_is_ok_without_effect(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 300, linked=True), _t(3, B, C, 300)]
    assert ledger.apply(chain, 10).results == [R.ok, R.ok]
    before = _balances(ledger)
    outcome = ledger.apply(chain, 20)
    assert outcome.results == [R.ok, R.ok]
    assert outcome.events == []
    assert _balances(ledger) == before


def test_an_id_reused_inside_a_chain_fails_the_chain(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 300, linked=True), _t(1, A, C, 5)]
    assert ledger.apply(chain, 10).results == [R.linked_failed, R.id_reused]
    assert ledger.applied(2) is None


def test_a_chain_open_at_the_end_of_the_batch_fails(ledger: Ledger) -> None:
    before = _balances(ledger)
    batch = [_t(2, A, B, 1), _t(3, A, B, 2, linked=True), _t(4, A, B, 3, linked=True)]
    outcome = ledger.apply(batch, 10)
    assert outcome.results == [R.ok, R.linked_failed, R.linked_chain_open]
    assert outcome.events == [batch[0]]
    assert _balances(ledger)[B].balance_minor == before[B].balance_minor + 1


def test_a_single_linked_command_at_the_end_is_an_open_chain(ledger: Ledger) -> None:
    outcome = ledger.apply([_t(2, A, B, 1, linked=True)], 10)
    assert outcome.results == [R.linked_chain_open]
    assert outcome.events == []
    assert ledger.applied(2) is None


def test_a_chain_after_a_failed_chain_is_independent(ledger: Ledger) -> None:
    batch = [
        _t(2, A, B, 100, linked=True),
        _t(3, A, B, 10_000),  # fails: chain 1 is undone
        _t(4, A, C, 100, linked=True),
        _t(5, C, B, 40),  # chain 2 succeeds
        _t(6, A, B, 1),  # unlinked, unaffected
    ]
    outcome = ledger.apply(batch, 10)
    assert outcome.results == [R.linked_failed, R.exceeds_floor, R.ok, R.ok, R.ok]
    assert outcome.events == batch[2:]
    balances = _balances(ledger)
    assert [balances[x].balance_minor for x in (A, B, C)] == [899, 41, 60]


def test_a_failed_chain_after_a_good_chain_leaves_the_good_one(ledger: Ledger) -> None:
    batch = [
        _t(2, A, B, 100, linked=True),
        _t(3, B, C, 100),
        _t(4, A, C, 100, linked=True),
        _t(5, C, USD, 40),
    ]
    outcome = ledger.apply(batch, 10)
    assert outcome.results == [R.ok, R.ok, R.linked_failed, R.currency_mismatch]
    assert outcome.events == batch[:2]
    assert _balances(ledger)[C].balance_minor == 100


# -- two-phase inside chains -----------------------------------------------------------


def test_pending_and_its_post_in_a_failed_chain_leave_nothing(ledger: Ledger) -> None:
    before = _balances(ledger)
    chain = [
        _t(2, A, B, 400, pending=True, timeout_ms=50, linked=True),
        PostPending(3, 2, 300, linked=True),
        _t(4, A, C, 5_000),
    ]
    outcome = ledger.apply(chain, 10)
    assert outcome.results == [R.linked_failed, R.linked_failed, R.exceeds_floor]
    assert _balances(ledger) == before
    assert ledger.pending_status(2) is None
    assert ledger.applied(3) is None
    # The rolled-back pending never expires: no event, no effect at its old timeout.
    later = ledger.apply([], 100)
    assert later.events == []
    assert ledger.verify() == []


def test_pending_and_its_post_in_a_good_chain(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 400, pending=True, linked=True), PostPending(3, 2, 300)]
    assert ledger.apply(chain, 10).results == [R.ok, R.ok]
    balances = _balances(ledger)
    assert (balances[A].balance_minor, balances[A].debits_pending) == (700, 0)
    assert ledger.pending_status(2) is PendingStatus.posted


@pytest.mark.parametrize("resolve", [PostPending(3, 2, 50, linked=True), VoidPending(3, 2, True)])
def test_a_resolve_in_a_failed_chain_is_undone(ledger: Ledger, resolve: Command) -> None:
    assert ledger.apply([_t(2, A, B, 400, pending=True)], 10).results == [R.ok]
    before = _balances(ledger)
    outcome = ledger.apply([resolve, _t(4, A, USD, 1)], 20)
    assert outcome.results == [R.linked_failed, R.currency_mismatch]
    assert _balances(ledger) == before
    assert ledger.pending_status(2) is PendingStatus.pending
    assert ledger.applied(3) is None
    assert ledger.apply([PostPending(3, 2)], 30).results == [R.ok]
    assert _balances(ledger)[B].balance_minor == 400


def test_a_pending_recreated_after_its_chain_failed_expires_on_its_own_time(
    ledger: Ledger,
) -> None:
    pending = _t(2, A, B, 400, pending=True, timeout_ms=50, linked=True)
    assert ledger.apply([pending, _t(3, A, USD, 1)], 10).results == [
        R.linked_failed,
        R.currency_mismatch,
    ]
    retry = _t(2, A, B, 400, pending=True, timeout_ms=50)
    assert ledger.apply([retry], 40).results == [R.ok]  # expires at 90, not 60
    assert ledger.apply([], 60).events == []
    assert ledger.pending_status(2) is PendingStatus.pending
    assert ledger.apply([], 90).events == [ExpirePending(2)]
    assert ledger.pending_status(2) is PendingStatus.expired


def test_a_failed_chain_does_not_undo_the_batch_expiries(ledger: Ledger) -> None:
    assert ledger.apply([_t(2, A, B, 400, pending=True, timeout_ms=5)], 10).results == [R.ok]
    outcome = ledger.apply([_t(3, A, B, 1_000, linked=True), _t(4, A, USD, 1)], 20)
    assert outcome.results == [R.linked_failed, R.currency_mismatch]
    assert outcome.events == [ExpirePending(2)]
    assert ledger.pending_status(2) is PendingStatus.expired
    assert _balances(ledger)[A].debits_pending == 0


def test_a_pending_reservation_inside_a_chain_counts_against_the_floor(ledger: Ledger) -> None:
    chain = [_t(2, A, B, 700, pending=True, linked=True), _t(3, A, C, 301)]
    assert ledger.apply(chain, 10).results == [R.linked_failed, R.exceeds_floor]
    chain = [_t(2, A, B, 700, pending=True, linked=True), _t(3, A, C, 300)]
    assert ledger.apply(chain, 20).results == [R.ok, R.ok]


# -- account commands inside chains ----------------------------------------------------


def test_account_commands_in_a_failed_chain_are_undone(ledger: Ledger) -> None:
    chain: list[Command] = [
        CreateAccount(30, "BANKDDDD", "EUR", AccountKind.settlement, linked=True),
        SetAccountFloor(B, -500, linked=True),
        _t(4, B, 30, 500, linked=True),
        CloseAccount(C, linked=True),
        _t(5, A, USD, 1),
    ]
    before = _balances(ledger)
    outcome = ledger.apply(chain, 10)
    assert outcome.results == [R.linked_failed] * 4 + [R.currency_mismatch]
    assert outcome.events == []
    assert ledger.account(30) is None
    assert _balances(ledger) == before
    assert before[B].floor_minor == 0
    assert not before[C].closed


def test_a_failed_chain_reports_no_account_that_does_not_exist(ledger: Ledger) -> None:
    """outcome.accounts is what the store persists: never an account that was undone."""
    chain: list[Command] = [
        CreateAccount(30, "BANKDDDD", "EUR", AccountKind.settlement, linked=True),
        _t(4, A, 30, 500, linked=True),
        _t(5, A, USD, 1),
    ]
    outcome = ledger.apply(chain, 10)
    assert outcome.results == [R.linked_failed, R.linked_failed, R.currency_mismatch]
    assert ledger.account(30) is None
    assert [account.id for account in outcome.accounts if account.id == 30] == []
    for account in outcome.accounts:
        assert ledger.account(account.id) == account


def test_account_commands_in_a_good_chain(ledger: Ledger) -> None:
    chain: list[Command] = [
        CreateAccount(30, "BANKDDDD", "EUR", AccountKind.settlement, linked=True),
        SetAccountFloor(30, -200, linked=True),
        _t(4, 30, C, 200, linked=True),
        _t(5, C, B, 200, linked=True),
        CloseAccount(C),
    ]
    outcome = ledger.apply(chain, 10)
    assert outcome.results == [R.ok] * 5
    assert outcome.events == chain
    balances = _balances(ledger)
    assert (balances[30].balance_minor, balances[30].floor_minor) == (-200, -200)
    assert balances[C].closed
