"""The commands the ledger applies. Immutable records; the ledger never changes them.

Ids are unsigned 128-bit integers (time-ordered UUIDv7 in practice, see foundation.ids).
Amounts are positive integers in minor units of the accounts' currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from corridor.foundation.slots import slot_init


class AccountKind(IntEnum):
    """What an account is for. Only `issuance` has no floor and may go below zero."""

    settlement = 1  # a participant's account at the settlement agent
    issuance = 2  # the settlement agent's (central bank's) own account for the currency
    escrow = 3  # held funds: queues, payment-versus-payment legs, settlement windows
    fees = 4  # charges collected by the operator


@dataclass(frozen=True, slots=True)
class CreateAccount:
    """Open an account.

    Attributes:
        id: the account id (non-zero).
        owner: the participant (BIC) or operator role that owns it.
        currency: ISO 4217 code; checked at the boundary, the ledger only compares it.
        kind: see AccountKind.
        floor_minor: lowest allowed balance (e.g. minus an intraday credit line);
            None only for `issuance`.
    """

    id: int
    owner: str
    currency: str
    kind: AccountKind
    floor_minor: int | None = 0
    linked: bool = False


@slot_init  # one per payment in the hub, millions in the ledger benchmark
@dataclass(frozen=True, slots=True)
class CreateTransfer:
    """Move `amount_minor` from the debit account to the credit account.

    Attributes:
        id: the transfer id (non-zero, unique for all time).
        debit_account_id / credit_account_id: both accounts, same currency.
        amount_minor: positive, minor units.
        code: a small integer saying what kind of transfer this is (chosen by the hub).
        reference: free text for reconciliation (e.g. the UETR), at most 140 characters.
        pending: reserve now, post or void later (two-phase).
        timeout_ms: for pending transfers, expire this long after being applied; 0 = never.
        linked: this command and the next succeed or fail together.
    """

    id: int
    debit_account_id: int
    credit_account_id: int
    amount_minor: int
    code: int = 0
    reference: str = ""
    pending: bool = False
    timeout_ms: int = 0
    linked: bool = False


@dataclass(frozen=True, slots=True)
class PostPending:
    """Post a pending transfer, fully (amount_minor None) or partially; releases the rest."""

    id: int
    pending_id: int
    amount_minor: int | None = None
    linked: bool = False


@dataclass(frozen=True, slots=True)
class VoidPending:
    """Void a pending transfer: release its reservation."""

    id: int
    pending_id: int
    linked: bool = False


@dataclass(frozen=True, slots=True)
class SetAccountFloor:
    """Change an account's floor (for example a new intraday credit line)."""

    account_id: int
    floor_minor: int
    linked: bool = False


@dataclass(frozen=True, slots=True)
class CloseAccount:
    """Close an account with a zero balance and nothing pending."""

    account_id: int
    linked: bool = False


Command = (
    CreateAccount | CreateTransfer | PostPending | VoidPending | SetAccountFloor | CloseAccount
)


@dataclass(frozen=True, slots=True)
class ExpirePending:
    """Journal-only event: the ledger expired a pending transfer at its timeout."""

    pending_id: int


# What the journal records, in order: every command that changed state, plus expiries.
Event = Command | ExpirePending

REFERENCE_LENGTH_MAX = 140
