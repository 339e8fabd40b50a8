"""Business rules, run on records after the schema: a list of Problems, empty when valid.

Order: identifiers (BIC, LEI, IBAN, UETR) and amounts as the record is walked, then the
message-level checks (codes allowed on this network, NbOfTxs, totals, dates). Checks that
need the time (creation date not in the future, not stale) run only when `now` is given.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from operator import attrgetter

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from corridor.foundation.money import AMOUNT_MINOR_MAX
from corridor.iso20022.extract.cash import REPORT_ELEMENTS
from corridor.iso20022.reasons import Problem, Reason
from corridor.iso20022.records import (
    Account,
    Agent,
    Balance,
    BusinessHeader,
    CancellationRequest,
    CancellationStatus,
    CancellationTransaction,
    CashReport,
    Charge,
    CreditTransfer,
    CreditTransferTransaction,
    Entry,
    FinancialInstitutionTransaction,
    FinancialInstitutionTransfer,
    GroupHeader,
    OriginalRef,
    Party,
    PaymentReturn,
    PaymentStatusReport,
    RejectionNotice,
    ResolutionOfInvestigation,
    ReturnTransaction,
    TransactionStatus,
)

_BIC_RE = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_LEI_RE = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
_UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Record field -> ISO element name, so that problems name XPaths, not Python attributes.
_XML_NAMES = {
    "transactions": "TxInf",
    "debtor": "Dbtr",
    "creditor": "Cdtr",
    "debtor_agent": "DbtrAgt",
    "creditor_agent": "CdtrAgt",
    "instructing_agent": "InstgAgt",
    "instructed_agent": "InstdAgt",
    "ultimate_debtor": "UltmtDbtr",
    "ultimate_creditor": "UltmtCdtr",
    "debtor_account": "DbtrAcct",
    "creditor_account": "CdtrAcct",
    "charges": "ChrgsInf",
    "agent": "Agt",
    "group": "GrpHdr",
    "assigner": "Assgnr",
    "assignee": "Assgne",
    "assignment": "Assgnmt",
    "original": "Orgnl",
    "reports": "Stmt",
    "entries": "Ntry",
    "balances": "Bal",
    "account": "Acct",
    "from_agent": "Fr",
    "to_agent": "To",
    "amount_minor": "IntrBkSttlmAmt",
    "returned_amount_minor": "RtrdIntrBkSttlmAmt",
    "instructed_amount_minor": "InstdAmt",
    "original_amount_minor": "OrgnlIntrBkSttlmAmt",
}
# Where a record's field has another element name than _XML_NAMES gives.
_CLASS_XML_NAMES: dict[tuple[type, str], str] = {
    (CreditTransfer, "transactions"): "CdtTrfTxInf",
    (FinancialInstitutionTransfer, "transactions"): "CdtTrfTxInf",
    (PaymentStatusReport, "transactions"): "TxInfAndSts",
    # (the extractor reads Undrlyg/TxInf and CxlDtls/TxInfAndSts of every Undrlyg or
    # CxlDtls as one list; their index counts along that list)
    (CancellationRequest, "transactions"): "Undrlyg/TxInf",
    (ResolutionOfInvestigation, "transactions"): "CxlDtls/TxInfAndSts",
    (Charge, "amount_minor"): "Amt",
    (Entry, "amount_minor"): "Amt",
    # A transaction's Orgnl* references are its own children: no element of their own.
    (ReturnTransaction, "original"): "",
    (CancellationTransaction, "original"): "",
    (CancellationStatus, "original"): "",
    (TransactionStatus, "original"): "",
    (PaymentStatusReport, "original"): "OrgnlGrpInfAndSts",
}
# Where each record's UETR is, under its own element.
_UETR_XML: dict[type, str] = {
    CreditTransferTransaction: "PmtId/UETR",
    FinancialInstitutionTransaction: "PmtId/UETR",
    OriginalRef: "OrgnlUETR",
    Entry: "NtryDtls/TxDtls/Refs/UETR",
}
# The message element under Document, by body (a cash report's depends on its kind).
_BODY_ROOTS: dict[type, str] = {
    CreditTransfer: "FIToFICstmrCdtTrf",
    FinancialInstitutionTransfer: "FICdtTrf",
    PaymentReturn: "PmtRtr",
    CancellationRequest: "FIToFIPmtCxlReq",
    ResolutionOfInvestigation: "RsltnOfInvstgtn",
    PaymentStatusReport: "FIToFIPmtStsRpt",
    RejectionNotice: "admi.002.001.01",
}


def _walk_body(w: _Walker, body: object) -> None:
    """Walk a message body from its message element (FIToFICstmrCdtTrf, ...), so that
    problems name the XPath of the element in the message as sent."""
    if isinstance(body, CashReport):  # Stmt, Rpt or Ntfctn, by the report's kind
        root, item = REPORT_ELEMENTS[body.kind]
        for index, report in enumerate(body.reports, start=1):
            w.visit(report, (f"/Document/{root}", item, index))
        return
    root = _BODY_ROOTS.get(type(body))
    w.visit(body, f"/Document/{root}" if root is not None else "/Document")


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """What this network accepts. Defaults suit an RTGS hub for cross-border payments.

    Attributes:
        settlement_methods: SttlmMtd codes accepted on inbound transfers.
        charge_bearers: ChrgBr codes accepted.
        amount_minor_max: the largest single amount (AM02 above it).
        settlement_days_ahead_max: how far IntrBkSttlmDt may lie after the creation date.
        settlement_days_behind_max: how far before the creation date (time zones: 1).
        clock_skew_s_max: how far in the future a creation time may be (with `now`).
        message_age_s_max: how old a creation time may be (with `now`).
    """

    settlement_methods: frozenset[str] = frozenset({"CLRG", "INDA", "INGA"})
    charge_bearers: frozenset[str] = frozenset({"DEBT", "CRED", "SHAR", "SLEV"})
    amount_minor_max: int = AMOUNT_MINOR_MAX
    settlement_days_ahead_max: int = 30
    settlement_days_behind_max: int = 1
    clock_skew_s_max: int = 300
    message_age_s_max: int = 86_400


DEFAULT_RULES = RuleConfig()


@lru_cache(maxsize=65_536)
def bic_problem(bic: str) -> str | None:
    """Why a BIC is not a valid ISO 9362 identifier, or None."""
    if not _BIC_RE.match(bic):
        return "BIC must be 8 or 11 characters: 4 letters/digits, a country code, 2 + 3 optional"
    try:
        BIC(bic)
    except SchwiftyException as exc:
        return f"BIC: {exc}"
    return None


@lru_cache(maxsize=65_536)
def lei_valid(lei: str) -> bool:
    """ISO 17442: 18 alphanumerics and 2 check digits, ISO 7064 MOD 97-10 == 1."""
    if not _LEI_RE.match(lei):
        return False
    digits = "".join(str(int(c, 36)) for c in lei)
    return int(digits) % 97 == 1


@lru_cache(maxsize=65_536)
def iban_problem(iban: str) -> str | None:
    try:
        IBAN(iban)
    except SchwiftyException as exc:
        return f"IBAN: {exc}"
    return None


def uetr_valid(uetr: str) -> bool:
    return _UUID4_RE.match(uetr) is not None


_SCALARS = ("str", "int", "bool", "date", "datetime", "Decimal", "ReportKind")


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the walker reads of a record class, worked out once per class.

    Attributes:
        amounts: (field, XML name) of the amounts (none for a Balance or a GroupHeader).
        uetrs: (field, where its element is) of the UETR fields.
        nested_xml: the XML names of the fields that may hold records.
        read_nested: the values of those fields, in one call (attrgetter).
    """

    amounts: tuple[tuple[str, str], ...]
    uetrs: tuple[tuple[str, str], ...]
    nested_xml: tuple[str, ...]
    read_nested: Callable[[object], tuple[object, ...]]


