"""Opening a database by URL: SQLite (WAL, synchronous=FULL) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from corridor.foundation.errors import InputError
from corridor.store.statements import driver_errors

_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def normalise_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL, a postgresql:// URL, or a plain SQLite file path."""
    if "://" not in url_or_path:
        return f"sqlite:///{Path(url_or_path).expanduser()}"
    url = make_url(url_or_path)
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url_or_path


def open_engine(url_or_path: str, *, schema: str | None = None) -> Engine:
    """An Engine for the URL, with SQLite set up for durability (WAL, synchronous=FULL).

    `schema` (PostgreSQL only) puts every table in that schema, created if missing:
    used to keep tests and benchmarks apart on one server.
    """
    url = normalise_url(url_or_path)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        # Last in, first out: SQLite drops a connection's page cache whenever another
        # connection has written since its last read, so the engine thread's reads and
        # writes are cheapest on the connection its own last commit went through (a
        # rotating pool made every batch start cold: ~10% of a small message's cost).
        engine = create_engine(url, pool_use_lifo=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is replaced by explicit BEGIN IMMEDIATE,
        # so that a batch's writes take the lock up front and commit as one.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        connect_args = {}
        if "application_name" not in make_url(url).query:  # the URL's own name wins
            connect_args["application_name"] = APPLICATION_NAME
        if schema is not None:
            if not _SCHEMA_RE.match(schema):
                raise InputError("must be a lower-case identifier", field="schema", value=schema)
            connect_args["options"] = f"-csearch_path={schema}"
        # pre_ping: a pooled connection the server closed (a restart, an idle timeout)
        # is replaced before use. Pinging only connections idle for a second was tried:
        # no faster on this machine (the engine waits on the server either way).
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        if schema is not None:
            with engine.begin() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        return engine
    raise InputError(
        "only sqlite and postgresql databases are supported",
        field="database_url",
        value=url_or_path,
    )


# What the hub's connections call themselves in pg_stat_activity.
APPLICATION_NAME = "corridor"


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    # Durability comes from the WAL being synced at every commit; checkpointing it into
    # the main file less often (10,000 pages, ~40 MB) costs nothing in safety and halves
    # the write cost of a busy journal. A 64 MB page cache keeps the hot indexes in memory.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


READ_ONLY = "corridor_read_only"


def reader(engine: Engine) -> Engine:
    """The same database for reading only: on SQLite its transactions are deferred, so
    readers never wait for (or hold up) the writer's lock; WAL gives them a snapshot."""
    return engine.execution_options(**{READ_ONLY: True})


def _sqlite_begin(connection: Any) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    # On the sqlite3 connection itself: through SQLAlchemy's execution machinery this one
    # statement without parameters or rows cost ~30 µs, a transaction's whole overhead.
    driver = connection.connection.driver_connection
    # Where a writer meets SQLITE_BUSY: raised as SQLAlchemy's error, so the API answers
    # 503 (SQLAlchemy runs this event outside its own error handling).
    with driver_errors(connection):
        driver.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
