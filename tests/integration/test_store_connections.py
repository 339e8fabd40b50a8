"""SQLite connections are reused last-in first-out, so the engine thread's writes and
reads keep landing on the connection whose page cache its own last commit left valid."""

from __future__ import annotations

from pathlib import Path

from corridor.store import migrate, open_engine


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
