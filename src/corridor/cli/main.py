"""The `corridor` command: one Typer app with a sub-app per area."""

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
    participant,
    participant_more,
    screening,
    serve,
)

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
app.add_typer(participant.app, name="participant")
for _name, _command in participant_more.COMMANDS.items():
    participant.app.command(_name)(_command)
app.add_typer(operator_http.app, name="operator")
app.add_typer(operator.app, name="participants")
app.add_typer(compliance.app, name="compliance")
app.command("init")(network.init)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)


def main() -> None:
    app()
