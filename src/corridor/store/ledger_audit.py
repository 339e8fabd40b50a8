"""An independent audit of a ledger database, for `corridor ledger verify`.

It does not trust the account rows: it recomputes every account's totals from the
journal alone and compares, checks that journal sequence numbers have no gaps and that
no transfer id occurs twice, and then checks the ledger invariants on the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from corridor.store.ledger_store import (
    FLAG_PENDING,
    KIND_EXPIRE,
    KIND_POST,
    KIND_TRANSFER,
    KIND_VOID,
)
from corridor.store.schema import ledger_accounts, ledger_journal

_TOTALS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


@dataclass(slots=True)
class AuditReport:
    """The audit's findings. `problems` is empty when the database is sound."""

    accounts: int = 0
    journal_rows: int = 0
    transfers: int = 0
    currencies: dict[str, int] = field(default_factory=dict)  # currency -> accounts
    problems: list[str] = field(default_factory=list)


def audit_ledger(engine: Engine) -> AuditReport:
    report = AuditReport()
    with engine.connect() as connection:
        rows = connection.execute(select(ledger_accounts)).mappings().all()
        journal = connection.execute(select(ledger_journal).order_by(ledger_journal.c.seq))
        totals = _replay(journal, report)
        duplicates = connection.execute(
            select(ledger_journal.c.id)
            .where(ledger_journal.c.id.is_not(None))
            .group_by(ledger_journal.c.id)
            .having(func.count() > 1)
        ).all()
    for (transfer_id,) in duplicates:
        report.problems.append(f"transfer id {transfer_id.hex()} appears more than once")
    _compare(rows, totals, report)
    return report


def _replay(journal: object, report: AuditReport) -> dict[bytes, list[int]]:
    """Account totals recomputed from journal rows alone."""
    totals: dict[bytes, list[int]] = {}
    pendings: dict[bytes, tuple[bytes, bytes, int]] = {}
    expected_seq = 1
    for row in journal.mappings():  # type: ignore[attr-defined]
        report.journal_rows += 1
        if row["seq"] != expected_seq:
            report.problems.append(f"journal gap: expected seq {expected_seq}, found {row['seq']}")
        expected_seq = row["seq"] + 1
        kind = row["kind"]
        if kind == KIND_TRANSFER:
            report.transfers += 1
            debit, credit, amount = (
                row["debit_account_id"],
                row["credit_account_id"],
                row["amount_minor"],
            )
            if row["flags"] & FLAG_PENDING:
                pendings[row["id"]] = (debit, credit, amount)
                _add(totals, debit, 2, amount)
                _add(totals, credit, 3, amount)
            else:
                _add(totals, debit, 0, amount)
                _add(totals, credit, 1, amount)
        elif kind in (KIND_POST, KIND_VOID, KIND_EXPIRE):
            pending = pendings.pop(row["pending_id"], None)
            if pending is None:
                report.problems.append(
                    f"seq {row['seq']}: resolves an unknown or resolved pending transfer"
                )
                continue
            debit, credit, amount = pending
            _add(totals, debit, 2, -amount)
            _add(totals, credit, 3, -amount)
            if kind == KIND_POST:
                _add(totals, debit, 0, row["amount_minor"])
                _add(totals, credit, 1, row["amount_minor"])
    return totals


def _add(totals: dict[bytes, list[int]], account_id: bytes, index: int, amount: int) -> None:
    totals.setdefault(account_id, [0, 0, 0, 0])[index] += amount


def _compare(rows: list, totals: dict[bytes, list[int]], report: AuditReport) -> None:
    sums: dict[str, list[int]] = {}
    for row in rows:
        report.accounts += 1
        currency = row["currency"]
        report.currencies[currency] = report.currencies.get(currency, 0) + 1
        stored = [row[name] for name in _TOTALS]
        replayed = totals.pop(row["id"], [0, 0, 0, 0])
        if stored != replayed:
            report.problems.append(
                f"account {row['id'].hex()}: stored totals {stored} != journal replay {replayed}"
            )
        balance = row["credits_posted"] - row["debits_posted"]
        floor = row["floor_minor"]
        if floor is not None and balance - row["debits_pending"] < floor:
            report.problems.append(f"account {row['id'].hex()}: below its floor {floor}")
        total = sums.setdefault(currency, [0, 0])
        total[0] += balance
        total[1] += row["debits_pending"] - row["credits_pending"]
    for account_id in totals:
        report.problems.append(f"journal moves money on unknown account {account_id.hex()}")
    for currency, (balance_sum, pending_gap) in sorted(sums.items()):
        if balance_sum:
            report.problems.append(f"{currency}: balances sum to {balance_sum}, not zero")
        if pending_gap:
            report.problems.append(
                f"{currency}: pending debits and credits differ by {pending_gap}"
            )
