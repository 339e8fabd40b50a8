"""The whole `corridor` command: one Typer app with a sub-app per area (importing it
imports the hub, its storage, the web server and the benchmarks; corridor.cli.main
starts a bank's own commands without them)."""

from __future__ import annotations

import typer

from corridor.cli import (
    audit,
    bench,
    compliance,
    demo,
    iso,
    ledger,
    network,
    operator,
    operator_http,
    screening,
    serve,
)
from corridor.cli.participant_more import participant_app

app = typer.Typer(
    help="Corridor: a self-hosted interbank payment network.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(bench.app, name="bench")
app.add_typer(ledger.app, name="ledger")
app.add_typer(audit.app, name="audit")
app.add_typer(iso.app, name="iso")
app.add_typer(screening.app, name="screening")
app.add_typer(participant_app(), name="participant")
app.add_typer(operator_http.app, name="operator")
app.add_typer(operator.app, name="participants")
app.add_typer(compliance.app, name="compliance")
app.command("init")(network.init)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
