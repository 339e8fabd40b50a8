"""Quotes: pricing a request, locking the quote, and using it once.

`price_quote` is the pure pricing function (best route, charges, expiry). `QuoteBook`
is the in-memory state the hub holds and persists: the providers' rate sheets, who is
suspended, every quote and its status, and the providers' exposure. It has no clock:
every call that depends on time takes `now_ms`. Quote ids come from the caller.

Lifecycle: locked -> consumed | expired; consumed -> settled | released.
    locked    reserves the provider's exposure until `expires_at_ms` (exclusive), which
              is `now + lock_ms`, never later than any leg's rate validity.
    consumed  a pacs.008 uses it (`consume`); the hub then applies the PvP chain.
    settled   the chain settled (`settle`): exposure stays, as settled; reports count it.
    released  the payment was rejected or cancelled (`release`): exposure given back.
    expired   never used in time (`expire_due`, or found out by `consume`).
Suspending a provider removes it from pricing at once and makes `consume` refuse its
locked quotes (provider_suspended); nothing is closed in the ledger.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from corridor.foundation.errors import CorridorError, InputError
from corridor.fx.bridge import BRIDGE_CURRENCIES_MAX, Route, make_evaluator, route
from corridor.fx.charges import FeeSchedule, total_minor
from corridor.fx.exposure import ExposureBook, ExposureKey, ExposureRow
from corridor.fx.model import (
    QUOTE_ID_LENGTH_MAX,
    PaymentTerms,
    Quote,
    QuoteOutcome,
    QuoteRejection,
    QuoteRequest,
    QuoteStatus,
    mismatches,
)
from corridor.fx.rates import RateSheet
from corridor.fx.reports import FxTrade, trades_of

LOCK_MS_DEFAULT = 30_000
LOCK_MS_MAX = 3_600_000
QUOTES_MAX_DEFAULT = 100_000
PROVIDERS_MAX = 1_000


class QuoteStateError(CorridorError):
    """The hub asked for a transition the quote's status does not allow (a bug upstream)."""

    http_status = 409


@dataclass(frozen=True, slots=True)
class FxConfig:
    """The network's FX settings.

    Attributes:
        fees: the charge schedule.
        lock_ms: how long a quote stays executable, 1..LOCK_MS_MAX.
        bridge_currencies: currencies to route through when no direct quote exists, in
            order of preference; empty = no bridging.
        quotes_max: quotes the book holds in any status (prune with `forget_before`;
            when it is full, the oldest ended quotes make room for a new one).
    """

    fees: FeeSchedule
    lock_ms: int = LOCK_MS_DEFAULT
    bridge_currencies: tuple[str, ...] = ()
    quotes_max: int = QUOTES_MAX_DEFAULT

    def __post_init__(self) -> None:
        if not isinstance(self.lock_ms, int) or not 0 < self.lock_ms <= LOCK_MS_MAX:
            raise InputError(f"must be in [1, {LOCK_MS_MAX}]", field="lock_ms", value=self.lock_ms)
        if len(self.bridge_currencies) > BRIDGE_CURRENCIES_MAX or len(
            set(self.bridge_currencies)
        ) != len(self.bridge_currencies):
            raise InputError(
                f"at most {BRIDGE_CURRENCIES_MAX} distinct currencies",
                field="bridge_currencies",
                value=self.bridge_currencies,
            )
        if not isinstance(self.quotes_max, int) or self.quotes_max <= 0:
            raise InputError(
                "must be a positive integer", field="quotes_max", value=self.quotes_max
            )


def price_quote(
    request: QuoteRequest,
    found: Route,
    fees: FeeSchedule,
    *,
    quote_id: str,
    now_ms: int,
    lock_ms: int,
) -> Quote:
    """Put charges and the lock on a priced route."""
    source = request.source_currency
    if request.charge_bearer.deducted:
        charges = fees.charges(source, request.amount_minor)
        assert found.source_minor + total_minor(charges) == request.amount_minor
    else:
        charges = fees.charges(source, found.source_minor)
    expires_at_ms = min([now_ms + lock_ms, *(leg.valid_until_ms for leg in found.legs)])
    assert expires_at_ms > now_ms
    return Quote(
        id=quote_id,
        request=request,
        legs=found.legs,
        charges=charges,
        source_minor=found.source_minor,
        target_minor=found.target_minor,
        rate=found.rate,
        bridge_currency=found.bridge_currency,
        created_at_ms=now_ms,
        expires_at_ms=expires_at_ms,
    )


