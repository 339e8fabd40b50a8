"""`corridor init CONFIG`: create a network's accounts from a TOML or YAML file."""

from __future__ import annotations

from pathlib import Path

import typer

from corridor.bootstrap import HubSettings, build_hub, load_network_config
from corridor.cli._common import console, err_console, user_errors
from corridor.cli._database import DatabaseOption
from corridor.foundation.money import format_amount


def init(
    config_file: Path = typer.Argument(..., help="Network file (.toml, .yaml, .yml)."),
    database: str = DatabaseOption,
) -> None:
    """Create the network: directory, accounts and opening balances (idempotent)."""
    with user_errors():
        config = load_network_config(config_file)  # validated before anything is written
        report = build_hub(HubSettings(database_url=database)).load_network(config)
    if report.failures:
        for index, result in report.failures[:10]:
            err_console.print(f"[red]command {index}: {result.name}[/]")
        err_console.print(
            "[bold red]error:[/] the network was not changed "
            "(it conflicts with what the database already holds)"
        )
        raise typer.Exit(1)
    console.print(
        f"[green]network '{config.name}' ready[/]: {report.accounts} accounts in {database}"
    )
    for currency, amount_minor in sorted(report.funded_minor.items()):
        console.print(f"  funded {format_amount(amount_minor, currency)} {currency}")
