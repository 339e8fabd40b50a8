"""pacs.008 (customer) and pacs.009 (institution) credit transfers, and their group header."""

from __future__ import annotations

from corridor.iso20022._xml import (
    Element,
    amount,
    child_date,
    child_text,
    parse_datetime,
    parse_decimal,
)
from corridor.iso20022.extract.common import Reader
from corridor.iso20022.records import (
    Charge,
    CreditTransfer,
    CreditTransferTransaction,
    FinancialInstitutionTransaction,
    FinancialInstitutionTransfer,
    GroupHeader,
)

QUOTE_PREFIX = "/FXQT/"


def group_header(r: Reader, el: Element, xpath: str, total_tag: str) -> GroupHeader:
    k = r.kids(el)
    sttlm = r.kids(k["SttlmInf"]) if "SttlmInf" in k else {}
    total = total_ccy = None
    if total_tag in k:
        total, total_ccy = amount(k[total_tag], xpath, total_tag)
    return GroupHeader(
        msg_id=child_text(k, "MsgId") or "",
        created_at=parse_datetime(child_text(k, "CreDtTm") or "", f"{xpath}/CreDtTm"),
        number_of_transactions=int(child_text(k, "NbOfTxs") or "0"),
        settlement_method=child_text(sttlm, "SttlmMtd") or "",
        clearing_system=r.code(sttlm.get("ClrSys")),
        total_amount_minor=total,
        total_currency=total_ccy,
        settlement_date=child_date(k, "IntrBkSttlmDt", xpath),
        instructing_agent=r.agent(k.get("InstgAgt")),
        instructed_agent=r.agent(k.get("InstdAgt")),
    )


def _instructions(
    r: Reader, el: Element, k: dict[str, Element]
) -> tuple[str | None, tuple[str, ...]]:
    quote_id = None
    lines = []
    for instr in r.all(el, "InstrForNxtAgt", k):
        info = r.child_texts(instr).get("InstrInf")
        if info is None:
            continue
        if quote_id is None and info.startswith(QUOTE_PREFIX):
            quote_id = info[len(QUOTE_PREFIX) :]
        else:
            lines.append(info)
    return quote_id, tuple(lines)


def _remittance(r: Reader, k: dict[str, Element]) -> tuple[str, ...]:
    rmt = k.get("RmtInf")
    return r.texts(rmt, "Ustrd") if rmt is not None else ()


def _priorities(r: Reader, k: dict[str, Element]) -> tuple[str | None, str | None]:
    tp = k.get("PmtTpInf")
    instr = r.child_texts(tp).get("InstrPrty") if tp is not None else None
    return instr, child_text(k, "SttlmPrty")


def _ids(r: Reader, k: dict[str, Element]) -> tuple[str | None, str, str | None, str | None]:
    """PmtId: (InstrId, EndToEndId, TxId, UETR)."""
    p = r.child_texts(k["PmtId"])
    return p.get("InstrId"), p.get("EndToEndId") or "", p.get("TxId"), p.get("UETR")


def charges_of(
    r: Reader, el: Element, xpath: str, k: dict[str, Element] | None = None
) -> tuple[Charge, ...]:
    """The ChrgsInf of `el`; `k`: el's kids(), when at hand."""
    out = []
    for i, chrg in enumerate(r.all(el, "ChrgsInf", k), start=1):
        ck = r.kids(chrg)
        value, ccy = amount(ck["Amt"], f"{xpath}/ChrgsInf[{i}]", "Amt")
        out.append(Charge(amount_minor=value, currency=ccy, agent=r.agent(ck["Agt"])))
    return tuple(out)


