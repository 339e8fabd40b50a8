"""FX records: quote requests, quote legs, quotes, and every rejection as a named value."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from corridor.foundation.config import BIC_RE
from corridor.foundation.errors import InputError
from corridor.foundation.money import check_amount_minor, currency
from corridor.fx.charges import Charge, ChargeBearer, total_minor
from corridor.fx.conversion import FixedSide, display_rate, iso_rate
from corridor.fx.exposure import ExposureKey

QUOTE_ID_LENGTH_MAX = 64  # fits "/FXQT/<id>" in InstrInf (Max140Text) with room to spare


class QuoteRejection(StrEnum):
    """Why no quote was given, or why a quote cannot be used.

    Pricing checks each provider tier in this order; when no tier passes, the rejection
    is the one of the tier that got furthest (the most specific reason):
        no_rate < provider_suspended < rate_not_valid < amount_too_small
        < amount_out_of_band < exposure_exceeded
    The book adds: quote_id_reused, quotes_full. Using a quote (`QuoteBook.consume`)
    checks, in order: quote_not_found, quote_consumed, quote_expired,
    provider_suspended, quote_mismatch.
    """

    no_rate = "no_rate"  # no provider quotes the pair in that direction (nor via a bridge)
    provider_suspended = "provider_suspended"
    rate_not_valid = "rate_not_valid"  # outside the rate's valid_from/valid_until window
    amount_too_small = "amount_too_small"  # converts to less than one minor unit
    amount_out_of_band = "amount_out_of_band"
    exposure_exceeded = "exposure_exceeded"
    quote_id_reused = "quote_id_reused"
    quotes_full = "quotes_full"  # the book holds quotes_max live (locked, consumed) quotes
    quote_not_found = "quote_not_found"
    quote_consumed = "quote_consumed"  # used already (consumed, settled or released)
    quote_expired = "quote_expired"
    quote_mismatch = "quote_mismatch"  # the payment's terms differ from the quote's


PRICING_ORDER: tuple[QuoteRejection, ...] = (
    QuoteRejection.no_rate,
    QuoteRejection.provider_suspended,
    QuoteRejection.rate_not_valid,
    QuoteRejection.amount_too_small,
    QuoteRejection.amount_out_of_band,
    QuoteRejection.exposure_exceeded,
)


class QuoteStatus(StrEnum):
    """locked -> consumed | expired; consumed -> settled | released."""

    locked = "locked"  # executable until expires_at_ms; exposure reserved
    consumed = "consumed"  # a payment uses it; settling or queued
    expired = "expired"  # never used; exposure released
    settled = "settled"  # every leg settled; counts in reports
    released = "released"  # the payment was rejected or cancelled; exposure released

    @property
    def live(self) -> bool:
        """Locked or consumed: its exposure is reserved, and the hub stores it."""
        return self in (QuoteStatus.locked, QuoteStatus.consumed)


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """A debtor agent asks what a cross-currency payment would cost.

    Attributes:
        debtor_agent / creditor_agent: BICs.
        source_currency / target_currency: what the debtor agent pays / the creditor gets.
        fixed_side: SEND fixes `amount_minor` in the source currency, RECEIVE in the target.
        amount_minor: positive, minor units of the fixed side's currency.
        charge_bearer: ChrgBr; CRED only with SEND.
    """

    debtor_agent: str
    creditor_agent: str
    source_currency: str
    target_currency: str
    fixed_side: FixedSide
    amount_minor: int
    charge_bearer: ChargeBearer = ChargeBearer.debtor

    def __post_init__(self) -> None:
        for name in ("debtor_agent", "creditor_agent"):
            value = getattr(self, name)
            if not isinstance(value, str) or not BIC_RE.match(value):
                raise InputError("is not a BIC (ISO 9362)", field=name, value=value)
        currency(self.source_currency)
        currency(self.target_currency)
        if self.source_currency == self.target_currency:
            raise InputError(
                "must differ from source_currency (not a cross-currency payment)",
                field="target_currency",
                value=self.target_currency,
            )
        if not isinstance(self.fixed_side, FixedSide):
            raise InputError("must be SEND or RECEIVE", field="fixed_side", value=self.fixed_side)
        if not isinstance(self.charge_bearer, ChargeBearer):
            raise InputError(
                "must be DEBT, CRED, SHAR or SLEV", field="charge_bearer", value=self.charge_bearer
            )
        check_amount_minor(self.amount_minor)
        if self.charge_bearer.deducted and self.fixed_side is FixedSide.receive:
            raise InputError(
                "CRED (charges deducted) needs the amount fixed on the SEND side",
                field="charge_bearer",
                value=self.charge_bearer.value,
            )


@dataclass(frozen=True, slots=True)
class QuoteLeg:
    """One conversion by one provider: the provider receives `source_minor` of the source
    currency and pays `target_minor` of the target currency.

    Attributes:
        provider: the FX provider's BIC.
        source_currency / target_currency / rate: the direction and its exact rate (target
            per source unit): the bid, or 1 / ask.
        source_minor / target_minor: the two amounts, minor units.
        provider_gain: the rounding remainder the provider keeps, in target minor units.
        base / quote: the provider's pair as published (for bands and exposure).
        base_minor: the trade's size in the pair's base currency.
        valid_until_ms: the end of the provider rate's validity (a lock never outlives it).
    """

    provider: str
    source_currency: str
    target_currency: str
    rate: Fraction
    source_minor: int
    target_minor: int
    provider_gain: Fraction
    base: str
    quote: str
    base_minor: int
    valid_until_ms: int

    @property
    def display_rate(self) -> Decimal:
        return display_rate(self.rate)

    @property
    def exposure_key(self) -> ExposureKey:
        """(provider, base, quote): where the provider's exposure for this leg counts."""
        return (self.provider, self.base, self.quote)


