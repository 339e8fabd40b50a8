"""The rules walker's per-class plans and lazy paths: every nested record is still visited,
and each problem names the same XPath, indexes of repeated parts included."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from corridor.iso20022.examples import credit_transfer
from corridor.iso20022.reasons import Reason
from corridor.iso20022.records import (
    Account,
    AccountReport,
    Agent,
    Balance,
    CashReport,
    Charge,
    Entry,
    Party,
    ReportKind,
)
from corridor.iso20022.rules import _xpath, check_body

BAD_BIC = "DEUTXXFF"
# Problems name the element as the message holds it (pacs.008 here).
_TX = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf"


def _bulk_with(index: int, **changes: object):  # type: ignore[no-untyped-def]
    body = credit_transfer(3)
    txs = list(body.transactions)
    txs[index] = dataclasses.replace(txs[index], **changes)
    return dataclasses.replace(body, transactions=tuple(txs))


def test_xpath_of_nested_and_indexed_paths() -> None:
    assert _xpath("/Document") == "/Document"
    assert _xpath((("/Document", "TxInf", 3), "Dbtr")) == "/Document/TxInf[3]/Dbtr"
    assert _xpath(((("/D", "A"), "B", 1), "C", 12)) == "/D/A/B[1]/C[12]"


def test_problems_in_repeated_parts_name_their_index() -> None:
    charges = (
        Charge(amount_minor=500, currency="EUR", agent=Agent(bic="DEUTDEFFXXX")),
        Charge(amount_minor=0, currency="EUR", agent=Agent(bic=BAD_BIC)),
    )
    problems = check_body(_bulk_with(2, charges=charges))
    assert [(p.reason, p.xpath) for p in problems] == [
        (Reason.AM01, f"{_TX}[3]/ChrgsInf[2]/Amt"),
        (Reason.RC01, f"{_TX}[3]/ChrgsInf[2]/Agt/FinInstnId/BICFI"),
    ]


def test_every_nested_record_of_a_transaction_is_checked_in_field_order() -> None:
    body = _bulk_with(
        1,
        uetr="not-a-uuid",
        amount_minor=0,
        instructed_amount_minor=10**18,
        debtor=Party(name="D", any_bic=BAD_BIC),
        debtor_agent=Agent(bic=BAD_BIC),
        creditor_agent=Agent(lei="529900T8BM49AURSDO56"),
        creditor=Party(name="C", lei="529900T8BM49AURSDO56"),
        instructing_agent=Agent(bic=BAD_BIC),
        instructed_agent=Agent(bic=BAD_BIC),
        ultimate_debtor=Party(name="U", any_bic=BAD_BIC),
        debtor_account=Account(iban="DE89370400440532013001"),
        creditor_account=Account(iban="DE89370400440532013001"),
        ultimate_creditor=Party(name="V", any_bic=BAD_BIC),
    )
    tx = f"{_TX}[2]"
    assert [(p.reason, p.xpath) for p in check_body(body)] == [
        (Reason.AM01, f"{tx}/IntrBkSttlmAmt"),
        (Reason.AM02, f"{tx}/InstdAmt"),
        (Reason.CH16, f"{tx}/PmtId/UETR"),
        (Reason.RC01, f"{tx}/Dbtr/Id/OrgId/AnyBIC"),
        (Reason.RC01, f"{tx}/DbtrAgt/FinInstnId/BICFI"),
        (Reason.BE15, f"{tx}/CdtrAgt/FinInstnId/LEI"),
        (Reason.BE15, f"{tx}/Cdtr/Id/OrgId/LEI"),
        (Reason.RC01, f"{tx}/InstgAgt/FinInstnId/BICFI"),
        (Reason.RC01, f"{tx}/InstdAgt/FinInstnId/BICFI"),
        (Reason.RC01, f"{tx}/UltmtDbtr/Id/OrgId/AnyBIC"),
        (Reason.AC01, f"{tx}/DbtrAcct/Id/IBAN"),
        (Reason.AC01, f"{tx}/CdtrAcct/Id/IBAN"),
        (Reason.RC01, f"{tx}/UltmtCdtr/Id/OrgId/AnyBIC"),
        (Reason.AM10, "/Document/FIToFICstmrCdtTrf/GrpHdr/TtlIntrBkSttlmAmt"),
    ]


def test_zero_balances_pass_but_zero_entries_do_not() -> None:
    report = CashReport(
        kind=ReportKind.STATEMENT,
        msg_id="M",
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        reports=(
            AccountReport(
                id="S",
                account=Account(other_id="1"),
                balances=(
                    Balance(
                        type_code="OPBD", amount_minor=0, currency="EUR", credit=True, date=None
                    ),
                ),
                entries=(
                    Entry(amount_minor=0, currency="EUR", credit=True, status="BOOK"),
                    Entry(
                        amount_minor=5,
                        currency="EUR",
                        credit=True,
                        status="BOOK",
                        uetr="bad",
                        booking_date=date(2026, 1, 5),
                    ),
                ),
            ),
        ),
    )
    assert [(p.reason, p.xpath) for p in check_body(report)] == [
        (Reason.AM01, "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt"),
        (Reason.CH16, "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/NtryDtls/TxDtls/Refs/UETR"),
    ]


def test_each_message_kind_names_its_own_elements() -> None:
    from corridor.iso20022.examples import (
        cancellation_request,
        institution_transfer,
        payment_return,
        status_report,
    )

    fi = institution_transfer()
    tx = dataclasses.replace(fi.transactions[0], uetr="not-a-uuid")
    problems = check_body(dataclasses.replace(fi, transactions=(tx,)))
    assert (Reason.CH16, "/Document/FICdtTrf/CdtTrfTxInf[1]/PmtId/UETR") in [
        (p.reason, p.xpath) for p in problems
    ]

    rtr = payment_return()
    tx = rtr.transactions[0]
    tx = dataclasses.replace(tx, original=dataclasses.replace(tx.original, uetr="bad"))
    group = dataclasses.replace(rtr.group, total_amount_minor=0)
    problems = check_body(dataclasses.replace(rtr, group=group, transactions=(tx,)))
    found = [(p.reason, p.xpath) for p in problems]
    assert (Reason.CH16, "/Document/PmtRtr/TxInf[1]/OrgnlUETR") in found
    assert (Reason.AM01, "/Document/PmtRtr/GrpHdr/TtlRtrdIntrBkSttlmAmt") in found

    cxl = cancellation_request()
    tx = cxl.transactions[0]
    tx = dataclasses.replace(tx, original=dataclasses.replace(tx.original, uetr="bad"))
    problems = check_body(dataclasses.replace(cxl, transactions=(tx,)))
    assert [(p.reason, p.xpath) for p in problems] == [
        (Reason.CH16, "/Document/FIToFIPmtCxlReq/Undrlyg/TxInf[1]/OrgnlUETR")
    ]

    sts = status_report()
    tx = sts.transactions[0]
    tx = dataclasses.replace(tx, original=dataclasses.replace(tx.original, uetr="bad"))
    problems = check_body(dataclasses.replace(sts, transactions=(tx,)), inbound=False)
    assert [(p.reason, p.xpath) for p in problems] == [
        (Reason.CH16, "/Document/FIToFIPmtStsRpt/TxInfAndSts[1]/OrgnlUETR")
    ]


def test_a_credit_transfer_total_out_of_range_names_its_total_element() -> None:
    body = credit_transfer(2)
    group = dataclasses.replace(body.group, total_amount_minor=0)
    problems = check_body(dataclasses.replace(body, group=group))
    assert (problems[0].reason, problems[0].xpath) == (
        Reason.AM01,
        "/Document/FIToFICstmrCdtTrf/GrpHdr/TtlIntrBkSttlmAmt",
    )
