"""Which database errors the API answers 503 database_unavailable (retry: the database was
away or busy) and which stay a 500 (retrying will not help)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from sqlalchemy.exc import OperationalError

from corridor.api.errors import database_unavailable, response_for
from corridor.hub.engine import LedgerUnavailable


def _wrapped(driver_error: Exception) -> OperationalError:
    return OperationalError("SELECT 1", {}, driver_error)


def _sqlite_busy(tmp_path: Path) -> sqlite3.OperationalError:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as busy:
            other.execute("INSERT INTO t VALUES (1)")
        return busy.value
    finally:
        other.close()
        holder.close()


def _refused() -> psycopg.OperationalError:
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("postgresql://postgres@127.0.0.1:1/none", connect_timeout=2)
    return refused.value


def test_unreachable_or_busy_databases_are_503(tmp_path: Path) -> None:
    for error in (
        _wrapped(_sqlite_busy(tmp_path)),  # SQLite's lock timeout
        _wrapped(_refused()),  # no PostgreSQL server answered
        _wrapped(psycopg.errors.AdminShutdown("terminating connection")),  # a restart
        LedgerUnavailable("waits to be reloaded"),
    ):
        assert database_unavailable(error), error
        response = response_for(error)
        assert response is not None and response.status_code == 503
        assert response.headers["Retry-After"] == "1"


def test_other_database_errors_stay_500(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "empty.db")
    with pytest.raises(sqlite3.OperationalError) as missing:
        connection.execute("SELECT * FROM payments")  # not migrated: a deployment error
    connection.close()
    for error in (
        _wrapped(missing.value),
        _wrapped(psycopg.errors.DiskFull("no space left")),
        ValueError("not a database error"),
    ):
        assert not database_unavailable(error), error
        assert response_for(error) is None  # the app's 500, logged
