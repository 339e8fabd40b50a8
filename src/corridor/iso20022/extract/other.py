"""pacs.004, camt.056, camt.029, pacs.002, admi.002 and the head.001 header."""

from __future__ import annotations

from corridor.iso20022._xml import Element, amount, child_date, child_text, parse_datetime
from corridor.iso20022.extract.common import Reader
from corridor.iso20022.extract.credit import charges_of, group_header
from corridor.iso20022.records import (
    Agent,
    BusinessHeader,
    CancellationRequest,
    CancellationStatus,
    CancellationTransaction,
    CaseAssignment,
    OriginalRef,
    PaymentReturn,
    PaymentStatusReport,
    RejectionNotice,
    ResolutionOfInvestigation,
    ReturnTransaction,
    TransactionStatus,
)


def _return_tx(r: Reader, el: Element, xpath: str) -> ReturnTransaction:
    k = r.kids(el)
    value, ccy = amount(k["RtrdIntrBkSttlmAmt"], xpath, "RtrdIntrBkSttlmAmt")
    orig_value = orig_ccy = None
    if "OrgnlIntrBkSttlmAmt" in k:
        orig_value, orig_ccy = amount(k["OrgnlIntrBkSttlmAmt"], xpath, "OrgnlIntrBkSttlmAmt")
    code, info = r.reason(k.get("RtrRsnInf"))
    return ReturnTransaction(
        original=r.original(k, k.get("OrgnlGrpInf"), f"{xpath}/OrgnlGrpInf"),
        returned_amount_minor=value,
        currency=ccy,
        return_id=child_text(k, "RtrId"),
        original_amount_minor=orig_value,
        original_currency=orig_ccy,
        settlement_date=child_date(k, "IntrBkSttlmDt", xpath),
        charge_bearer=child_text(k, "ChrgBr"),
        instructing_agent=r.agent(k.get("InstgAgt")),
        instructed_agent=r.agent(k.get("InstdAgt")),
        reason_code=code,
        additional_info=info,
    )


def extract_pacs004(el: Element, ns: str) -> PaymentReturn:
    r = Reader(ns)
    base = "/Document/PmtRtr"
    group = group_header(r, r.first(el, "GrpHdr"), f"{base}/GrpHdr", "TtlRtrdIntrBkSttlmAmt")
    txs = tuple(
        _return_tx(r, tx, f"{base}/TxInf[{i}]") for i, tx in enumerate(r.all(el, "TxInf"), start=1)
    )
    return PaymentReturn(group=group, transactions=txs)


def _party40_agent(r: Reader, el: Element | None) -> Agent:
    """Party40Choice: Agt (an institution) or Pty (kept by name only)."""
    if el is None:
        return Agent()
    k = r.kids(el)
    if "Agt" in k:
        return r.agent(k["Agt"]) or Agent()
    party = r.party(k.get("Pty"))
    return Agent(name=party.name if party else None)


def _assignment(r: Reader, el: Element, xpath: str) -> CaseAssignment:
    k = r.kids(el)
    return CaseAssignment(
        id=child_text(k, "Id") or "",
        assigner=_party40_agent(r, k.get("Assgnr")),
        assignee=_party40_agent(r, k.get("Assgne")),
        created_at=parse_datetime(child_text(k, "CreDtTm") or "", f"{xpath}/CreDtTm"),
    )


def _cancel_tx(r: Reader, el: Element, xpath: str) -> CancellationTransaction:
    k = r.kids(el)
    orig_value = orig_ccy = None
    if "OrgnlIntrBkSttlmAmt" in k:
        orig_value, orig_ccy = amount(k["OrgnlIntrBkSttlmAmt"], xpath, "OrgnlIntrBkSttlmAmt")
    code, info = r.reason(k.get("CxlRsnInf"))
    return CancellationTransaction(
        original=r.original(k, k.get("OrgnlGrpInf"), f"{xpath}/OrgnlGrpInf"),
        cancellation_id=child_text(k, "CxlId"),
        original_amount_minor=orig_value,
        original_currency=orig_ccy,
        original_settlement_date=child_date(k, "OrgnlIntrBkSttlmDt", xpath),
        reason_code=code,
        additional_info=info,
    )


def extract_camt056(el: Element, ns: str) -> CancellationRequest:
    r = Reader(ns)
    base = "/Document/FIToFIPmtCxlReq"
    k = r.kids(el)
    txs = []
    for u, undrlyg in enumerate(r.all(el, "Undrlyg"), start=1):
        for i, tx in enumerate(r.all(undrlyg, "TxInf"), start=1):
            txs.append(_cancel_tx(r, tx, f"{base}/Undrlyg[{u}]/TxInf[{i}]"))
    case = k.get("Case")
    return CancellationRequest(
        assignment=_assignment(r, k["Assgnmt"], f"{base}/Assgnmt"),
        transactions=tuple(txs),
        case_id=child_text(r.kids(case), "Id") if case is not None else None,
    )


