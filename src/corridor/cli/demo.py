"""`corridor demo`: a day on the example network, end to end, verified.

Creates a fresh database with the example network (five currency areas), funds it, runs
a stream of random domestic transfers between the banks through the settlement engine,
prints a summary, and audits the ledger.
"""

from __future__ import annotations

import random
import shutil
import time
from collections import Counter
from importlib import resources
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from corridor.bootstrap import (
    load_network_config,
    open_database,
    settlement_engine,
    tune_gc_for_engine,
)
from corridor.cli._common import console, user_errors
from corridor.foundation.config import NetworkConfig
from corridor.foundation.ids import Uuid7Generator
from corridor.foundation.money import format_amount
from corridor.hub.engine import SettlementEngine
from corridor.hub.network import initialise_network, settlement_account_id
from corridor.ledger import CreateTransfer, Result
from corridor.store.ledger_audit import audit_ledger

TRANSFER_CODE_DEMO = 2


def example_config_path() -> Path:
    return Path(str(resources.files("corridor") / "examples" / "network.toml"))


def demo(
    workdir: Path = typer.Option(
        Path("var/demo"), help="Where the demo database goes (emptied first)."
    ),
    transfers: int = typer.Option(50_000, min=1, max=1_000_000),
    batch_size: int = typer.Option(1_000, min=1, max=8_190),
    seed: int = typer.Option(20261123),
) -> None:
    """Run the demo network: init, fund, a stream of payments, summary, verify."""
    tune_gc_for_engine()
    with user_errors():
        config = load_network_config(example_config_path())
        shutil.rmtree(workdir, ignore_errors=True)
        database = str(workdir / "corridor.db")
        engine = settlement_engine(database)
        report = initialise_network(engine, config)
    console.print(
        f"[bold]{config.name}[/]: {len(config.currencies)} currencies, "
        f"{len(config.participants)} participants, {report.accounts} accounts"
    )
    started = time.perf_counter()
    tally = _run_stream(engine, config, transfers, batch_size, random.Random(seed))
    elapsed = time.perf_counter() - started
    _print_summary(tally, transfers, elapsed)
    audit = audit_ledger(open_database(database))
    if audit.problems:
        console.print(f"[bold red]ledger verification FAILED[/]: {audit.problems[:5]}")
        raise typer.Exit(1)
    console.print(
        f"[bold green]ledger verified[/]: {audit.journal_rows} journal rows, "
        "every currency sums to zero, no account below its floor, no id twice"
    )


def _pairs(config: NetworkConfig) -> dict[str, list[str]]:
    banks: dict[str, list[str]] = {}
    for participant in config.participants:
        for account in participant.accounts:
            banks.setdefault(account.currency, []).append(participant.bic)
    return banks


def _run_stream(
    engine: SettlementEngine, config: NetworkConfig, count: int, batch_size: int, rng: random.Random
) -> dict[str, Counter[str]]:
    banks = _pairs(config)
    currencies = sorted(banks)
    ids = Uuid7Generator()
    tally: dict[str, Counter[str]] = {code: Counter() for code in currencies}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("settling payments", total=count)
        for start in range(0, count, batch_size):
            batch = []
            for _ in range(min(batch_size, count - start)):
                currency = rng.choice(currencies)
                debtor, creditor = rng.sample(banks[currency], 2)
                amount_minor = int(rng.lognormvariate(13, 2)) + 1  # heavy-tailed trade sizes
                batch.append(
                    CreateTransfer(
                        ids.next_id(),
                        settlement_account_id(debtor, currency),
                        settlement_account_id(creditor, currency),
                        amount_minor,
                        code=TRANSFER_CODE_DEMO,
                        reference=f"{debtor}->{creditor}",
                    )
                )
            for transfer, result in zip(batch, engine.execute(batch).results, strict=True):
                currency = engine.ledger.account(transfer.debit_account_id).currency  # type: ignore[union-attr]
                tally[currency][result.name] += 1
                if result is Result.ok:
                    tally[currency]["value_minor"] += transfer.amount_minor
            progress.advance(task, len(batch))
    return tally


def _print_summary(tally: dict[str, Counter[str]], count: int, elapsed_s: float) -> None:
    table = Table(title=f"{count:,} payments in {elapsed_s:.1f} s ({count / elapsed_s:,.0f}/s)")
    for column in ("currency", "settled", "value settled", "rejected (reason: count)"):
        table.add_column(column)
    for currency, counts in tally.items():
        rejects = ", ".join(
            f"{name}: {n}"
            for name, n in sorted(counts.items())
            if name not in ("ok", "value_minor")
        )
        table.add_row(
            currency,
            f"{counts['ok']:,}",
            f"{format_amount(counts['value_minor'], currency)} {currency}",
            rejects or "none",
        )
    console.print(table)
