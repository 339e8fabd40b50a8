"""Domain records to response bodies: amounts as decimal strings and minor units, UTC times."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence

from fastapi import Request
from fastapi.responses import Response

from corridor.api.schemas import (
    AccountView,
    AnswerView,
    BalanceView,
    EventView,
    OutboxMessageView,
    ParticipantView,
    PaymentView,
    TrackingView,
)
from corridor.foundation.clock import ms_to_datetime
from corridor.foundation.money import format_amount
from corridor.hub.processing import Answer
from corridor.hub.service import Tracking
from corridor.ledger import AccountBalance
from corridor.payments.records import OutboxMessage, Participant, Payment

DIRECTORY_CSV_COLUMNS = (
    "bic",
    "name",
    "country",
    "kind",
    "status",
    "lei",
    "settles_through",
    "public_key_pem",
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def wants_csv(request: Request, format: str | None) -> bool:
    """CSV when asked for with ?format=csv, or by `Accept: text/csv` without a format."""
    return format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_response(text: str, filename: str) -> Response:
    return Response(text, media_type=CSV_MEDIA_TYPE, headers=attachment(filename))


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def answer(a: Answer) -> AnswerView:
    return AnswerView(
        status=a.status,
        reason=a.reason,
        message_id=a.message_id,
        kind=a.kind,
        duplicate=a.duplicate,
        uetrs=list(a.uetrs),
        detail=a.detail,
        payload_base64=b64(a.payload),
    )


def outbox_message(m: OutboxMessage) -> OutboxMessageView:
    return OutboxMessageView(
        seq=m.seq,
        message_id=m.message_id,
        kind=m.kind,
        uetrs=list(m.uetrs),
        created_at=ms_to_datetime(m.created_at_ms),
        acked_at=None if m.acked_at_ms is None else ms_to_datetime(m.acked_at_ms),
        payload_base64=b64(m.payload),
    )


def payment(p: Payment) -> PaymentView:
    return PaymentView(
        uetr=p.uetr,
        kind=p.kind.value,
        state=p.state,
        reason=p.reason,
        msg_id=p.msg_id,
        end_to_end_id=p.end_to_end_id,
        tx_id=p.tx_id,
        instructing_agent=p.instructing_agent,
        debtor_agent=p.debtor_agent,
        creditor_agent=p.creditor_agent,
        debit_participant=p.debit_participant,
        credit_participant=p.credit_participant,
        currency=p.currency,
        amount=format_amount(p.amount_minor, p.currency),
        amount_minor=p.amount_minor,
        returned_amount=format_amount(p.returned_minor, p.currency),
        returned_amount_minor=p.returned_minor,
        related_uetr=p.related_uetr,
        created_at=ms_to_datetime(p.created_at_ms),
        updated_at=ms_to_datetime(p.updated_at_ms),
    )


def tracking(t: Tracking) -> TrackingView:
    events = [
        EventView(state=e.state, at=ms_to_datetime(e.at_ms), detail=e.detail) for e in t.events
    ]
    return TrackingView(payment=payment(t.payment), events=events)


def balance(b: AccountBalance) -> BalanceView:
    return BalanceView(**_balance_fields(b))


def account(b: AccountBalance) -> AccountView:
    return AccountView(**_balance_fields(b), owner=b.owner, kind=b.kind.name)


def _balance_fields(b: AccountBalance) -> dict[str, object]:
    floor = b.floor_minor
    return {
        "currency": b.currency,
        "balance": format_amount(b.balance_minor, b.currency),
        "balance_minor": b.balance_minor,
        "available": format_amount(b.available_minor, b.currency),
        "available_minor": b.available_minor,
        "floor": None if floor is None else format_amount(floor, b.currency),
        "floor_minor": floor,
        "closed": b.closed,
    }


def participant(p: Participant) -> ParticipantView:
    return ParticipantView(
        bic=p.bic,
        name=p.name,
        country=p.country,
        kind=p.kind,
        status=p.status,
        lei=p.lei,
        settles_through=p.settles_through,
        public_key_pem=p.public_key_pem,
        updated_at=ms_to_datetime(p.updated_at_ms) if p.updated_at_ms else None,
    )


def directory_csv(participants: Sequence[Participant]) -> str:
    """The public directory as CSV (RFC 4180, header row, one participant a row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(DIRECTORY_CSV_COLUMNS)
    for p in participants:
        writer.writerow(
            [
                p.bic,
                p.name,
                p.country,
                p.kind.value,
                p.status.value,
                p.lei or "",
                p.settles_through or "",
                p.public_key_pem,
            ]
        )
    return out.getvalue()
