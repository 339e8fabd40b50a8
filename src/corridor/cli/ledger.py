"""`corridor ledger verify|bench`."""

from __future__ import annotations

import typer
from rich.table import Table

from corridor.benchmarks import ledger as ledger_bench
from corridor.bootstrap import open_database
from corridor.cli._common import console, print_json, user_errors
from corridor.cli._database import DatabaseOption
from corridor.store.ledger_audit import audit_ledger

app = typer.Typer(help="The settlement ledger.", no_args_is_help=True)


@app.command()
def verify(
    database: str = DatabaseOption,
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check every invariant of a ledger database; exit 1 if any is broken."""
    with user_errors():
        report = audit_ledger(open_database(database))
    if json_output:
        print_json(
            {
                "ok": not report.problems,
                "accounts": report.accounts,
                "journal_rows": report.journal_rows,
                "transfers": report.transfers,
                "currencies": report.currencies,
                "problems": report.problems,
            }
        )
    else:
        status = "[green]OK[/]" if not report.problems else "[red]BROKEN[/]"
        console.print(
            f"ledger {status}: {report.accounts} accounts in "
            f"{len(report.currencies)} currencies, {report.journal_rows} journal rows, "
            f"{report.transfers} transfers"
        )
        for problem in report.problems[:50]:
            console.print(f"  [red]{problem}[/]")
    if report.problems:
        raise typer.Exit(1)


@app.command()
def bench(
    postgres_url: str = typer.Option(
        None,
        "--postgres-url",
        envvar="CORRIDOR_BENCH_POSTGRES_URL",
        help="Also measure on this PostgreSQL server.",
    ),
    transfers: int = typer.Option(200_000, min=1_000, max=5_000_000),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Transfers per second: in memory, durable on SQLite (and PostgreSQL), vs a baseline."""
    config = ledger_bench.BenchConfig(transfers=transfers, durable_transfers=transfers)
    progress = (
        (lambda _: None) if json_output else (lambda step: console.print(f"[dim]… {step}[/]"))
    )
    figures = ledger_bench.run(config, postgres_url, progress)
    if json_output:
        print_json(figures)
        return
    table = Table(title="Ledger benchmark")
    for column in ("measurement", "transfers", "transfers/s", "target", "met"):
        table.add_column(column)
    for name, result in figures["results"].items():
        target = ledger_bench.TARGETS.get(name)
        met = figures["targets_met"].get(name)
        table.add_row(
            name,
            str(result["transfers"]),
            f"{result['transfers_per_s']:,}",
            f"{target:,}" if target else "-",
            "-" if met is None else str(met),
        )
    table.add_row(
        "sqlite / baseline",
        "",
        f"{figures['sqlite_vs_baseline']}x",
        f"{ledger_bench.TARGETS['sqlite_vs_baseline']}x",
        str(figures["targets_met"]["sqlite_vs_baseline"]),
    )
    console.print(table)
