"""Typed results of the client's calls, read from the API's JSON.

Amounts stay as the API gives them: minor units (`*_minor`, int) plus the currency;
`corridor.foundation.money.format_amount` renders them. Times are aware UTC datetimes.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from corridor.client._errors import ClientError

STATUS_REJECTED = "RJCT"


class UnexpectedResponse(ClientError):  # noqa: N818 - reads as what happened
    """The hub's answer does not have the shape this client knows (version mismatch?)."""


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...] = str) -> Any:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, kind):
        raise UnexpectedResponse(f"field {name!r} missing or not {kind}: {value!r}"[:300])
    return value


def _optional(data: dict[str, Any], name: str, kind: type | tuple[type, ...] = str) -> Any:
    value = data.get(name)
    if value is not None and not isinstance(value, kind):
        raise UnexpectedResponse(f"field {name!r} is not {kind}: {value!r}"[:300])
    return value


def _strings(data: dict[str, Any], name: str) -> tuple[str, ...]:
    values = data.get(name) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise UnexpectedResponse(f"field {name!r} is not a list of strings")
    return tuple(values)


def _payload(data: dict[str, Any], name: str = "payload_base64") -> bytes:
    text = data.get(name)
    if text is None:
        return b""
    try:
        return base64.b64decode(_field(data, name), validate=True)
    except (binascii.Error, ValueError):
        raise UnexpectedResponse(f"field {name!r} is not base64") from None


def parse_time(value: object) -> datetime | None:
    """An API timestamp (RFC 3339 text or epoch milliseconds) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise UnexpectedResponse(f"not a timestamp: {value!r}"[:200]) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise UnexpectedResponse(f"not a timestamp: {value!r}"[:200])


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The hub's one answer to one message you sent.

    Attributes:
        status: ACSC (settled), ACSP/PDNG (accepted, pending), PART, or RJCT (refused).
        reason: the ISO reason code when refused for one reason (e.g. AM04, DS0B), or None.
        message_id: the answer message's id (a pacs.002 or admi.002, also in your outbox).
        kind: the answer's message identifier, e.g. "pacs.002.001.10".
        duplicate: True when the hub had this MsgId already: this is the original answer.
        uetrs: the payments it concerns. detail: a human-readable explanation.
        payload: the signed answer message (XML bytes).
    """

    status: str
    reason: str | None
    message_id: str
    kind: str
    duplicate: bool
    uetrs: tuple[str, ...]
    detail: str
    payload: bytes

    @property
    def accepted(self) -> bool:
        return self.status != STATUS_REJECTED

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmitResult:
        return cls(
            status=_field(data, "status"),
            reason=_optional(data, "reason"),
            message_id=_field(data, "message_id"),
            kind=_field(data, "kind"),
            duplicate=bool(data.get("duplicate", False)),
            uetrs=_strings(data, "uetrs"),
            detail=_optional(data, "detail") or "",
            payload=_payload(data),
        )


@dataclass(frozen=True, slots=True)
class InboxMessage:
    """A message the hub delivered to you (your outbox at the hub).

    Attributes:
        seq: its position; pass the last one you have as `after` to get newer ones.
        message_id: acknowledge by this id. kind: e.g. "pacs.008.001.08".
        uetrs: the payments it concerns. payload: the signed message (XML bytes).
        created_at / acked_at: when it was written, and when you acknowledged it.
    """

    seq: int
    message_id: str
    kind: str
    uetrs: tuple[str, ...]
    created_at: datetime | None
    acked_at: datetime | None
    payload: bytes

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InboxMessage:
        return cls(
            seq=_field(data, "seq", int),
            message_id=_field(data, "message_id"),
            kind=_field(data, "kind"),
            uetrs=_strings(data, "uetrs"),
            created_at=parse_time(data.get("created_at")),
            acked_at=parse_time(data.get("acked_at")),
            payload=_payload(data),
        )


@dataclass(frozen=True, slots=True)
class OutboxPage:
    """One page of messages; `next_after` is the cursor for the next page."""

    messages: tuple[InboxMessage, ...]
    has_more: bool
    next_after: int

    @classmethod
    def from_json(cls, data: dict[str, Any], after: int) -> OutboxPage:
        messages = tuple(InboxMessage.from_json(m) for m in _field(data, "data", list))
        cursor = _optional(data, "next_after", int)
        if cursor is None:
            cursor = messages[-1].seq if messages else after
        return cls(messages, bool(data.get("has_more", False)), cursor)


