"""Deferred net settlement windows: states, net positions, the linked batch."""

from __future__ import annotations

import itertools

import pytest

from corridor.ledger import AccountKind, CreateAccount, CreateTransfer, Ledger, Result
from corridor.settlement import NettingWindow, QueuedPayment, WindowResult, WindowState

ACCOUNTS = {"A": 11, "B": 12, "C": 13}
NETTING = 99


def pay(pid: int, debtor: str, creditor: str, amount: int) -> QueuedPayment:
    return QueuedPayment(pid, debtor, creditor, "EUR", amount, sequence=pid)


def ledger_with(balances: dict[str, int]) -> Ledger:
    ledger = Ledger()
    ledger.apply(
        [
            CreateAccount(1, "CB", "EUR", AccountKind.issuance, None),
            CreateAccount(NETTING, "OPERATOR", "EUR", AccountKind.escrow, 0),
        ]
        + [CreateAccount(a, n, "EUR", AccountKind.settlement, 0) for n, a in ACCOUNTS.items()],
        1,
    )
    funding = [
        CreateTransfer(50 + i, 1, ACCOUNTS[n], amount)
        for i, (n, amount) in enumerate(balances.items())
        if amount
    ]
    ledger.apply(funding, 2)
    return ledger


def window_with(*payments: QueuedPayment) -> NettingWindow:
    window = NettingWindow(7, "EUR", opened_at_ms=1_000)
    for p in payments:
        assert window.add(p) is WindowResult.ok
    return window


def test_window_nets_multilaterally_and_reports() -> None:
    window = window_with(pay(1, "A", "B", 100), pay(2, "B", "C", 70), pay(3, "C", "A", 50))
    assert window.net_positions() == {"A": -50, "B": 30, "C": 20}
    assert window.close(2_000) is WindowResult.ok
    report = window.report()
    assert (
        report.payment_count,
        report.gross_minor,
        report.net_settlement_minor,
        report.liquidity_saved_minor,
    ) == (3, 220, 50, 170)
    assert report.state is WindowState.closed
    assert report.closed_at_ms == 2_000


def test_states_only_move_forward() -> None:
    window = window_with(pay(1, "A", "B", 10))
    assert window.add(pay(1, "A", "B", 10)) is WindowResult.exists
    assert window.add(QueuedPayment(2, "A", "B", "INR", 5)) is WindowResult.wrong_currency
    assert window.mark_settled(5) is WindowResult.not_closed
    with pytest.raises(ValueError):
        window.settlement_commands(ACCOUNTS.__getitem__, NETTING, iter([1]).__next__)
    window.close(2)
    assert window.add(pay(3, "A", "B", 10)) is WindowResult.not_open
    assert window.close(3) is WindowResult.not_open
    assert window.mark_settled(4) is WindowResult.ok
    assert window.state is WindowState.settled


def test_settlement_batch_applies_all_or_nothing_on_the_ledger() -> None:
    window = window_with(pay(1, "A", "B", 100), pay(2, "B", "C", 70), pay(3, "C", "A", 50))
    window.close(2)
    ids = itertools.count(1_000)
    chain = window.settlement_commands(ACCOUNTS.__getitem__, NETTING, ids.__next__)
    assert [t.linked for t in chain] == [True, True, False]
    assert sum(t.amount_minor for t in chain if t.credit_account_id == NETTING) == 50

    short = ledger_with({"A": 49})
    outcome = short.apply(chain, 3)
    assert Result.ok not in outcome.results  # A lacks 1: nobody is settled
    assert short.account(ACCOUNTS["B"]).balance_minor == 0

    funded = ledger_with({"A": 50})
    assert set(funded.apply(chain, 3).results) == {Result.ok}
    balances = {n: funded.account(a).balance_minor for n, a in ACCOUNTS.items()}
    assert balances == {"A": 0, "B": 30, "C": 20}
    assert funded.account(NETTING).balance_minor == 0


def test_a_window_that_offsets_exactly_moves_nothing() -> None:
    window = window_with(pay(1, "A", "B", 40), pay(2, "B", "A", 40))
    window.close(2)
    assert window.settlement_commands(ACCOUNTS.__getitem__, NETTING, iter([]).__next__) == []
    assert window.report().liquidity_saved_minor == 80
