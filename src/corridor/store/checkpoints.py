"""Checkpointing a SQLite database's WAL on a thread of its own, off the commit path.

SQLite copies the WAL back into the database file (a checkpoint) inside the commit that
takes the WAL past `wal_autocheckpoint` pages (database.py: 10,000, ~40 MB). That commit,
and every answer waiting for it, then takes 25-35 ms instead of about 1.6 ms: under bulk
load once every ~70 batches, a stall in the latency of every payment in flight. Here a
PASSIVE checkpoint runs every `interval_ms` on its own connection and thread instead: it
copies what no reader still needs, never waits for the writer or the readers, and lets the
next write start the WAL over; the commit thread's automatic checkpoint stays as a
backstop that then rarely has anything to do. sqlite3 releases the interpreter lock while
it works, so the engine thread keeps running meanwhile.

Durability does not depend on it: every commit is in the WAL and synced before it is
acknowledged, whether or not a checkpoint has copied it yet.
"""

from __future__ import annotations

import sqlite3
import threading

import structlog
from sqlalchemy import Engine

logger = structlog.get_logger("corridor.store")
# Often enough that the WAL never reaches the automatic checkpoint under bulk load
# (~13,600 pages/s); seldom enough that hot pages are not copied over and over (every
# 100 ms cost bulk throughput ~5-10 % against every 250 ms, in alternating e2e runs).
INTERVAL_MS = 250


class WalCheckpointer:
    """PASSIVE checkpoints of one SQLite database file every `interval_ms` (start/stop)."""

    def __init__(self, path: str, interval_ms: int = INTERVAL_MS) -> None:
        if interval_ms <= 0:
            raise ValueError(f"interval_ms must be positive, not {interval_ms}")
        self.path = path
        self.interval_ms = interval_ms
        self.checkpoints = 0  # completed, for tests and metrics
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_engine(cls, engine: Engine, interval_ms: int = INTERVAL_MS) -> WalCheckpointer | None:
        """One for the engine's database if it is a SQLite file; None otherwise."""
        url = engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return cls(url.database, interval_ms)  # type: ignore[arg-type]

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the checkpointer is running already")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the checkpoint in progress, if any (at most one interval later)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        try:
            connection.execute("PRAGMA busy_timeout=0")  # PASSIVE: never wait for anyone
            connection.execute("PRAGMA synchronous=FULL")  # as the writer's (database.py)
            while not self._stop.wait(self.interval_ms / 1000):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:  # e.g. disk full: the backstop still runs
                    logger.warning("wal checkpoint failed", path=self.path, error=str(error))
                    continue
                self.checkpoints += 1
        finally:
            connection.close()
