"""Durable ledger state: the journal and the account balances, committed per batch.

`commit(outcome)` writes a batch's journal rows and the touched accounts' new totals in
one database transaction (group commit): when it returns, the batch is durable and its
results may be acknowledged. `load()` rebuilds the in-memory ledger from the committed
balances and the journal (ids, pending state), so a crash loses only what was never
acknowledged and applies nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, func, select

from corridor.foundation.errors import StoreError
from corridor.ledger import (
    Account,
    AccountBalance,
    AccountKind,
    BatchOutcome,
    CloseAccount,
    CreateAccount,
    CreateTransfer,
    Event,
    ExpirePending,
    Ledger,
    PostPending,
    SetAccountFloor,
    VoidPending,
)
from corridor.payments.records import PaymentChanges
from corridor.store.database import reader
from corridor.store.hub_store import write_changes
from corridor.store.schema import ledger_accounts, ledger_journal
from corridor.store.statements import driver_errors, execute_rows, upsert

KIND_ACCOUNT_OPENED, KIND_TRANSFER, KIND_POST, KIND_VOID, KIND_EXPIRE = 1, 2, 3, 4, 5
KIND_FLOOR_SET, KIND_ACCOUNT_CLOSED = 6, 7
FLAG_PENDING, FLAG_LINKED = 1, 2
_HISTORY_KINDS = (KIND_TRANSFER, KIND_POST, KIND_VOID, KIND_EXPIRE)
_ACCOUNT_UPDATABLE = (
    "floor_minor",
    "debits_posted",
    "credits_posted",
    "debits_pending",
    "credits_pending",
    "closed",
    "updated_seq",
)


def id_bytes(value: int) -> bytes:
    return value.to_bytes(16, "big")


def id_int(value: bytes) -> int:
    return int.from_bytes(value, "big")


class OpenBatch:
    """A batch written in a database transaction not committed yet (LedgerStore.write)."""

    def __init__(self, connection: Connection | None, transaction: RootTransaction | None):
        self._connection = connection
        self._transaction = transaction

    def commit(self) -> None:
        """Make it durable (the fsync); raises if it could not (it is then rolled back)."""
        if self._connection is None or self._transaction is None:
            return
        try:
            self._transaction.commit()
        finally:
            self._connection.close()

    def rollback(self) -> None:
        if self._connection is None or self._transaction is None:
            return
        try:
            self._transaction.rollback()
        finally:
            self._connection.close()


class LedgerStore:
    """The ledger's tables in one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._upsert = upsert(ledger_accounts, engine.dialect.name, _ACCOUNT_UPDATABLE)

    # -- writing --------------------------------------------------------------------
    def commit(self, outcome: BatchOutcome, changes: PaymentChanges | None = None) -> None:
        """Make a batch durable: journal rows, new balances and the hub's changes for the
        same batch (payments, events, outbox) in one transaction."""
        if not outcome.events and not changes:
            return
        with self._engine.begin() as connection:
            self._write_rows(connection, outcome, changes)

    def write(self, outcome: BatchOutcome, changes: PaymentChanges | None = None) -> OpenBatch:
        """Write a batch as `commit` does, but leave its transaction open: the returned
        OpenBatch commits it (on any thread, e.g. while the engine prepares the next
        batch) or rolls it back. Until it is committed, nothing else may write."""
        if not outcome.events and not changes:
            return OpenBatch(None, None)
        connection = self._engine.connect()
        try:
            transaction = connection.begin()
            self._write_rows(connection, outcome, changes)
        except BaseException:
            connection.close()  # rolls the transaction back
            raise
        return OpenBatch(connection, transaction)

    def _write_rows(
        self, connection: Connection, outcome: BatchOutcome, changes: PaymentChanges | None
    ) -> None:
        rows = journal_tuples(outcome)
        last_seq = outcome.first_seq + len(outcome.events) - 1
        balances = [account_values(account, last_seq) for account in outcome.accounts]
        if rows:
            self._write_journal(connection, rows)
        if balances:
            execute_rows(connection, self._upsert, _ACCOUNT_COLUMNS, balances)
        if changes:
            write_changes(connection, changes)

    def _write_journal(self, connection: Any, rows: list[tuple[Any, ...]]) -> None:
        """The hot path: COPY on PostgreSQL, one prepared executemany on SQLite."""
        with driver_errors(connection):
            if self._engine.dialect.name == "postgresql":
                cursor = connection.connection.driver_connection.cursor()
                with cursor.copy(_COPY_SQL) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:  # the sqlite3 connection itself, in the transaction begun above
                connection.connection.driver_connection.executemany(_INSERT_SQL, rows)  # type: ignore[union-attr]

    # -- reading --------------------------------------------------------------------
    def load(self) -> Ledger:
        """The ledger as of the last committed batch."""
        with self._engine.connect() as connection:
            accounts = [
                account_from_row(row)
                for row in connection.execute(select(ledger_accounts)).mappings()
            ]
            last_seq, now_ms = connection.execute(
                select(func.max(ledger_journal.c.seq), func.max(ledger_journal.c.applied_at_ms))
            ).one()
            history = list(self._history(connection))
        return Ledger.restore(accounts, history, next_seq=(last_seq or 0) + 1, now_ms=now_ms or 0)

    def _history(self, connection: Any) -> Iterator[tuple[int, Event]]:
        query = (
            select(ledger_journal)
            .where(ledger_journal.c.kind.in_(_HISTORY_KINDS))
            .order_by(ledger_journal.c.seq)
        )
        for row in connection.execute(query).mappings():
            yield row["applied_at_ms"], event_from_row(row)

    def journal_count(self) -> int:
        with self._engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(ledger_journal)).scalar_one()
            )

    def transfer_ids(self) -> set[int]:
        """Every transfer, post and void id in the journal."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(ledger_journal.c.id).where(ledger_journal.c.id.is_not(None))
            )
            return {id_int(row[0]) for row in rows}


_COLUMNS = (
    "seq",
    "kind",
    "id",
    "debit_account_id",
    "credit_account_id",
    "amount_minor",
    "code",
    "reference",
    "flags",
    "timeout_ms",
    "pending_id",
    "applied_at_ms",
)
_INSERT_SQL = (
    f"INSERT INTO ledger_journal ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)
_COPY_SQL = f"COPY ledger_journal ({', '.join(_COLUMNS)}) FROM STDIN"


def journal_tuples(outcome: BatchOutcome) -> list[tuple[Any, ...]]:
    """The journal rows of a batch as tuples in _COLUMNS order (the hot path)."""
    now_ms = outcome.now_ms
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for seq, event in enumerate(outcome.events, start=outcome.first_seq):
        if type(event) is CreateTransfer:
            append(
                (
                    seq,
                    KIND_TRANSFER,
                    event.id.to_bytes(16, "big"),
                    event.debit_account_id.to_bytes(16, "big"),
                    event.credit_account_id.to_bytes(16, "big"),
                    event.amount_minor,
                    event.code,
                    event.reference,
                    (FLAG_PENDING if event.pending else 0) | (FLAG_LINKED if event.linked else 0),
                    event.timeout_ms,
                    None,
                    now_ms,
                )
            )
        else:
            row = event_row(event)
            row["seq"], row["applied_at_ms"] = seq, now_ms
            append(tuple(row[name] for name in _COLUMNS))
    return rows


def event_row(event: Event) -> dict[str, Any]:
    """One event other than a transfer as journal columns (without seq and applied_at_ms).

    Transfers, the bulk of the journal, are written straight to tuples by `journal_tuples`.
    """
    row: dict[str, Any] = {
        "id": None,
        "debit_account_id": None,
        "credit_account_id": None,
        "amount_minor": None,
        "code": 0,
        "reference": "",
        "flags": FLAG_LINKED if getattr(event, "linked", False) else 0,
        "timeout_ms": 0,
        "pending_id": None,
    }
    if isinstance(event, PostPending | VoidPending):
        row.update(
            kind=KIND_POST if isinstance(event, PostPending) else KIND_VOID,
            id=id_bytes(event.id),
            pending_id=id_bytes(event.pending_id),
            amount_minor=getattr(event, "amount_minor", None),
        )
    elif isinstance(event, ExpirePending):
        row.update(kind=KIND_EXPIRE, pending_id=id_bytes(event.pending_id))
    elif isinstance(event, CreateAccount):
        row.update(
            kind=KIND_ACCOUNT_OPENED,
            debit_account_id=id_bytes(event.id),
            amount_minor=event.floor_minor,
            code=int(event.kind),
            reference=f"{event.owner} {event.currency}",
        )
    elif isinstance(event, SetAccountFloor):
        row.update(
            kind=KIND_FLOOR_SET,
            debit_account_id=id_bytes(event.account_id),
            amount_minor=event.floor_minor,
        )
    elif isinstance(event, CloseAccount):
        row.update(kind=KIND_ACCOUNT_CLOSED, debit_account_id=id_bytes(event.account_id))
    else:
        raise StoreError(f"cannot journal {event!r}")
    return row


def event_from_row(row: Any) -> Event:
    """A transfer, post, void or expiry back from its journal row."""
    kind = row["kind"]
    linked = bool(row["flags"] & FLAG_LINKED)
    if kind == KIND_TRANSFER:
        return CreateTransfer(
            id=id_int(row["id"]),
            debit_account_id=id_int(row["debit_account_id"]),
            credit_account_id=id_int(row["credit_account_id"]),
            amount_minor=row["amount_minor"],
            code=row["code"],
            reference=row["reference"],
            pending=bool(row["flags"] & FLAG_PENDING),
            timeout_ms=row["timeout_ms"],
            linked=linked,
        )
    if kind == KIND_POST:
        return PostPending(
            id=id_int(row["id"]),
            pending_id=id_int(row["pending_id"]),
            amount_minor=row["amount_minor"],
            linked=linked,
        )
    if kind == KIND_VOID:
        return VoidPending(
            id=id_int(row["id"]), pending_id=id_int(row["pending_id"]), linked=linked
        )
    if kind == KIND_EXPIRE:
        return ExpirePending(pending_id=id_int(row["pending_id"]))
    raise StoreError(f"journal row {row['seq']} has unknown kind {kind}")


_ACCOUNT_COLUMNS = tuple(c.name for c in ledger_accounts.c)


def account_values(account: AccountBalance, seq: int) -> tuple[Any, ...]:
    """An account's row, in _ACCOUNT_COLUMNS (the table's) order."""
    return (
        id_bytes(account.id),
        account.owner,
        account.currency,
        int(account.kind),
        account.floor_minor,
        account.debits_posted,
        account.credits_posted,
        account.debits_pending,
        account.credits_pending,
        account.closed,
        seq,
    )


def account_from_row(row: Any) -> Account:
    return Account(
        id_int(row["id"]),
        row["owner"],
        row["currency"],
        AccountKind(row["kind"]),
        row["floor_minor"],
        debits_posted=row["debits_posted"],
        credits_posted=row["credits_posted"],
        debits_pending=row["debits_pending"],
        credits_pending=row["credits_pending"],
        closed=bool(row["closed"]),
    )


def account_balances(engine: Engine) -> list[AccountBalance]:
    """Every account as committed (for readers outside the engine: intake workers)."""
    with reader(engine).connect() as connection:
        return [
            account_from_row(row).snapshot()
            for row in connection.execute(select(ledger_accounts)).mappings()
        ]
