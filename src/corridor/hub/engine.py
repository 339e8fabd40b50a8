"""The settlement engine: the single writer that owns the ledger.

It applies a batch to the in-memory ledger, commits the batch durably, and only then
hands back the results (group commit). If the commit fails, the in-memory state is
thrown away and reloaded from the store, so nothing unacknowledged survives in memory.
If the reload fails too (the database went away), the memory is marked stale: nothing
reads it (LedgerUnavailable) and the next batch reloads it first, or is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corridor.foundation.clock import Clock
from corridor.foundation.errors import InvariantViolation
from corridor.hub.ports import CommitsAlong, LedgerJournal, OpenBatch
from corridor.ledger import BatchOutcome, Command, Ledger
from corridor.payments.records import PaymentChanges


class LedgerUnavailable(Exception):  # noqa: N818 - the state, as the API reports it
    """The in-memory ledger may hold a batch that did not commit, and reloading it from
    the database failed: it is neither read nor written until a reload succeeds."""


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
        self._stale = False  # memory may not be what the database holds: reload first
        # What another engine-thread owner changed in memory since the last batch (the
        # FX desk's quotes), added to whatever commits next: set by the hub's bootstrap.
        self.also_commit: CommitsAlong | None = None

    @property
    def ledger(self) -> Ledger:
        """Read access for queries; only `execute` may change it."""
        if self._stale:
            raise LedgerUnavailable("the ledger waits to be reloaded from the database")
        return self._ledger

    @property
    def accounts(self) -> Ledger:
        """Which accounts exist and whose they are, stale or not: what routing reads
        (corridor.hub.directory). A stale ledger may hold an account of a batch that
        did not commit; a payment routed to it fails in the ledger the next batch
        reloads first. Balances are read through `ledger`."""
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
        self.reload_if_stale()
        changes: PaymentChanges | None = None
        try:
            outcome = self._ledger.apply(batch, self._clock.now_ms())
            changes = self._with_others(changes_for(outcome) if changes_for is not None else None)
            self._journal.commit(outcome, changes)
        except BaseException:
            if self.also_commit is not None:
                self.also_commit.not_committed(changes)
            self._reload_after_failure()
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
        self.reload_if_stale()
        outcome = self._ledger.apply(batch, self._clock.now_ms())
        changes = changes_for(outcome) if changes_for is not None else None
        return Applied(outcome, self._with_others(changes))

    def _with_others(self, changes: PaymentChanges | None) -> PaymentChanges | None:
        return changes if self.also_commit is None else self.also_commit.added_to(changes)

    def write(self, applied: Applied) -> OpenBatch:
        return self._journal.write(applied.outcome, applied.changes)

    def reload(self) -> None:
        """Memory back to what the database holds (after a failed step). If the load
        fails, the memory is stale until a reload succeeds."""
        try:
            self._ledger = self._journal.load()
        except BaseException:
            self._stale = True
            raise
        self._stale = False

    def _reload_after_failure(self) -> None:
        """The batch's own error is the one to report: a reload that fails as well (the
        database away) leaves the memory stale, and the next batch reloads it first. A
        broken invariant in what the database holds is not swallowed: it is raised here,
        and by every batch after it, until the database is repaired."""
        try:
            self.reload()
        except InvariantViolation:
            raise
        except Exception:
            return

    def reload_if_stale(self) -> None:
        """Reload a ledger left stale by a failed reload (engine thread only)."""
        if self._stale:
            self.reload()  # raises while the database is unavailable: the batch is refused
