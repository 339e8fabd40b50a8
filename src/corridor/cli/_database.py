"""The --database option of the commands that open the hub's database themselves (apart
from _common, so that a bank's own commands do not import the hub to print a line)."""

from __future__ import annotations

import typer

from corridor.bootstrap import DEFAULT_DATABASE

DatabaseOption = typer.Option(
    DEFAULT_DATABASE,
    "--database",
    "-d",
    envvar="CORRIDOR_DATABASE_URL",
    help="SQLite file path or postgresql:// URL.",
)