@dataclass(frozen=True, slots=True)
class Quote:
    """An executable, locked price for one cross-currency payment; everything disclosed.

    Attributes:
        id: the quote id (carried in pacs.008 as InstrForNxtAgt/InstrInf "/FXQT/<id>").
        request: what was asked.
        legs: one leg (direct) or two (through `bridge_currency`).
        charges: every charge, in the source currency, paid by the debtor agent.
        source_minor: the amount converted (paid to the first provider), source currency.
        target_minor: what the creditor agent receives, target currency.
        rate: target units per source unit actually applied, exact: the leg's rate, or
            for a bridge the product of both legs' rates (the composite rate). Shown as
            `display_rate` (18 significant digits) and `xchg_rate` (ISO 20022).
        bridge_currency: None for a direct quote.
        created_at_ms / expires_at_ms: locked from creation until (excluding) expiry.
    """

    id: str
    request: QuoteRequest
    legs: tuple[QuoteLeg, ...]
    charges: tuple[Charge, ...]
    source_minor: int
    target_minor: int
    rate: Fraction
    bridge_currency: str | None
    created_at_ms: int
    expires_at_ms: int

    @property
    def charges_minor(self) -> int:
        return total_minor(self.charges)

    @property
    def debtor_total_minor(self) -> int:
        """Everything the debtor agent's settlement account pays: converted plus charges."""
        return self.source_minor + self.charges_minor

    @property
    def instructed_minor(self) -> int:
        """InstdAmt: the amount before charges are deducted (CRED) or the converted amount."""
        return (
            self.debtor_total_minor if self.request.charge_bearer.deducted else (self.source_minor)
        )

    @property
    def display_rate(self) -> Decimal:
        """The rate to show the sender: 18 significant digits, rounded half-even."""
        return display_rate(self.rate)

    @property
    def xchg_rate(self) -> Decimal:
        """The rate as ISO 20022 XchgRate carries it (see conversion.iso_rate)."""
        return iso_rate(self.rate)

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(leg.provider for leg in self.legs)

    def is_expired_at(self, now_ms: int) -> bool:
        return now_ms >= self.expires_at_ms


@dataclass(frozen=True, slots=True)
class QuoteOutcome:
    """The answer to a quote request: a quote, or a rejection with a reason and detail."""

    quote: Quote | None
    rejection: QuoteRejection | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        assert (self.quote is None) != (self.rejection is None)


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """What a pacs.008 that references a quote states, to check against the quote.

    Attributes:
        debtor_agent / creditor_agent: DbtrAgt and CdtrAgt BICs.
        instructed_minor / instructed_currency: InstdAmt.
        settlement_minor / settlement_currency: IntrBkSttlmAmt (what the creditor gets).
        exchange_rate: XchgRate, compared with `Quote.xchg_rate`; None = not stated.
        charge_bearer: ChrgBr.
    """

    debtor_agent: str
    creditor_agent: str
    instructed_minor: int
    instructed_currency: str
    settlement_minor: int
    settlement_currency: str
    exchange_rate: Decimal | None = None
    charge_bearer: ChargeBearer | None = None


def terms_of(quote: Quote) -> PaymentTerms:
    """The terms a pacs.008 must state to use this quote."""
    return PaymentTerms(
        debtor_agent=quote.request.debtor_agent,
        creditor_agent=quote.request.creditor_agent,
        instructed_minor=quote.instructed_minor,
        instructed_currency=quote.request.source_currency,
        settlement_minor=quote.target_minor,
        settlement_currency=quote.request.target_currency,
        exchange_rate=quote.xchg_rate,
        charge_bearer=quote.request.charge_bearer,
    )


def mismatches(quote: Quote, terms: PaymentTerms) -> list[str]:
    """The fields where a payment differs from its quote, as "field: stated != quoted"."""
    expected = terms_of(quote)
    problems: list[str] = []
    for name in PaymentTerms.__dataclass_fields__:
        stated, quoted = getattr(terms, name), getattr(expected, name)
        if stated is None and name in ("exchange_rate", "charge_bearer"):
            continue
        if stated != quoted:
            problems.append(f"{name}: {stated} != {quoted}")
    return problems
