"""The small interfaces through which the hub reaches storage and the outside world."""

from __future__ import annotations

from typing import Protocol

from corridor.ledger import BatchOutcome, Ledger
from corridor.payments.records import PaymentChanges


class LedgerJournal(Protocol):
    """Durable home of the ledger: the journal plus committed balances."""

    def load(self) -> Ledger:
        """The ledger as of the last committed batch."""
        ...

    def commit(self, outcome: BatchOutcome, changes: PaymentChanges | None = None) -> None:
        """Make one batch and the hub's changes for it durable, in one transaction.
        Raises if it could not."""
        ...

    def write(self, outcome: BatchOutcome, changes: PaymentChanges | None = None) -> OpenBatch:
        """Write one batch as `commit` would, in a transaction left open for the caller
        to commit (or roll back). Raises if it could not write."""
        ...


class OpenBatch(Protocol):
    """A batch written but not committed: nothing about it may be acknowledged yet."""

    def commit(self) -> None:
        """Make it durable; raises if it could not."""
        ...

    def rollback(self) -> None: ...


class CommitsAlong(Protocol):
    """Changes another engine-thread owner keeps in memory (the FX desk's quotes),
    stored with whatever the settlement engine commits next."""

    def added_to(self, changes: PaymentChanges | None) -> PaymentChanges | None:
        """`changes` with this owner's changes since they were last taken."""
        ...

    def not_committed(self, changes: PaymentChanges | None) -> None:
        """The commit that took `changes` failed: hand this owner's part out again."""
        ...
