"""Cross-currency payments in the hub: providers' rates, quotes, and PvP settlement.

The pricing and the leg arithmetic are corridor.fx's; this desk keeps the QuoteBook on
the engine thread, checks who may publish what, persists rate sheets, keeps the book's
suspended providers in step with the directory, and turns a consumed quote into the
linked ledger chain that settles every leg or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from corridor.foundation.errors import InputError
from corridor.fx import (
    FeeSchedule,
    FxConfig,
    PaymentTerms,
    PvpPlan,
    Quote,
    QuoteBook,
    QuoteOutcome,
    QuoteRequest,
    QuoteStatus,
    RateSheet,
    pvp_plan,
)
from corridor.fx.quotes import ConsumeOutcome
from corridor.fx.reports import FxTrade
from corridor.hub.directory import Directory
from corridor.hub.intake import TransferInstruction
from corridor.hub.network import fees_account_id, transit_account_id
from corridor.payments.records import ParticipantKind, ParticipantStatus, PaymentChanges
from corridor.store.fx_store import live_quotes, load_sheets, save_sheet, settled_exposure_since


@dataclass(frozen=True, slots=True)
class FxSettings:
    """Network FX policy: the fee, how long a quote stays locked, bridge currencies."""

    fee_bps: int = 5
    lock_ms: int = 30_000
    bridge_currencies: tuple[str, ...] = ()


class FxDesk:
    """Engine-thread owner of the QuoteBook."""

    def __init__(
        self,
        directory: Directory,
        engine: object,
        hub_bic: str,
        settings: FxSettings,
        new_quote_id: Callable[[], str],
    ) -> None:
        self._directory = directory
        self._engine = engine
        self._new_quote_id = new_quote_id
        self.book = QuoteBook(
            FxConfig(
                fees=FeeSchedule(agent=hub_bic, bps=settings.fee_bps),
                lock_ms=settings.lock_ms,
                bridge_currencies=settings.bridge_currencies,
            )
        )
        for sheet in load_sheets(engine):  # type: ignore[arg-type]
            self.book.publish(sheet)
        for quote, status in live_quotes(engine):  # type: ignore[arg-type]
            self.book.adopt(quote, status)  # what the restart would otherwise void
        self._directory_version = -1  # none seen yet: the first use syncs the book
        # (quote id, status before) of each step taken inside steps_undone_on_failure
        self._steps: list[tuple[str, QuoteStatus]] | None = None

    def open_day(self, base: str, opened_at_ms: int) -> None:
        """The business day of `base` opened at `opened_at_ms`: its pairs' exposure
        starts from what settled since then, read from the stored trades (nothing, at an
        open on time; the day's trades so far, at the first tick after a restart, which
        would otherwise give every provider its whole cap again)."""
        settled = settled_exposure_since(self._engine, base, opened_at_ms)  # type: ignore[arg-type]
        self.book.reset_exposure(base, settled)

    def publish(self, sheet: RateSheet) -> None:
        """A provider's executable rates: it must be an active FX provider holding an
        account in both currencies of every pair it quotes."""
        provider = self._directory.participant(sheet.provider)
        if provider is None or provider.kind is not ParticipantKind.fx_provider:
            raise InputError(
                "only a registered FX provider may publish rates",
                field="provider",
                value=sheet.provider,
            )
        for rate in sheet.rates:
            for currency in (rate.base, rate.quote):
                if self._directory.account_id(sheet.provider, currency) is None:
                    raise InputError(
                        f"{sheet.provider} holds no account in {currency}",
                        field="rates.currency",
                        value=currency,
                    )
        self.book.publish(sheet)
        save_sheet(self._engine, sheet)  # type: ignore[arg-type]

    def quote(self, request: QuoteRequest, now_ms: int) -> QuoteOutcome:
        """Price and lock a quote; the caller stores it (added_to, at the next commit)
        before giving it out, or discards it."""
        self._sync_suspensions()
        return self.book.request_quote(request, self._new_quote_id(), now_ms)

    # -- stored with the settlement engine's commits (hub.ports.CommitsAlong) ----------
    def added_to(self, changes: PaymentChanges | None) -> PaymentChanges | None:
        """`changes` plus the quotes whose status changed since they were last taken:
        they are stored in the same transaction."""
        taken = self.book.take_changes()
        if not taken:
            return changes
        changes = changes if changes is not None else PaymentChanges()
        return replace(changes, quotes=(*changes.quotes, *taken))

    def not_committed(self, changes: PaymentChanges | None) -> None:
        """The commit of `changes` failed: their quotes go out again with the next one
        (as the book holds them by then: a failed batch has put its own steps back)."""
        if changes is not None and changes.quotes:
            self.book.mark_changed(quote.id for quote, _ in changes.quotes)  # type: ignore[attr-defined]

    def consume(self, quote_id: str, terms: PaymentTerms, now_ms: int) -> ConsumeOutcome:
        self._sync_suspensions()
        return self.book.consume(quote_id, now_ms, terms)

    def _sync_suspensions(self) -> None:
        """A provider that is not active in the directory (suspended or closed) is
        suspended in the book: left out of pricing, its locked quotes refused. Read again
        whenever the directory's version moves on, whatever changed it (an operator
        action, `corridor init`, a restart)."""
        version = self._directory.version
        if version == self._directory_version:
            return
        for participant in self._directory.participants():
            if participant.kind is not ParticipantKind.fx_provider:
                continue
            if participant.status is ParticipantStatus.active:
                self.book.reinstate(participant.bic)
            else:
                self.book.suspend(participant.bic)
        self._directory_version = version

    def plan(self, quote: Quote, uetr: str, new_id: Callable[[], int]) -> PvpPlan:
        return pvp_plan(
            quote,
            account_of=self._account_of,
            fees_account_of=fees_account_id,
            new_id=new_id,
            transit_account_of=transit_account_id,
            reference=uetr,
        )

    def priced(
        self, instruction: TransferInstruction, quote: Quote, new_id: Callable[[], int]
    ) -> TransferInstruction:
        """The payment on its consumed quote: the PvP legs planned, the debtor's side in
        the source currency, charges included."""
        plan = self.plan(quote, instruction.uetr, new_id)
        return replace(
            instruction,
            fx=plan,
            amount_minor=quote.debtor_total_minor,
            currency=quote.request.source_currency,
            debit_account_id=plan.transfers[0].debit_account_id,
        )

    def release_unclaimed(self, claimed: set[str]) -> list[str]:
        """At start-up, once the waiting payments are back: release every consumed quote
        that none of them holds (its payment ended, but the change did not reach the
        store), so that it does not keep its provider's exposure; their ids."""
        unclaimed = [
            quote.id
            for quote, status in self.book.snapshot().quotes
            if status is QuoteStatus.consumed and quote.id not in claimed
        ]
        for quote_id in unclaimed:
            self.book.release(quote_id)
        return unclaimed

    def consumed_quote(self, quote_id: str) -> Quote | None:
        """The quote, if a payment holds it consumed (queued or held across a restart)."""
        if self.book.status(quote_id) is not QuoteStatus.consumed:
            return None
        return self.book.quote(quote_id)

    def settled(self, quote_id: str, now_ms: int) -> tuple[FxTrade, ...]:
        self._note_step(quote_id)
        return self.book.settle(quote_id, now_ms)

    def released(self, quote_id: str) -> None:
        self._note_step(quote_id)
        self.book.release(quote_id)

    @contextmanager
    def steps_undone_on_failure(self) -> Iterator[None]:
        """The quotes settled or released inside go back as they were if the block
        raises: the commit that was to store those steps failed (hub.deferred)."""
        steps: list[tuple[str, QuoteStatus]] = []
        outer, self._steps = self._steps, steps
        try:
            yield
        except BaseException:
            self.revert_steps(steps)
            raise
        finally:
            self._steps = outer

    def revert_steps(self, steps: list[tuple[str, QuoteStatus]]) -> None:
        """Quotes back to their status before each (quote id, status before) step,
        newest first: the commit that was to store the steps failed."""
        for quote_id, status in reversed(steps):
            self.book.revert(quote_id, status)

    def _note_step(self, quote_id: str) -> None:
        status = self.book.status(quote_id)
        if self._steps is not None and status is not None:
            self._steps.append((quote_id, status))

    def _account_of(self, bic: str, currency: str) -> int:
        account_id = self._directory.account_id(bic, currency)
        if account_id is None:
            raise InputError(
                f"{bic} holds no account in {currency}", field="currency", value=currency
            )
        return account_id
