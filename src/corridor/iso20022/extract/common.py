"""Shared pieces: agents, parties, accounts, original references."""

from __future__ import annotations

from corridor.iso20022._xml import Element, child_text, parse_datetime
from corridor.iso20022.records import Account, Agent, OriginalRef, Party, PartyId


class Reader:
    """Reads one namespace. `n` is the length of "{namespace}"."""

    __slots__ = ("_tags", "n", "ns")

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.n = len(ns) + 2
        self._tags: dict[str, str] = {}  # local name -> "{ns}name", made once per message

    def kids(self, el: Element) -> dict[str, Element]:
        """Children by local name, first occurrence winning."""
        n = self.n
        # A reversed slice is a little cheaper than reversed(el). Comments and PIs were
        # dropped at parse, so every child is an element.
        return {c.tag[n:]: c for c in el[::-1]}

    def all(self, el: Element, name: str, k: dict[str, Element] | None = None) -> list[Element]:
        """The children called `name`; `k`, el's kids() when already at hand, spares
        the search when there is none (most optional repeated parts are absent)."""
        if k is not None and name not in k:
            return []
        return list(el.iterchildren(self._tag(name)))

    def texts(self, el: Element, name: str, k: dict[str, Element] | None = None) -> tuple[str, ...]:
        """The stripped texts of the children called `name`; `k` as in all()."""
        if k is not None and name not in k:
            return ()
        return tuple([(c.text or "").strip() for c in el.iterchildren(self._tag(name))])

    def _tag(self, name: str) -> str:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = f"{{{self.ns}}}{name}"
        return tag

    def code(self, el: Element | None) -> str | None:
        """A Cd/Prtry choice element: its Cd, else its Prtry (None when `el` is absent)."""
        if el is None:
            return None
        k = self.kids(el)
        return child_text(k, "Cd") or child_text(k, "Prtry")

    def agent(self, el: Element | None) -> Agent | None:
        """BranchAndFinancialInstitutionIdentification6 (or Party44Choice/FIId)."""
        if el is None:
            return None
        if len(el) == 1 and len(el[0]) == 1:  # fast path: FinInstnId holding only BICFI
            only = el[0][0]
            if only.tag[self.n :] == "BICFI" and el[0].tag[self.n :] == "FinInstnId":
                return Agent(bic=(only.text or "").strip())
        fin = self.kids(el).get("FinInstnId")
        if fin is None:
            return Agent()
        k = self.kids(fin)
        member_id = clearing = None
        mmb = k.get("ClrSysMmbId")
        if mmb is not None:
            mk = self.kids(mmb)
            member_id = child_text(mk, "MmbId")
            clearing = self.code(mk.get("ClrSysId"))
        return Agent(
            bic=child_text(k, "BICFI"),
            member_id=member_id,
            clearing_system=clearing,
            lei=child_text(k, "LEI"),
            name=child_text(k, "Nm"),
        )

    def party(self, el: Element | None) -> Party | None:
        if el is None:
            return None
        k = self.kids(el)
        adr = k.get("PstlAdr")
        a = self.kids(adr) if adr is not None else {}
        lines = self.texts(adr, "AdrLine", a) if adr is not None else ()
        private, any_bic, lei, others = self._party_id(k.get("Id"))
        return Party(
            name=child_text(k, "Nm"),
            street=child_text(a, "StrtNm"),
            building=child_text(a, "BldgNb"),
            post_code=child_text(a, "PstCd"),
            town=child_text(a, "TwnNm"),
            country_subdivision=child_text(a, "CtrySubDvsn"),
            country=child_text(a, "Ctry"),
            address_lines=lines,
            private=private,
            any_bic=any_bic,
            lei=lei,
            other_ids=others,
        )

    def _party_id(
        self, el: Element | None
    ) -> tuple[bool, str | None, str | None, tuple[PartyId, ...]]:
        if el is None:
            return False, None, None, ()
        k = self.kids(el)
        org = k.get("OrgId")
        ident = org if org is not None else k.get("PrvtId")
        if ident is None:
            return False, None, None, ()
        ik = self.kids(ident)
        others = []
        for othr in self.all(ident, "Othr"):
            ok = self.kids(othr)
            scheme = self.code(ok.get("SchmeNm"))
            others.append(
                PartyId(id=child_text(ok, "Id") or "", scheme=scheme, issuer=child_text(ok, "Issr"))
            )
        return (org is None, child_text(ik, "AnyBIC"), child_text(ik, "LEI"), tuple(others))

    def account(self, el: Element | None) -> Account | None:
        if el is None:
            return None
        ident = self.kids(el).get("Id")
        if ident is None:
            return Account()
        k = self.kids(ident)
        if "IBAN" in k:
            return Account(iban=child_text(k, "IBAN"))
        othr = k.get("Othr")
        if othr is None:
            return Account()
        ok = self.kids(othr)
        return Account(other_id=child_text(ok, "Id"), scheme=self.code(ok.get("SchmeNm")))

    def original(self, k: dict[str, Element], grp: Element | None, xpath: str) -> OriginalRef:
        """Orgnl* ids of a transaction; `grp` is OrgnlGrpInf (or the message's group info)."""
        msg_id = name_id = None
        created = None
        if grp is not None:
            gk = self.kids(grp)
            msg_id = child_text(gk, "OrgnlMsgId")
            name_id = child_text(gk, "OrgnlMsgNmId")
            raw = child_text(gk, "OrgnlCreDtTm")
            created = parse_datetime(raw, f"{xpath}/OrgnlCreDtTm") if raw else None
        return OriginalRef(
            msg_id=msg_id,
            msg_name_id=name_id,
            created_at=created,
            instruction_id=child_text(k, "OrgnlInstrId"),
            end_to_end_id=child_text(k, "OrgnlEndToEndId"),
            tx_id=child_text(k, "OrgnlTxId"),
            uetr=child_text(k, "OrgnlUETR"),
        )

    def reason(self, el: Element | None) -> tuple[str | None, tuple[str, ...]]:
        """A *RsnInf element: (Rsn/Cd or Rsn/Prtry, AddtlInf lines)."""
        if el is None:
            return None, ()
        return self.code(self.kids(el).get("Rsn")), self.texts(el, "AddtlInf")