@cache
def _plan(cls: type) -> _Plan:
    fields = dataclasses.fields(cls)
    amounts = tuple(f.name for f in fields if f.name.endswith("amount_minor"))
    uetrs = tuple(f.name for f in fields if f.name == "uetr")
    nested = tuple(
        f.name
        for f in fields
        if f.name not in amounts
        and f.name not in uetrs
        and str(f.type).replace(" | None", "") not in _SCALARS
        and not str(f.type).startswith("tuple[str")
    )
    # Balances may be zero or anything; a group's total is checked with the message's
    # own total element by _group_checks.
    if issubclass(cls, Balance | GroupHeader):
        amounts = ()
    return _Plan(
        amounts=tuple((n, _xml_name(cls, n)) for n in amounts),
        uetrs=tuple((n, _UETR_XML.get(cls, "UETR")) for n in uetrs),
        nested_xml=tuple(_xml_name(cls, n) for n in nested),
        read_nested=_reader(nested),
    )


def _xml_name(cls: type, field_name: str) -> str:
    name = _CLASS_XML_NAMES.get((cls, field_name))
    return name if name is not None else _XML_NAMES.get(field_name, field_name)


def _reader(names: tuple[str, ...]) -> Callable[[object], tuple[object, ...]]:
    """obj -> the values of `names`, as a tuple (attrgetter of one name gives the value)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


# (parent path, element name) or (parent path, element name, index): built as the
# walker descends, turned into an XPath string only for a problem.
Path = str | tuple  # type: ignore[type-arg]


def _xpath(path: Path) -> str:
    parts: list[str] = []
    while isinstance(path, tuple):
        if len(path) == 3:
            path, name, index = path
            parts.append(f"{name}[{index}]")
        else:
            path, name = path
            parts.append(name)
    return "/".join([path, *reversed(parts)])


class _Walker:
    """Visits every record inside a message body and collects identifier/amount problems.

    Paths are tuples, turned into XPath strings only when a problem is found.
    """

    def __init__(self, config: RuleConfig) -> None:
        self.config = config
        self.problems: list[Problem] = []

    def add(self, reason: Reason, xpath: Path, value: str | None, message: str) -> None:
        self.problems.append(Problem(reason, _xpath(xpath), value, message))

    def visit(self, obj: object, path: Path) -> None:
        if isinstance(obj, Agent):
            self._agent(obj, path)
        elif isinstance(obj, Party):
            self._party(obj, path)
        elif isinstance(obj, Account):
            if obj.iban is not None and (why := iban_problem(obj.iban)):
                self.add(Reason.AC01, ((path, "Id"), "IBAN"), obj.iban, why)
        elif hasattr(type(obj), "__dataclass_fields__"):  # is_dataclass, minus its overhead
            self._record(obj, path)

    def _record(self, obj: object, path: Path) -> None:
        plan = _plan(type(obj))
        amount_minor_max = self.config.amount_minor_max
        for name, xml in plan.amounts:
            value = getattr(obj, name)
            if value is not None and (value == 0 or value > amount_minor_max):
                self.check_amount(value, (path, xml))
        for name, xml in plan.uetrs:
            value = getattr(obj, name)
            if value is not None and not uetr_valid(value):
                self.add(Reason.CH16, (path, xml), value, "UETR must be a UUID version 4")
        values = plan.read_nested(obj)
        for i, xml in enumerate(plan.nested_xml):
            value = values[i]
            if value is None:
                continue
            if isinstance(value, tuple):
                for index, item in enumerate(value, start=1):
                    if hasattr(type(item), "__dataclass_fields__"):
                        self.visit(item, (path, xml, index))
            elif hasattr(type(value), "__dataclass_fields__"):
                self.visit(value, (path, xml) if xml else path)  # "": the same element

    def check_amount(self, value: int, xpath: Path) -> None:
        """An amount of zero (AM01) or above the network's maximum (AM02) is a problem."""
        if value == 0:  # balances may be zero; they are skipped by the caller
            self.add(Reason.AM01, xpath, "0", "amount must not be zero")
        elif value > self.config.amount_minor_max:
            self.add(
                Reason.AM02,
                xpath,
                str(value),
                f"amount above the network maximum {self.config.amount_minor_max} minor units",
            )

    def _agent(self, agent: Agent, path: Path) -> None:
        if agent.bic is not None and (why := bic_problem(agent.bic)):
            self.add(Reason.RC01, f"{_xpath(path)}/FinInstnId/BICFI", agent.bic, why)
        if agent.lei is not None and not lei_valid(agent.lei):
            self.add(
                Reason.BE15,
                f"{_xpath(path)}/FinInstnId/LEI",
                agent.lei,
                "LEI check digits wrong (ISO 17442)",
            )

    def _party(self, party: Party, path: Path) -> None:
        if party.any_bic is not None and (why := bic_problem(party.any_bic)):
            self.add(Reason.RC01, f"{_xpath(path)}/Id/OrgId/AnyBIC", party.any_bic, why)
        if party.lei is not None and not lei_valid(party.lei):
            self.add(
                Reason.BE15,
                f"{_xpath(path)}/Id/OrgId/LEI",
                party.lei,
                "LEI check digits wrong (ISO 17442)",
            )


