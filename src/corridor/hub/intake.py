"""Intake: one inbound message to routed instructions, before it reaches the engine.

Stateless and read-only (directory and schemas), so it may run on any thread. The order
of checks: the message layer's pipeline (parse, schema, signature, business rules), then
the AppHdr sender against the authenticated caller, then each transaction's routing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from corridor.foundation.clock import ms_to_datetime
from corridor.foundation.slots import slot_copier, slot_init
from corridor.fx import PvpPlan
from corridor.hub import reasons
from corridor.hub.directory import Directory
from corridor.iso20022.outbound import RELAY_IDENTIFIER, relay_span
from corridor.iso20022.pipeline import MessageReject, ParsedMessage, Policy, parse_message
from corridor.iso20022.records import (
    CancellationRequest,
    CancellationTransaction,
    CreditTransfer,
    CreditTransferTransaction,
    FinancialInstitutionTransaction,
    FinancialInstitutionTransfer,
    PaymentReturn,
    ReturnTransaction,
    pickled_by_fields,
)
from corridor.payments.records import ParticipantStatus, PaymentKind

Transaction = CreditTransferTransaction | FinancialInstitutionTransaction


@pickled_by_fields  # crosses from the intake processes in bulk
@slot_init  # one per transaction
@dataclass(frozen=True, slots=True)
class TransferInstruction:
    """One routed transaction of a pacs.008 or pacs.009, ready to settle.

    Attributes:
        debit_participant / credit_participant: whose accounts move (direct participants
            or settlement agents), resolved through the directory.
        debit_account_id / credit_account_id: their ledger accounts.
        reason / detail: set when intake already rejects this transaction.
        quote_id: an FX quote the transaction settles against (cross-currency); the
            debtor side then pays in the instructed currency.
        fx: the payment-versus-payment chain, once the quote is consumed (engine thread);
            amount_minor / currency / debit_account_id are then the debtor's source side.
        received_xml: the transaction's CdtTrfTxInf as received, when the hub can forward
            it as it came (pacs.008 in the version the hub writes); else None.
        relay_span: where the hub's agents go in received_xml (`outbound.relay_span`),
            found here so that the engine relays it with a join instead of scanning it
            (two offsets rather than the pieces: the text crosses once, and a transaction
            that cannot take the join is relayed from received_xml as it is); None when
            there is no received_xml or it is not of that shape.
    """

    kind: PaymentKind
    uetr: str
    end_to_end_id: str
    tx_id: str | None
    debtor_agent: str
    creditor_agent: str
    debit_participant: str
    credit_participant: str
    debit_account_id: int
    credit_account_id: int
    amount_minor: int
    currency: str
    record: Transaction
    priority: str | None = None
    reason: str | None = None
    detail: str = ""
    quote_id: str | None = None
    fx: PvpPlan | None = None
    received_xml: bytes | None = None
    relay_span: tuple[int, int] | None = None


@pickled_by_fields  # crosses from the intake processes in bulk
@dataclass(frozen=True, slots=True)
class ReturnInstruction:
    record: ReturnTransaction


@pickled_by_fields  # crosses from the intake processes in bulk
@dataclass(frozen=True, slots=True)
class CancelInstruction:
    record: CancellationTransaction


Instruction = TransferInstruction | ReturnInstruction | CancelInstruction


@dataclass(frozen=True, slots=True)
class _Route:
    """Where a transaction settles, or why it cannot (reason and detail): what routing
    finds for one (debtor agent, creditor agent, currencies) of a message."""

    debit_participant: str = ""
    credit_participant: str = ""
    debit_account_id: int = 0
    credit_account_id: int = 0
    reason: str | None = None
    detail: str = ""


@pickled_by_fields  # crosses from the intake processes in bulk
@slot_init
@dataclass(frozen=True, slots=True)
class Intake:
    """What intake made of one inbound message.

    Attributes:
        sender: the authenticated participant.
        msg_id: the message's MsgId (or BizMsgIdr), None when unreadable.
        parsed: the accepted message, where it was parsed: an intake worker process does
            not send it to the hub (`for_engine`), whose engine reads only the fields
            here and the instructions. None when refused as a whole.
        reject: the whole-message refusal (reason, text, XPath) when there is one.
        instructions: one per transaction, in message order.
        created_at: the message's creation time (GrpHdr/CreDtTm), when it has one.
    """

    sender: str
    received_at_ms: int
    msg_id: str | None
    identifier: str | None
    parsed: ParsedMessage | None = None
    reject: MessageReject | None = None
    reject_reason: str | None = None
    reject_text: str = ""
    data: bytes = b""
    instructions: tuple[Instruction, ...] = ()
    created_at: datetime | None = None

    @property
    def rejected(self) -> bool:
        return self.reject is not None or self.reject_reason is not None

    def for_engine(self) -> Intake:
        """Without the parsed message, which the engine does not read: an intake worker
        sends this (unpickling the whole message cost the hub's event loop ~14 % of its
        time with single-transaction messages)."""
        return copy_intake(self, parsed=None) if self.parsed is not None else self


copy_intake = slot_copier(Intake)  # replace() for an Intake, without reading fields()
_copy_policy = slot_copier(Policy)  # per message: dataclasses.replace reads fields() each time


class IntakeDesk:
    """Turns (sender, bytes) into an Intake."""

    def __init__(self, directory: Directory, policy: Policy) -> None:
        self._directory = directory
        # Keep the received transactions of the version the hub forwards: it copies them
        # into the forwarded message instead of rebuilding them (answers.Outbound.forward).
        self._policy = replace(policy, relay_identifiers=frozenset({RELAY_IDENTIFIER}))

    def take(self, sender: str, data: bytes, received_at_ms: int) -> Intake:
        now = ms_to_datetime(received_at_ms)
        policy = _copy_policy(self._policy, keys=self._directory.keys, now=now)
        result = parse_message(data, policy)
        if isinstance(result, MessageReject):
            return Intake(
                sender, received_at_ms, result.reference, result.identifier, reject=result
            )
        msg_id = getattr(result.body, "msg_id", None) or (
            result.header.biz_msg_id if result.header else None
        )
        group = getattr(result.body, "group", None)
        refusal = self._check_sender(sender, result)
        return Intake(
            sender,
            received_at_ms,
            msg_id,
            result.identifier,
            parsed=result,
            reject_reason=refusal[0] if refusal else None,
            reject_text=refusal[1] if refusal else "",
            data=data,
            instructions=self._instructions(sender, result, now) if refusal is None else (),
            created_at=getattr(group, "created_at", None),
        )

    def reroute(self, sender: str, data: bytes, uetr: str) -> TransferInstruction | None:
        """Rebuild the instruction for one stored transaction (restart recovery). The
        message was authenticated when it arrived, so only its content is read again."""
        result = parse_message(
            data, replace(self._policy, schemas=None, keys=None, require_signature=False, now=None)
        )
        if isinstance(result, MessageReject):
            return None
        for instruction in self._instructions(sender, result, datetime.now(UTC)):
            if isinstance(instruction, TransferInstruction) and instruction.uetr == uetr:
                return instruction
        return None

    def _check_sender(self, sender: str, parsed: ParsedMessage) -> tuple[str, str] | None:
        participant = self._directory.participant(sender)
        if participant is None or participant.status is not ParticipantStatus.active:
            status = participant.status.value if participant else "unknown"
            return reasons.AG01, f"sender {sender} is {status}"
        header_bic = parsed.header.from_agent.bic if parsed.header else None
        if header_bic is not None and self._directory.participant(header_bic) is not participant:
            return reasons.NARR, (
                f"AppHdr/Fr {header_bic} is not the authenticated participant {sender}"
            )
        return None

    def _instructions(
        self, sender: str, parsed: ParsedMessage, now: datetime
    ) -> tuple[Instruction, ...]:
        body = parsed.body
        # One message's routes, by (debtor agent, creditor agent, debit and credit
        # currency): a bulk message repeats a few of them across its transactions.
        routes: dict[tuple[str, str, str, str], _Route] = {}
        if isinstance(body, CreditTransfer):
            received = parsed.transactions_xml
            if len(received) != len(body.transactions):
                received = (None,) * len(body.transactions)  # type: ignore[assignment]
            return tuple(
                self._route(
                    sender,
                    PaymentKind.customer,
                    tx,
                    tx.debtor_agent.bic,
                    tx.creditor_agent.bic,
                    routes,
                    xml,
                )
                for tx, xml in zip(body.transactions, received, strict=True)
            )
        if isinstance(body, FinancialInstitutionTransfer):
            return tuple(
                self._route(
                    sender, PaymentKind.institution, tx, tx.debtor.bic, tx.creditor.bic, routes
                )
                for tx in body.transactions
            )
        if isinstance(body, PaymentReturn):
            return tuple(ReturnInstruction(tx) for tx in body.transactions)
        if isinstance(body, CancellationRequest):
            return tuple(CancelInstruction(tx) for tx in body.transactions)
        return ()

    def _route(
        self,
        sender: str,
        kind: PaymentKind,
        tx: Transaction,
        debtor_agent: str | None,
        creditor_agent: str | None,
        routes: dict[tuple[str, str, str, str], _Route],
        received_xml: bytes | None = None,
    ) -> TransferInstruction:
        debtor_bic, creditor_bic = debtor_agent or "", creditor_agent or ""
        quote_id = getattr(tx, "quote_id", None)
        if not tx.uetr:
            route = _Route(reason=reasons.CH16, detail="UETR is required by this network")
        else:
            debit_currency = (
                getattr(tx, "instructed_currency", None) or tx.currency if quote_id else tx.currency
            )
            key = (debtor_bic, creditor_bic, debit_currency, tx.currency)
            route = routes.get(key)
            if route is None:
                route = routes[key] = self._find_route(sender, *key)
        return TransferInstruction(
            kind=kind,
            uetr=tx.uetr or "",
            end_to_end_id=tx.end_to_end_id,
            tx_id=tx.tx_id,
            debtor_agent=debtor_bic,
            creditor_agent=creditor_bic,
            debit_participant=route.debit_participant,
            credit_participant=route.credit_participant,
            debit_account_id=route.debit_account_id,
            credit_account_id=route.credit_account_id,
            amount_minor=tx.amount_minor,
            currency=tx.currency,
            record=tx,
            priority=tx.settlement_priority or tx.priority,
            reason=route.reason,
            detail=route.detail,
            quote_id=quote_id if route.reason is None else None,
            received_xml=received_xml,
            relay_span=relay_span(received_xml) if received_xml is not None else None,
        )

    def _find_route(
        self,
        sender: str,
        debtor_bic: str,
        creditor_bic: str,
        debit_currency: str,
        credit_currency: str,
    ) -> _Route:
        debit = self._directory.settling_participant(debtor_bic)
        credit = self._directory.settling_participant(creditor_bic)
        problem = self._routing_problem(sender, debtor_bic, creditor_bic, debit, credit)
        if problem is not None:
            return _Route(reason=problem[0], detail=problem[1])
        assert debit is not None and credit is not None
        debit_account = self._directory.account_id(debit.bic, debit_currency)
        credit_account = self._directory.account_id(credit.bic, credit_currency)
        if debit_account is None or credit_account is None:
            missing = (
                f"{debit.bic} holds no settlement account in {debit_currency}"
                if debit_account is None
                else f"{credit.bic} holds no settlement account in {credit_currency}"
            )
            return _Route(debit.bic, credit.bic, reason=reasons.AM03, detail=missing)
        if debit_account == credit_account:  # e.g. a direct participant and its indirect
            return _Route(
                debit.bic,
                credit.bic,
                reason=reasons.NARR,
                detail=f"the debtor and creditor agents both settle on {debit.bic}'s "
                f"{debit_currency} account: an on-us payment, for {debit.bic}'s own books",
            )
        return _Route(debit.bic, credit.bic, debit_account, credit_account)

    def _routing_problem(
        self, sender: str, debtor_bic: str, creditor_bic: str, debit: object, credit: object
    ) -> tuple[str, str] | None:
        directory = self._directory
        for role, bic, settling in (
            ("debtor agent", debtor_bic, debit),
            ("creditor agent", creditor_bic, credit),
        ):
            participant = directory.participant(bic)
            if participant is None or settling is None:
                return reasons.RC01, f"{role} {bic or '(none)'} is not a participant"
            if not (directory.is_active(participant) and directory.is_active(settling)):  # type: ignore[arg-type]
                return reasons.AG01, f"{role} {bic} is not active"
        if getattr(debit, "bic", None) != directory.participant(sender).bic:  # type: ignore[union-attr]
            return reasons.AG01, f"{sender} does not settle for debtor agent {debtor_bic}"
        return None
