"""The `corridor` command: one Typer app with a sub-app per area."""

from __future__ import annotations

import typer

from corridor.cli import bench

app = typer.Typer(help="Corridor: a self-hosted interbank payment network.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(bench.app, name="bench")


def main() -> None:
    app()
