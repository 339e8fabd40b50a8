"""A child process for the crash test: commits a deterministic stream of batches and
prints `ACK <batch>` after each commit returns. The test SIGKILLs it at a random moment.

Usage: python crash_writer.py URL SCHEMA|- SEED
"""

from __future__ import annotations

import random
import sys

from corridor.foundation.clock import SystemClock
from corridor.hub.engine import SettlementEngine
from corridor.ledger import AccountKind, Command, CreateAccount, CreateTransfer, Result
from corridor.store import LedgerStore, migrate, open_engine

ACCOUNTS = 50
BATCH_SIZE = 200
BATCHES_MAX = 100_000


def setup_batch() -> list[Command]:
    commands: list[Command] = [CreateAccount(1, "CB", "INR", AccountKind.issuance, None)]
    commands += [
        CreateAccount(10 + i, f"BANK{i}", "INR", AccountKind.settlement, 0) for i in range(ACCOUNTS)
    ]
    commands += [CreateTransfer(1_000 + i, 1, 10 + i, 10**12) for i in range(ACCOUNTS)]
    return commands


def batch(seed: int, number: int) -> list[Command]:
    """Batch `number` of the stream; the same arguments always give the same batch."""
    rng = random.Random(seed * 1_000_003 + number)
    transfers: list[Command] = []
    for index in range(BATCH_SIZE):
        debit, credit = rng.sample(range(10, 10 + ACCOUNTS), 2)
        transfer_id = (number + 1) << 32 | index
        pending = rng.random() < 0.1
        transfers.append(
            CreateTransfer(transfer_id, debit, credit, rng.randint(1, 1_000), pending=pending)
        )
    return transfers


def main() -> None:
    url, schema, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = open_engine(url, schema=None if schema == "-" else schema)
    migrate(engine)
    settlement = SettlementEngine(LedgerStore(engine), SystemClock())
    settlement.execute(setup_batch())
    print("READY", flush=True)
    for number in range(BATCHES_MAX):
        outcome = settlement.execute(batch(seed, number))
        assert all(result is Result.ok for result in outcome.results)
        print(f"ACK {number}", flush=True)


if __name__ == "__main__":
    main()
