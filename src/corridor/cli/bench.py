"""`corridor bench ...`: every benchmark except the ledger's (which is `corridor ledger bench`)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks: each prints figures; --json prints them as one JSON object.",
                  no_args_is_help=True)
