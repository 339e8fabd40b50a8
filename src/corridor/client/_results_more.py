"""Typed results of the liquidity, report, FX, four-eyes and audit calls.

Amounts are minor units (`*_minor`, int) plus the currency; rates are exact `Decimal`s
made from the API's strings (never floats); times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from corridor.client._results import (
    UnexpectedResponse,
    _field,
    _optional,
    _payload,
    parse_time,
)


def _rate(data: dict[str, Any], name: str) -> Decimal:
    text = _field(data, name)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise UnexpectedResponse(f"field {name!r} is not a decimal: {text!r}"[:200]) from None


def _optional_rate(data: dict[str, Any], name: str) -> Decimal | None:
    return None if data.get(name) is None else _rate(data, name)


def _time(data: dict[str, Any], name: str) -> datetime:
    moment = parse_time(data.get(name))
    if moment is None:
        raise UnexpectedResponse(f"field {name!r} missing")
    return moment


def _date(data: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(_field(data, name))
    except ValueError:
        raise UnexpectedResponse(f"field {name!r} is not a date") from None


# -- queues, business day, reports --------------------------------------------------
@dataclass(frozen=True, slots=True)
class QueuedPayment:
    """A payment waiting for liquidity.

    Attributes:
        uetr: the payment. position: its place in the list it came in (0 = first).
        debtor / creditor: the debit and credit participants (BICs).
        amount_minor / currency: what it will settle.
        priority: URGT, HIGH or NORM. sequence: enqueue order inside its priority.
    """

    uetr: str
    position: int
    debtor: str
    creditor: str
    currency: str
    amount_minor: int
    priority: str
    sequence: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueuedPayment:
        return cls(
            uetr=_field(data, "uetr"),
            position=_field(data, "position", int),
            debtor=_field(data, "debtor"),
            creditor=_field(data, "creditor"),
            currency=_field(data, "currency"),
            amount_minor=_field(data, "amount_minor", int),
            priority=_field(data, "priority"),
            sequence=_field(data, "sequence", int),
        )


@dataclass(frozen=True, slots=True)
class PriorityChange:
    """After a reprioritisation: whether it changed, whether the payment settled at once,
    and the payment in its queue now (None once it settled)."""

    changed: bool
    settled: bool
    payment: QueuedPayment | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriorityChange:
        payment = _optional(data, "payment", dict)
        return cls(
            bool(_field(data, "changed", bool)),
            bool(_field(data, "settled", bool)),
            None if payment is None else QueuedPayment.from_json(payment),
        )


@dataclass(frozen=True, slots=True)
class Report:
    """A camt.052 / 053 / 054 made on request (also placed in your outbox).

    Attributes:
        message_id / kind: e.g. "camt.053.001.08". currency: the account's.
        period_from / period_to: the period [from, to). payload: the signed XML.
    """

    message_id: str
    kind: str
    currency: str
    period_from: datetime
    period_to: datetime
    created_at: datetime
    payload: bytes

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(
            message_id=_field(data, "message_id"),
            kind=_field(data, "kind"),
            currency=_field(data, "currency"),
            period_from=_time(data, "from"),
            period_to=_time(data, "to"),
            created_at=_time(data, "created_at"),
            payload=_payload(data),
        )


@dataclass(frozen=True, slots=True)
class GridlockReport:
    """One gridlock run: queued, settled, and liquidity saved (gross less net used)."""

    currency: str
    queued_count: int
    settled_count: int
    gross_minor: int
    net_used_minor: int
    liquidity_saved_minor: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GridlockReport:
        return cls(
            currency=_field(data, "currency"),
            queued_count=_field(data, "queued_count", int),
            settled_count=_field(data, "settled_count", int),
            gross_minor=_field(data, "gross_minor", int),
            net_used_minor=_field(data, "net_used_minor", int),
            liquidity_saved_minor=_field(data, "liquidity_saved_minor", int),
        )


@dataclass(frozen=True, slots=True)
class DayStatus:
    """A currency's business day: state (closed, open, cut_off, end_of_day) and times."""

    currency: str
    business_date: date
    state: str
    time_zone: str
    opens_at: datetime
    cut_off_at: datetime
    end_of_day_at: datetime
    extension_min: int
    queued_count: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DayStatus:
        return cls(
            currency=_field(data, "currency"),
            business_date=_date(data, "business_date"),
            state=_field(data, "state"),
            time_zone=_field(data, "time_zone"),
            opens_at=_time(data, "opens_at"),
            cut_off_at=_time(data, "cut_off_at"),
            end_of_day_at=_time(data, "end_of_day_at"),
            extension_min=_field(data, "extension_min", int),
            queued_count=_field(data, "queued_count", int),
        )


