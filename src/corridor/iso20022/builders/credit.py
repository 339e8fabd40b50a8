"""pacs.008 / pacs.009 / pacs.004 builders."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache

from lxml import etree

from corridor.iso20022._xml import Element, format_decimal
from corridor.iso20022.builders.common import Writer
from corridor.iso20022.extract.credit import QUOTE_PREFIX
from corridor.iso20022.records import (
    Agent,
    CreditTransfer,
    CreditTransferTransaction,
    FinancialInstitutionTransaction,
    FinancialInstitutionTransfer,
    GroupHeader,
    PaymentReturn,
    ReturnTransaction,
)


def _group(w: Writer, parent: Element, g: GroupHeader, total_tag: str) -> None:
    el = w.el(parent, "GrpHdr")
    w.el(el, "MsgId", g.msg_id)
    w.dt(el, "CreDtTm", g.created_at)
    w.el(el, "NbOfTxs", str(g.number_of_transactions))
    w.amount(el, total_tag, g.total_amount_minor, g.total_currency)
    w.date(el, "IntrBkSttlmDt", g.settlement_date)
    sttlm = w.el(el, "SttlmInf")
    w.el(sttlm, "SttlmMtd", g.settlement_method)
    w.code(sttlm, "ClrSys", g.clearing_system, cd_len_max=3)
    w.agent(el, "InstgAgt", g.instructing_agent)
    w.agent(el, "InstdAgt", g.instructed_agent)


def _head(
    w: Writer, el: Element, tx: CreditTransferTransaction | FinancialInstitutionTransaction
) -> None:
    pmt = w.el(el, "PmtId")
    w.opt(pmt, "InstrId", tx.instruction_id)
    w.el(pmt, "EndToEndId", tx.end_to_end_id)
    w.opt(pmt, "TxId", tx.tx_id)
    w.opt(pmt, "UETR", tx.uetr)
    if tx.priority is not None:
        w.el(w.el(el, "PmtTpInf"), "InstrPrty", tx.priority)
    w.amount(el, "IntrBkSttlmAmt", tx.amount_minor, tx.currency)
    w.date(el, "IntrBkSttlmDt", tx.settlement_date)
    w.opt(el, "SttlmPrty", tx.settlement_priority)


def _instructions(w: Writer, el: Element, quote_id: str | None, lines: tuple[str, ...]) -> None:
    if quote_id is not None:
        w.el(w.el(el, "InstrForNxtAgt"), "InstrInf", QUOTE_PREFIX + quote_id)
    for line in lines:
        w.el(w.el(el, "InstrForNxtAgt"), "InstrInf", line)


def _customer_tx(w: Writer, parent: Element, tx: CreditTransferTransaction) -> None:
    el = w.el(parent, "CdtTrfTxInf")
    _head(w, el, tx)
    w.amount(el, "InstdAmt", tx.instructed_amount_minor, tx.instructed_currency)
    w.opt(el, "XchgRate", None if tx.exchange_rate is None else format_decimal(tx.exchange_rate))
    w.el(el, "ChrgBr", tx.charge_bearer)
    w.charges(el, tx.charges)
    w.agent(el, "InstgAgt", tx.instructing_agent)
    w.agent(el, "InstdAgt", tx.instructed_agent)
    w.party(el, "UltmtDbtr", tx.ultimate_debtor)
    w.party(el, "Dbtr", tx.debtor)
    w.account(el, "DbtrAcct", tx.debtor_account)
    w.agent(el, "DbtrAgt", tx.debtor_agent)
    w.agent(el, "CdtrAgt", tx.creditor_agent)
    w.party(el, "Cdtr", tx.creditor)
    w.account(el, "CdtrAcct", tx.creditor_account)
    w.party(el, "UltmtCdtr", tx.ultimate_creditor)
    _instructions(w, el, tx.quote_id, tx.instructions_for_next_agent)
    w.code(el, "Purp", tx.purpose)
    if tx.remittance:
        w.many(w.el(el, "RmtInf"), "Ustrd", tx.remittance)


def build_pacs008(body: CreditTransfer, ns: str) -> Element:
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "FIToFICstmrCdtTrf")
    _group(w, msg, body.group, "TtlIntrBkSttlmAmt")
    for tx in body.transactions:
        _customer_tx(w, msg, tx)
    return doc


# CdtTrfTxInf children that come before InstgAgt (pacs.008.001.08 sequence).
_BEFORE_INSTRUCTING_AGENT = (
    "PmtId",
    "PmtTpInf",
    "IntrBkSttlmAmt",
    "IntrBkSttlmDt",
    "SttlmPrty",
    "SttlmTmIndctn",
    "SttlmTmReq",
    "AccptncDtTm",
    "PoolgAdjstmntDt",
    "InstdAmt",
    "XchgRate",
    "ChrgBr",
    "ChrgsInf",
    "PrvsInstgAgt1",
    "PrvsInstgAgt1Acct",
    "PrvsInstgAgt2",
    "PrvsInstgAgt2Acct",
    "PrvsInstgAgt3",
    "PrvsInstgAgt3Acct",
)
FRAGMENT_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, collect_ids=False
)


def relay_pacs008(
    group: GroupHeader,
    transactions_xml: Sequence[bytes],
    ns: str,
    instructing: Agent,
    instructed: Agent,
) -> Element:
    """A pacs.008 whose CdtTrfTxInf are received ones (`transactions_xml`, each one element
    in namespace `ns`, as `parse_message` keeps them), with `instructing` as InstgAgt and
    `instructed` as InstdAgt of every transaction.

    Copying the received elements costs a fraction of rebuilding them from records, and
    passes on everything the sender wrote, as an intermediary should.
    """
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "FIToFICstmrCdtTrf")
    _group(w, msg, group, "TtlIntrBkSttlmAmt")
    # One parse for all of them: cheaper than one per transaction.
    received = etree.fromstring(b"<R>" + b"".join(transactions_xml) + b"</R>", FRAGMENT_PARSER)
    if len(received) != len(transactions_xml):
        raise ValueError("each received transaction must be exactly one element")
    for tx in list(received):
        msg.append(tx)  # lxml drops the namespace declarations the Document now makes
    relay_agents(msg, ns, instructing, instructed, len(transactions_xml))
    return doc


def relay_agents(
    message: Element, ns: str, instructing: Agent, instructed: Agent, count: int
) -> None:
    """Make `instructing` / `instructed` the InstgAgt / InstdAgt of every CdtTrfTxInf of
    the pacs.008 `message` element (FIToFICstmrCdtTrf), which must hold `count` of them."""
    w = Writer(ns)
    holder = etree.Element("holder")  # the two agents, built once, copied into each tx
    w.agent(holder, "InstgAgt", instructing)
    w.agent(holder, "InstdAgt", instructed)
    before = _before_instructing_agent(ns)
    tag, found = w.p + "CdtTrfTxInf", 0
    for tx in message.iterchildren(tag):
        _set_agent(tx, holder[0], before)
        _set_agent(tx, holder[1], before | {holder[0].tag})
        found += 1
    if found != count or len(message) != count + 1:  # the GrpHdr and the transactions
        raise ValueError(f"expected a GrpHdr and {count} {ns} CdtTrfTxInf")


@cache
def _before_instructing_agent(ns: str) -> frozenset[str]:
    return frozenset(f"{{{ns}}}{name}" for name in _BEFORE_INSTRUCTING_AGENT)


def _set_agent(tx: Element, agent: Element, before: frozenset[str]) -> None:
    """Put a copy of `agent` in place of the transaction's own, or where the sequence
    wants it (after every element named in `before`)."""
    new = copy.deepcopy(agent)
    old = tx.find(agent.tag)
    if old is not None:
        tx.replace(old, new)
        return
    for index, child in enumerate(tx):
        if child.tag not in before:
            tx.insert(index, new)
            return
    tx.append(new)


def _institution_tx(w: Writer, parent: Element, tx: FinancialInstitutionTransaction) -> None:
    el = w.el(parent, "CdtTrfTxInf")
    _head(w, el, tx)
    w.agent(el, "InstgAgt", tx.instructing_agent)
    w.agent(el, "InstdAgt", tx.instructed_agent)
    w.agent(el, "Dbtr", tx.debtor)
    w.account(el, "DbtrAcct", tx.debtor_account)
    w.agent(el, "DbtrAgt", tx.debtor_agent)
    w.agent(el, "CdtrAgt", tx.creditor_agent)
    w.agent(el, "Cdtr", tx.creditor)
    w.account(el, "CdtrAcct", tx.creditor_account)
    _instructions(w, el, tx.quote_id, tx.instructions_for_next_agent)
    if tx.remittance:
        w.many(w.el(el, "RmtInf"), "Ustrd", tx.remittance)


def build_pacs009(body: FinancialInstitutionTransfer, ns: str) -> Element:
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "FICdtTrf")
    _group(w, msg, body.group, "TtlIntrBkSttlmAmt")
    for tx in body.transactions:
        _institution_tx(w, msg, tx)
    return doc


def _return_tx(w: Writer, parent: Element, tx: ReturnTransaction) -> None:
    el = w.el(parent, "TxInf")
    w.opt(el, "RtrId", tx.return_id)
    w.original(el, tx.original)
    w.amount(el, "OrgnlIntrBkSttlmAmt", tx.original_amount_minor, tx.original_currency)
    w.amount(el, "RtrdIntrBkSttlmAmt", tx.returned_amount_minor, tx.currency)
    w.date(el, "IntrBkSttlmDt", tx.settlement_date)
    w.opt(el, "ChrgBr", tx.charge_bearer)
    w.agent(el, "InstgAgt", tx.instructing_agent)
    w.agent(el, "InstdAgt", tx.instructed_agent)
    w.reason(el, "RtrRsnInf", tx.reason_code, tx.additional_info)


def build_pacs004(body: PaymentReturn, ns: str) -> Element:
    w = Writer(ns)
    doc = w.root("Document")
    msg = w.el(doc, "PmtRtr")
    _group(w, msg, body.group, "TtlRtrdIntrBkSttlmAmt")
    for tx in body.transactions:
        _return_tx(w, msg, tx)
    return doc
