"""API credentials: looking one up is a read that never takes the writer's lock."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from corridor.store import migrate, open_engine
from corridor.store.hub_store import CredentialStore


def test_find_does_not_wait_for_a_writer_holding_the_lock(tmp_path: Path) -> None:
    engine = open_engine(str(tmp_path / "corridor.db"))
    migrate(engine)
    store = CredentialStore(engine)
    store.add("k1", b"\x01" * 32, "BANKAAAA", "participant", 1)
    with engine.connect() as writer:
        writer.execute(text("DELETE FROM credentials WHERE key_id = 'none'"))  # BEGIN IMMEDIATE
        started = time.monotonic()
        found = store.find("k1")  # the engine thread's commit holds the lock: must not wait
        waited = time.monotonic() - started
        writer.rollback()
    engine.dispose()
    assert found == (b"\x01" * 32, "BANKAAAA", "participant")
    assert waited < 1.0  # busy_timeout is 5 s: a locking read would have waited it out