def customer_transaction(r: Reader, el: Element, xpath: str) -> CreditTransferTransaction:
    k = r.kids(el)
    value, ccy = amount(k["IntrBkSttlmAmt"], xpath, "IntrBkSttlmAmt")
    instd = instd_ccy = rate = None
    if "InstdAmt" in k:
        instd, instd_ccy = amount(k["InstdAmt"], xpath, "InstdAmt")
    if "XchgRate" in k:
        rate = parse_decimal(child_text(k, "XchgRate") or "", f"{xpath}/XchgRate")
    priority, sttlm_priority = _priorities(r, k)
    quote_id, instructions = _instructions(r, el, k) if "InstrForNxtAgt" in k else (None, ())
    instruction_id, end_to_end_id, tx_id, uetr = _ids(r, k)
    # Most optional parts are absent from most transactions: looking for each before
    # calling its reader spares a call per absent part (~5 % of a bulk transaction's
    # extraction).
    return CreditTransferTransaction(
        instruction_id=instruction_id,
        end_to_end_id=end_to_end_id,
        tx_id=tx_id,
        uetr=uetr,
        amount_minor=value,
        currency=ccy,
        charge_bearer=child_text(k, "ChrgBr") or "",
        debtor=r.party(k["Dbtr"]),
        debtor_agent=r.agent(k["DbtrAgt"]),
        creditor_agent=r.agent(k["CdtrAgt"]),
        creditor=r.party(k["Cdtr"]),
        settlement_date=child_date(k, "IntrBkSttlmDt", xpath),
        priority=priority,
        settlement_priority=sttlm_priority,
        instructed_amount_minor=instd,
        instructed_currency=instd_ccy,
        exchange_rate=rate,
        charges=charges_of(r, el, xpath, k) if "ChrgsInf" in k else (),
        instructing_agent=r.agent(k["InstgAgt"]) if "InstgAgt" in k else None,
        instructed_agent=r.agent(k["InstdAgt"]) if "InstdAgt" in k else None,
        ultimate_debtor=r.party(k["UltmtDbtr"]) if "UltmtDbtr" in k else None,
        debtor_account=r.account(k["DbtrAcct"]) if "DbtrAcct" in k else None,
        creditor_account=r.account(k["CdtrAcct"]) if "CdtrAcct" in k else None,
        ultimate_creditor=r.party(k["UltmtCdtr"]) if "UltmtCdtr" in k else None,
        quote_id=quote_id,
        instructions_for_next_agent=instructions,
        purpose=r.code(k["Purp"]) if "Purp" in k else None,
        remittance=_remittance(r, k),
    )


def institution_transaction(r: Reader, el: Element, xpath: str) -> FinancialInstitutionTransaction:
    k = r.kids(el)
    value, ccy = amount(k["IntrBkSttlmAmt"], xpath, "IntrBkSttlmAmt")
    priority, sttlm_priority = _priorities(r, k)
    quote_id, instructions = _instructions(r, el, k)
    instruction_id, end_to_end_id, tx_id, uetr = _ids(r, k)
    return FinancialInstitutionTransaction(
        instruction_id=instruction_id,
        end_to_end_id=end_to_end_id,
        tx_id=tx_id,
        uetr=uetr,
        amount_minor=value,
        currency=ccy,
        debtor=r.agent(k["Dbtr"]),
        creditor=r.agent(k["Cdtr"]),
        settlement_date=child_date(k, "IntrBkSttlmDt", xpath),
        priority=priority,
        settlement_priority=sttlm_priority,
        instructing_agent=r.agent(k.get("InstgAgt")),
        instructed_agent=r.agent(k.get("InstdAgt")),
        debtor_account=r.account(k.get("DbtrAcct")),
        debtor_agent=r.agent(k.get("DbtrAgt")),
        creditor_agent=r.agent(k.get("CdtrAgt")),
        creditor_account=r.account(k.get("CdtrAcct")),
        quote_id=quote_id,
        instructions_for_next_agent=instructions,
        remittance=_remittance(r, k),
    )


def extract_pacs008(el: Element, ns: str) -> CreditTransfer:
    r = Reader(ns)
    base = "/Document/FIToFICstmrCdtTrf"
    group = group_header(r, r.first(el, "GrpHdr"), f"{base}/GrpHdr", "TtlIntrBkSttlmAmt")
    txs = tuple(
        customer_transaction(r, tx, f"{base}/CdtTrfTxInf[{i}]")
        for i, tx in enumerate(r.all(el, "CdtTrfTxInf"), start=1)
    )
    return CreditTransfer(group=group, transactions=txs)


def extract_pacs009(el: Element, ns: str) -> FinancialInstitutionTransfer:
    r = Reader(ns)
    base = "/Document/FICdtTrf"
    group = group_header(r, r.first(el, "GrpHdr"), f"{base}/GrpHdr", "TtlIntrBkSttlmAmt")
    txs = tuple(
        institution_transaction(r, tx, f"{base}/CdtTrfTxInf[{i}]")
        for i, tx in enumerate(r.all(el, "CdtTrfTxInf"), start=1)
    )
    return FinancialInstitutionTransfer(group=group, transactions=txs)