def _group_checks(
    w: _Walker,
    group: GroupHeader,
    txs: tuple,
    base: str,  # type: ignore[type-arg]
    *,
    total_tag: str,
    amount_attr: str,
    tx_tag: str,
) -> None:
    if group.total_amount_minor is not None:  # zero, or above the network's maximum
        w.check_amount(group.total_amount_minor, f"{base}/GrpHdr/{total_tag}")
    if group.number_of_transactions != len(txs):
        w.add(
            Reason.AM18,
            f"{base}/GrpHdr/NbOfTxs",
            str(group.number_of_transactions),
            f"NbOfTxs says {group.number_of_transactions}, the message has {len(txs)}",
        )
    if group.total_amount_minor is not None:
        total = sum(getattr(tx, amount_attr) for tx in txs)
        currencies = {tx.currency for tx in txs}
        if currencies != {group.total_currency}:
            w.add(
                Reason.AM10,
                f"{base}/GrpHdr/{total_tag}/@Ccy",
                group.total_currency,
                f"total currency differs from the transactions' {sorted(currencies)}",
            )
        elif total != group.total_amount_minor:
            w.add(
                Reason.AM10,
                f"{base}/GrpHdr/{total_tag}",
                str(group.total_amount_minor),
                f"total {group.total_amount_minor} differs from the sum {total} (minor units)",
            )
    created = group.created_at.astimezone(UTC).date()
    earliest = created - timedelta(days=w.config.settlement_days_behind_max)
    latest = created + timedelta(days=w.config.settlement_days_ahead_max)
    # (parent XPath, or the transaction's index: its XPath is written only for a date
    # out of range, not for every transaction of a bulk message)
    dates: list[tuple[str | int, date | None]] = [(f"{base}/GrpHdr", group.settlement_date)]
    dates += [(i, getattr(tx, "settlement_date", None)) for i, tx in enumerate(txs, start=1)]
    for where, when in dates:
        if when is None or earliest <= when <= latest:
            continue
        parent = where if isinstance(where, str) else f"{base}/{tx_tag}[{where}]"
        xpath = f"{parent}/IntrBkSttlmDt"
        if when < earliest:
            w.add(Reason.DT01, xpath, when.isoformat(), "settlement date before creation date")
        else:
            w.add(
                Reason.DT01,
                xpath,
                when.isoformat(),
                f"settlement date more than {w.config.settlement_days_ahead_max} days ahead",
            )


