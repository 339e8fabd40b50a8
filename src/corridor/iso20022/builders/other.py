"""camt.056 / camt.029 / pacs.002 / admi.002 / head.001 builders."""

from __future__ import annotations

from corridor.iso20022._xml import Element
from corridor.iso20022.builders.common import Writer
from corridor.iso20022.records import (
    Agent,
    BusinessHeader,
    CancellationRequest,
    CaseAssignment,
    PaymentStatusReport,
    RejectionNotice,
    ResolutionOfInvestigation,
)


def _party40(w: Writer, parent: Element, name: str, agent: Agent) -> None:
    w.agent(w.el(parent, name), "Agt", agent)


def _assignment(w: Writer, parent: Element, a: CaseAssignment) -> None:
    el = w.el(parent, "Assgnmt")
    w.el(el, "Id", a.id)
    _party40(w, el, "Assgnr", a.assigner)
    _party40(w, el, "Assgne", a.assignee)
    w.dt(el, "CreDtTm", a.created_at)


def _case(w: Writer, parent: Element, name: str, case_id: str | None, creator: Agent) -> None:
    if case_id is not None:
        el = w.el(parent, name)
        w.el(el, "Id", case_id)
        _party40(w, el, "Cretr", creator)


def build_camt056(body: CancellationRequest, ns: str) -> Element:
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "FIToFIPmtCxlReq")
    _assignment(w, msg, body.assignment)
    _case(w, msg, "Case", body.case_id, body.assignment.assigner)
    undrlyg = w.el(msg, "Undrlyg")
    for tx in body.transactions:
        el = w.el(undrlyg, "TxInf")
        w.opt(el, "CxlId", tx.cancellation_id)
        w.original(el, tx.original)
        w.amount(el, "OrgnlIntrBkSttlmAmt", tx.original_amount_minor, tx.original_currency)
        w.date(el, "OrgnlIntrBkSttlmDt", tx.original_settlement_date)
        w.reason(el, "CxlRsnInf", tx.reason_code, tx.additional_info)
    return doc


def build_camt029(body: ResolutionOfInvestigation, ns: str) -> Element:
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "RsltnOfInvstgtn")
    _assignment(w, msg, body.assignment)
    _case(w, msg, "RslvdCase", body.resolved_case_id, body.assignment.assigner)
    w.el(w.el(msg, "Sts"), "Conf", body.confirmation)
    if body.transactions:
        dtls = w.el(msg, "CxlDtls")
        for tx in body.transactions:
            el = w.el(dtls, "TxInfAndSts")
            w.opt(el, "CxlStsId", tx.cancellation_status_id)
            w.original(el, tx.original)
            w.opt(el, "TxCxlSts", tx.status)
            w.reason(el, "CxlStsRsnInf", tx.reason_code, tx.additional_info)
    return doc


def build_pacs002(body: PaymentStatusReport, ns: str) -> Element:
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "FIToFIPmtStsRpt")
    grp = w.el(msg, "GrpHdr")
    w.el(grp, "MsgId", body.msg_id)
    w.dt(grp, "CreDtTm", body.created_at)
    w.agent(grp, "InstgAgt", body.instructing_agent)
    w.agent(grp, "InstdAgt", body.instructed_agent)
    org = w.original_group(msg, "OrgnlGrpInfAndSts", body.original)
    if org is None and (body.group_status is not None or body.group_reason_code is not None):
        raise ValueError("a group status needs original.msg_id and msg_name_id")
    if org is not None:
        w.opt(org, "GrpSts", body.group_status)
        w.reason(org, "StsRsnInf", body.group_reason_code, body.group_additional_info)
    for tx in body.transactions:
        el = w.el(msg, "TxInfAndSts")
        w.opt(el, "StsId", tx.status_id)
        w.original(el, tx.original)
        w.el(el, "TxSts", tx.status)
        w.reason(el, "StsRsnInf", tx.reason_code, tx.additional_info)
        w.charges(el, tx.charges)  # e.g. the charges of a cross-currency payment
    return doc


def build_admi002(body: RejectionNotice, ns: str) -> Element:
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "admi.002.001.01")
    w.el(w.el(msg, "RltdRef"), "Ref", body.reference)
    rsn = w.el(msg, "Rsn")
    w.el(rsn, "RjctgPtyRsn", body.reason)
    w.dt(rsn, "RjctnDtTm", body.rejected_at)
    w.opt(rsn, "ErrLctn", body.error_location)
    w.opt(rsn, "RsnDesc", body.description)
    w.opt(rsn, "AddtlData", body.additional_data)
    return doc


def build_header(header: BusinessHeader) -> Element:
    w = Writer(header.namespace)
    hdr = w.root("AppHdr")
    w.agent(w.el(hdr, "Fr"), "FIId", header.from_agent)
    w.agent(w.el(hdr, "To"), "FIId", header.to_agent)
    w.el(hdr, "BizMsgIdr", header.biz_msg_id)
    w.el(hdr, "MsgDefIdr", header.msg_def_id)
    w.opt(hdr, "BizSvc", header.business_service)
    w.dt(hdr, "CreDt", header.created_at)
    if header.possible_duplicate:
        w.el(hdr, "PssblDplct", "true")
    w.opt(hdr, "Prty", header.priority)
    return hdr