@dataclass(frozen=True, slots=True)
class ConsumeOutcome:
    """The answer to using a quote: the quote (when found) and a rejection, if any."""

    quote: Quote | None
    rejection: QuoteRejection | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.rejection is None


@dataclass(frozen=True, slots=True)
class QuoteBookState:
    """Everything a QuoteBook needs to come back after a restart (exposure reservations
    are recomputed from the quotes).

    Attributes:
        sheets: the current rate sheets. suspended: suspended providers' BICs.
        quotes: every held quote with its status, in creation order.
        settled_exposure / peak_exposure: per (provider, base, quote).
    """

    sheets: tuple[RateSheet, ...]
    suspended: tuple[str, ...]
    quotes: tuple[tuple[Quote, QuoteStatus], ...]
    settled_exposure: tuple[tuple[ExposureKey, int], ...]
    peak_exposure: tuple[tuple[ExposureKey, int], ...]


class QuoteBook:
    """Rate sheets, suspensions, quotes and exposure. Pure and single-threaded: the hub
    serialises calls (one writer) and persists `snapshot()` or the calls themselves."""

    def __init__(self, config: FxConfig) -> None:
        self.config = config
        self._sheets: dict[str, RateSheet] = {}
        self._suspended: set[str] = set()
        self._quotes: dict[str, Quote] = {}
        self._status: dict[str, QuoteStatus] = {}
        self._expiry: list[tuple[int, str]] = []
        self._exposure = ExposureBook()
        # Quotes whose status changed since `take_changes` last ran, for the hub to
        # store (an ordered set).
        self._changed: dict[str, None] = {}

    # -- providers ------------------------------------------------------------------
    def publish(self, sheet: RateSheet) -> None:
        """Replace the provider's rates. Locked quotes keep the rates they were given."""
        if sheet.provider not in self._sheets and len(self._sheets) >= PROVIDERS_MAX:
            raise InputError(
                f"at most {PROVIDERS_MAX} providers", field="provider", value=sheet.provider
            )
        self._sheets[sheet.provider] = sheet

    def withdraw(self, provider: str) -> None:
        """Remove the provider's rates (its locked quotes stay executable)."""
        self._sheets.pop(provider, None)

    def suspend(self, provider: str) -> None:
        self._suspended.add(provider)

    def reinstate(self, provider: str) -> None:
        self._suspended.discard(provider)

    def is_suspended(self, provider: str) -> bool:
        return provider in self._suspended

    def sheets(self) -> list[RateSheet]:
        return [self._sheets[p] for p in sorted(self._sheets)]

    # -- quotes ---------------------------------------------------------------------
    def request_quote(self, request: QuoteRequest, quote_id: str, now_ms: int) -> QuoteOutcome:
        """Price `request` across providers (direct first, then bridges) and lock it."""
        _check_quote_id(quote_id)
        if quote_id in self._quotes:
            return QuoteOutcome(None, QuoteRejection.quote_id_reused, f"quote id {quote_id}")
        self.expire_due(now_ms)  # expired locks give their exposure back first
        if len(self._quotes) >= self.config.quotes_max:
            # Full: the oldest ended quotes make room first (kept only to be read back).
            self._forget_oldest_ended(max(1, self.config.quotes_max // 100))
        if len(self._quotes) >= self.config.quotes_max:
            return QuoteOutcome(
                None,
                QuoteRejection.quotes_full,
                f"the book holds quotes_max={self.config.quotes_max} live quotes",
            )
        amount_minor = self._convertible_minor(request)
        if amount_minor <= 0:
            return QuoteOutcome(
                None,
                QuoteRejection.amount_too_small,
                "the charges take the whole instructed amount",
            )
        # The two agents' own sheets are left out: a leg from an agent to itself would
        # be a transfer between the same account.
        parties = (request.debtor_agent, request.creditor_agent)
        sheets = [s for p, s in self._sheets.items() if p not in parties]
        evaluator = make_evaluator(
            sheets, now_ms=now_ms, suspended=self._suspended, remaining=self._remaining
        )
        found = route(
            evaluator,
            request.source_currency,
            request.target_currency,
            request.fixed_side,
            amount_minor,
            self.config.bridge_currencies,
        )
        if found.route is None:
            assert found.rejection is not None
            return QuoteOutcome(None, found.rejection, found.detail)
        quote = price_quote(
            request,
            found.route,
            self.config.fees,
            quote_id=quote_id,
            now_ms=now_ms,
            lock_ms=self.config.lock_ms,
        )
        self._lock(quote)
        return QuoteOutcome(quote)

    def consume(
        self, quote_id: str, now_ms: int, terms: PaymentTerms | None = None
    ) -> ConsumeOutcome:
        """Use a locked quote for a payment; checks in the order QuoteRejection documents."""
        quote = self._quotes.get(quote_id)
        if quote is None:
            return ConsumeOutcome(None, QuoteRejection.quote_not_found, f"quote id {quote_id}")
        status = self._status[quote_id]
        if status in (QuoteStatus.consumed, QuoteStatus.settled, QuoteStatus.released):
            return ConsumeOutcome(quote, QuoteRejection.quote_consumed, f"quote is {status}")
        if status is QuoteStatus.expired or quote.is_expired_at(now_ms):
            self._end(quote, QuoteStatus.expired)
            return ConsumeOutcome(
                quote,
                QuoteRejection.quote_expired,
                f"expired at {quote.expires_at_ms}, now {now_ms}",
            )
        suspended = [p for p in quote.providers if p in self._suspended]
        if suspended:
            return ConsumeOutcome(
                quote, QuoteRejection.provider_suspended, f"provider {suspended[0]} is suspended"
            )
        problems = [] if terms is None else mismatches(quote, terms)
        if problems:
            return ConsumeOutcome(quote, QuoteRejection.quote_mismatch, "; ".join(problems))
        self._set(quote_id, QuoteStatus.consumed)
        return ConsumeOutcome(quote)

    def settle(self, quote_id: str, now_ms: int) -> tuple[FxTrade, ...]:
        """Every leg settled: keep the exposure as settled and return the trades (once;
        settling a settled quote again returns nothing)."""
        quote, status = self._get(quote_id)
        if status is QuoteStatus.settled:
            return ()
        if status is not QuoteStatus.consumed:
            raise QuoteStateError(f"quote {quote_id} is {status}, not consumed")
        for leg in quote.legs:
            self._exposure.settle(leg.exposure_key, leg.base_minor)
        self._set(quote_id, QuoteStatus.settled)
        return trades_of(quote, now_ms)

    def release(self, quote_id: str) -> None:
        """The payment that consumed the quote was rejected or cancelled: free the exposure.
        Releasing a released quote again does nothing."""
        quote, status = self._get(quote_id)
        if status is QuoteStatus.released:
            return
        if status is not QuoteStatus.consumed:
            raise QuoteStateError(f"quote {quote_id} is {status}, not consumed")
        self._end(quote, QuoteStatus.released)

    def revert(self, quote_id: str, status: QuoteStatus) -> None:
        """A quote back to `status` (locked or consumed), as it was before steps of a batch
        that failed before its commit (consume, settle, release): the exposure follows,
        so that the payment, sent again, finds its quote as it left it. A step that
        changed nothing (a payment on a quote already used, or ended) goes back to
        where it is: nothing to do."""
        quote, now = self._get(quote_id)
        if now is status:
            return
        if not status.live:
            raise QuoteStateError(f"quote {quote_id} cannot go back to {status}")
        for leg in quote.legs:
            if now is QuoteStatus.settled:
                self._exposure.unsettle(leg.exposure_key, leg.base_minor)
            elif now in (QuoteStatus.released, QuoteStatus.expired):
                self._exposure.reserve(leg.exposure_key, leg.base_minor)
        self._set(quote_id, status)
        if status is QuoteStatus.locked:  # expires as before (expire_due skips the stale)
            heapq.heappush(self._expiry, (quote.expires_at_ms, quote_id))

    def expire_due(self, now_ms: int) -> list[str]:
        """Expire every locked quote whose lock ended at or before `now_ms`; their ids."""
        expired: list[str] = []
        while self._expiry and self._expiry[0][0] <= now_ms:
            _, quote_id = heapq.heappop(self._expiry)
            if self._status.get(quote_id) is QuoteStatus.locked:
                self._end(self._quotes[quote_id], QuoteStatus.expired)
                expired.append(quote_id)
        return expired

    def quote(self, quote_id: str) -> Quote | None:
        return self._quotes.get(quote_id)

    def mark_changed(self, quote_ids: Iterable[str]) -> None:
        """Hand these out again at the next `take_changes`: the commit that took them
        failed, so what is stored is not what the book holds."""
        for quote_id in quote_ids:
            self._changed[quote_id] = None

    def take_changes(self) -> list[tuple[Quote, QuoteStatus]]:
        """Each quote whose status changed since the last call, with its status now, in
        the order they first changed; then forgets them. The hub stores these with the
        transaction that made the change (or, for a new quote, before it answers)."""
        changed = [(self._quotes[i], self._status[i]) for i in self._changed if i in self._quotes]
        self._changed.clear()
        return changed

    def adopt(self, quote: Quote, status: QuoteStatus) -> None:
        """A stored quote, locked or consumed, back in the book after a restart: its
        exposure reserved again, a locked one expiring as before."""
        if not status.live:
            raise QuoteStateError(f"quote {quote.id} is {status}: only live quotes come back")
        if quote.id in self._quotes:
            raise QuoteStateError(f"quote {quote.id} is in the book already")
        self._lock(quote)
        self._status[quote.id] = status
        self._changed.pop(quote.id, None)  # as stored: nothing to write back

    def discard(self, quote_id: str) -> None:
        """End a quote locked but never given out (storing it failed): expired now, its
        exposure freed, and handed out as a change, so that a row another commit may
        have stored for it meanwhile is deleted. Nothing to do if it ended already."""
        quote, status = self._get(quote_id)
        if status in (QuoteStatus.expired, QuoteStatus.released):
            return
        if status is not QuoteStatus.locked:
            raise QuoteStateError(f"quote {quote_id} is {status}, not locked")
        self._end(quote, QuoteStatus.expired)

    def status(self, quote_id: str) -> QuoteStatus | None:
        return self._status.get(quote_id)

    def forget_before(self, created_before_ms: int) -> int:
        """Drop expired, settled and released quotes created before a time (once
        `take_changes` has handed out their end); how many."""
        old = []
        for q in self._quotes.values():  # held in the order they were made
            if q.created_at_ms >= created_before_ms:
                break  # the rest are younger: a tick reads only what it may drop
            if self._may_forget(q.id):
                old.append(q.id)
        self._drop(old)
        return len(old)

    # -- exposure -------------------------------------------------------------------
    def exposure(self) -> list[ExposureRow]:
        """Every provider's exposure per pair: reserved, settled, now, peak, cap."""
        return self._exposure.rows(self._caps())

    def reset_exposure(
        self, base: str | None = None, settled: Mapping[ExposureKey, int] | None = None
    ) -> None:
        """A new business day: settled exposure and peaks start from what is reserved
        (plus `settled`, what settled since the day opened); with `base`, for the pairs
        of that base currency only (exposure is in base)."""
        self._exposure.reset(base, settled or {})

    # -- persistence ----------------------------------------------------------------
    def snapshot(self) -> QuoteBookState:
        _, settled, peak = self._exposure.state()
        return QuoteBookState(
            sheets=tuple(self.sheets()),
            suspended=tuple(sorted(self._suspended)),
            quotes=tuple((q, self._status[q.id]) for q in self._quotes.values()),
            settled_exposure=tuple(sorted(settled.items())),
            peak_exposure=tuple(sorted(peak.items())),
        )

    @classmethod
    def restore(cls, config: FxConfig, state: QuoteBookState) -> QuoteBook:
        book = cls(config)
        for sheet in state.sheets:
            book.publish(sheet)
        book._suspended = set(state.suspended)
        reserved: dict[ExposureKey, int] = {}
        for quote, status in state.quotes:
            book._quotes[quote.id] = quote
            book._status[quote.id] = status
            if status.live:
                for leg in quote.legs:
                    key = leg.exposure_key
                    reserved[key] = reserved.get(key, 0) + leg.base_minor
            if status is QuoteStatus.locked:
                heapq.heappush(book._expiry, (quote.expires_at_ms, quote.id))
        book._exposure = ExposureBook.restore(
            reserved, dict(state.settled_exposure), dict(state.peak_exposure)
        )
        return book

    # -- internals ------------------------------------------------------------------
    def _convertible_minor(self, request: QuoteRequest) -> int:
        if not request.charge_bearer.deducted:
            return request.amount_minor
        charges = self.config.fees.charges(request.source_currency, request.amount_minor)
        return request.amount_minor - total_minor(charges)

    def _remaining(self, provider: str, base: str, quote: str, cap_minor: int) -> int:
        return self._exposure.remaining_minor((provider, base, quote), cap_minor)

    def _lock(self, quote: Quote) -> None:
        for leg in quote.legs:
            self._exposure.reserve(leg.exposure_key, leg.base_minor)
        self._quotes[quote.id] = quote
        self._set(quote.id, QuoteStatus.locked)
        heapq.heappush(self._expiry, (quote.expires_at_ms, quote.id))

    def _end(self, quote: Quote, status: QuoteStatus) -> None:
        """locked/consumed -> expired/released: give the exposure back."""
        assert status in (QuoteStatus.expired, QuoteStatus.released)
        if self._status[quote.id].live:
            for leg in quote.legs:
                self._exposure.release(leg.exposure_key, leg.base_minor)
        self._set(quote.id, status)

    def _set(self, quote_id: str, status: QuoteStatus) -> None:
        self._status[quote_id] = status
        self._changed[quote_id] = None

    def _may_forget(self, quote_id: str) -> bool:
        """Ended, and its end handed out to be stored (take_changes)."""
        return not self._status[quote_id].live and quote_id not in self._changed

    def _forget_oldest_ended(self, count: int) -> None:
        oldest = []
        for quote_id in self._quotes:
            if self._may_forget(quote_id):
                oldest.append(quote_id)
                if len(oldest) == count:
                    break
        self._drop(oldest)

    def _drop(self, quote_ids: list[str]) -> None:
        for quote_id in quote_ids:
            del self._quotes[quote_id]
            del self._status[quote_id]

    def _get(self, quote_id: str) -> tuple[Quote, QuoteStatus]:
        quote = self._quotes.get(quote_id)
        if quote is None:
            raise QuoteStateError(f"quote {quote_id} not found")
        return quote, self._status[quote_id]

    def _caps(self) -> dict[ExposureKey, int]:
        caps: dict[ExposureKey, int] = {}
        for sheet in self._sheets.values():
            for (base, quote), cap in sheet.exposure_caps().items():
                caps[(sheet.provider, base, quote)] = cap
        return caps


def _check_quote_id(quote_id: object) -> None:
    if not isinstance(quote_id, str) or not quote_id or len(quote_id) > QUOTE_ID_LENGTH_MAX:
        raise InputError(
            f"must be 1..{QUOTE_ID_LENGTH_MAX} characters", field="quote_id", value=quote_id
        )
    if not quote_id.isascii() or not quote_id.isprintable() or " " in quote_id:
        raise InputError("must be printable ASCII without spaces", field="quote_id", value=quote_id)
