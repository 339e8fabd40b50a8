"""SQLite connections are reused last-in first-out, so the engine thread's writes and
reads keep landing on the connection whose page cache its own last commit left valid;
and the batch's rows go to the driver as tuples in the tables' column order; a write lock
another writer holds is a retryable error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from corridor.api.errors import response_for
from corridor.store import migrate, open_engine
from corridor.store.schema import outbox
from corridor.store.statements import execute_rows


def test_the_connection_returned_last_is_the_next_one_given(tmp_path: Path) -> None:
    engine = open_engine(str(tmp_path / "corridor.db"))
    migrate(engine)
    first, second = engine.connect(), engine.connect()  # two connections in the pool
    older = second.connection.driver_connection
    latest = first.connection.driver_connection
    second.close()
    first.close()  # returned last
    with engine.connect() as again:
        assert again.connection.driver_connection is latest
        assert again.connection.driver_connection is not older
    engine.dispose()


def test_rows_as_tuples_are_written_in_the_tables_column_order(
    database: tuple[str, str | None],
) -> None:
    """statements.execute_rows: tuples in the columns' (the table's) order, on either
    database; a column list in another order is refused, not written askew."""
    url, schema = database
    engine = open_engine(url, schema=schema)
    migrate(engine)
    columns = ("message_id", "recipient", "kind", "payload", "uetrs", "created_at_ms")
    rows = [(f"M{i}", "BANKAAAA", "pacs.002.001.10", b"<x/>", "u1 u2", i) for i in range(3)]
    with engine.begin() as connection:
        execute_rows(connection, insert(outbox), columns, rows)
    with engine.connect() as connection:
        stored = connection.execute(
            select(*(outbox.c[name] for name in columns)).order_by(outbox.c.seq)
        ).all()
    assert [tuple(r) for r in stored] == rows
    if engine.dialect.name == "sqlite":  # PostgreSQL is given dicts: order cannot matter
        with engine.begin() as connection, pytest.raises(ValueError, match="not the columns"):
            execute_rows(connection, insert(outbox), (columns[1], columns[0], *columns[2:]), rows)
    engine.dispose()


def test_a_write_lock_held_elsewhere_is_a_retryable_database_error(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE runs on the driver (database._sqlite_begin): SQLITE_BUSY there
    comes out as SQLAlchemy's OperationalError, which the API answers 503."""
    path = str(tmp_path / "corridor.db")
    engine, other = open_engine(path), open_engine(path)
    migrate(engine)
    # Another writer holds the lock; this one waits 1 ms for it, not the hub's 5 s.
    with other.connect() as holder, holder.begin(), engine.connect() as connection:
        connection.connection.driver_connection.execute("PRAGMA busy_timeout=1")  # type: ignore[union-attr]
        with pytest.raises(OperationalError) as failure:
            connection.begin()
    assert "locked" in str(failure.value.orig)
    response = response_for(failure.value)
    assert response is not None and response.status_code == 503
    engine.dispose()
    other.dispose()
