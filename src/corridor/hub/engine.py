"""The settlement engine: the single writer that owns the ledger.

It applies a batch to the in-memory ledger, commits the batch durably, and only then
hands back the results (group commit). If the commit fails, the in-memory state is
thrown away and reloaded from the store, so nothing unacknowledged survives in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from corridor.foundation.clock import Clock
from corridor.hub.ports import LedgerJournal
from corridor.ledger import BatchOutcome, Command, Ledger
from corridor.payments.records import PaymentChanges


class SettlementEngine:
    """Single writer over a Ledger and its durable journal."""

    def __init__(self, journal: LedgerJournal, clock: Clock) -> None:
        self._journal = journal
        self._clock = clock
        self._ledger = journal.load()

    @property
    def ledger(self) -> Ledger:
        """Read access for queries; only `execute` may change it."""
        return self._ledger

    def execute(
        self,
        batch: Sequence[Command],
        changes_for: Callable[[BatchOutcome], PaymentChanges] | None = None,
    ) -> BatchOutcome:
        """Apply and commit one batch; returns only after the commit is durable.

        `changes_for` turns the batch's results into the hub's changes (payment states,
        outbox messages), which commit in the same transaction as the ledger's. If
        anything fails (a bad command, the hub's step, the commit), memory is reloaded
        from the database, so it never holds what was not committed.
        """
        try:
            outcome = self._ledger.apply(batch, self._clock.now_ms())
            changes = changes_for(outcome) if changes_for is not None else None
            self._journal.commit(outcome, changes)
        except BaseException:
            self._ledger = self._journal.load()
            raise
        return outcome
