"""The small interfaces through which the hub reaches storage and the outside world."""

from __future__ import annotations

from typing import Protocol

from corridor.ledger import BatchOutcome, Ledger


class LedgerJournal(Protocol):
    """Durable home of the ledger: the journal plus committed balances."""

    def load(self) -> Ledger:
        """The ledger as of the last committed batch."""
        ...

    def commit(self, outcome: BatchOutcome) -> None:
        """Make one batch durable (one transaction). Raises if it could not."""
        ...
