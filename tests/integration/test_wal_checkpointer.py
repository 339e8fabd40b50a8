"""The WAL checkpointer copies committed pages into the SQLite file off the commit path."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from corridor.store.checkpoints import WalCheckpointer
from corridor.store.database import open_engine

ROWS = 200


def _write_rows(path: Path) -> Engine:
    """Rows committed to the WAL; the returned engine's connection stays open (the last
    connection to close would checkpoint on its way out)."""
    engine = open_engine(str(path))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT)"))
    for start in range(0, ROWS, 20):  # a few commits, far below the automatic checkpoint
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO t VALUES (:n, :pad)"),
                [{"n": n, "pad": "x" * 500} for n in range(start, start + 20)],
            )
    return engine


def _rows_in_file_alone(path: Path, tmp_path: Path) -> int:
    """The rows a copy of the database file holds without its WAL."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(path, copy)
    connection = sqlite3.connect(copy)
    try:
        found = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 't'"
        ).fetchone()[0]
        return connection.execute("SELECT count(*) FROM t").fetchone()[0] if found else 0
    finally:
        connection.close()


def test_committed_rows_reach_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    checkpointer = WalCheckpointer(str(path), interval_ms=10)
    engine = _write_rows(path)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 5
        while checkpointer.checkpoints < 2:
            assert time.monotonic() < deadline, "no checkpoint ran"
            time.sleep(0.01)
    finally:
        checkpointer.stop()
    assert _rows_in_file_alone(path, tmp_path) == ROWS
    engine.dispose()


def test_without_it_the_rows_wait_in_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    engine = _write_rows(path)
    assert _rows_in_file_alone(path, tmp_path) < ROWS
    engine.dispose()


def test_stop_ends_the_thread_and_it_can_start_again(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    engine = _write_rows(path)
    checkpointer = WalCheckpointer(str(path), interval_ms=5)
    checkpointer.start()
    with pytest.raises(RuntimeError, match="running already"):
        checkpointer.start()
    checkpointer.stop()
    ran = checkpointer.checkpoints
    time.sleep(0.05)
    assert checkpointer.checkpoints == ran  # nothing runs after stop
    checkpointer.start()
    checkpointer.stop()
    engine.dispose()


def test_only_sqlite_files_get_one(tmp_path: Path) -> None:
    file_engine = open_engine(str(tmp_path / "hub.db"))
    checkpointer = WalCheckpointer.for_engine(file_engine)
    assert checkpointer is not None and checkpointer.path == str(tmp_path / "hub.db")
    assert WalCheckpointer.for_engine(create_engine("sqlite://")) is None
    postgres = create_engine("postgresql+psycopg://corridor@127.0.0.1/never_connected")
    assert WalCheckpointer.for_engine(postgres) is None


def test_the_interval_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="interval_ms"):
        WalCheckpointer(str(tmp_path / "hub.db"), interval_ms=0)