def _cancel_status(r: Reader, el: Element, xpath: str) -> CancellationStatus:
    k = r.kids(el)
    code, info = r.reason(k.get("CxlStsRsnInf"))
    return CancellationStatus(
        original=r.original(k, k.get("OrgnlGrpInf"), f"{xpath}/OrgnlGrpInf"),
        status=child_text(k, "TxCxlSts"),
        cancellation_status_id=child_text(k, "CxlStsId"),
        reason_code=code,
        additional_info=info,
    )


def extract_camt029(el: Element, ns: str) -> ResolutionOfInvestigation:
    r = Reader(ns)
    base = "/Document/RsltnOfInvstgtn"
    k = r.kids(el)
    sts = r.kids(k["Sts"])
    txs = []
    for c, dtls in enumerate(r.all(el, "CxlDtls"), start=1):
        for i, tx in enumerate(r.all(dtls, "TxInfAndSts"), start=1):
            txs.append(_cancel_status(r, tx, f"{base}/CxlDtls[{c}]/TxInfAndSts[{i}]"))
    case = k.get("RslvdCase")
    return ResolutionOfInvestigation(
        assignment=_assignment(r, k["Assgnmt"], f"{base}/Assgnmt"),
        confirmation=child_text(sts, "Conf") or next(iter(sts), ""),
        transactions=tuple(txs),
        resolved_case_id=child_text(r.kids(case), "Id") if case is not None else None,
    )


def _tx_status(r: Reader, el: Element, xpath: str) -> TransactionStatus:
    k = r.kids(el)
    code, info = r.reason(k.get("StsRsnInf"))
    return TransactionStatus(
        original=r.original(k, k.get("OrgnlGrpInf"), f"{xpath}/OrgnlGrpInf"),
        status=child_text(k, "TxSts") or "",
        reason_code=code,
        additional_info=info,
        status_id=child_text(k, "StsId"),
        charges=charges_of(r, el, xpath),
    )


def extract_pacs002(el: Element, ns: str) -> PaymentStatusReport:
    r = Reader(ns)
    base = "/Document/FIToFIPmtStsRpt"
    k = r.kids(el)
    g = r.kids(k["GrpHdr"])
    txs = tuple(
        _tx_status(r, tx, f"{base}/TxInfAndSts[{i}]")
        for i, tx in enumerate(r.all(el, "TxInfAndSts"), start=1)
    )
    grp = k.get("OrgnlGrpInfAndSts")
    group_status = code = None
    info: tuple[str, ...] = ()
    if grp is not None:
        original = r.original({}, grp, f"{base}/OrgnlGrpInfAndSts")
        group_status = child_text(r.kids(grp), "GrpSts")
        code, info = r.reason(r.kids(grp).get("StsRsnInf"))
    else:
        first = txs[0].original if txs else OriginalRef()
        original = OriginalRef(
            msg_id=first.msg_id, msg_name_id=first.msg_name_id, created_at=first.created_at
        )
    return PaymentStatusReport(
        msg_id=child_text(g, "MsgId") or "",
        created_at=parse_datetime(child_text(g, "CreDtTm") or "", f"{base}/GrpHdr/CreDtTm"),
        original=original,
        transactions=txs,
        group_status=group_status,
        group_reason_code=code,
        group_additional_info=info,
        instructing_agent=r.agent(g.get("InstgAgt")),
        instructed_agent=r.agent(g.get("InstdAgt")),
    )


def extract_admi002(el: Element, ns: str) -> RejectionNotice:
    r = Reader(ns)
    k = r.kids(el)
    ref = r.kids(k["RltdRef"])
    rsn = r.kids(k["Rsn"])
    raw = child_text(rsn, "RjctnDtTm")
    return RejectionNotice(
        reference=child_text(ref, "Ref") or "",
        reason=child_text(rsn, "RjctgPtyRsn") or "",
        rejected_at=parse_datetime(raw, "/Document/admi.002.001.01/Rsn/RjctnDtTm") if raw else None,
        error_location=child_text(rsn, "ErrLctn"),
        description=child_text(rsn, "RsnDesc"),
        additional_data=child_text(rsn, "AddtlData"),
    )


def _header_party(r: Reader, el: Element | None) -> Agent:
    if el is None:
        return Agent()
    k = r.kids(el)
    if "FIId" in k:
        return r.agent(k["FIId"]) or Agent()
    party = r.party(k.get("OrgId"))
    return Agent(name=party.name if party else None, bic=party.any_bic if party else None)


def extract_header(el: Element, ns: str) -> BusinessHeader:
    r = Reader(ns)
    k = r.kids(el)
    return BusinessHeader(
        from_agent=_header_party(r, k.get("Fr")),
        to_agent=_header_party(r, k.get("To")),
        biz_msg_id=child_text(k, "BizMsgIdr") or "",
        msg_def_id=child_text(k, "MsgDefIdr") or "",
        created_at=parse_datetime(child_text(k, "CreDt") or "", "/AppHdr/CreDt"),
        business_service=child_text(k, "BizSvc"),
        possible_duplicate=child_text(k, "PssblDplct") == "true",
        priority=child_text(k, "Prty"),
        signed="Sgntr" in k,
        namespace=ns,
    )
