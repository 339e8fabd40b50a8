"""The messages the hub sends: status reports, rejects, forwarded transfers, resolutions.

Every message is wrapped with a head.001 AppHdr from the hub to the recipient and signed
with the hub's key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from corridor.crypto.keys import PrivateKey
from corridor.foundation.slots import slot_init
from corridor.iso20022.outbound import (
    RELAY_IDENTIFIER,
    build_message,
    build_relayed_transfer,
    make_header,
    message_type_for,
)
from corridor.iso20022.records import (
    Agent,
    Body,
    CancellationStatus,
    CaseAssignment,
    Charge,
    CreditTransfer,
    CreditTransferTransaction,
    FinancialInstitutionTransaction,
    FinancialInstitutionTransfer,
    GroupHeader,
    OriginalRef,
    PaymentReturn,
    PaymentStatusReport,
    RejectionNotice,
    ResolutionOfInvestigation,
    ReturnTransaction,
    TransactionStatus,
)
from corridor.payments.records import OutboxMessage

REFERENCE_MAX = 35


@slot_init  # one per transaction of every batch
@dataclass(frozen=True, slots=True)
class TxOutcome:
    """What became of one transaction, for the status report."""

    original: OriginalRef
    status: str
    reason: str | None = None
    detail: str = ""
    charges: tuple[Charge, ...] = ()


class Outbound:
    """Builds and signs the hub's messages."""

    def __init__(
        self, hub_bic: str, key: PrivateKey | None, new_message_id: Callable[[str], str]
    ) -> None:
        self._hub = Agent(bic=hub_bic)
        self._key = key
        self._new_id = new_message_id

    @property
    def hub_bic(self) -> str:
        return self._hub.bic or ""

    def message(
        self, recipient: str, body: Body, at: datetime, uetrs: Sequence[str | None], at_ms: int
    ) -> OutboxMessage:
        # admi.002 has no MsgId of its own (its "msg_id" is the refused message's), so
        # its header gets a fresh BizMsgIdr; every other body's MsgId is already fresh.
        biz_msg_id = self._new_id("A") if isinstance(body, RejectionNotice) else None
        header = make_header(body, self._hub, Agent(bic=recipient), at, biz_msg_id)
        payload = build_message(header, body, self._key)
        return OutboxMessage(
            message_id=header.biz_msg_id,
            recipient=recipient,
            kind=message_type_for(body).identifier,
            payload=payload,
            created_at_ms=at_ms,
            uetrs=tuple(u for u in uetrs if u),
        )

    # -- answers to the sender ------------------------------------------------------
    def status_report(
        self,
        recipient: str,
        original: OriginalRef,
        outcomes: Sequence[TxOutcome],
        at: datetime,
        at_ms: int,
        group: tuple[str, str | None, str] | None = None,
    ) -> OutboxMessage:
        """pacs.002: one TxInfAndSts per transaction; GrpSts when all share one status
        (or `group` = (status, reason, text) for a refusal of the whole message)."""
        statuses = {o.status for o in outcomes}
        if group is None and len(statuses) == 1:
            only = outcomes[0]
            reason_set = {o.reason for o in outcomes}
            group = (only.status, only.reason if len(reason_set) == 1 else None, "")
        elif group is None:
            group = ("PART", None, "")
        transactions = tuple(
            TransactionStatus(
                original=o.original,
                status=o.status,
                reason_code=o.reason,
                additional_info=_info(o.detail),
                charges=o.charges,
            )
            for o in outcomes
        )
        body = PaymentStatusReport(
            msg_id=self._new_id("S"),
            created_at=at,
            original=original,
            transactions=transactions,
            group_status=group[0],
            group_reason_code=group[1],
            group_additional_info=_info(group[2]),
            instructing_agent=self._hub,
            instructed_agent=Agent(bic=recipient),
        )
        return self.message(recipient, body, at, [o.original.uetr for o in outcomes], at_ms)

    def reject_notice(
        self,
        recipient: str,
        reference: str | None,
        reason: str,
        location: str,
        description: str,
        at: datetime,
        at_ms: int,
    ) -> OutboxMessage:
        """admi.002: for a message that could not be read as a payment message at all."""
        body = RejectionNotice(
            reference=(reference or "NONE")[:REFERENCE_MAX],
            reason=reason,
            rejected_at=at,
            error_location=location[:140] or None,
            description=description[:350] or None,
        )
        return self.message(recipient, body, at, [], at_ms)

    def resolution(
        self,
        recipient: str,
        assignment_id: str,
        statuses: Sequence[CancellationStatus],
        confirmation: str,
        at: datetime,
        at_ms: int,
        assignee: str,
    ) -> OutboxMessage:
        """camt.029: the answer to a cancellation request."""
        body = ResolutionOfInvestigation(
            assignment=CaseAssignment(
                id=self._new_id("R"),
                assigner=self._hub,
                assignee=Agent(bic=assignee),
                created_at=at,
            ),
            confirmation=confirmation,
            transactions=tuple(statuses),
            resolved_case_id=assignment_id[:REFERENCE_MAX],
        )
        return self.message(recipient, body, at, [s.original.uetr for s in statuses], at_ms)

    # -- forwarding to the creditor side --------------------------------------------
    def forward(
        self,
        recipient: str,
        txs: Sequence[CreditTransferTransaction] | Sequence[FinancialInstitutionTransaction],
        at: datetime,
        at_ms: int,
        received_xml: Sequence[bytes | None] = (),
        relay_spans: Sequence[tuple[int, int] | None] = (),
    ) -> OutboxMessage:
        """The settled transactions for one receiver, as one pacs.008 (customer transfers)
        or pacs.009 (institution transfers) from the hub.

        `received_xml`: each transaction's element as received (TransferInstruction); when
        all are there, they are copied into the message rather than rebuilt from `txs`.
        `relay_spans`: where the agents go in each (TransferInstruction.relay_span); when
        all are there, the message is joined from them (build_relayed_transfer).
        """
        group = self._group(
            len(txs),
            sum(t.amount_minor for t in txs),
            txs[0].currency,
            at,
            recipient,
            txs[0].settlement_date,
        )
        received = [xml for xml in received_xml if xml is not None]
        if received and len(received) == len(txs):
            uetrs = [t.uetr for t in txs]
            return self._relay(recipient, group, received, relay_spans, uetrs, at_ms)
        relayed = tuple(
            replace(t, instructing_agent=self._hub, instructed_agent=Agent(bic=recipient))
            for t in txs
        )
        body: Body = (
            CreditTransfer(group=group, transactions=relayed)  # type: ignore[arg-type]
            if isinstance(txs[0], CreditTransferTransaction)
            else FinancialInstitutionTransfer(group=group, transactions=relayed)  # type: ignore[arg-type]
        )
        return self.message(recipient, body, at, [t.uetr for t in txs], at_ms)

    def _relay(
        self,
        recipient: str,
        group: GroupHeader,
        received_xml: Sequence[bytes],
        relay_spans: Sequence[tuple[int, int] | None],
        uetrs: Sequence[str | None],
        at_ms: int,
    ) -> OutboxMessage:
        """The forwarded pacs.008 with the received transactions copied in, not rebuilt."""
        payload = build_relayed_transfer(
            self._hub, Agent(bic=recipient), group, received_xml, self._key, relay_spans
        )
        return OutboxMessage(
            message_id=group.msg_id,
            recipient=recipient,
            kind=RELAY_IDENTIFIER,
            payload=payload,
            created_at_ms=at_ms,
            uetrs=tuple(u for u in uetrs if u),
        )

    def forward_return(
        self, recipient: str, tx: ReturnTransaction, at: datetime, at_ms: int
    ) -> OutboxMessage:
        group = self._group(
            1, tx.returned_amount_minor, tx.currency, at, recipient, tx.settlement_date
        )
        body = PaymentReturn(
            group=group,
            transactions=(
                replace(tx, instructing_agent=self._hub, instructed_agent=Agent(bic=recipient)),
            ),
        )
        return self.message(recipient, body, at, [tx.original.uetr], at_ms)

    def _group(
        self,
        count: int,
        total_minor: int,
        currency: str,
        at: datetime,
        recipient: str,
        settlement_date: object,
    ) -> GroupHeader:
        return GroupHeader(
            msg_id=self._new_id("F"),
            created_at=at,
            number_of_transactions=count,
            settlement_method="CLRG",
            total_amount_minor=total_minor,
            total_currency=currency,
            settlement_date=settlement_date or at.date(),  # type: ignore[arg-type]
            instructing_agent=self._hub,
            instructed_agent=Agent(bic=recipient),
        )


def _info(text: str) -> tuple[str, ...]:
    return (text[:105],) if text else ()
