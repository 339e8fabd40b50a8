"""Ledger: the pure, deterministic double-entry state machine (domain layer).

Public API::

    ledger = Ledger()
    outcome = ledger.apply([CreateAccount(...), CreateTransfer(...)], now_ms)
    outcome.results  # one Result per command
"""

from corridor.ledger.accounts import BALANCE_MAX, Account, AccountBalance
from corridor.ledger.commands import (
    AccountKind,
    CloseAccount,
    Command,
    CreateAccount,
    CreateTransfer,
    Event,
    ExpirePending,
    PostPending,
    SetAccountFloor,
    VoidPending,
)
from corridor.ledger.engine import BatchOutcome, Ledger, PendingStatus
from corridor.ledger.results import Result

__all__ = [
    "BALANCE_MAX",
    "Account",
    "AccountBalance",
    "AccountKind",
    "BatchOutcome",
    "CloseAccount",
    "Command",
    "CreateAccount",
    "CreateTransfer",
    "Event",
    "ExpirePending",
    "Ledger",
    "PendingStatus",
    "PostPending",
    "Result",
    "SetAccountFloor",
    "VoidPending",
]
