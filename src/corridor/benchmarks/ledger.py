"""`corridor ledger bench`: transfers per second, in memory and durable, against a baseline.

Workload: `accounts` settlement accounts in one currency, funded from the issuance
account; random transfers between them where `hot_share` of transfers debit or credit
one hot account; time-ordered (UUIDv7) transfer ids. Four measurements:

  (a) memory    Ledger.apply in batches, no storage
  (b) sqlite    the settlement engine: apply + group commit per batch, SQLite file
                (WAL, synchronous=FULL)
  (c) postgres  the same on PostgreSQL, when a URL is given
  (d) baseline  one database transaction per transfer with row updates (read balance,
                check, update both accounts, insert the transfer, commit): how ledgers
                are usually written; SQLite file with the same durability settings
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corridor.bootstrap import tune_gc_for_engine
from corridor.foundation.clock import FixedClock
from corridor.foundation.ids import Uuid7Generator
from corridor.hub.engine import SettlementEngine
from corridor.ledger import AccountKind, Command, CreateAccount, CreateTransfer, Ledger, Result
from corridor.store import LedgerStore, migrate, open_engine

TARGETS = {"memory": 300_000, "sqlite": 75_000, "postgres": 40_000, "sqlite_vs_baseline": 20}


@dataclass(frozen=True, slots=True)
class BenchConfig:
    accounts: int = 1_000
    transfers: int = 200_000
    durable_transfers: int = 200_000
    baseline_transfers: int = 3_000
    batch_size: int = 8_190
    hot_share: float = 0.2
    seed: int = 20261123
    memory_repeats: int = 3


def setup_commands(config: BenchConfig) -> list[Command]:
    commands: list[Command] = [CreateAccount(1, "CENTRAL", "INR", AccountKind.issuance, None)]
    commands += [
        CreateAccount(2 + i, f"BANK{i:04d}", "INR", AccountKind.settlement, 0)
        for i in range(config.accounts)
    ]
    commands += [CreateTransfer(10 + i, 1, 2 + i, 10**15) for i in range(config.accounts)]
    return commands


def workload(config: BenchConfig, count: int) -> list[CreateTransfer]:
    """Random transfers; `hot_share` of them touch account 2 (the hot account)."""
    rng = random.Random(config.seed)
    ids = Uuid7Generator(FixedClock(), seed=config.seed)
    hot, last = 2, config.accounts + 1
    transfers = []
    for _ in range(count):
        debit, credit = rng.randint(3, last), rng.randint(3, last)
        if rng.random() < config.hot_share:
            debit, credit = (hot, credit) if rng.random() < 0.5 else (debit, hot)
        if debit == credit:
            credit = 3 if debit != 3 else 4
        transfers.append(
            CreateTransfer(
                ids.next_id(), debit, credit, rng.randint(1, 100_000), code=1, reference="bench"
            )
        )
    return transfers


def _batches(items: list[CreateTransfer], size: int) -> list[list[CreateTransfer]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def bench_memory_repeated(config: BenchConfig) -> dict[str, Any]:
    """The in-memory run is short, so it is repeated; the median is the figure."""
    runs = [bench_memory(config) for _ in range(config.memory_repeats)]
    runs.sort(key=lambda run: run["transfers_per_s"])
    median = dict(runs[len(runs) // 2])
    median["runs_transfers_per_s"] = [run["transfers_per_s"] for run in runs]
    return median


def bench_memory(config: BenchConfig) -> dict[str, Any]:
    ledger = Ledger()
    ledger.apply(setup_commands(config), 1)
    batches = _batches(workload(config, config.transfers), config.batch_size)
    started = time.perf_counter()
    failed = 0
    for now_ms, batch in enumerate(batches, start=2):
        failed += sum(r is not Result.ok for r in ledger.apply(batch, now_ms).results)
    elapsed = time.perf_counter() - started
    assert not ledger.verify(), "invariants broken after the benchmark"
    return _figures(config.transfers, elapsed, failed)


def bench_durable(
    config: BenchConfig, database_url: str, schema: str | None = None
) -> dict[str, Any]:
    engine = open_engine(database_url, schema=schema)
    try:
        migrate(engine)
        clock = FixedClock()
        store = LedgerStore(engine)
        settlement = SettlementEngine(store, clock)
        settlement.execute(setup_commands(config))
        batches = _batches(workload(config, config.durable_transfers), config.batch_size)
        started = time.perf_counter()
        failed = 0
        for batch in batches:
            clock.advance(1)
            failed += sum(r is not Result.ok for r in settlement.execute(batch).results)
        elapsed = time.perf_counter() - started
        assert not store.load().verify(), "invariants broken after reload"
        return _figures(config.durable_transfers, elapsed, failed)
    finally:
        if schema is not None:
            with engine.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()


def bench_baseline(config: BenchConfig, database_url: str) -> dict[str, Any]:
    """One transaction per transfer, row updates: the conventional design."""
    engine = open_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL, "
                "floor BIGINT NOT NULL)"
            )
            connection.exec_driver_sql(
                "CREATE TABLE transfers (id BLOB PRIMARY KEY, debit INTEGER, credit INTEGER, "
                "amount BIGINT, created_ms BIGINT)"
            )
            connection.exec_driver_sql(
                "INSERT INTO accounts VALUES (?, ?, 0)",
                [(2 + i, 10**15) for i in range(config.accounts)],
            )
        transfers = workload(config, config.baseline_transfers)
        started = time.perf_counter()
        failed = 0
        for t in transfers:
            failed += not _baseline_transfer(engine, t)
        elapsed = time.perf_counter() - started
        return _figures(len(transfers), elapsed, failed)
    finally:
        engine.dispose()


def _baseline_transfer(engine: Any, t: CreateTransfer) -> bool:
    with engine.begin() as connection:
        balance, floor = connection.exec_driver_sql(
            "SELECT balance, floor FROM accounts WHERE id = ?", (t.debit_account_id,)
        ).one()
        if balance - t.amount_minor < floor:
            return False
        connection.exec_driver_sql(
            "UPDATE accounts SET balance = balance - ? WHERE id = ?",
            (t.amount_minor, t.debit_account_id),
        )
        connection.exec_driver_sql(
            "UPDATE accounts SET balance = balance + ? WHERE id = ?",
            (t.amount_minor, t.credit_account_id),
        )
        connection.exec_driver_sql(
            "INSERT INTO transfers VALUES (?, ?, ?, ?, ?)",
            (t.id.to_bytes(16, "big"), t.debit_account_id, t.credit_account_id, t.amount_minor, 0),
        )
    return True


def _figures(count: int, elapsed_s: float, failed: int) -> dict[str, Any]:
    return {
        "transfers": count,
        "seconds": round(elapsed_s, 4),
        "transfers_per_s": round(count / elapsed_s),
        "failed": failed,
    }


def run(
    config: BenchConfig, postgres_url: str | None, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Run every measurement; returns the figures as one JSON-ready object."""
    tune_gc_for_engine()  # as every engine process does (see bootstrap)
    workdir = Path(tempfile.mkdtemp(prefix="corridor-bench-"))
    try:
        results: dict[str, Any] = {}
        progress("in-memory apply")
        results["memory"] = bench_memory_repeated(config)
        progress("durable batches on SQLite")
        results["sqlite"] = bench_durable(config, str(workdir / "ledger.db"))
        if postgres_url:
            progress("durable batches on PostgreSQL")
            results["postgres"] = bench_durable(
                config, postgres_url, schema=f"corridor_bench_{os.getpid()}"
            )
        progress("baseline: one transaction per transfer (SQLite)")
        results["baseline"] = bench_baseline(config, str(workdir / "baseline.db"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = results["sqlite"]["transfers_per_s"] / results["baseline"]["transfers_per_s"]
    met = {
        name: results[name]["transfers_per_s"] >= target
        for name, target in TARGETS.items()
        if name in results
    }
    met["sqlite_vs_baseline"] = ratio >= TARGETS["sqlite_vs_baseline"]
    return {
        "benchmark": "ledger",
        "config": asdict(config),
        "machine": machine(),
        "results": results,
        "sqlite_vs_baseline": round(ratio, 1),
        "targets": TARGETS,
        "targets_met": met,
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
    }
