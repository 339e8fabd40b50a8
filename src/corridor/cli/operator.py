"""`corridor participants ...`: the operator's directory work, straight on the database.

Runs without the server (so credentials can be made before it first starts): opens the
database with bootstrap.build_hub and calls the Hub façade. Do not run it against a
database that a running server is writing (the server's directory would not see the
change until restarted); use the operator API for a live hub.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from corridor.bootstrap import HubSettings, build_hub
from corridor.cli._common import console, err_console, print_json, user_errors
from corridor.cli._database import DatabaseOption
from corridor.crypto.keys import KEY_FILE_BYTES_MAX, fingerprint, load_public_key
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount, parse_amount
from corridor.hub.security import Principal, Role
from corridor.hub.service import Hub
from corridor.payments.records import Participant, ParticipantKind, ParticipantStatus

app = typer.Typer(
    help="Participants and credentials (operator, on the database).", no_args_is_help=True
)

HubKeyOption = typer.Option(
    None,
    "--hub-key",
    envvar="CORRIDOR_HUB_KEY",
    help="The hub's private key (default: hub_key.pem beside the SQLite file).",
)
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
ACCOUNTS_MAX = 50
EXPORT_COLUMNS = (
    "bic",
    "name",
    "country",
    "kind",
    "status",
    "lei",
    "settles_through",
    "currencies",
    "key_fingerprint",
    "updated_at_ms",
)
_OPERATOR = Principal("corridor-cli", Role.operator)


def _hub(database: str, hub_key: Path | None) -> Hub:
    return build_hub(HubSettings(database_url=database, hub_key_path=hub_key))


@dataclass(frozen=True, slots=True)
class _Entry:
    """One participant as listed and exported."""

    participant: Participant
    currencies: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        p = self.participant
        key = fingerprint(load_public_key(p.public_key_pem.encode())) if p.public_key_pem else ""
        return {
            "bic": p.bic,
            "name": p.name,
            "country": p.country,
            "kind": p.kind.value,
            "status": p.status.value,
            "lei": p.lei,
            "settles_through": p.settles_through,
            "currencies": list(self.currencies),
            "key_fingerprint": key or None,
            "updated_at_ms": p.updated_at_ms,
        }


def _entries(hub: Hub) -> list[_Entry]:
    return [
        _Entry(p, tuple(b.currency for b in hub.balances(_OPERATOR, p.bic)))
        for p in hub.participants()
    ]


@app.command("list")
def list_(
    database: str = DatabaseOption, hub_key: Path | None = HubKeyOption, as_json: bool = JsonOption
) -> None:
    """The directory: every participant, its status, currencies and key."""
    with user_errors():
        entries = _entries(_hub(database, hub_key))
    if as_json:
        print_json([e.as_dict() for e in entries])
        return
    table = Table("BIC", "name", "kind", "status", "currencies", "key")
    for entry in entries:
        row = entry.as_dict()
        table.add_row(
            row["bic"],
            row["name"],
            row["kind"],
            _status(row["status"]),
            " ".join(row["currencies"]),
            (row["key_fingerprint"] or "-")[:19],
        )
    console.print(table)


def _status(status: str) -> str:
    colour = {"active": "green", "suspended": "yellow", "closed": "red"}[status]
    return f"[{colour}]{status}[/]"


def parse_account(text: str) -> tuple[str, int]:
    """ "INR" or "INR:5000000.00" (currency, credit line) -> (currency, credit line minor)."""
    currency, _, line = text.partition(":")
    currency = currency.strip().upper()
    return currency, parse_amount(line.strip() or "0", currency, field="account")


def _read_text(path: Path, field: str) -> str:
    try:
        if path.stat().st_size > KEY_FILE_BYTES_MAX:
            raise InputError("file too large", field=field, value=str(path))
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(f"cannot read {path}: {reason}", field=field, value=str(path)) from None


@app.command("onboard")
def onboard(
    bic: Annotated[str, typer.Argument(help="The participant's BIC (8 or 11 characters).")],
    name: Annotated[str, typer.Option(help="Legal name.")],
    country: Annotated[str, typer.Option(help="ISO 3166 alpha-2 country.")],
    kind: Annotated[ParticipantKind, typer.Option(help="Kind of participant.")] = (
        ParticipantKind.direct
    ),
    account: Annotated[
        list[str] | None,
        typer.Option(help="CCY or CCY:CREDIT_LINE, e.g. INR:5000000.00 (repeatable)."),
    ] = None,
    lei: Annotated[str | None, typer.Option(help="ISO 17442 LEI.")] = None,
    settles_through: Annotated[
        str | None, typer.Option(help="For an indirect participant: the direct participant's BIC.")
    ] = None,
    key: Annotated[Path | None, typer.Option(help="Public key PEM to register.")] = None,
    database: str = DatabaseOption,
    hub_key: Path | None = HubKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a participant (or update its details) and open its settlement accounts."""
    with user_errors():
        accounts = [parse_account(a) for a in account or []]
        if len(accounts) > ACCOUNTS_MAX:
            raise InputError(f"at most {ACCOUNTS_MAX}", field="account", value=len(accounts))
        pem = _read_text(key, "key") if key is not None else ""
        participant = Participant(
            bic=bic,
            name=name,
            country=country,
            kind=kind,
            lei=lei,
            settles_through=settles_through,
            public_key_pem=pem,
        )
        hub = _hub(database, hub_key)
        results = hub.onboard(participant, accounts)
    failed = [(a, r.name) for a, r in zip(accounts, results, strict=True) if r.name != "ok"]
    if as_json:
        print_json(
            {
                "bic": bic,
                "accounts": [
                    {"currency": c, "credit_line": format_amount(m, c), "result": r.name}
                    for (c, m), r in zip(accounts, results, strict=True)
                ],
            }
        )
    else:
        console.print(
            f"[green]onboarded[/] {bic} ({kind.value}), "
            f"{len(accounts) - len(failed)} account(s) opened"
        )
    for (currency, _), result in failed:
        err_console.print(
            f"[yellow]account {currency} not opened: {result}{_ACCOUNT_RESULTS.get(result, '')}[/]"
        )
    if failed:
        raise typer.Exit(1)


