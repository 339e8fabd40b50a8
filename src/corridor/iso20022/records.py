"""Plain domain records of ISO 20022 messages: what parsing produces and building consumes.

Amounts are `int` minor units with their ISO 4217 currency (corridor.foundation.money);
`Decimal` appears only for exchange rates. Datetimes are aware. Optional parts are None;
repeated parts are tuples, empty when absent.
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from corridor.foundation.slots import field_reducer, slot_init, slot_restorer


class Direction(StrEnum):
    INBOUND = "in"  # from a participant to the hub
    OUTBOUND = "out"  # from the hub to a participant


@dataclass(frozen=True, slots=True)
class Agent:
    """A financial institution (BranchAndFinancialInstitutionIdentification6).

    Attributes:
        bic: BICFI (ISO 9362), e.g. "DEUTDEFFXXX".
        member_id: clearing system member id (ClrSysMmbId/MmbId), e.g. an ABA number.
        clearing_system: ClrSysMmbId/ClrSysId/Cd, e.g. "USABA".
        lei: LEI (ISO 17442).
        name: Nm.
    """

    bic: str | None = None
    member_id: str | None = None
    clearing_system: str | None = None
    lei: str | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        """The identifier Corridor knows an institution by: BIC, else member id."""
        return self.bic or self.member_id or self.lei or self.name or ""


@dataclass(frozen=True, slots=True)
class PartyId:
    """An other identification of a party (OrgId/Othr or PrvtId/Othr)."""

    id: str
    scheme: str | None = None
    issuer: str | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """A debtor, creditor or ultimate party (PartyIdentification135).

    Attributes:
        name: Nm.
        street, building, post_code, town, country_subdivision, country: PstlAdr parts.
        address_lines: PstlAdr/AdrLine (up to 7).
        private: True when identified as a person (PrvtId), else an organisation (OrgId).
        any_bic: OrgId/AnyBIC. lei: OrgId/LEI. other_ids: OrgId|PrvtId/Othr.
    """

    name: str | None = None
    street: str | None = None
    building: str | None = None
    post_code: str | None = None
    town: str | None = None
    country_subdivision: str | None = None
    country: str | None = None
    address_lines: tuple[str, ...] = ()
    private: bool = False
    any_bic: str | None = None
    lei: str | None = None
    other_ids: tuple[PartyId, ...] = ()


@dataclass(frozen=True, slots=True)
class Account:
    """A cash account: an IBAN or an other id (with an optional scheme code)."""

    iban: str | None = None
    other_id: str | None = None
    scheme: str | None = None

    @property
    def key(self) -> str:
        return self.iban or self.other_id or ""


@dataclass(frozen=True, slots=True)
class Charge:
    """One ChrgsInf: an amount taken by an agent."""

    amount_minor: int
    currency: str
    agent: Agent


@dataclass(frozen=True, slots=True)
class BusinessHeader:
    """The Business Application Header (head.001).

    Attributes:
        from_agent / to_agent: Fr/FIId and To/FIId.
        biz_msg_id: BizMsgIdr. msg_def_id: MsgDefIdr, e.g. "pacs.008.001.08".
        business_service: BizSvc. created_at: CreDt.
        possible_duplicate: PssblDplct. priority: Prty.
        signed: whether Sgntr is present (verification is a separate step).
        namespace: the head.001 version's namespace.
    """

    from_agent: Agent
    to_agent: Agent
    biz_msg_id: str
    msg_def_id: str
    created_at: datetime
    business_service: str | None = None
    possible_duplicate: bool = False
    priority: str | None = None
    signed: bool = False
    namespace: str = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """GrpHdr of pacs.008/009/004.

    Attributes:
        total_amount_minor / total_currency: TtlIntrBkSttlmAmt (TtlRtrdIntrBkSttlmAmt in
            pacs.004), when the sender states it.
        settlement_method: SttlmInf/SttlmMtd (INDA, INGA, COVE, CLRG).
        clearing_system: SttlmInf/ClrSys/Cd.
    """

    msg_id: str
    created_at: datetime
    number_of_transactions: int
    settlement_method: str
    clearing_system: str | None = None
    total_amount_minor: int | None = None
    total_currency: str | None = None
    settlement_date: date | None = None
    instructing_agent: Agent | None = None
    instructed_agent: Agent | None = None


@dataclass(frozen=True, slots=True)
class CreditTransferTransaction:
    """One CdtTrfTxInf of a pacs.008.

    Attributes:
        priority: PmtTpInf/InstrPrty (HIGH, NORM). settlement_priority: SttlmPrty.
        instructed_amount_minor / instructed_currency: InstdAmt (before FX and charges).
        exchange_rate: XchgRate (units of settlement currency per instructed currency unit).
        quote_id: the FX quote Corridor applies, carried as an InstrForNxtAgt/InstrInf line
            "/FXQT/<quote id>" (see docs/integration.md); other InstrInf lines are kept in
            instructions_for_next_agent.
        remittance: RmtInf/Ustrd lines.
    """

    end_to_end_id: str
    amount_minor: int
    currency: str
    charge_bearer: str
    debtor: Party
    debtor_agent: Agent
    creditor_agent: Agent
    creditor: Party
    instruction_id: str | None = None
    tx_id: str | None = None
    uetr: str | None = None
    settlement_date: date | None = None
    priority: str | None = None
    settlement_priority: str | None = None
    instructed_amount_minor: int | None = None
    instructed_currency: str | None = None
    exchange_rate: Decimal | None = None
    charges: tuple[Charge, ...] = ()
    instructing_agent: Agent | None = None
    instructed_agent: Agent | None = None
    ultimate_debtor: Party | None = None
    debtor_account: Account | None = None
    creditor_account: Account | None = None
    ultimate_creditor: Party | None = None
    quote_id: str | None = None
    instructions_for_next_agent: tuple[str, ...] = ()
    purpose: str | None = None
    remittance: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """pacs.008 FIToFICstmrCdtTrf: one or many customer credit transfers."""

    group: GroupHeader
    transactions: tuple[CreditTransferTransaction, ...]

    @property
    def msg_id(self) -> str:
        return self.group.msg_id


@dataclass(frozen=True, slots=True)
class FinancialInstitutionTransaction:
    """One CdtTrfTxInf of a pacs.009 (debtor and creditor are institutions)."""

    end_to_end_id: str
    amount_minor: int
    currency: str
    debtor: Agent
    creditor: Agent
    instruction_id: str | None = None
    tx_id: str | None = None
    uetr: str | None = None
    settlement_date: date | None = None
    priority: str | None = None
    settlement_priority: str | None = None
    instructing_agent: Agent | None = None
    instructed_agent: Agent | None = None
    debtor_account: Account | None = None
    debtor_agent: Agent | None = None
    creditor_agent: Agent | None = None
    creditor_account: Account | None = None
    quote_id: str | None = None
    instructions_for_next_agent: tuple[str, ...] = ()
    remittance: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FinancialInstitutionTransfer:
    """pacs.009 FICdtTrf."""

    group: GroupHeader
    transactions: tuple[FinancialInstitutionTransaction, ...]

    @property
    def msg_id(self) -> str:
        return self.group.msg_id


@dataclass(frozen=True, slots=True)
class OriginalRef:
    """What an answer refers to: the original message and transaction ids."""

    msg_id: str | None = None
    msg_name_id: str | None = None
    created_at: datetime | None = None
    instruction_id: str | None = None
    end_to_end_id: str | None = None
    tx_id: str | None = None
    uetr: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnTransaction:
    """One TxInf of a pacs.004."""

    original: OriginalRef
    returned_amount_minor: int
    currency: str
    return_id: str | None = None
    original_amount_minor: int | None = None
    original_currency: str | None = None
    settlement_date: date | None = None
    charge_bearer: str | None = None
    instructing_agent: Agent | None = None
    instructed_agent: Agent | None = None
    reason_code: str | None = None
    additional_info: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentReturn:
    """pacs.004 PmtRtr."""

    group: GroupHeader
    transactions: tuple[ReturnTransaction, ...]

    @property
    def msg_id(self) -> str:
        return self.group.msg_id


@dataclass(frozen=True, slots=True)
class CaseAssignment:
    """Assgnmt of camt.056/camt.029 (assigner and assignee are institutions)."""

    id: str
    assigner: Agent
    assignee: Agent
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CancellationTransaction:
    """One Undrlyg/TxInf of a camt.056."""

    original: OriginalRef
    cancellation_id: str | None = None
    original_amount_minor: int | None = None
    original_currency: str | None = None
    original_settlement_date: date | None = None
    reason_code: str | None = None
    additional_info: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CancellationRequest:
    """camt.056 FIToFIPmtCxlReq."""

    assignment: CaseAssignment
    transactions: tuple[CancellationTransaction, ...]
    case_id: str | None = None

    @property
    def msg_id(self) -> str:
        return self.assignment.id


@dataclass(frozen=True, slots=True)
class CancellationStatus:
    """One CxlDtls/TxInfAndSts of a camt.029 (status RJCR, ACCR, PDCR)."""

    original: OriginalRef
    status: str | None = None
    cancellation_status_id: str | None = None
    reason_code: str | None = None
    additional_info: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResolutionOfInvestigation:
    """camt.029 RsltnOfInvstgtn. confirmation: Sts/Conf (CNCL, MODI, IPAY, ...)."""

    assignment: CaseAssignment
    confirmation: str
    transactions: tuple[CancellationStatus, ...] = ()
    resolved_case_id: str | None = None

    @property
    def msg_id(self) -> str:
        return self.assignment.id


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    """One TxInfAndSts of a pacs.002 (status ACSC, ACSP, PDNG, RJCT, ...)."""

    original: OriginalRef
    status: str
    reason_code: str | None = None
    additional_info: tuple[str, ...] = ()
    status_id: str | None = None
    charges: tuple[Charge, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentStatusReport:
    """pacs.002 FIToFIPmtStsRpt.

    Attributes:
        original: the original message (OrgnlGrpInfAndSts, or each TxInfAndSts/OrgnlGrpInf).
        group_status: GrpSts when the whole message has one status; then group_reason_code
            and group_additional_info explain it.
    """

    msg_id: str
    created_at: datetime
    original: OriginalRef
    transactions: tuple[TransactionStatus, ...] = ()
    group_status: str | None = None
    group_reason_code: str | None = None
    group_additional_info: tuple[str, ...] = ()
    instructing_agent: Agent | None = None
    instructed_agent: Agent | None = None


class ReportKind(StrEnum):
    STATEMENT = "camt.053"
    REPORT = "camt.052"
    NOTIFICATION = "camt.054"


@dataclass(frozen=True, slots=True)
class Balance:
    """One Bal: type_code OPBD, CLBD, ITBD, CLAV...; credit False means a debit balance."""

    type_code: str
    amount_minor: int
    currency: str
    credit: bool
    date: date


@dataclass(frozen=True, slots=True)
class Entry:
    """One Ntry with the references of its (first) transaction."""

    amount_minor: int
    currency: str
    credit: bool
    status: str = "BOOK"
    reference: str | None = None
    booking_date: date | None = None
    value_date: date | None = None
    servicer_ref: str | None = None
    bank_tx_code: str | None = None
    msg_id: str | None = None
    end_to_end_id: str | None = None
    uetr: str | None = None
    tx_id: str | None = None


@dataclass(frozen=True, slots=True)
class AccountReport:
    """One Stmt (camt.053), Rpt (camt.052) or Ntfctn (camt.054)."""

    id: str
    account: Account
    currency: str | None = None
    created_at: datetime | None = None
    balances: tuple[Balance, ...] = ()
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True, slots=True)
class CashReport:
    """camt.052 / camt.053 / camt.054: a group header and one or more account reports."""

    kind: ReportKind
    msg_id: str
    created_at: datetime
    reports: tuple[AccountReport, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class RejectionNotice:
    """admi.002 MessageReject: the hub's answer to a message it cannot process.

    Attributes:
        reference: RltdRef/Ref, the refused message's id (BizMsgIdr or MsgId), or "NONE".
        reason: RjctgPtyRsn, the ISO reason code (Max35Text).
        rejected_at: RjctnDtTm. error_location: ErrLctn (the XPath). description: RsnDesc.
    """

    reference: str
    reason: str
    rejected_at: datetime | None = None
    error_location: str | None = None
    description: str | None = None
    additional_data: str | None = None

    @property
    def msg_id(self) -> str:
        return self.reference


Body = (
    CreditTransfer
    | FinancialInstitutionTransfer
    | PaymentReturn
    | CancellationRequest
    | ResolutionOfInvestigation
    | PaymentStatusReport
    | CashReport
    | RejectionNotice
)


def pickled_by_fields(cls: type) -> type:
    """Make a dataclass pickle as its field values, loaded by a restorer of its own:
    records cross between processes in bulk (intake workers), and the slots dataclass
    default, a __setstate__ looping over `fields()`, costs twice as much to load. Only for
    classes whose fields are all positional __init__ arguments and that have no
    __post_init__ (loading sets the fields as __init__ would, without calling it)."""
    if not all(f.init and not f.kw_only for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: every field must be a positional init argument")
    restore = slot_restorer(cls)  # refuses a class with a __post_init__
    if restore is not cls:
        _name_restorer(cls, restore)
    # In copyreg's table, which pickle (and copy) consult before asking the record for
    # __reduce_ex__: one call less per record. Unlike a __reduce__, it serves this exact
    # class only: a subclass pickles the default way, as itself.
    copyreg.pickle(cls, field_reducer(restore, cls))
    return cls


_RESTORER = "_from_fields"


def _name_restorer(cls: type, restore: Callable[..., Any]) -> None:
    """Make `restore` a static method of its class, named so: pickle refers to a function
    by module and qualified name (once per pickle; the later records reuse it from the
    memo), and loading then calls it with the values directly."""
    if _RESTORER in vars(cls):
        raise TypeError(f"{cls.__name__}: already pickled by fields, or has {_RESTORER}")
    restore.__module__ = cls.__module__
    restore.__qualname__ = f"{cls.__qualname__}.{_RESTORER}"
    setattr(cls, _RESTORER, staticmethod(restore))


# Every record here: built by the extractors (a bulk pacs.008 makes ~5 per transaction),
# so it gets the slot-setting __init__, and pickled by fields.
for _record in list(globals().values()):
    if isinstance(_record, type) and is_dataclass(_record) and _record.__module__ == __name__:
        pickled_by_fields(slot_init(_record))
