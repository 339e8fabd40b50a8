"""The statements a batch runs, at the lowest cost each database allows: upserts built
once, many rows in one call (on the driver for SQLite, as arrays for PostgreSQL), reads
in the driver's own SQL, and the driver's errors raised as SQLAlchemy's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable


@cache
def upsert(table: Table, dialect: str, updatable: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE SET the `updatable` columns.

    Built once per table, dialect and column set: constructing an upsert costs more than
    running it. Both SQLite and PostgreSQL spell it the same way.
    """
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: statement.excluded[name] for name in updatable},
    )


def execute_rows(
    connection: Connection,
    statement: Executable,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    """Run an INSERT or upsert for many rows, each row a tuple of the `columns`' values
    in that order (the table's); on SQLite as executemany straight on the driver.

    The hot path of every batch: SQLAlchemy's execution machinery costs about 100 µs per
    statement plus its work on each row, which is most of a small batch's writes. The SQL
    is still SQLAlchemy's own, compiled once per statement and column set, with
    positional parameters: binding a payment's 22 values by position costs the driver
    a good part less than by name from a dict. The rows must hold plain values of the
    columns' types (ints, strings, bytes, bools for BOOLEAN, None).

    On PostgreSQL the rows go as one array per column in one statement (`unnest`; one
    more for each run of rows after a repeated key), not one statement per row:
    psycopg's executemany sends those in one pipeline, but every row still has its own
    protocol messages and result, handled in Python, which made a 100-payment batch's
    writes take about 19 ms where the server worked 5.
    """
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        with driver_errors(connection):
            driver.executemany(_sqlite_positional_sql(statement, columns), rows)  # type: ignore[union-attr]
        return
    if connection.dialect.name != "postgresql":
        connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql = _postgres_unnest_sql(statement, columns)
    for chunk in _distinct_key_chunks(rows, _key_positions(statement, columns)):
        # Through SQLAlchemy, not on the driver: its errors come wrapped as every other
        # statement's, and a lost connection is invalidated in the pool.
        connection.exec_driver_sql(sql, tuple(list(values) for values in zip(*chunk, strict=True)))


@contextmanager
def driver_errors(connection: Connection) -> Iterator[None]:
    """For work done on the driver's own connection: its errors raised as SQLAlchemy's
    (IntegrityError, OperationalError, ...), as for a statement SQLAlchemy runs, so that
    callers handle one kind; a lost connection is invalidated, not pooled again."""
    dialect = connection.dialect
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            None,
            None,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        ) from error


def query(connection: Connection, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows of a read in the driver's own SQL (see in_marks); on SQLite straight on the
    sqlite3 connection, without a transaction of SQLAlchemy's around one SELECT (a
    SELECT alone reads one snapshot). For the reads the engine thread makes every batch.
    """
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        with driver_errors(connection):
            return driver.execute(sql, params).fetchall()  # type: ignore[union-attr,no-any-return]
    return [tuple(row) for row in connection.exec_driver_sql(sql, params)]


def in_marks(connection: Connection, count: int) -> str:
    """`count` positional parameter marks for an IN list on this connection's driver."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


@cache
def _sqlite_positional_sql(statement: Executable, columns: tuple[str, ...]) -> str:
    """The statement for the sqlite3 driver with `?` parameters in `columns` order;
    compiled once per statement and column set."""
    compiled = statement.compile(dialect=_SQLITE_QMARK, column_keys=list(columns))
    order = tuple(compiled.positiontup or ())
    if order != columns:  # a statement whose parameters are not just the columns, in order
        raise ValueError(f"parameters {order} are not the columns {columns}")
    return str(compiled)


def _distinct_key_chunks(
    rows: list[tuple[Any, ...]], key_positions: tuple[int, ...] | None
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows in order, cut into chunks in which no primary key repeats: a row
    written twice must be written twice, in order, as executemany would (one statement
    cannot upsert a row twice), and a duplicate insert must fail as it would alone."""
    if key_positions is None:
        yield rows
        return
    chunk: list[tuple[Any, ...]] = []
    keys: set[tuple[Any, ...]] = set()
    for row in rows:
        key = tuple(row[i] for i in key_positions)
        if key in keys:
            yield chunk
            chunk, keys = [], set()
        chunk.append(row)
        keys.add(key)
    if chunk:
        yield chunk


@cache
def _key_positions(statement: Executable, columns: tuple[str, ...]) -> tuple[int, ...] | None:
    """Where the statement's table's primary key columns are among `columns`; None if
    the database makes the key (a sequence), so that no two rows can share it. (Every
    upsert here targets the primary key: `upsert`, hub_store's payment upsert.)"""
    names = [column.name for column in statement.table.primary_key.columns]  # type: ignore[attr-defined]
    if not all(name in columns for name in names):
        return None
    return tuple(columns.index(name) for name in names)


@cache
def _postgres_unnest_sql(statement: Executable, columns: tuple[str, ...]) -> str:
    """The INSERT (or upsert) for psycopg with its rows as one array per column:
    `INSERT INTO t (a, b) SELECT * FROM unnest(%b::T[], %b::U[]) ON CONFLICT ...`.
    The text is the same whatever the number of rows (psycopg prepares it per text and
    parameter types: an int array goes as int2[], int4[] or int8[] by its values). The
    arrays go in binary (`%b`): as text, an array of bytea is hex-escaped, which cost the
    server 1.3 ms per bulk message's payload. Compiled once per statement and column set,
    from SQLAlchemy's own single-row form, which must insert exactly `columns`, each value
    a bare parameter: anything around a parameter (a function, a column's SQL default)
    would be lost in the rewrite, so such a statement is refused."""
    compiled = statement.compile(
        dialect=_POSTGRES_FORMAT,
        column_keys=list(columns),
        for_executemany=True,  # no implicit RETURNING of a generated key
    )
    order = tuple(compiled.positiontup or ())
    if order != columns:  # a statement whose parameters are not just the columns, in order
        raise ValueError(f"parameters {order} are not the columns {columns}")
    sql = str(compiled)
    head, found, rest = sql.partition(" VALUES (")
    depth, end = 1, 0
    while found and depth and end < len(rest):  # the row's closing parenthesis
        depth += {"(": 1, ")": -1}.get(rest[end], 0)
        end += 1
    values, tail = rest[: end - 1], rest[end:]
    bare = all(_BARE_PARAMETER.fullmatch(value) for value in values.split(", "))
    if not found or depth or not bare or len(values.split(", ")) != len(columns):
        raise ValueError(f"not a single-row INSERT of bare parameters: {sql}")
    if not head.endswith(f"({', '.join(columns)})") or "%s" in tail:
        raise ValueError(f"not an INSERT of exactly {columns}: {sql}")
    table = statement.table  # type: ignore[attr-defined]
    arrays = ", ".join(f"%b::{_unbounded_type(table.c[name].type)}[]" for name in columns)
    return f"{head} SELECT * FROM unnest({arrays}){tail}"


def _unbounded_type(column_type: Any) -> str:
    """The column's PostgreSQL type without its length: an explicit cast to VARCHAR(n)
    would cut a longer value short in silence, where the insert itself refuses it."""
    return re.sub(r"\(.*\)", "", column_type.compile(dialect=_POSTGRES_FORMAT))


# A parameter alone, with at most the cast the dialect puts on it (`%s::VARCHAR`).
_BARE_PARAMETER = re.compile(r"%s(::[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?)?")
_SQLITE_QMARK: Dialect = sqlite_dialect.dialect(paramstyle="qmark")
_POSTGRES_FORMAT: Dialect = postgresql_psycopg.dialect(paramstyle="format")