_ACCOUNT_RESULTS = {
    "id_reused": " (it is open already, with another credit line; not changed)",
}


def _set_status(
    bic: str, status: ParticipantStatus, database: str, hub_key: Path | None, as_json: bool
) -> None:
    with user_errors():
        updated = _hub(database, hub_key).set_status(bic, status)
    if as_json:
        print_json({"bic": updated.bic, "status": updated.status.value})
    else:
        console.print(f"{updated.bic}: {_status(updated.status.value)}")


BicArgument = Annotated[str, typer.Argument(help="The participant's BIC.")]


@app.command("suspend")
def suspend(
    bic: BicArgument,
    database: str = DatabaseOption,
    hub_key: Path | None = HubKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Refuse the participant's messages and payments to it until reinstated."""
    _set_status(bic, ParticipantStatus.suspended, database, hub_key, as_json)


@app.command("reinstate")
def reinstate(
    bic: BicArgument,
    database: str = DatabaseOption,
    hub_key: Path | None = HubKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Make a suspended participant active again."""
    _set_status(bic, ParticipantStatus.active, database, hub_key, as_json)


@app.command("close")
def close(
    bic: BicArgument,
    database: str = DatabaseOption,
    hub_key: Path | None = HubKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Close the participant: it may no longer send or receive payments."""
    _set_status(bic, ParticipantStatus.closed, database, hub_key, as_json)


@app.command("register-key")
def register_key(
    bic: BicArgument,
    key_file: Annotated[Path, typer.Argument(help="Public key PEM (e.g. KEY.pub.pem).")],
    database: str = DatabaseOption,
    hub_key: Path | None = HubKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Register (or replace) the key that signs the participant's messages."""
    with user_errors():
        pem = _read_text(key_file, "key")
        updated = _hub(database, hub_key).register_key(bic, pem)
        key_id = fingerprint(load_public_key(updated.public_key_pem.encode()))
    if as_json:
        print_json({"bic": updated.bic, "key_fingerprint": key_id})
    else:
        console.print(f"{updated.bic}: key {key_id} registered")


@app.command("credential")
def credential(
    principal: Annotated[
        str, typer.Argument(help="A participant's BIC, or an operator user's name.")
    ],
    role: Annotated[Role, typer.Option(help="Role of the credential.")] = Role.participant,
    database: str = DatabaseOption,
    hub_key: Path | None = HubKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Issue an API credential. The token is printed once and never stored."""
    with user_errors():
        if role is not Role.participant and not principal.strip():
            raise InputError("must not be empty", field="principal", value=principal)
        token = _hub(database, hub_key).issue_credential(principal, role)
    if as_json:
        print_json({"principal": principal, "role": role.value, "token": token})
    else:
        err_console.print(f"credential for {principal} ({role.value}); shown once, keep it secret:")
        typer.echo(token)


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


@app.command("export")
def export(
    export_format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.json,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    database: str = DatabaseOption,
    hub_key: Path | None = HubKeyOption,
) -> None:
    """The directory as JSON or CSV (public keys as fingerprints)."""
    with user_errors():
        rows = [e.as_dict() for e in _entries(_hub(database, hub_key))]
        csv_wanted = export_format is ExportFormat.csv
        text = _csv(rows) if csv_wanted else json.dumps(rows, indent=2) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            _write(output, text)
            err_console.print(f"{len(rows)} participants written to {output}")


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "currencies": " ".join(row["currencies"]),
                "lei": row["lei"] or "",
                "settles_through": row["settles_through"] or "",
                "key_fingerprint": row["key_fingerprint"] or "",
            }
        )
    return buffer.getvalue()


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"cannot write: {error.strerror}", field="output", value=str(path)
        ) from None
