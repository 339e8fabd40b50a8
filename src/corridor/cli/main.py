"""The `corridor` command's entry point.

A bank's own commands (`corridor participant ...`) load only the client SDK and what
composes and signs a message: importing the whole command (the hub, its storage, the web
server, the benchmarks) made every invocation start in about 2.9 s on the development
machine, against about 0.8 s this way. Every other command loads the whole app
(corridor.cli.app), which `app` here also gives (`from corridor.cli.main import app`).
"""

from __future__ import annotations

import sys
from typing import Any

import typer

BANK_COMMANDS = "participant"


def main() -> None:
    if sys.argv[1:2] == [BANK_COMMANDS]:
        _bank_app()()
        return
    from corridor.cli.app import app  # noqa: PLC0415 - the point: only when needed

    app()


def _bank_app() -> typer.Typer:
    """The app with only `corridor participant` in it: the same commands, options and help
    as in the whole app."""
    from corridor.cli.participant_more import participant_app  # noqa: PLC0415 - as above

    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    app.add_typer(participant_app(), name=BANK_COMMANDS)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole app, built on first use
        from corridor.cli.app import app  # noqa: PLC0415 - as above

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
