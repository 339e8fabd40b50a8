"""Ledger invariants. Checked after every batch (touched accounts) and by `verify` (all).

1. In every currency the posted balances sum to zero, and pending debits equal pending
   credits: value is only moved, never created or destroyed.
2. No account with a floor is below it (posted balance less pending debits).
3. Every running total is a non-negative integer that fits 63 bits.
4. Pending totals on each account equal the sum of its open pending transfers.
(5. No transfer id is applied twice: the ledger keys them in one dict and the store's
   journal has the id as its primary key.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from corridor.foundation.errors import InvariantViolation
from corridor.ledger.accounts import BALANCE_MAX, Account


def account_problems(account: Account) -> list[str]:
    """What is wrong with one account on its own (invariants 2 and 3)."""
    problems = []
    for name in ("debits_posted", "credits_posted", "debits_pending", "credits_pending"):
        value = getattr(account, name)
        if type(value) is not int or not 0 <= value <= BALANCE_MAX:
            problems.append(f"account {account.id:#x}: {name}={value!r} out of range")
    floor = account.floor_minor
    if floor is not None and account.available_minor < floor:
        problems.append(
            f"account {account.id:#x}: available {account.available_minor} below floor {floor}"
        )
    return problems


def check_touched(touched: Mapping[Account, tuple[int, int, int]]) -> None:
    """After a batch: the touched accounts are sound and their changes net to zero.

    `touched` maps each account to (balance, debits_pending, credits_pending) before
    the batch. Raises InvariantViolation: the engine must stop.
    """
    deltas: dict[str, list[int]] = {}
    for account, (balance_before, debits_pending_before, credits_pending_before) in touched.items():
        problems = account_problems(account)
        if problems:
            raise InvariantViolation("; ".join(problems))
        delta = deltas.setdefault(account.currency, [0, 0])
        delta[0] += account.balance_minor - balance_before
        delta[1] += (account.debits_pending - debits_pending_before) - (
            account.credits_pending - credits_pending_before
        )
    for currency, (balance_delta, pending_delta) in deltas.items():
        if balance_delta:
            raise InvariantViolation(
                f"{currency}: batch changed the sum of balances by {balance_delta}"
            )
        if pending_delta:
            raise InvariantViolation(
                f"{currency}: pending debits and credits diverged by {pending_delta}"
            )


def verify_state(
    accounts: Iterable[Account], pending_totals: Mapping[int, tuple[int, int]]
) -> list[str]:
    """Every invariant over a whole state; returns the problems found (empty = sound)."""
    problems: list[str] = []
    sums: dict[str, list[int]] = {}
    for account in accounts:
        problems.extend(account_problems(account))
        total = sums.setdefault(account.currency, [0, 0, 0])
        total[0] += account.balance_minor
        total[1] += account.debits_pending
        total[2] += account.credits_pending
        expected = pending_totals.get(account.id, (0, 0))
        if (account.debits_pending, account.credits_pending) != expected:
            problems.append(
                f"account {account.id:#x}: pending totals "
                f"{(account.debits_pending, account.credits_pending)} != open pendings {expected}"
            )
    for currency, (balance_sum, debits_pending, credits_pending) in sorted(sums.items()):
        if balance_sum:
            problems.append(f"{currency}: balances sum to {balance_sum}, not zero")
        if debits_pending != credits_pending:
            problems.append(
                f"{currency}: pending debits {debits_pending} != pending credits {credits_pending}"
            )
    return problems
