"""Shared writing helpers. Element order follows the XSD sequences."""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from corridor.foundation.money import format_amount
from corridor.iso20022._xml import Element, format_datetime
from corridor.iso20022.records import Account, Agent, Charge, OriginalRef, Party


class Writer:
    """Writes elements of one namespace."""

    __slots__ = ("ns", "p")

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.p = f"{{{ns}}}"

    def root(self, name: str) -> Element:
        return etree.Element(self.p + name, nsmap={None: self.ns})

    def el(self, parent: Element, name: str, text: str | None = None) -> Element:
        child = etree.SubElement(parent, self.p + name)
        if text is not None:
            child.text = text
        return child

    def opt(self, parent: Element, name: str, value: str | None) -> None:
        if value is not None:
            etree.SubElement(parent, self.p + name).text = value

    def many(self, parent: Element, name: str, values: tuple[str, ...]) -> None:
        for value in values:
            etree.SubElement(parent, self.p + name).text = value

    def dt(self, parent: Element, name: str, value: datetime | None) -> None:
        if value is not None:
            etree.SubElement(parent, self.p + name).text = format_datetime(value)

    def date(self, parent: Element, name: str, value: date | None) -> None:
        if value is not None:
            etree.SubElement(parent, self.p + name).text = value.isoformat()

    def amount(
        self, parent: Element, name: str, amount_minor: int | None, currency: str | None
    ) -> None:
        if amount_minor is None:
            return
        if currency is None:
            raise ValueError(f"{name}: an amount needs its currency")
        child = etree.SubElement(parent, self.p + name, Ccy=currency)
        child.text = format_amount(amount_minor, currency)

    def code(self, parent: Element, name: str, value: str | None, cd_len_max: int = 4) -> None:
        """A Cd/Prtry choice: codes up to cd_len_max characters as Cd, else Prtry."""
        if value is None:
            return
        choice = self.el(parent, name)
        self.el(choice, "Cd" if len(value) <= cd_len_max else "Prtry", value)

    def agent(self, parent: Element, name: str, agent: Agent | None) -> None:
        if agent is None:
            return
        fin = self.el(self.el(parent, name), "FinInstnId")
        self.opt(fin, "BICFI", agent.bic)
        if agent.member_id is not None:
            mmb = self.el(fin, "ClrSysMmbId")
            self.code(mmb, "ClrSysId", agent.clearing_system, cd_len_max=5)
            self.el(mmb, "MmbId", agent.member_id)
        self.opt(fin, "LEI", agent.lei)
        self.opt(fin, "Nm", agent.name)

    def charges(self, parent: Element, charges: tuple[Charge, ...]) -> None:
        for charge in charges:
            chrg = self.el(parent, "ChrgsInf")
            self.amount(chrg, "Amt", charge.amount_minor, charge.currency)
            self.agent(chrg, "Agt", charge.agent)

    def party(self, parent: Element, name: str, party: Party | None) -> None:
        if party is None:
            return
        el = self.el(parent, name)
        self.opt(el, "Nm", party.name)
        self._address(el, party)
        self._party_id(el, party)

    def _address(self, el: Element, p: Party) -> None:
        parts = (p.street, p.building, p.post_code, p.town, p.country_subdivision, p.country)
        if all(v is None for v in parts) and not p.address_lines:
            return
        adr = self.el(el, "PstlAdr")
        for tag, value in zip(
            ("StrtNm", "BldgNb", "PstCd", "TwnNm", "CtrySubDvsn", "Ctry"), parts, strict=True
        ):
            self.opt(adr, tag, value)
        self.many(adr, "AdrLine", p.address_lines)

    def _party_id(self, el: Element, p: Party) -> None:
        if p.any_bic is None and p.lei is None and not p.other_ids:
            return
        if p.private and (p.any_bic or p.lei):
            raise ValueError("a private person has no AnyBIC or LEI (PrvtId)")
        ident = self.el(self.el(el, "Id"), "PrvtId" if p.private else "OrgId")
        self.opt(ident, "AnyBIC", p.any_bic)
        self.opt(ident, "LEI", p.lei)
        for other in p.other_ids:
            othr = self.el(ident, "Othr")
            self.el(othr, "Id", other.id)
            self.code(othr, "SchmeNm", other.scheme)
            self.opt(othr, "Issr", other.issuer)

    def account(self, parent: Element, name: str, account: Account | None) -> None:
        if account is None:
            return
        ident = self.el(self.el(parent, name), "Id")
        if account.iban is not None:
            self.el(ident, "IBAN", account.iban)
            return
        othr = self.el(ident, "Othr")
        self.el(othr, "Id", account.other_id or "")
        self.code(othr, "SchmeNm", account.scheme)

    def original(self, parent: Element, ref: OriginalRef) -> None:
        """OrgnlGrpInf and the Orgnl* ids up to OrgnlUETR (pacs.002/004, camt.056/029 order)."""
        self.original_group(parent, "OrgnlGrpInf", ref)
        self.opt(parent, "OrgnlInstrId", ref.instruction_id)
        self.opt(parent, "OrgnlEndToEndId", ref.end_to_end_id)
        self.opt(parent, "OrgnlTxId", ref.tx_id)
        self.opt(parent, "OrgnlUETR", ref.uetr)

    def original_group(self, parent: Element, name: str, ref: OriginalRef) -> Element | None:
        if ref.msg_id is None and ref.msg_name_id is None:
            if ref.created_at is not None:
                raise ValueError("original.created_at needs original.msg_id and msg_name_id")
            return None
        if not ref.msg_id or not ref.msg_name_id:
            raise ValueError("original.msg_id and original.msg_name_id go together")
        grp = self.el(parent, name)
        self.el(grp, "OrgnlMsgId", ref.msg_id)
        self.el(grp, "OrgnlMsgNmId", ref.msg_name_id)
        self.dt(grp, "OrgnlCreDtTm", ref.created_at)
        return grp

    def reason(self, parent: Element, name: str, code: str | None, info: tuple[str, ...]) -> None:
        if code is None and not info:
            return
        el = self.el(parent, name)
        self.code(el, "Rsn", code)
        self.many(el, "AddtlInf", info)
