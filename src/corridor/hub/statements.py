"""Statements and reports of settlement accounts, from the journal.

camt.053 (end of day statement), camt.052 (intraday report) and camt.054 (debit and
credit notifications): opening balance = postings before the period, entries = postings
in it, closing = opening + entries. Before anything is sent, the set reconciles
(corridor.settlement.reconcile): per account and, for a whole currency, the closings sum
to zero and equal the ledger's balances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine

from corridor.foundation.clock import ms_to_datetime
from corridor.foundation.errors import InvariantViolation
from corridor.hub.answers import Outbound
from corridor.iso20022.records import Account as IsoAccount
from corridor.iso20022.records import AccountReport, Balance, CashReport, ReportKind
from corridor.iso20022.records import Entry as IsoEntry
from corridor.ledger import AccountBalance
from corridor.payments.records import OutboxMessage
from corridor.settlement import (
    AccountOpening,
    Side,
    Statement,
    build_statements,
    reconcile,
    transfer_entries,
)
from corridor.store.postings import balances_before, postings

ENTRIES_PER_REPORT_MAX = 50_000


@dataclass(frozen=True, slots=True)
class Period:
    """[from_ms, to_ms) and the business date it is reported under."""

    from_ms: int
    to_ms: int
    business_date: date


class StatementDesk:
    """Builds statements and turns them into camt messages for the account owners."""

    def __init__(self, engine: Engine, outbound: Outbound, new_id: Callable[[str], str]) -> None:
        self._engine = engine
        self._outbound = outbound
        self._new_id = new_id

    def statements(self, accounts: Sequence[AccountBalance], period: Period) -> list[Statement]:
        ids = [a.id for a in accounts]
        openings_minor = balances_before(self._engine, ids, period.from_ms)
        rows = postings(self._engine, ids, period.from_ms, period.to_ms)
        wanted = set(ids)
        entries = [
            entry
            for p in rows
            for entry in transfer_entries(
                p.seq,
                p.transfer_id,
                p.debit_account_id,
                p.credit_account_id,
                p.amount_minor,
                p.reference,
                p.applied_at_ms,
            )
            if entry.account_id in wanted
        ]
        openings = [
            AccountOpening(a.id, a.owner, a.currency, openings_minor[a.id]) for a in accounts
        ]
        return build_statements(openings, entries)

    def check(self, statements: Sequence[Statement], closing_minor: dict[int, int] | None) -> None:
        """Refuse to send statements that do not reconcile: that would be a ledger bug."""
        problems = reconcile(statements, closing_minor)
        if problems:
            raise InvariantViolation("statements do not reconcile: " + "; ".join(problems[:5]))

    def message(
        self, statement: Statement, kind: ReportKind, period: Period, now_ms: int
    ) -> OutboxMessage:
        at = ms_to_datetime(now_ms)
        report = _account_report(statement, kind, period, at, self._new_id("T"))
        body = CashReport(
            kind=kind,
            msg_id=self._new_id("C"),
            created_at=at,
            reports=(report,),
        )
        return self._outbound.message(statement.owner, body, at, [], now_ms)


def _account_report(
    statement: Statement, kind: ReportKind, period: Period, at: datetime, report_id: str
) -> AccountReport:
    currency = statement.currency
    day = period.business_date
    balances = (
        ()
        if kind is ReportKind.NOTIFICATION
        else (
            _balance("OPBD", statement.opening_minor, currency, day),
            _balance(
                "CLBD" if kind is ReportKind.STATEMENT else "ITBD",
                statement.closing_minor,
                currency,
                day,
            ),
        )
    )
    entries = tuple(
        IsoEntry(
            amount_minor=e.amount_minor,
            currency=currency,
            credit=e.side is Side.credit,
            reference=e.reference[:35] or None,
            booking_date=ms_to_datetime(e.timestamp_ms).date(),
            value_date=ms_to_datetime(e.timestamp_ms).date(),
            servicer_ref=f"{e.transfer_id:032x}"[:35],
            uetr=e.reference if _looks_like_uuid(e.reference) else None,
        )
        for e in statement.entries[:ENTRIES_PER_REPORT_MAX]
    )
    return AccountReport(
        id=report_id,
        account=IsoAccount(other_id=f"{statement.account_id:032x}"),
        currency=currency,
        created_at=at,
        balances=balances,
        entries=entries,
    )


def _balance(code: str, amount_minor: int, currency: str, day: date) -> Balance:
    return Balance(
        type_code=code,
        amount_minor=abs(amount_minor),
        currency=currency,
        credit=amount_minor >= 0,
        date=day,
    )


def _looks_like_uuid(text: str) -> bool:
    return len(text) == 36 and text.count("-") == 4
