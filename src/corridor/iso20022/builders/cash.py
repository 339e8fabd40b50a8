"""camt.052 / camt.053 / camt.054 (.001.08) builder."""

from __future__ import annotations

from corridor.iso20022._xml import Element
from corridor.iso20022.builders.common import Writer
from corridor.iso20022.extract.cash import REPORT_ELEMENTS
from corridor.iso20022.records import AccountReport, CashReport, Entry, ReportKind


def _entry(w: Writer, parent: Element, e: Entry) -> None:
    el = w.el(parent, "Ntry")
    w.opt(el, "NtryRef", e.reference)
    w.amount(el, "Amt", e.amount_minor, e.currency)
    w.el(el, "CdtDbtInd", "CRDT" if e.credit else "DBIT")
    w.code(el, "Sts", e.status)
    if e.booking_date is not None:
        w.date(w.el(el, "BookgDt"), "Dt", e.booking_date)
    if e.value_date is not None:
        w.date(w.el(el, "ValDt"), "Dt", e.value_date)
    w.opt(el, "AcctSvcrRef", e.servicer_ref)
    bk = w.el(el, "BkTxCd")
    if e.bank_tx_code is not None:
        w.el(w.el(bk, "Prtry"), "Cd", e.bank_tx_code)
    refs = (e.msg_id, e.end_to_end_id, e.uetr, e.tx_id)
    if any(v is not None for v in refs):
        r = w.el(w.el(w.el(el, "NtryDtls"), "TxDtls"), "Refs")
        for tag, value in zip(("MsgId", "EndToEndId", "UETR", "TxId"), refs, strict=True):
            w.opt(r, tag, value)


def _report(w: Writer, parent: Element, name: str, rpt: AccountReport, kind: ReportKind) -> None:
    el = w.el(parent, name)
    w.el(el, "Id", rpt.id)
    w.dt(el, "CreDtTm", rpt.created_at)
    w.account(el, "Acct", rpt.account)
    if rpt.currency is not None:
        w.el(el.find(w.p + "Acct"), "Ccy", rpt.currency)
    if rpt.balances and kind is ReportKind.NOTIFICATION:
        raise ValueError("a camt.054 notification carries no balances")
    for bal in rpt.balances:
        b = w.el(el, "Bal")
        w.code(w.el(b, "Tp"), "CdOrPrtry", bal.type_code)
        w.amount(b, "Amt", bal.amount_minor, bal.currency)
        w.el(b, "CdtDbtInd", "CRDT" if bal.credit else "DBIT")
        w.date(w.el(b, "Dt"), "Dt", bal.date)
    if kind is ReportKind.STATEMENT and not rpt.balances:
        raise ValueError("a camt.053 statement needs at least one balance")
    for entry in rpt.entries:
        _entry(w, el, entry)


def build_cash(body: CashReport, ns: str) -> Element:
    w = Writer(ns)
    root_name, item = REPORT_ELEMENTS[body.kind]
    doc = w.root("Document")
    msg = w.el(doc, root_name)
    grp = w.el(msg, "GrpHdr")
    w.el(grp, "MsgId", body.msg_id)
    w.dt(grp, "CreDtTm", body.created_at)
    for rpt in body.reports:
        _report(w, msg, item, rpt, body.kind)
    return doc
