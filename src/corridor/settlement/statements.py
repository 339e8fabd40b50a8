"""Account statements for a business day (camt.053) and intraday (camt.052), and their
reconciliation.

The hub feeds posted journal entries per account; this module orders them, computes
opening and closing balances and checks that the day reconciles:

1. every statement: opening + credits - debits = closing;
2. every statement's closing equals the ledger's balance, when the caller gives it;
3. every transfer appears as one debit and one credit of the same amount, same currency;
4. per currency, the openings sum to zero and the closings sum to zero.

Balances roll over: tomorrow's opening is today's closing (`roll_over`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

STATEMENT_ENTRIES_MAX = 10_000_000


class Side(IntEnum):
    debit = 0
    credit = 1


@dataclass(frozen=True, slots=True)
class Entry:
    """One posting on one account.

    Attributes:
        seq: journal sequence number (orders entries; unique per posting event).
        transfer_id: the ledger transfer.
        account_id: the account posted to.
        amount_minor: positive, minor units.
        side: debit (money out) or credit (money in).
        counterparty_account_id: the other account of the transfer.
        reference: the transfer's reference (e.g. the UETR).
        timestamp_ms: when the ledger applied it.
    """

    seq: int
    transfer_id: int
    account_id: int
    amount_minor: int
    side: Side
    counterparty_account_id: int
    reference: str
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class AccountOpening:
    """An account as the period starts: who owns it, its currency and opening balance."""

    account_id: int
    owner: str
    currency: str
    opening_minor: int


@dataclass(frozen=True, slots=True)
class Statement:
    """One account's statement for a period.

    Attributes:
        account_id, owner, currency: the account.
        opening_minor / closing_minor: balances at the start and end of the period.
        entries: every posting in journal order.
        debits_minor / credits_minor: totals of the entries.
    """

    account_id: int
    owner: str
    currency: str
    opening_minor: int
    closing_minor: int
    entries: tuple[Entry, ...]
    debits_minor: int
    credits_minor: int


def transfer_entries(
    seq: int,
    transfer_id: int,
    debit_account_id: int,
    credit_account_id: int,
    amount_minor: int,
    reference: str,
    timestamp_ms: int,
) -> tuple[Entry, Entry]:
    """The two postings of one posted transfer: (debit entry, credit entry)."""
    debit = Entry(
        seq,
        transfer_id,
        debit_account_id,
        amount_minor,
        Side.debit,
        credit_account_id,
        reference,
        timestamp_ms,
    )
    credit = Entry(
        seq,
        transfer_id,
        credit_account_id,
        amount_minor,
        Side.credit,
        debit_account_id,
        reference,
        timestamp_ms,
    )
    return debit, credit


def build_statements(
    accounts: Sequence[AccountOpening], entries: Iterable[Entry]
) -> list[Statement]:
    """One statement per account (by account id); entries for unknown accounts raise."""
    by_account: dict[int, list[Entry]] = {a.account_id: [] for a in accounts}
    for count, entry in enumerate(entries, start=1):
        if count > STATEMENT_ENTRIES_MAX:
            raise ValueError(f"more than STATEMENT_ENTRIES_MAX={STATEMENT_ENTRIES_MAX}")
        if entry.account_id not in by_account:
            raise ValueError(f"entry {entry.seq} for unknown account {entry.account_id:#x}")
        by_account[entry.account_id].append(entry)
    return [
        _statement(account, by_account[account.account_id])
        for account in sorted(accounts, key=lambda a: a.account_id)
    ]


def _statement(account: AccountOpening, entries: list[Entry]) -> Statement:
    entries.sort(key=lambda e: (e.seq, e.side, e.transfer_id))
    debits = sum(e.amount_minor for e in entries if e.side is Side.debit)
    credits = sum(e.amount_minor for e in entries if e.side is Side.credit)
    return Statement(
        account_id=account.account_id,
        owner=account.owner,
        currency=account.currency,
        opening_minor=account.opening_minor,
        closing_minor=account.opening_minor + credits - debits,
        entries=tuple(entries),
        debits_minor=debits,
        credits_minor=credits,
    )


def reconcile(
    statements: Sequence[Statement], ledger_closing_minor: Mapping[int, int] | None = None
) -> list[str]:
    """Every reconciliation break, in the order of the module docstring; [] = reconciles."""
    problems: list[str] = []
    for s in statements:
        if s.opening_minor + s.credits_minor - s.debits_minor != s.closing_minor:
            problems.append(f"account {s.account_id:#x}: opening + entries != closing")
        if ledger_closing_minor is not None and (
            ledger_closing_minor.get(s.account_id) != s.closing_minor
        ):
            problems.append(
                f"account {s.account_id:#x}: closing {s.closing_minor} != ledger "
                f"{ledger_closing_minor.get(s.account_id)}"
            )
    problems += _unmatched_transfers(statements)
    problems += _currency_sums(statements)
    return problems


def _unmatched_transfers(statements: Sequence[Statement]) -> list[str]:
    legs: dict[int, list[tuple[Side, int, str]]] = {}
    for s in statements:
        for e in s.entries:
            legs.setdefault(e.transfer_id, []).append((e.side, e.amount_minor, s.currency))
    problems = []
    for transfer_id in sorted(legs):
        found = sorted(legs[transfer_id])
        ok = (
            len(found) == 2
            and found[0][0] is Side.debit
            and found[1][0] is Side.credit
            and found[0][1:] == found[1][1:]
        )
        if not ok:
            problems.append(f"transfer {transfer_id:#x}: legs do not match {found}")
    return problems


def _currency_sums(statements: Sequence[Statement]) -> list[str]:
    openings: dict[str, int] = {}
    closings: dict[str, int] = {}
    for s in statements:
        openings[s.currency] = openings.get(s.currency, 0) + s.opening_minor
        closings[s.currency] = closings.get(s.currency, 0) + s.closing_minor
    problems = [f"{c}: openings sum to {v}, not 0" for c, v in sorted(openings.items()) if v]
    problems += [f"{c}: closings sum to {v}, not 0" for c, v in sorted(closings.items()) if v]
    return problems


def roll_over(statements: Sequence[Statement]) -> list[AccountOpening]:
    """Tomorrow's openings: today's closings."""
    return [AccountOpening(s.account_id, s.owner, s.currency, s.closing_minor) for s in statements]
