"""The settlement engine: the single writer that owns the ledger.

It applies a batch to the in-memory ledger, commits the batch durably, and only then
hands back the results (group commit). If the commit fails, the in-memory state is
thrown away and reloaded from the store, so nothing unacknowledged survives in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corridor.foundation.clock import Clock
from corridor.hub.ports import LedgerJournal, OpenBatch
from corridor.ledger import BatchOutcome, Command, Ledger
from corridor.payments.records import PaymentChanges


@dataclass(frozen=True, slots=True)
class Applied:
    """A batch applied in memory, its hub changes derived, not written yet."""

    outcome: BatchOutcome
    changes: PaymentChanges | None


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

    # -- the same in steps, for a pipeline (worker.EngineWorker) ---------------------------
    # apply -> write -> (commit, on any thread) : the next batch may be applied while this
    # one commits, since it is acknowledged only after it, and fails with it. The caller
    # must reload() after any failure, once no commit is in flight.
    def apply(
        self,
        batch: Sequence[Command],
        changes_for: Callable[[BatchOutcome], PaymentChanges] | None = None,
    ) -> Applied:
        outcome = self._ledger.apply(batch, self._clock.now_ms())
        return Applied(outcome, changes_for(outcome) if changes_for is not None else None)

    def write(self, applied: Applied) -> OpenBatch:
        return self._journal.write(applied.outcome, applied.changes)

    def reload(self) -> None:
        """Memory back to what the database holds (after a failed step)."""
        self._ledger = self._journal.load()
