"""statements.execute_rows, the batch's writes, on SQLite and PostgreSQL: every value
reads back as written (None in any column, bytes, unicode, 64-bit amounts), a row
written twice in one call is written twice in order (a second upsert of a payment
appends its events), generated keys follow the rows' order (the outbox's delivery
cursor), a duplicate insert fails as it would alone, and on PostgreSQL a value too long
for its column is refused, never cut short."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from tests.support.payments import sample_payment

from corridor.payments.records import Payment, PaymentState
from corridor.store import migrate
from corridor.store.hub_store import (
    _INBOUND_COLUMNS,
    _INSERT_INBOUND,
    _INSERT_OUTBOX,
    _OUTBOX_COLUMNS,
    _PAYMENT_ROW_COLUMNS,
    _payment_upsert,
    payment_values,
)
from corridor.store.ledger_store import _ACCOUNT_COLUMNS, _ACCOUNT_UPDATABLE
from corridor.store.schema import inbound_messages, ledger_accounts, outbox, payments
from corridor.store.statements import _postgres_unnest_sql, execute_rows, upsert

A = "eb6c4a1e-0b1a-4d7e-9c55-3f1b2a9d0c11"
B = "0f3e9d2c-7a61-4c0b-8e2d-5b4a3c2d1e00"


def _run(engine: Engine, statement: object, columns: tuple[str, ...], rows: list) -> None:
    with engine.begin() as connection:
        execute_rows(connection, statement, columns, rows)  # type: ignore[arg-type]


def _payment_rows(engine: Engine) -> dict[str, tuple[object, ...]]:
    with engine.connect() as connection:
        found = connection.execute(
            select(*[payments.c[name] for name in _PAYMENT_ROW_COLUMNS])
        ).all()
    return {row[0]: tuple(row) for row in found}


def _payment(uetr: str, **fields: object) -> Payment:
    return sample_payment(uetr=uetr, **fields)


def test_every_value_reads_back_as_written(engine: Engine) -> None:
    migrate(engine)
    # A: every optional column None; B: all of them set, with unicode and a 2**62 amount.
    first = _payment(A, state=PaymentState.rejected, reason="AM04")
    second = _payment(
        B,
        msg_id="MSG-ü-€",
        amount_minor=2**62,
        state=PaymentState.settled,
        tx_id="TX-1",
        transfer_id=int.from_bytes(bytes(range(16)), "big"),
        related_uetr=A,
        returned_minor=5,
        priority="URGT",
        queue_seq=7,
        end_to_end_id="",
    )
    rows = [payment_values(p, '[["SETTLED",1,"é \\"q\\""]]') for p in (first, second)]
    statement = _payment_upsert(engine.dialect.name)
    _run(engine, statement, _PAYMENT_ROW_COLUMNS, rows)
    assert _payment_rows(engine) == {A: rows[0], B: rows[1]}


def test_a_column_of_nothing_but_none(engine: Engine) -> None:
    migrate(engine)
    rows = [payment_values(_payment(u, state=PaymentState.received), "[]") for u in (A, B)]
    assert all(row[_PAYMENT_ROW_COLUMNS.index("transfer_id")] is None for row in rows)
    _run(engine, _payment_upsert(engine.dialect.name), _PAYMENT_ROW_COLUMNS, rows)
    assert _payment_rows(engine) == {A: rows[0], B: rows[1]}


def test_a_row_twice_in_one_call_is_written_twice_in_order(engine: Engine) -> None:
    migrate(engine)
    received = payment_values(_payment(A, state=PaymentState.received), '[["RCVD",1,""]]')
    other = payment_values(_payment(B, state=PaymentState.received), "[]")
    settled = payment_values(
        _payment(A, state=PaymentState.settled, updated_at_ms=2_000), '[["ACSC",2,""]]'
    )
    statement = _payment_upsert(engine.dialect.name)
    _run(engine, statement, _PAYMENT_ROW_COLUMNS, [received, other, settled])
    stored = _payment_rows(engine)[A]
    events = _PAYMENT_ROW_COLUMNS.index("events")
    state = _PAYMENT_ROW_COLUMNS.index("state")
    assert stored[state] == PaymentState.settled.value
    assert stored[events] == '[["RCVD",1,""],["ACSC",2,""]]'  # the second upsert appended


def test_accounts_upsert_replaces_the_balances(engine: Engine) -> None:
    migrate(engine)
    statement = upsert(ledger_accounts, engine.dialect.name, _ACCOUNT_UPDATABLE)
    # floor_minor None (an issuance account's) in every row of the first call
    account = (b"\x01" * 16, "BANKAAAA", "INR", 1, None, 0, 0, 0, 0, False, 1)
    moved = (b"\x01" * 16, "BANKAAAA", "INR", 1, -5, 10, 2**40, 3, 4, True, 2)
    _run(engine, statement, _ACCOUNT_COLUMNS, [account])
    _run(engine, statement, _ACCOUNT_COLUMNS, [moved, (b"\x02" * 16, *account[1:])])
    with engine.connect() as connection:
        found = connection.execute(
            select(*[ledger_accounts.c[n] for n in _ACCOUNT_COLUMNS]).order_by(ledger_accounts.c.id)
        ).all()
    assert [tuple(row) for row in found] == [moved, (b"\x02" * 16, *account[1:])]


def test_generated_keys_follow_the_rows_order(engine: Engine) -> None:
    migrate(engine)
    payload = bytes(range(256)) * 600  # a bulk message's size, every byte value
    rows = [
        (f"OUT-{i:03d}", "BANKBBBB", "pacs.008.001.08", payload + bytes([i]), A, 1_000 + i)
        for i in (5, 3, 9, 1, 7, 0, 2, 8, 6, 4)
    ]
    _run(engine, _INSERT_OUTBOX, _OUTBOX_COLUMNS, rows)
    with engine.connect() as connection:
        found = connection.execute(
            select(outbox.c.message_id, outbox.c.payload).order_by(outbox.c.seq)
        ).all()
    assert [tuple(row) for row in found] == [(row[0], row[3]) for row in rows]


def test_a_duplicate_insert_fails_and_writes_nothing(engine: Engine) -> None:
    migrate(engine)
    row = ("BANKAAAA", "MSG-1", "pacs.008.001.08", 1_000, "ANS-1", "ACSC", b"<Doc/>")
    with pytest.raises(IntegrityError):
        _run(engine, _INSERT_INBOUND, _INBOUND_COLUMNS, [row, (*row[:2], *row[2:6], b"x")])
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(inbound_messages))
        assert count.scalar_one() == 0


# PostgreSQL only: SQLite does not enforce VARCHAR lengths.
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_postgres_refuses_a_value_too_long_for_its_column(engine: Engine) -> None:
    migrate(engine)
    too_long = payment_values(_payment(A, msg_id="M" * 36), "[]")  # msg_id is VARCHAR(35)
    with pytest.raises(DBAPIError, match="too long"):
        _run(engine, _payment_upsert("postgresql"), _PAYMENT_ROW_COLUMNS, [too_long])
    assert _payment_rows(engine) == {}


def test_postgres_refuses_a_statement_it_cannot_send_as_arrays() -> None:
    """The array form keeps only the bare parameters of SQLAlchemy's single-row INSERT:
    a function around one, or a column the INSERT fills from its own SQL default, would
    be lost, so such a statement is refused before it runs."""
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(8)),
        Column("at_ms", BigInteger, default=func.now()),
    )
    wrapped = insert(table).values(name=func.lower(bindparam("name")))
    with pytest.raises(ValueError, match="bare parameters"):
        _postgres_unnest_sql(wrapped, ("name",))
    with pytest.raises(ValueError, match="bare parameters"):
        _postgres_unnest_sql(insert(table), ("id", "name"))  # at_ms from its SQL default
    plain = Table("p", MetaData(), Column("id", Integer, primary_key=True), Column("n", String(8)))
    assert _postgres_unnest_sql(insert(plain), ("id", "n")) == (
        "INSERT INTO p (id, n) SELECT * FROM unnest(%b::INTEGER[], %b::VARCHAR[])"
    )
