"""Statements: built from a real ledger day, they reconcile; breaks are reported."""

from __future__ import annotations

import random
from dataclasses import replace

from corridor.ledger import AccountKind, CreateAccount, CreateTransfer, Ledger, Result
from corridor.settlement import (
    AccountOpening,
    Side,
    build_statements,
    reconcile,
    roll_over,
    transfer_entries,
)

ISSUANCE, BANKS = 1, [11, 12, 13, 14]


def run_day(ledger: Ledger, seed: int, first_id: int, now_ms: int) -> list:
    """Random transfers; returns the entries of those the ledger applied."""
    rng = random.Random(seed)
    entries = []
    for n in range(200):
        debit, credit = rng.sample(BANKS, 2)
        transfer = CreateTransfer(
            first_id + n, debit, credit, rng.randint(1, 400), reference=f"pay {n}"
        )
        outcome = ledger.apply([transfer], now_ms + n)
        if outcome.results == [Result.ok]:
            entries += transfer_entries(
                outcome.first_seq,
                transfer.id,
                debit,
                credit,
                transfer.amount_minor,
                transfer.reference,
                outcome.now_ms,
            )
    return entries


def openings(ledger: Ledger) -> list[AccountOpening]:
    return [AccountOpening(a.id, a.owner, a.currency, a.balance_minor) for a in ledger.accounts()]


def test_two_days_reconcile_and_roll_over() -> None:
    ledger = Ledger()
    ledger.apply(
        [CreateAccount(ISSUANCE, "CB", "EUR", AccountKind.issuance, None)]
        + [CreateAccount(b, f"BANK{b}", "EUR", AccountKind.settlement, -100) for b in BANKS],
        1,
    )
    ledger.apply([CreateTransfer(90 + b, ISSUANCE, b, 1_000) for b in BANKS], 2)
    day_one_open = openings(ledger)
    entries = run_day(ledger, 1, 1_000, 10)
    statements = build_statements(day_one_open, entries)
    closing = {a.id: a.balance_minor for a in ledger.accounts()}
    assert reconcile(statements, closing) == []
    assert sum(s.closing_minor for s in statements) == 0
    assert any(s.entries for s in statements)

    day_two_open = roll_over(statements)
    assert {o.account_id: o.opening_minor for o in day_two_open} == closing
    entries = run_day(ledger, 2, 5_000, 1_000)
    closing = {a.id: a.balance_minor for a in ledger.accounts()}
    assert reconcile(build_statements(day_two_open, entries), closing) == []


def test_entries_are_in_journal_order_with_both_sides() -> None:
    debit, credit = transfer_entries(7, 70, 11, 12, 25, "ref", 123)
    assert (debit.side, credit.side) == (Side.debit, Side.credit)
    assert (debit.counterparty_account_id, credit.counterparty_account_id) == (12, 11)
    later = transfer_entries(9, 90, 12, 11, 5, "r2", 124)
    accounts = [AccountOpening(11, "A", "EUR", 0), AccountOpening(12, "B", "EUR", 0)]
    statement = build_statements(accounts, [*later, debit, credit])[0]
    assert [e.seq for e in statement.entries] == [7, 9]
    assert (statement.debits_minor, statement.credits_minor, statement.closing_minor) == (
        25,
        5,
        -20,
    )


def test_breaks_are_reported() -> None:
    debit, credit = transfer_entries(1, 10, 11, 12, 25, "", 1)
    accounts = [AccountOpening(11, "A", "EUR", 5), AccountOpening(12, "B", "EUR", 0)]
    statements = build_statements(accounts, [debit, replace(credit, amount_minor=24)])
    problems = reconcile(statements, {11: -20, 12: 0})
    assert "account 0xc: closing 24 != ledger 0" in problems
    assert any(p.startswith("transfer 0xa: legs do not match") for p in problems)
    assert "EUR: openings sum to 5, not 0" in problems
    assert "EUR: closings sum to 4, not 0" in problems
