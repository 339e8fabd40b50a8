"""Shared pieces: agents, parties, accounts, original references."""

from __future__ import annotations

from functools import lru_cache

from corridor.iso20022._xml import Element, child_text, parse_datetime
from corridor.iso20022.records import Account, Agent, OriginalRef, Party, PartyId

BIC_AGENTS_MAX = 4_096

# A postal address as Reader._address reads it; most parties of a bulk message have none.
Address = tuple[
    str | None, str | None, str | None, str | None, str | None, str | None, tuple[str, ...]
]
_NO_ADDRESS: Address = (None, None, None, None, None, None, ())
_NO_ID: tuple[bool, None, None, tuple[PartyId, ...]] = (False, None, None, ())  # _party_id's


@lru_cache(maxsize=BIC_AGENTS_MAX)
def bic_agent(bic: str) -> Agent:
    """The Agent known by its BICFI alone, made once and shared (records are frozen):
    building a record costs more than reading its element, and a hub's messages name the
    same few banks again and again (every transaction of a bulk message its sender)."""
    return Agent(bic=bic)


class Reader:
    """Reads one namespace. `n` is the length of "{namespace}".

    Parties and accounts that a message repeats (the debtor of every transaction of a bulk
    message, say) are built once per message and shared by content (records are frozen).
    """

    __slots__ = ("_accounts", "_bicfi", "_fin_instn_id", "_parties", "_tags", "n", "ns")

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.n = len(ns) + 2
        self._tags: dict[str, str] = {}  # local name -> "{ns}name", made once per message
        self._parties: dict[tuple[object, ...], Party] = {}  # by their fields, in order
        self._accounts: dict[tuple[str | None, ...], Account] = {}
        self._fin_instn_id, self._bicfi = self._tag("FinInstnId"), self._tag("BICFI")

    def kids(self, el: Element) -> dict[str, Element]:
        """Children by local name, first occurrence winning."""
        n = self.n
        kids: dict[str, Element] = {}
        # A loop, not a dict comprehension: for the few children of most elements, making
        # the comprehension's function costs more than the loop. A reversed slice is a
        # little cheaper than reversed(el). Comments and PIs were dropped at parse, so
        # every child is an element.
        for child in el[::-1]:
            kids[child.tag[n:]] = child
        return kids

    def first(self, el: Element, name: str) -> Element:
        """The first child called `name` (KeyError when there is none, as kids()[name]):
        for a parent of many children, kids() would read every child's tag."""
        for child in el.iterchildren(self._tag(name)):
            return child
        raise KeyError(name)

    def all(self, el: Element, name: str, k: dict[str, Element] | None = None) -> list[Element]:
        """The children called `name`; `k`, el's kids() when already at hand, spares
        the search when there is none (most optional repeated parts are absent)."""
        if k is None:
            return list(el.iterchildren(self._tag(name)))
        if name not in k:
            return []
        # A tag search prepares a matcher on every call, which costs more than comparing
        # the few children's tags: kids() read them, and lxml keeps them while k holds
        # the elements.
        tag = self._tag(name)
        return [c for c in el if c.tag == tag]

    def texts(self, el: Element, name: str, k: dict[str, Element] | None = None) -> tuple[str, ...]:
        """The stripped texts of the children called `name`; `k` as in all(). The parents
        read this way (PstlAdr, RmtInf, *RsnInf) have few children: comparing their tags
        costs less than a tag search."""
        if k is not None and name not in k:
            return ()
        tag = self._tag(name)
        return tuple([(c.text or "").strip() for c in el if c.tag == tag])

    def child_texts(self, el: Element) -> dict[str, str]:
        """The stripped texts of el's children by local name, first occurrence winning: for
        an element whose children are all read as texts (child_text's None for an absent
        one is .get's), without keeping the children."""
        n = self.n
        texts: dict[str, str] = {}
        for child in el[::-1]:
            text = child.text
            texts[child.tag[n:]] = text.strip() if text is not None else ""
        return texts

    def _tag(self, name: str) -> str:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = f"{{{self.ns}}}{name}"
        return tag

    def code(self, el: Element | None) -> str | None:
        """A Cd/Prtry choice element: its Cd, else its Prtry (None when `el` is absent)."""
        if el is None:
            return None
        t = self.child_texts(el)
        return t.get("Cd") or t.get("Prtry")

    def agent(self, el: Element | None) -> Agent | None:
        """BranchAndFinancialInstitutionIdentification6 (or Party44Choice/FIId)."""
        if el is None:
            return None
        if len(el) == 1:  # fast path: FinInstnId holding only BICFI
            fin = el[0]
            if len(fin) == 1:
                only = fin[0]
                if only.tag == self._bicfi and fin.tag == self._fin_instn_id:
                    return bic_agent((only.text or "").strip())
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
        address = self._address(adr) if adr is not None else _NO_ADDRESS
        street, building, post_code, town, subdivision, country, lines = address
        private, any_bic, lei, others = self._party_id(k["Id"]) if "Id" in k else _NO_ID
        name = child_text(k, "Nm")
        key = (name, *address, private, any_bic, lei, others)
        party = self._parties.get(key)
        if party is None:
            party = self._parties[key] = Party(
                name=name,
                street=street,
                building=building,
                post_code=post_code,
                town=town,
                country_subdivision=subdivision,
                country=country,
                address_lines=lines,
                private=private,
                any_bic=any_bic,
                lei=lei,
                other_ids=others,
            )
        return party

    def _address(self, adr: Element) -> Address:
        """PstlAdr: (street, building, post code, town, subdivision, country, lines)."""
        t = self.child_texts(adr)
        lines = self.texts(adr, "AdrLine") if "AdrLine" in t else ()
        return (
            t.get("StrtNm"),
            t.get("BldgNb"),
            t.get("PstCd"),
            t.get("TwnNm"),
            t.get("CtrySubDvsn"),
            t.get("Ctry"),
            lines,
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
        for othr in self.all(ident, "Othr", ik):
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
            return self._account(child_text(k, "IBAN"), None, None)
        othr = k.get("Othr")
        if othr is None:
            return Account()
        ok = self.kids(othr)
        return self._account(None, child_text(ok, "Id"), self.code(ok.get("SchmeNm")))

    def _account(self, iban: str | None, other_id: str | None, scheme: str | None) -> Account:
        key = (iban, other_id, scheme)
        account = self._accounts.get(key)
        if account is None:
            account = self._accounts[key] = Account(iban=iban, other_id=other_id, scheme=scheme)
        return account

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