@dataclass(frozen=True, slots=True)
class AckResult:
    """Which ids were acknowledged (now or before) and which the hub does not know."""

    acknowledged: tuple[str, ...]
    unknown: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AckResult:
        return cls(_strings(data, "acknowledged"), _strings(data, "unknown"))


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One step of a payment's life: RECEIVED, VALIDATED, SCREENED, SETTLED, DELIVERED..."""

    state: str
    at: datetime | None
    detail: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrackingEvent:
        return cls(
            _field(data, "state"), parse_time(data.get("at")), _optional(data, "detail") or ""
        )


@dataclass(frozen=True, slots=True)
class Tracking:
    """A payment as the tracker shows it (gpi style), with every step so far.

    Attributes:
        uetr / kind / state / reason: the payment, its type, latest state and ISO reason.
        amount_minor / currency: the interbank settlement amount.
        debtor_agent / creditor_agent: the BICs named in the message.
        msg_id / end_to_end_id: the sender's references.
        events: the steps, oldest first. raw: the API's JSON, for fields not listed here.
    """

    uetr: str
    kind: str
    state: str
    reason: str | None
    amount_minor: int
    currency: str
    debtor_agent: str
    creditor_agent: str
    msg_id: str
    end_to_end_id: str
    events: tuple[TrackingEvent, ...]
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tracking:
        payment = _field(data, "payment", dict)
        events = tuple(TrackingEvent.from_json(e) for e in _field(data, "events", list))
        return cls(
            uetr=_field(payment, "uetr"),
            kind=_field(payment, "kind"),
            state=_field(payment, "state"),
            reason=_optional(payment, "reason"),
            amount_minor=_field(payment, "amount_minor", int),
            currency=_field(payment, "currency"),
            debtor_agent=_field(payment, "debtor_agent"),
            creditor_agent=_field(payment, "creditor_agent"),
            msg_id=_optional(payment, "msg_id") or "",
            end_to_end_id=_optional(payment, "end_to_end_id") or "",
            events=events,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Balance:
    """One settlement account: balance = credits - debits posted; available also takes
    pending debits off; floor = the lowest allowed balance (minus the credit line)."""

    owner: str
    currency: str
    balance_minor: int
    available_minor: int
    floor_minor: int | None
    closed: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Balance:
        balance = _field(data, "balance_minor", int)
        available = _optional(data, "available_minor", int)
        return cls(
            owner=_optional(data, "owner") or "",
            currency=_field(data, "currency"),
            balance_minor=balance,
            available_minor=balance if available is None else available,
            floor_minor=_optional(data, "floor_minor", int),
            closed=bool(data.get("closed", False)),
        )


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A participant as the directory lists it.

    Attributes:
        bic / name / country: identity. kind: central_bank, direct, indirect, fx_provider.
        status: active, suspended or closed. lei: ISO 17442 or None.
        settles_through: an indirect participant's direct participant, or None.
        public_key_pem: the key registered to sign its messages ("" if none).
        updated_at: the last change.
    """

    bic: str
    name: str
    country: str
    kind: str
    status: str
    lei: str | None
    settles_through: str | None
    public_key_pem: str
    updated_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DirectoryEntry:
        return cls(
            bic=_field(data, "bic"),
            name=_field(data, "name"),
            country=_field(data, "country"),
            kind=_field(data, "kind"),
            status=_field(data, "status"),
            lei=_optional(data, "lei"),
            settles_through=_optional(data, "settles_through"),
            public_key_pem=_optional(data, "public_key_pem") or "",
            updated_at=parse_time(data.get("updated_at")),
        )


@dataclass(frozen=True, slots=True)
class OnboardResult:
    """The participant as saved, and per account asked for: "ok" or why it was not opened
    (e.g. "exists" when it is already open)."""

    participant: DirectoryEntry
    accounts: tuple[tuple[str, str], ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OnboardResult:
        accounts = tuple(
            (_field(a, "currency"), _field(a, "result")) for a in _field(data, "accounts", list)
        )
        return cls(DirectoryEntry.from_json(_field(data, "participant", dict)), accounts)


@dataclass(frozen=True, slots=True)
class Credential:
    """A new API credential. The token is shown once; the hub keeps only its hash."""

    principal: str
    role: str
    token: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credential:
        return cls(_field(data, "principal"), _field(data, "role"), _field(data, "token"))