@dataclass(frozen=True, slots=True)
class CutOffResult:
    currency: str
    rejected: int
    day: DayStatus

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CutOffResult:
        day = DayStatus.from_json(_field(data, "day", dict))
        return cls(_field(data, "currency"), _field(data, "rejected", int), day)


@dataclass(frozen=True, slots=True)
class EndOfDayResult:
    currency: str
    business_date: date
    rejected_at_cut_off: int
    statements: int
    entries: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EndOfDayResult:
        return cls(
            currency=_field(data, "currency"),
            business_date=_date(data, "business_date"),
            rejected_at_cut_off=_field(data, "rejected_at_cut_off", int),
            statements=_field(data, "statements", int),
            entries=_field(data, "entries", int),
        )


# -- FX -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QuoteLeg:
    provider: str
    source_currency: str
    target_currency: str
    rate: Decimal
    source_minor: int
    target_minor: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuoteLeg:
        return cls(
            provider=_field(data, "provider"),
            source_currency=_field(data, "source_currency"),
            target_currency=_field(data, "target_currency"),
            rate=_rate(data, "rate"),
            source_minor=_field(data, "source_minor", int),
            target_minor=_field(data, "target_minor", int),
        )


@dataclass(frozen=True, slots=True)
class QuoteCharge:
    """One charge (ChrgsInf): amount in the source currency, taken by `agent`."""

    kind: str
    amount_minor: int
    currency: str
    agent: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuoteCharge:
        return cls(
            _field(data, "kind"),
            _field(data, "amount_minor", int),
            _field(data, "currency"),
            _field(data, "agent"),
        )


