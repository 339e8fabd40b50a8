"""`corridor serve`: the hub's HTTP API on one process (uvicorn, one engine thread).

The embedded SQLite database by default (created and migrated on first start, with the
hub's signing key beside it); PostgreSQL with `--database postgresql://...`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.api.server import DEFAULT_HOST, DEFAULT_PORT, run
from corridor.bootstrap import DEFAULT_HUB_BIC, HubSettings
from corridor.cli._common import DatabaseOption, err_console, user_errors
from corridor.foundation.errors import InputError
from corridor.iso20022.rules import bic_problem

PORT_MAX = 65_535


def settings_for(
    database: str, hub_key: Path | None, hub_bic: str, require_signature: bool
) -> HubSettings:
    """The hub's settings from the command line, checked before anything starts."""
    problem = bic_problem(hub_bic)
    if problem is not None:
        raise InputError(problem, field="hub_bic", value=hub_bic)
    if hub_key is not None and hub_key.is_dir():
        raise InputError("is a directory, not a key file", field="hub_key", value=str(hub_key))
    return HubSettings(
        database_url=database,
        hub_key_path=hub_key,
        hub_bic=hub_bic,
        require_signature=require_signature,
    )


def serve(
    database: str = DatabaseOption,
    host: Annotated[
        str, typer.Option(envvar="CORRIDOR_HOST", help="Address to listen on.")
    ] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option(envvar="CORRIDOR_PORT", min=1, max=PORT_MAX, help="TCP port.")
    ] = DEFAULT_PORT,
    hub_key: Annotated[
        Path | None,
        typer.Option(
            envvar="CORRIDOR_HUB_KEY",
            help="The hub's signing key (PEM; made if absent). "
            "Default: hub_key.pem beside the SQLite file.",
        ),
    ] = None,
    hub_bic: Annotated[
        str, typer.Option(envvar="CORRIDOR_HUB_BIC", help="The hub's own BIC.")
    ] = DEFAULT_HUB_BIC,
    require_signature: Annotated[
        bool,
        typer.Option(
            "--require-signature/--no-require-signature",
            help="Refuse participants' messages without a valid signature.",
        ),
    ] = True,
) -> None:
    """Start the hub: HTTP API, engine, database (until Ctrl-C)."""
    with user_errors():
        settings = settings_for(database, hub_key, hub_bic, require_signature)
        if not require_signature:
            err_console.print("[yellow]warning:[/] messages are accepted without signatures")
        err_console.print(
            f"Corridor hub {hub_bic} on http://{host}:{port} (database {_redact(database)})"
        )
        run(settings, host, port)


def _redact(database: str) -> str:
    """A database URL without its password, for the start-up line."""
    scheme, sep, rest = database.partition("://")
    if not sep or "@" not in rest:
        return database
    credentials, _, location = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"
