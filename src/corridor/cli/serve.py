"""`corridor serve`: the hub's HTTP API on one process (uvicorn, one engine thread).

The embedded SQLite database by default (created and migrated on first start, with the
hub's signing key beside it); PostgreSQL with `--database postgresql://...`.
FX: `--bridge-currency CNY` (repeatable, in order of preference) routes a pair no
provider quotes through that currency; `--fx-fee-bps` is the network's FX charge.
Screening: `--watchlists DIR` is a list archive (`corridor screening lists load`).
Queues: `--gridlock-interval-ms` is how often the hub looks for gridlocks on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from corridor.api.server import DEFAULT_HOST, DEFAULT_PORT, run
from corridor.api.ticker import GRIDLOCK_INTERVAL_MS, check_interval
from corridor.bootstrap import DEFAULT_HUB_BIC, HubSettings
from corridor.cli._common import err_console, user_errors
from corridor.cli._database import DatabaseOption
from corridor.foundation.errors import CurrencyError, InputError
from corridor.foundation.money import currency as currency_info
from corridor.fx.bridge import BRIDGE_CURRENCIES_MAX
from corridor.fx.charges import BPS_MAX
from corridor.hub.fx_desk import FxSettings
from corridor.hub.intake_pool import WORKERS_MAX
from corridor.iso20022.rules import bic_problem

PORT_MAX = 65_535
FX_FEE_BPS_DEFAULT = FxSettings().fee_bps


def settings_for(
    database: str,
    hub_key: Path | None,
    hub_bic: str,
    require_signature: bool,
    *,
    bridge_currencies: Sequence[str] = (),
    fx_fee_bps: int = FX_FEE_BPS_DEFAULT,
    watchlists: Path | None = None,
) -> HubSettings:
    """The hub's settings from the command line, checked before anything starts."""
    problem = bic_problem(hub_bic)
    if problem is not None:
        raise InputError(problem, field="hub_bic", value=hub_bic)
    if hub_key is not None and hub_key.is_dir():
        raise InputError("is a directory, not a key file", field="hub_key", value=str(hub_key))
    if watchlists is not None and not watchlists.is_dir():
        raise InputError("is not a directory", field="watchlists", value=str(watchlists))
    return HubSettings(
        database_url=database,
        hub_key_path=hub_key,
        hub_bic=hub_bic,
        require_signature=require_signature,
        fx=fx_settings(bridge_currencies, fx_fee_bps),
        watchlists_dir=watchlists,
    )


def fx_settings(bridge_currencies: Sequence[str], fee_bps: int) -> FxSettings:
    """FX policy from the command line: bridge currencies (ISO 4217, distinct) and the fee."""
    bridges = tuple(code.strip().upper() for code in bridge_currencies)
    if len(bridges) > BRIDGE_CURRENCIES_MAX or len(set(bridges)) != len(bridges):
        raise InputError(
            f"at most {BRIDGE_CURRENCIES_MAX} distinct currencies",
            field="bridge_currency",
            value=",".join(bridges),
        )
    for code in bridges:
        try:
            currency_info(code)
        except CurrencyError as error:
            raise InputError(error.message, field="bridge_currency", value=code) from None
    if isinstance(fee_bps, bool) or not 0 <= fee_bps <= BPS_MAX:
        raise InputError(f"must be 0..{BPS_MAX}", field="fx_fee_bps", value=fee_bps)
    return FxSettings(fee_bps=fee_bps, bridge_currencies=bridges)


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
    bridge_currency: Annotated[
        list[str] | None,
        typer.Option(
            "--bridge-currency",
            help="Route FX pairs no provider quotes through this currency (repeatable, "
            "in order of preference).",
        ),
    ] = None,
    fx_fee_bps: Annotated[
        int,
        typer.Option(min=0, max=BPS_MAX, help="The network's FX charge, in basis points."),
    ] = FX_FEE_BPS_DEFAULT,
    watchlists: Annotated[
        Path | None,
        typer.Option(
            envvar="CORRIDOR_WATCHLISTS",
            help="Watch-list archive (`corridor screening lists load --data-dir`); the "
            "lists in force screen every payment. Default: no screening lists.",
        ),
    ] = None,
    net_currency: Annotated[
        list[str] | None,
        typer.Option(
            help="Settle this currency by deferred net settlement windows instead of gross "
            "in real time (repeatable).",
        ),
    ] = None,
    intake_workers: Annotated[
        int,
        typer.Option(
            envvar="CORRIDOR_INTAKE_WORKERS",
            min=-1,
            max=WORKERS_MAX,
            help="Processes that parse and authenticate inbound messages (0: none, on the "
            "event loop; -1: one per spare core, at most 4).",
        ),
    ] = -1,
    gridlock_interval_ms: Annotated[
        int,
        typer.Option(
            envvar="CORRIDOR_GRIDLOCK_INTERVAL_MS",
            help="How often the hub resolves gridlocks in every queued currency on its own "
            "(0: never; operators can always run one).",
        ),
    ] = GRIDLOCK_INTERVAL_MS,
) -> None:
    """Start the hub: HTTP API, engine, database (until Ctrl-C)."""
    with user_errors():
        settings = settings_for(
            database,
            hub_key,
            hub_bic,
            require_signature,
            bridge_currencies=bridge_currency or (),
            fx_fee_bps=fx_fee_bps,
            watchlists=watchlists,
        )
        settings = replace(
            settings,
            intake_workers=intake_workers,
            net_settlement_currencies=net_currencies(net_currency or ()),
        )
        try:
            check_interval(gridlock_interval_ms, "gridlock_interval_ms")
        except ValueError as error:
            raise InputError(
                str(error), field="gridlock_interval_ms", value=gridlock_interval_ms
            ) from None
        if not require_signature:
            err_console.print("[yellow]warning:[/] messages are accepted without signatures")
        err_console.print(
            f"Corridor hub {hub_bic} on http://{host}:{port} (database {_redact(database)})"
        )
        run(settings, host, port, gridlock_interval_ms=gridlock_interval_ms)


def _redact(database: str) -> str:
    """A database URL without its password, for the start-up line."""
    scheme, sep, rest = database.partition("://")
    if not sep or "@" not in rest:
        return database
    credentials, _, location = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"


def net_currencies(codes: Sequence[str]) -> tuple[str, ...]:
    """ISO 4217 codes, distinct, for --net-currency; InputError names the flag."""
    found = tuple(code.strip().upper() for code in codes)
    for code in found:
        try:
            currency_info(code)
        except CurrencyError as error:
            raise InputError(error.message, field="net_currency", value=code) from None
    if len(set(found)) != len(found):
        raise InputError("repeated", field="net_currency", value=",".join(found))
    return found
