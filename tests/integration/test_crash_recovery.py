"""Kill -9 a process that is committing batches, restart, and prove nothing acknowledged
was lost, nothing was applied twice, and every invariant holds."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corridor.foundation.clock import FixedClock
from corridor.hub.engine import SettlementEngine
from corridor.ledger import Ledger, Result
from corridor.store import LedgerStore, migrate, open_engine
from corridor.store.ledger_audit import audit_ledger

sys.path.insert(0, str(Path(__file__).parent))
import crash_writer

WRITER = Path(__file__).parent / "crash_writer.py"


def _run_and_kill(url: str, schema: str | None, seed: int) -> int:
    """Start the writer, SIGKILL it at a random moment; returns the last acked batch."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen(
        [sys.executable, str(WRITER), url, schema or "-", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    acked: list[int] = []
    ready = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("READY"):
                ready.set()
            elif line.startswith("ACK "):
                acked.append(int(line.split()[1]))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert ready.wait(60), "the writer never became ready"
    time.sleep(random.Random(seed).uniform(0.2, 1.5))
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    reader.join(10)
    assert child.returncode == -signal.SIGKILL
    assert acked, "the writer acknowledged nothing before the kill"
    assert acked == list(range(len(acked)))
    return acked[-1]


def _check_recovery(url: str, schema: str | None, seed: int, last_acked: int) -> None:
    engine = open_engine(url, schema=schema)
    migrate(engine)
    store = LedgerStore(engine)
    ids = store.transfer_ids()
    # Every acknowledged transfer is there.
    for number in range(last_acked + 1):
        assert {t.id for t in crash_writer.batch(seed, number)} <= ids  # type: ignore[union-attr]
    # The batch in flight at the kill is all there or not at all (atomic commit).
    in_flight = {t.id for t in crash_writer.batch(seed, last_acked + 1)}  # type: ignore[union-attr]
    committed = last_acked + 1 + (in_flight <= ids)
    assert in_flight <= ids or not (in_flight & ids)
    # Nothing twice: the recovered state equals applying each committed batch once.
    reference = Ledger()
    reference.apply(crash_writer.setup_batch(), 0)
    for number in range(committed):
        reference.apply(crash_writer.batch(seed, number), 0)
    recovered = SettlementEngine(store, FixedClock(10**13))
    assert recovered.ledger.verify() == []
    assert _balances(recovered.ledger) == _balances(reference)
    assert audit_ledger(engine).problems == []
    # Re-sending everything (a client retrying after the crash) applies nothing twice.
    for number in range(committed + 1):
        results = recovered.execute(crash_writer.batch(seed, number)).results
        assert set(results) == {Result.ok}
    reference.apply(crash_writer.batch(seed, committed), 0)
    assert _balances(recovered.ledger) == _balances(reference)
    assert audit_ledger(engine).problems == []
    engine.dispose()


def _balances(ledger: Ledger) -> dict[int, tuple[int, int, int, int]]:
    return {
        a.id: (a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending)
        for a in ledger.accounts()
    }


@pytest.mark.parametrize("round_number", range(3))
def test_sigkill_while_committing_loses_nothing_acknowledged(
    database: tuple[str, str | None], round_number: int
) -> None:
    url, schema = database
    seed = int.from_bytes(os.urandom(4), "big")
    print(f"crash test seed={seed}")  # shown on failure: rerun with this seed
    last_acked = _run_and_kill(url, schema, seed)
    _check_recovery(url, schema, seed, last_acked)
