"""`corridor bench ...`: every benchmark except the ledger's (which is `corridor ledger bench`)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer

from corridor.benchmarks import e2e as e2e_bench
from corridor.benchmarks import engine as engine_bench
from corridor.benchmarks import iso as iso_bench
from corridor.benchmarks import liquidity as liquidity_bench
from corridor.benchmarks import screening as screening_bench

app = typer.Typer(
    help="Benchmarks: each prints figures; --json prints them as one JSON object.",
    no_args_is_help=True,
)


@app.command("iso")
def iso(
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    duration_s: float = typer.Option(2.0, help="seconds per workload"),
) -> None:
    """ISO 20022: parse + validate + extract per second (1 and 100 transactions), pacs.002."""
    result = iso_bench.run(duration_s)
    figures = dataclasses.asdict(result) | {
        "target_single_per_s": iso_bench.TARGET_SINGLE_PER_S,
        "target_ratio": iso_bench.TARGET_RATIO,
        "meets_targets": result.meets_targets(),
    }
    _echo_figures(figures, as_json, decimals=1)


@app.command("screening")
def screening(
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    shared_dir: str = typer.Option("../shared", help="the shared data folder"),
    threshold: float = typer.Option(0.0, help="0 = the default threshold"),
    exhaustive_sample: int = typer.Option(40, help="queries checked against an exhaustive scan"),
) -> None:
    """Screening: names/s, p99, accuracy per eval file, brute-force baseline, completeness."""
    figures = screening_bench.run(
        screening_bench.BenchOptions(
            Path(shared_dir), threshold or None, exhaustive_sample=exhaustive_sample
        )
    )
    typer.echo(json.dumps(figures) if as_json else screening_bench.render(figures))


@app.command("liquidity")
def liquidity(
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    payments: int = typer.Option(100_000, help="queued payments in the gridlock"),
    participants: int = typer.Option(200, help="banks"),
) -> None:
    """Gridlock resolution: time, value settled, liquidity saved, vs FIFO retry and optimum."""
    config = liquidity_bench.LiquidityConfig(participants=participants, payments=payments)
    result = liquidity_bench.run(config)
    figures = dataclasses.asdict(result) | {
        "target_resolve_s": liquidity_bench.TARGET_RESOLVE_S,
        "target_optimum_ratio": liquidity_bench.TARGET_OPTIMUM_RATIO,
        "meets_targets": result.meets_targets(),
    }
    _echo_figures(figures, as_json, decimals=3)


@app.command("engine")
def engine(
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    single_messages: int = typer.Option(1_200, min=1, max=100_000),
    batch_messages: int = typer.Option(12, min=1, max=512, help="single messages per batch"),
    bulk_messages: int = typer.Option(60, min=1, max=10_000, help="one message per batch"),
    bulk_transactions: int = typer.Option(100, min=1, max=1_000),
) -> None:
    """The engine alone (Hub.settle in this process): CPU and wall time per payment."""
    options = engine_bench.EngineOptions(
        single_messages=single_messages,
        batch_messages=batch_messages,
        bulk_messages=bulk_messages,
        bulk_transactions=bulk_transactions,
    )
    workloads = engine_bench.run(options)
    if as_json:
        typer.echo(json.dumps(engine_bench.as_dict(workloads)))
    else:
        typer.echo(engine_bench.render(workloads))


def _echo_figures(figures: dict[str, object], as_json: bool, *, decimals: int) -> None:
    """One JSON object, or one `name value` line per figure (floats to `decimals`)."""
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for name, value in figures.items():
        shown = f"{value:,.{decimals}f}" if isinstance(value, float) else value
        typer.echo(f"{name:32} {shown}")


@app.command("e2e")
def e2e(
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    postgres_url: str | None = typer.Option(
        None, help="an empty PostgreSQL database to run against (default: SQLite)"
    ),
    clients: str = typer.Option("1,8,32", help="concurrency levels, comma-separated"),
    single_messages: int = typer.Option(
        6_000, min=1, max=200_000, help="messages per single-message run (at most)"
    ),
    single_s: float = typer.Option(8.0, min=0.1, max=120, help="seconds per run (at most)"),
    open_rate: int = typer.Option(500, min=1, max=20_000, help="open-loop messages/s"),
    open_s: float = typer.Option(10.0, min=0.1, max=120, help="open-loop seconds"),
    bulk_messages: int = typer.Option(
        120, min=1, max=200_000, help="bulk messages of --bulk-transactions each"
    ),
    bulk_transactions: int = typer.Option(100, min=1, max=1_000),
    bulk_clients: int = typer.Option(4, min=1, max=256),
) -> None:
    """End to end over HTTP against `corridor serve`: payments/s and p50/p99 latency."""
    try:
        levels = tuple(int(part) for part in clients.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(
            f"not a list of integers: {clients!r}", param_hint="--clients"
        ) from None
    options = e2e_bench.E2eOptions(
        clients=levels,
        single_messages=single_messages,
        single_s=single_s,
        open_rate_per_s=open_rate,
        open_s=open_s,
        bulk_messages=bulk_messages,
        bulk_transactions=bulk_transactions,
        bulk_clients=bulk_clients,
        postgres_url=postgres_url,
    )
    try:
        options.check()
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    result = e2e_bench.run(options)
    typer.echo(json.dumps(result.as_dict()) if as_json else e2e_bench.render(result))
