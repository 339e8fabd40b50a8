"""`corridor demo`: a day on the example network, over HTTP, end to end, verified.

Prepares the example network in a fresh folder (var/demo by default: database, hub key,
one key and credential per bank), starts a real hub (`corridor serve`) on a free loopback
port, and plays the day's scenes through the client SDK (corridor.simulation.day): the
banks watch and acknowledge their inboxes, trade payments flow between banks of the same
currency (a few deliberately bad), over-limit payments are queued and cancelled, one
payment is tracked. Then it prints a summary, stops the server and audits the ledger.
"""

from __future__ import annotations

import shutil
import time
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

from corridor.bootstrap import open_database
from corridor.cli._common import console, user_errors
from corridor.foundation.money import format_amount
from corridor.simulation import HubServer, PreparedNetwork, example_config_path, prepare_network
from corridor.simulation.day import DEFAULT_SCENES, Day, DayOptions, DaySummary, corridor_rows
from corridor.store.ledger_audit import AuditReport, audit_ledger

__all__ = ["demo", "example_config_path", "run_demo"]

REASON_TEXT = {
    "RC01": "creditor bank not on the network",
    "AM03": "creditor bank holds no account in the currency",
    "DUPL": "UETR used before",
    "AM04": "insufficient funds",
}


def demo(
    workdir: Path = typer.Option(
        Path("var/demo"), help="Where the demo network goes (emptied first)."
    ),
    messages: int = typer.Option(600, min=1, max=100_000, help="trade messages"),
    senders: int = typer.Option(8, min=1, max=64, help="messages in flight at once"),
    seed: int = typer.Option(20261123),
) -> None:
    """Run the demo network over HTTP: a day of trade payments, a summary, verification."""
    with user_errors():
        summary, audit = run_demo(workdir, DayOptions(messages, seed, senders))
    if audit.problems:
        console.print(f"[bold red]ledger verification FAILED[/]: {audit.problems[:5]}")
        raise typer.Exit(1)
    if summary.settled_uetrs() == 0:
        console.print("[bold red]no payment settled[/]")
        raise typer.Exit(1)


def run_demo(workdir: Path, options: DayOptions) -> tuple[DaySummary, AuditReport]:
    """Prepare, serve, play the scenes, print the summary, stop, verify."""
    shutil.rmtree(workdir, ignore_errors=True)
    started = time.perf_counter()
    network = prepare_network(workdir)
    _print_network(network)
    with HubServer(network) as server:
        console.print(f"hub [bold]{network.hub_bic}[/] serving on {server.base_url} "
                      f"(pid {server.pid}, log {server.log_path})")
        summary = Day(network, server.base_url, options, console).play(DEFAULT_SCENES)
    _print_summary(summary)
    audit = audit_ledger(open_database(network.database_url))
    _print_audit(audit)
    console.print(f"demo done in {time.perf_counter() - started:.1f} s")
    return summary, audit


def _print_network(network: PreparedNetwork) -> None:
    currencies = network.banks_by_currency()
    console.print(
        f"[bold]{network.config.name}[/]: {len(currencies)} currencies, "
        f"{len(network.config.participants)} participants, {len(network.banks)} trading banks "
        f"with keys and credentials (in {network.workdir})")


def _print_summary(summary: DaySummary) -> None:
    seconds = summary.elapsed_s.get("trade", 0.0)
    rate = f", {summary.messages / seconds:,.0f} messages/s" if seconds else ""
    console.print(f"{summary.messages:,} messages answered: {dict(summary.statuses)}{rate}")
    console.print(_corridor_table(summary))
    console.print(_refusal_table(summary))
    delivered = len(summary.delivered)
    console.print(f"delivery: {delivered:,} of {summary.settled_uetrs():,} settled payments "
                  f"acknowledged by their receiving banks; {summary.acknowledged:,} inbox "
                  "messages acknowledged in all")
    if summary.queued:
        console.print(f"over limit: {len(summary.queued)} payments queued for liquidity (PDNG), "
                      f"{len(summary.cancelled)} cancelled by their senders (camt.056)")
    if summary.tracked:
        steps = " -> ".join(state for state, _ in summary.tracked)
        console.print(f"tracked one payment: {steps}")


def _corridor_table(summary: DaySummary) -> Table:
    table = Table(title="Settled payments per corridor")
    for column in ("currency", "corridor", "payments", "value"):
        table.add_column(column, justify="right" if column in ("payments", "value") else "left")
    previous = ""
    for currency, sender, receiver, payments, value_minor in corridor_rows(summary):
        table.add_row("" if currency == previous else currency, f"{sender} -> {receiver}",
                      f"{payments:,}", _money(value_minor, currency))
        previous = currency
    for currency, total in summary.per_currency().items():
        table.add_row(currency, "[bold]all[/]", f"[bold]{total.payments:,}[/]",
                      f"[bold]{_money(total.value_minor, currency)}[/]")
    return table


def _money(amount_minor: int, currency: str) -> str:
    """Grouped digits for reading ("1,189,460.23"); the amount is format_amount's."""
    return f"{Decimal(format_amount(amount_minor, currency)):,}"


def _refusal_table(summary: DaySummary) -> Table:
    table = Table(title="Refused payments by reason")
    for column in ("reason", "meaning", "refused", "sent with this flaw"):
        table.add_column(column)
    for reason, count in sorted(summary.refused.items()):
        table.add_row(reason, REASON_TEXT.get(reason, ""), f"{count:,}",
                      f"{summary.expected_refusals.get(reason, 0):,}")
    return table


def _print_audit(audit: AuditReport) -> None:
    if audit.problems:
        return
    console.print(
        f"[bold green]ledger verified[/]: {audit.accounts} accounts, {audit.transfers:,} "
        f"transfers, {audit.journal_rows:,} journal rows; every currency sums to zero, no "
        "account below its floor, no transfer id twice")
