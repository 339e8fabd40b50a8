"""`corridor audit verify|show`: the hash-chained audit log."""

from __future__ import annotations

import typer
from rich.table import Table

from corridor.bootstrap import open_database
from corridor.cli._common import console, print_json, user_errors
from corridor.cli._database import DatabaseOption
from corridor.foundation.clock import SystemClock, ms_to_datetime
from corridor.hub.audit import AuditLog

app = typer.Typer(help="The audit log of operator and compliance decisions.", no_args_is_help=True)


@app.command()
def verify(
    database: str = DatabaseOption,
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recompute the hash chain; exit 1 if any entry was changed, removed or reordered."""
    with user_errors():
        check = AuditLog(open_database(database), SystemClock()).verify()
    if json_output:
        print_json(
            {"ok": not check.problems, "entries": check.entries, "problems": list(check.problems)}
        )
    elif check.problems:
        console.print(f"[red]audit log BROKEN[/]: {check.entries} entries")
        for problem in check.problems[:50]:
            console.print(f"  [red]{problem}[/]")
    else:
        console.print(f"[green]audit log OK[/]: {check.entries} entries, chain intact")
    if check.problems:
        raise typer.Exit(1)


@app.command()
def show(
    database: str = DatabaseOption,
    after: int = typer.Option(0, help="Show entries after this sequence number."),
    limit: int = typer.Option(50, min=1, max=1_000),
) -> None:
    """The latest entries of the audit log."""
    with user_errors():
        entries = AuditLog(open_database(database), SystemClock()).entries(after, limit)
    table = Table(title="Audit log")
    for column in ("seq", "at (UTC)", "actor", "action", "detail"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            str(entry.seq),
            ms_to_datetime(entry.at_ms).isoformat(timespec="seconds"),
            entry.actor,
            entry.action,
            entry.detail[:80],
        )
    console.print(table)