def _transfer_checks(
    w: _Walker, body: CreditTransfer | FinancialInstitutionTransfer, inbound: bool
) -> None:
    base = "/Document/" + ("FIToFICstmrCdtTrf" if isinstance(body, CreditTransfer) else "FICdtTrf")
    _group_checks(
        w,
        body.group,
        body.transactions,
        base,
        total_tag="TtlIntrBkSttlmAmt",
        amount_attr="amount_minor",
        tx_tag="CdtTrfTxInf",
    )
    if inbound and body.group.settlement_method not in w.config.settlement_methods:
        w.add(
            Reason.CH16,
            f"{base}/GrpHdr/SttlmInf/SttlmMtd",
            body.group.settlement_method,
            f"settlement method not accepted here; use one of "
            f"{sorted(w.config.settlement_methods)}",
        )
    for i, tx in enumerate(body.transactions, start=1):
        bearer = getattr(tx, "charge_bearer", None)
        if bearer is not None and bearer not in w.config.charge_bearers:
            w.add(
                Reason.CH16,
                f"{base}/CdtTrfTxInf[{i}]/ChrgBr",
                bearer,
                f"charge bearer not accepted; use one of {sorted(w.config.charge_bearers)}",
            )
        rate = getattr(tx, "exchange_rate", None)
        if rate is not None and rate <= 0:
            w.add(
                Reason.CH16,
                f"{base}/CdtTrfTxInf[{i}]/XchgRate",
                str(rate),
                "exchange rate must be positive",
            )


def _time_checks(
    w: _Walker, header: BusinessHeader | None, created: datetime | None, now: datetime
) -> None:
    for xpath, moment in (
        ("/AppHdr/CreDt", header.created_at if header else None),
        ("/Document//CreDtTm", created),
    ):
        if moment is None:
            continue
        if moment > now + timedelta(seconds=w.config.clock_skew_s_max):
            w.add(Reason.DT01, xpath, moment.isoformat(), "creation time is in the future")
        elif moment < now - timedelta(seconds=w.config.message_age_s_max):
            w.add(
                Reason.DT01,
                xpath,
                moment.isoformat(),
                f"creation time older than {w.config.message_age_s_max} s",
            )


def check_body(
    body: object,
    *,
    inbound: bool = True,
    config: RuleConfig = DEFAULT_RULES,
    header: BusinessHeader | None = None,
    now: datetime | None = None,
) -> list[Problem]:
    """Every business-rule problem of a message body (and its header), in a fixed order."""
    w = _Walker(config)
    if header is not None:
        w.visit(header.from_agent, "/AppHdr/Fr/FIId")
        w.visit(header.to_agent, "/AppHdr/To/FIId")
    _walk_body(w, body)
    if isinstance(body, CreditTransfer | FinancialInstitutionTransfer):
        _transfer_checks(w, body, inbound)
    elif isinstance(body, PaymentReturn):
        _group_checks(
            w,
            body.group,
            body.transactions,
            "/Document/PmtRtr",
            total_tag="TtlRtrdIntrBkSttlmAmt",
            amount_attr="returned_amount_minor",
            tx_tag="TxInf",
        )
    if now is not None:
        group = getattr(body, "group", None)
        _time_checks(w, header, group.created_at if group else None, now)
    return w.problems
