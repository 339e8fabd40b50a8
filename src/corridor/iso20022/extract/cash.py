"""camt.052 / camt.053 / camt.054 (any of .02, .04, .08: the shapes agree on what we read)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from corridor.iso20022._xml import Element, amount, child_text, parse_date, parse_datetime
from corridor.iso20022.extract.common import Reader
from corridor.iso20022.records import AccountReport, Balance, CashReport, Entry, ReportKind

# Document child and repeated report element of each kind (the builder writes the same).
REPORT_ELEMENTS = {
    ReportKind.STATEMENT: ("BkToCstmrStmt", "Stmt"),
    ReportKind.REPORT: ("BkToCstmrAcctRpt", "Rpt"),
    ReportKind.NOTIFICATION: ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


def _date_choice(r: Reader, el: Element | None, xpath: str) -> date | None:
    if el is None:
        return None
    k = r.kids(el)
    raw = child_text(k, "Dt") or child_text(k, "DtTm")
    return parse_date(raw, xpath) if raw else None


def _balance(r: Reader, el: Element, xpath: str) -> Balance:
    k = r.kids(el)
    tp = r.kids(k["Tp"])
    value, ccy = amount(k["Amt"], xpath, "Amt")
    when = _date_choice(r, k.get("Dt"), f"{xpath}/Dt")
    return Balance(
        type_code=r.code(tp.get("CdOrPrtry")) or "",
        amount_minor=value,
        currency=ccy,
        credit=child_text(k, "CdtDbtInd") == "CRDT",
        date=when,
    )  # type: ignore[arg-type]


def _entry(r: Reader, el: Element, xpath: str) -> Entry:
    k = r.kids(el)
    value, ccy = amount(k["Amt"], xpath, "Amt")
    sts = k.get("Sts")
    status = child_text(k, "Sts") or ""
    if sts is not None and len(sts):
        status = r.code(sts) or ""
    code = None
    bk = k.get("BkTxCd")
    if bk is not None and "Prtry" in r.kids(bk):
        code = child_text(r.kids(r.kids(bk)["Prtry"]), "Cd")
    refs: dict[str, Element] = {}
    dtls = k.get("NtryDtls")
    tx = r.kids(dtls).get("TxDtls") if dtls is not None else None
    if tx is not None and "Refs" in r.kids(tx):
        refs = r.kids(r.kids(tx)["Refs"])
    return Entry(
        amount_minor=value,
        currency=ccy,
        credit=child_text(k, "CdtDbtInd") == "CRDT",
        status=status,
        reference=child_text(k, "NtryRef"),
        booking_date=_date_choice(r, k.get("BookgDt"), f"{xpath}/BookgDt"),
        value_date=_date_choice(r, k.get("ValDt"), f"{xpath}/ValDt"),
        servicer_ref=child_text(k, "AcctSvcrRef"),
        bank_tx_code=code,
        msg_id=child_text(refs, "MsgId"),
        end_to_end_id=child_text(refs, "EndToEndId"),
        uetr=child_text(refs, "UETR"),
        tx_id=child_text(refs, "TxId"),
    )


def _report(r: Reader, el: Element, xpath: str) -> AccountReport:
    k = r.kids(el)
    acct = k["Acct"]
    raw = child_text(k, "CreDtTm")
    return AccountReport(
        id=child_text(k, "Id") or "",
        account=r.account(acct),  # type: ignore[arg-type]
        currency=child_text(r.kids(acct), "Ccy"),
        created_at=parse_datetime(raw, f"{xpath}/CreDtTm") if raw else None,
        balances=tuple(
            _balance(r, b, f"{xpath}/Bal[{i}]") for i, b in enumerate(r.all(el, "Bal"), start=1)
        ),
        entries=tuple(
            _entry(r, e, f"{xpath}/Ntry[{i}]") for i, e in enumerate(r.all(el, "Ntry"), start=1)
        ),
    )


def _extractor(kind: ReportKind) -> Callable[[Element, str], CashReport]:
    root, item = REPORT_ELEMENTS[kind]

    def extract(el: Element, ns: str) -> CashReport:
        r = Reader(ns)
        g = r.kids(r.first(el, "GrpHdr"))
        base = f"/Document/{root}"
        return CashReport(
            kind=kind,
            msg_id=child_text(g, "MsgId") or "",
            created_at=parse_datetime(child_text(g, "CreDtTm") or "", f"{base}/GrpHdr/CreDtTm"),
            reports=tuple(
                _report(r, s, f"{base}/{item}[{i}]") for i, s in enumerate(r.all(el, item), start=1)
            ),
        )

    return extract


extract_camt052 = _extractor(ReportKind.REPORT)
extract_camt053 = _extractor(ReportKind.STATEMENT)
extract_camt054 = _extractor(ReportKind.NOTIFICATION)