@dataclass(frozen=True, slots=True)
class Quote:
    """An executable FX quote, locked until `expires_at`, for one pacs.008.

    Attributes:
        id: carry it as InstrForNxtAgt/InstrInf "/FXQT/<id>".
        status: locked, consumed, expired, settled or released.
        source_minor / target_minor: converted amount / what the creditor agent receives
            (the pacs.008's IntrBkSttlmAmt, target currency).
        instructed_minor: the pacs.008's InstdAmt (source currency).
        debtor_total_minor: converted amount plus charges (debited from you).
        rate: the applied rate (18 significant digits); xchg_rate: the pacs.008's XchgRate.
        legs / charges: every conversion and every charge. raw: the API's JSON.
    """

    id: str
    status: str
    debtor_agent: str
    creditor_agent: str
    source_currency: str
    target_currency: str
    fixed_side: str
    charge_bearer: str
    source_minor: int
    target_minor: int
    charges_minor: int
    debtor_total_minor: int
    instructed_minor: int
    rate: Decimal
    xchg_rate: Decimal
    bridge_currency: str | None
    legs: tuple[QuoteLeg, ...]
    charges: tuple[QuoteCharge, ...]
    created_at: datetime
    expires_at: datetime
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quote:
        return cls(
            id=_field(data, "id"),
            status=_field(data, "status"),
            debtor_agent=_field(data, "debtor_agent"),
            creditor_agent=_field(data, "creditor_agent"),
            source_currency=_field(data, "source_currency"),
            target_currency=_field(data, "target_currency"),
            fixed_side=_field(data, "fixed_side"),
            charge_bearer=_field(data, "charge_bearer"),
            source_minor=_field(data, "source_minor", int),
            target_minor=_field(data, "target_minor", int),
            charges_minor=_field(data, "charges_minor", int),
            debtor_total_minor=_field(data, "debtor_total_minor", int),
            instructed_minor=_field(data, "instructed_minor", int),
            rate=_rate(data, "rate"),
            xchg_rate=_rate(data, "xchg_rate"),
            bridge_currency=_optional(data, "bridge_currency"),
            legs=tuple(QuoteLeg.from_json(leg) for leg in _field(data, "legs", list)),
            charges=tuple(QuoteCharge.from_json(c) for c in _field(data, "charges", list)),
            created_at=_time(data, "created_at"),
            expires_at=_time(data, "expires_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class RateTier:
    """One tier of an FX provider's rates (what `publish_rates` sends and returns).

    Attributes:
        base / quote: the pair; bid / ask: quote units per one base unit (exact Decimals;
            None = that direction is not quoted).
        band_min_minor / band_max_minor: trade size band, minor units of base.
        exposure_max_minor: the cap on exposure in the pair, minor units of base.
        valid_from / valid_until: aware datetimes; executable in [from, until).
    """

    base: str
    quote: str
    bid: Decimal | None
    ask: Decimal | None
    band_min_minor: int
    band_max_minor: int
    exposure_max_minor: int
    valid_from: datetime
    valid_until: datetime

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateTier:
        return cls(
            base=_field(data, "base"),
            quote=_field(data, "quote"),
            bid=_optional_rate(data, "bid"),
            ask=_optional_rate(data, "ask"),
            band_min_minor=_field(data, "band_min_minor", int),
            band_max_minor=_field(data, "band_max_minor", int),
            exposure_max_minor=_field(data, "exposure_max_minor", int),
            valid_from=_time(data, "valid_from"),
            valid_until=_time(data, "valid_until"),
        )


@dataclass(frozen=True, slots=True)
class RateSheet:
    provider: str
    published_at: datetime
    rates: tuple[RateTier, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateSheet:
        rates = tuple(RateTier.from_json(r) for r in _field(data, "rates", list))
        return cls(_field(data, "provider"), _time(data, "published_at"), rates)


@dataclass(frozen=True, slots=True)
class FxVolume:
    """Settled FX per UTC day, provider and direction."""

    day: date
    provider: str
    source_currency: str
    target_currency: str
    trades: int
    source_minor: int
    target_minor: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FxVolume:
        return cls(
            day=_date(data, "day"),
            provider=_field(data, "provider"),
            source_currency=_field(data, "source_currency"),
            target_currency=_field(data, "target_currency"),
            trades=_field(data, "trades", int),
            source_minor=_field(data, "source_minor", int),
            target_minor=_field(data, "target_minor", int),
        )


@dataclass(frozen=True, slots=True)
class Exposure:
    """A provider's exposure in a pair, minor units of the pair's base currency."""

    provider: str
    base: str
    quote: str
    reserved_minor: int
    settled_minor: int
    now_minor: int
    peak_minor: int
    cap_minor: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exposure:
        return cls(
            provider=_field(data, "provider"),
            base=_field(data, "base"),
            quote=_field(data, "quote"),
            reserved_minor=_field(data, "reserved_minor", int),
            settled_minor=_field(data, "settled_minor", int),
            now_minor=_field(data, "now_minor", int),
            peak_minor=_field(data, "peak_minor", int),
            cap_minor=_optional(data, "cap_minor", int),
        )


# -- four eyes and audit --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Approval:
    """A four-eyes request: pending until a different user approves or refuses it."""

    id: str
    action: str
    params: dict[str, Any]
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Approval:
        return cls(
            id=_field(data, "id"),
            action=_field(data, "action"),
            params=_field(data, "params", dict),
            requested_by=_field(data, "requested_by"),
            requested_at=_time(data, "requested_at"),
            status=_field(data, "status"),
            decided_by=_optional(data, "decided_by"),
            decided_at=parse_time(data.get("decided_at")),
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """The approval as decided, and what carrying it out returned ("ok", or why not)."""

    approval: Approval
    result: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        return cls(Approval.from_json(_field(data, "approval", dict)), _optional(data, "result"))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    detail: str
    prev_hash: str
    hash: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEntry:
        return cls(
            seq=_field(data, "seq", int),
            at=_time(data, "at"),
            actor=_field(data, "actor"),
            action=_field(data, "action"),
            detail=_field(data, "detail"),
            prev_hash=_field(data, "prev_hash"),
            hash=_field(data, "hash"),
        )


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    has_more: bool
    next_after: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditPage:
        entries = tuple(AuditEntry.from_json(e) for e in _field(data, "data", list))
        return cls(entries, bool(data.get("has_more")), _field(data, "next_after", int))


@dataclass(frozen=True, slots=True)
class AuditCheck:
    entries: int
    ok: bool
    problems: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditCheck:
        problems = tuple(str(p) for p in _field(data, "problems", list))
        return cls(_field(data, "entries", int), bool(_field(data, "ok", bool)), problems)
