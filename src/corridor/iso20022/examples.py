"""Valid example records and messages for every message type the hub reads or writes.

`corridor iso example TYPE` prints `example_message(TYPE)`; tests and the benchmark use
the records. Fixed values, no randomness: the same call gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.records import (
    Account,
    AccountReport,
    Agent,
    Balance,
    Body,
    CancellationRequest,
    CancellationStatus,
    CancellationTransaction,
    CaseAssignment,
    CashReport,
    Charge,
    CreditTransfer,
    CreditTransferTransaction,
    Entry,
    FinancialInstitutionTransaction,
    FinancialInstitutionTransfer,
    GroupHeader,
    OriginalRef,
    Party,
    PartyId,
    PaymentReturn,
    PaymentStatusReport,
    RejectionNotice,
    ReportKind,
    ResolutionOfInvestigation,
    ReturnTransaction,
    TransactionStatus,
)

TRANSACTIONS_MAX = 10_000
AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
DAY = date(2026, 1, 5)
DEBTOR_BANK = Agent(bic="DEUTDEFFXXX")
CREDITOR_BANK = Agent(bic="SBININBBXXX")
HUB = Agent(bic="CORRGBHBXXX")
UETR = "eb6305c9-1f7f-49de-aed0-16487c27b42d"


def _uetr(i: int) -> str:
    return f"{UETR[:24]}{i:012x}"


def customer_transaction(i: int = 1, amount_minor: int = 1_250_000) -> CreditTransferTransaction:
    return CreditTransferTransaction(
        instruction_id=f"INSTR-{i}",
        end_to_end_id=f"E2E-{i}",
        tx_id=f"TX-{i}",
        uetr=_uetr(i),
        amount_minor=amount_minor,
        currency="EUR",
        settlement_date=DAY,
        priority="NORM",
        instructed_amount_minor=amount_minor,
        instructed_currency="EUR",
        exchange_rate=Decimal("1"),
        charge_bearer="SHAR",
        charges=(Charge(amount_minor=500, currency="EUR", agent=DEBTOR_BANK),),
        instructing_agent=DEBTOR_BANK,
        instructed_agent=HUB,
        debtor=Party(
            name="Rheinmetall Textil GmbH",
            street="Hauptstrasse",
            building="12",
            post_code="60311",
            town="Frankfurt am Main",
            country="DE",
            lei="529900T8BM49AURSDO55",
        ),
        debtor_account=Account(iban="DE89370400440532013000"),
        debtor_agent=DEBTOR_BANK,
        creditor_agent=CREDITOR_BANK,
        creditor=Party(
            name="Coromandel Cotton Mills Ltd",
            town="Chennai",
            country="IN",
            other_ids=(PartyId(id="AAACC1234F", scheme="TXID"),),
        ),
        creditor_account=Account(other_id="000123456789"),
        quote_id=f"q-{i}",
        remittance=(f"Invoice 2026-{i:05d}",),
    )


def credit_transfer(transactions: int = 1) -> CreditTransfer:
    if not 1 <= transactions <= TRANSACTIONS_MAX:
        raise ValueError(f"transactions must be 1..{TRANSACTIONS_MAX}: {transactions}")
    txs = tuple(customer_transaction(i) for i in range(1, transactions + 1))
    group = GroupHeader(
        msg_id=f"MSG-PACS008-{transactions}",
        created_at=AT,
        number_of_transactions=transactions,
        settlement_method="CLRG",
        clearing_system="CRR",
        total_amount_minor=sum(t.amount_minor for t in txs),
        total_currency="EUR",
        settlement_date=DAY,
    )
    return CreditTransfer(group=group, transactions=txs)


def institution_transfer() -> FinancialInstitutionTransfer:
    tx = FinancialInstitutionTransaction(
        instruction_id="FI-INSTR-1",
        end_to_end_id="FI-E2E-1",
        uetr=_uetr(900),
        amount_minor=5_000_000,
        currency="EUR",
        settlement_date=DAY,
        settlement_priority="HIGH",
        debtor=DEBTOR_BANK,
        creditor=CREDITOR_BANK,
        instructing_agent=DEBTOR_BANK,
        instructed_agent=HUB,
        remittance=("Nostro funding",),
    )
    group = GroupHeader(
        msg_id="MSG-PACS009-1",
        created_at=AT,
        number_of_transactions=1,
        settlement_method="CLRG",
        settlement_date=DAY,
    )
    return FinancialInstitutionTransfer(group=group, transactions=(tx,))


def _original(name: str = "pacs.008.001.08") -> OriginalRef:
    return OriginalRef(
        msg_id="MSG-PACS008-1",
        msg_name_id=name,
        created_at=AT,
        instruction_id="INSTR-1",
        end_to_end_id="E2E-1",
        tx_id="TX-1",
        uetr=_uetr(1),
    )


def payment_return() -> PaymentReturn:
    tx = ReturnTransaction(
        return_id="RTR-1",
        original=_original(),
        original_amount_minor=1_250_000,
        original_currency="EUR",
        returned_amount_minor=1_250_000,
        currency="EUR",
        settlement_date=DAY,
        charge_bearer="SHAR",
        reason_code="AC04",
        additional_info=("Account closed",),
    )
    group = GroupHeader(
        msg_id="MSG-PACS004-1",
        created_at=AT,
        number_of_transactions=1,
        settlement_method="CLRG",
        total_amount_minor=1_250_000,
        total_currency="EUR",
        settlement_date=DAY,
    )
    return PaymentReturn(group=group, transactions=(tx,))


def _assignment(msg_id: str) -> CaseAssignment:
    return CaseAssignment(id=msg_id, assigner=DEBTOR_BANK, assignee=HUB, created_at=AT)


def cancellation_request() -> CancellationRequest:
    tx = CancellationTransaction(
        cancellation_id="CXL-1",
        original=_original(),
        original_amount_minor=1_250_000,
        original_currency="EUR",
        original_settlement_date=DAY,
        reason_code="DUPL",
    )
    return CancellationRequest(
        assignment=_assignment("MSG-CAMT056-1"), transactions=(tx,), case_id="CASE-1"
    )


def resolution() -> ResolutionOfInvestigation:
    tx = CancellationStatus(
        original=_original(),
        status="RJCR",
        cancellation_status_id="CS-1",
        reason_code="ARDT",
        additional_info=("Already settled",),
    )
    return ResolutionOfInvestigation(
        assignment=_assignment("MSG-CAMT029-1"),
        confirmation="CNCL",
        transactions=(tx,),
        resolved_case_id="CASE-1",
    )


def status_report(status: str = "ACSC", reason_code: str | None = None) -> PaymentStatusReport:
    tx = TransactionStatus(
        original=OriginalRef(
            instruction_id="INSTR-1", end_to_end_id="E2E-1", tx_id="TX-1", uetr=_uetr(1)
        ),
        status=status,
        reason_code=reason_code,
        charges=(Charge(amount_minor=500, currency="EUR", agent=HUB),),
    )
    return PaymentStatusReport(
        msg_id="MSG-PACS002-1",
        created_at=AT,
        original=OriginalRef(msg_id="MSG-PACS008-1", msg_name_id="pacs.008.001.08", created_at=AT),
        transactions=(tx,),
        instructing_agent=HUB,
        instructed_agent=DEBTOR_BANK,
    )


def cash_report(kind: ReportKind = ReportKind.STATEMENT) -> CashReport:
    entries = (
        Entry(
            amount_minor=1_250_000,
            currency="EUR",
            credit=False,
            reference="N-1",
            booking_date=DAY,
            value_date=DAY,
            servicer_ref="J-1",
            bank_tx_code="PMNT",
            msg_id="MSG-PACS008-1",
            end_to_end_id="E2E-1",
            uetr=_uetr(1),
        ),
    )
    balances = (
        ()
        if kind is ReportKind.NOTIFICATION
        else (
            Balance("OPBD", 10_000_000, "EUR", True, DAY),
            Balance("CLBD", 8_750_000, "EUR", True, DAY),
        )
    )
    report = AccountReport(
        id=f"RPT-{kind.value}",
        account=Account(other_id="DEUTDEFFXXX-EUR"),
        currency="EUR",
        created_at=AT,
        balances=balances,
        entries=entries,
    )
    return CashReport(
        kind=kind,
        msg_id=f"MSG-{kind.value.replace('.', '').upper()}-1",
        created_at=AT,
        reports=(report,),
    )


def rejection() -> RejectionNotice:
    return RejectionNotice(
        reference="MSG-PACS008-1",
        reason="FF01",
        rejected_at=AT,
        error_location="/Document/FIToFICstmrCdtTrf/GrpHdr/NbOfTxs",
        description="NbOfTxs is not a number",
    )


EXAMPLES: dict[str, Callable[[], Body]] = {
    "pacs.008": credit_transfer,
    "pacs.009": institution_transfer,
    "pacs.004": payment_return,
    "camt.056": cancellation_request,
    "camt.029": resolution,
    "pacs.002": status_report,
    "camt.052": lambda: cash_report(ReportKind.REPORT),
    "camt.053": lambda: cash_report(ReportKind.STATEMENT),
    "camt.054": lambda: cash_report(ReportKind.NOTIFICATION),
    "admi.002": rejection,
}


def example_body(family: str) -> Body:
    try:
        return EXAMPLES[family]()
    except KeyError:
        raise KeyError(f"no example for {family!r}; known: {sorted(EXAMPLES)}") from None


def example_message(family: str) -> bytes:
    """A valid message (Corridor envelope, AppHdr, Document) of the given family."""
    body = example_body(family)
    inbound = family in ("pacs.008", "pacs.009", "camt.056")
    sender, receiver = (DEBTOR_BANK, HUB) if inbound else (HUB, DEBTOR_BANK)
    return build_message(make_header(body, sender, receiver, AT), body)
