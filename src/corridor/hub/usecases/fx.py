"""Cross-currency payments: providers' rates, quotes, FX reports.

A part of the Hub façade (corridor.hub.service): engine-thread use cases.
"""

from __future__ import annotations

from corridor.foundation.errors import InputError
from corridor.fx import ExposureRow, QuoteOutcome, QuoteRequest, RateSheet
from corridor.fx.reports import FxVolume, fx_volumes
from corridor.hub.fx_desk import FxDesk
from corridor.hub.security import Principal
from corridor.hub.usecases._parts import HubParts
from corridor.store.fx_store import trades_between


class FxCases(HubParts):
    """Cross-currency payments."""

    @property
    def fx(self) -> FxDesk:
        if self.processor.fx is None:
            raise InputError("cross-currency payments are not enabled", field="fx", value=None)
        return self.processor.fx

    def publish_rates(self, principal: Principal, sheet: RateSheet) -> None:
        """A provider publishes (replaces) its executable rates."""
        if principal.is_participant and principal.name != sheet.provider:
            raise InputError(
                "a participant may publish only its own rates",
                field="provider",
                value=sheet.provider,
            )
        self.fx.publish(sheet)
        self.audit.record(
            principal.name, "publish_rates", provider=sheet.provider, tiers=len(sheet.rates)
        )

    def request_quote(self, principal: Principal, request: QuoteRequest) -> QuoteOutcome:
        """The best executable quote across providers, locked for the network's lock time
        and stored before it is given out (a restart keeps it)."""
        outcome = self.lock_quote(principal, request)
        if outcome.quote is not None:
            try:
                self.store_pending()
            except BaseException:
                self.discard_quote(outcome.quote.id)
                raise
        return outcome

    def lock_quote(self, principal: Principal, request: QuoteRequest) -> QuoteOutcome:
        """request_quote without storing the quote: it goes with the next commit, which
        the caller waits for before giving it out (worker.EngineWorker.commit_shared, so
        that quotes asked for together share one commit); if that commit fails, the
        caller discards it (discard_quote) and answers the error."""
        if principal.is_participant and self.directory.settling_participant(
            request.debtor_agent
        ) is not self.directory.participant(principal.name):
            raise InputError(
                "a participant may ask quotes only as (or for) the debtor agent",
                field="debtor_agent",
                value=request.debtor_agent,
            )
        return self.fx.quote(request, self.clock.now_ms())

    def discard_quote(self, quote_id: str) -> None:
        """A quote locked but never given out (storing it failed): it ends now, its
        exposure freed; a row stored for it meanwhile goes with the next commit."""
        self.fx.book.discard(quote_id)

    def store_pending(self) -> None:
        """Commit what engine-thread owners hold in memory only (new or changed quotes)."""
        self.engine.execute([])

    def fx_volumes(self, from_ms: int, to_ms: int) -> list[FxVolume]:
        """FX volume and value per pair and provider per day, from settled trades."""
        return fx_volumes(trades_between(self.store.engine, from_ms, to_ms))

    def fx_exposure(self) -> list[ExposureRow]:
        return self.fx.book.exposure()
