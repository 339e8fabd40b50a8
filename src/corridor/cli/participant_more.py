"""`corridor participant quote|report|queue|priority`: FX quotes, camt reports and the
caller's queue, over the hub's HTTP API (registered on the participant app in main.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from corridor.cli import participant as _participant
from corridor.cli._common import console, print_json, user_errors
from corridor.cli.participant import DEFAULT_URL, JsonOption, TokenOption, UrlOption
from corridor.client import QueuedPayment, Quote
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount


def quote_json(q: Quote) -> dict[str, Any]:
    """A quote as `quote --json` prints it (the API's JSON)."""
    return q.raw


def quote(
    to: Annotated[str, typer.Option("--to", help="Creditor agent BIC.")],
    from_ccy: Annotated[str, typer.Option("--from-ccy", help="What you pay, e.g. INR.")],
    to_ccy: Annotated[str, typer.Option("--to-ccy", help="What they receive, e.g. CNY.")],
    amount: Annotated[
        str, typer.Option(help="Decimal amount (of --from-ccy; --receive: --to-ccy).")
    ],
    receive: Annotated[
        bool, typer.Option("--receive", help="Fix the amount the creditor agent receives.")
    ] = False,
    charge_bearer: Annotated[str, typer.Option(help="DEBT, CRED, SHAR or SLEV.")] = "DEBT",
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask for an executable FX quote; pay with it: `participant send --quote ID ...`."""
    with user_errors(), _participant.connect(url, token) as client:
        result = client.quote(
            to,
            from_ccy,
            to_ccy,
            amount,
            fixed_side="RECEIVE" if receive else "SEND",
            charge_bearer=charge_bearer,
        )
    if as_json:
        print_json(quote_json(result))
        return
    _show_quote(result)


def _show_quote(q: Quote) -> None:
    src, tgt = q.source_currency, q.target_currency
    console.print(f"[bold]quote {q.id}[/] ({q.status}) until {q.expires_at.isoformat()}")
    console.print(
        f"  you pay {format_amount(q.debtor_total_minor, src)} {src} "
        f"= {format_amount(q.source_minor, src)} converted "
        f"+ {format_amount(q.charges_minor, src)} charges"
    )
    console.print(
        f"  {q.creditor_agent} receives {format_amount(q.target_minor, tgt)} {tgt} "
        f"at {q.rate} {tgt} per {src}"
    )
    for leg in q.legs:
        console.print(
            f"  leg {leg.provider}: {format_amount(leg.source_minor, leg.source_currency)} "
            f"{leg.source_currency} -> {format_amount(leg.target_minor, leg.target_currency)} "
            f"{leg.target_currency} at {leg.rate}"
        )
    for charge in q.charges:
        amount = format_amount(charge.amount_minor, charge.currency)
        console.print(f"  charge {charge.kind}: {amount} {charge.currency} to {charge.agent}")


def _moment(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("is not an ISO 8601 date or time", field=field, value=text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def report(
    kind: Annotated[str, typer.Option(help="camt.053, camt.052 or camt.054.")],
    currency: Annotated[str, typer.Option(help="Your account's currency, e.g. INR.")],
    start: Annotated[str, typer.Option("--from", help="Start (ISO 8601; UTC if no zone).")],
    end: Annotated[str, typer.Option("--to", help="End, exclusive (ISO 8601).")],
    save: Annotated[Path | None, typer.Option(help="Write the XML to this file.")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """A camt statement / report / notification for your account (also in your inbox)."""
    with user_errors():
        period = (_moment(start, "--from"), _moment(end, "--to"))
        with _participant.connect(url, token) as client:
            result = client.report(kind, currency, *period)
        if save is not None:
            try:
                save.write_bytes(result.payload)
            except OSError as error:
                raise InputError(
                    f"cannot write: {error.strerror}", field="--save", value=str(save)
                ) from None
    if as_json:
        print_json(
            {
                "message_id": result.message_id,
                "kind": result.kind,
                "currency": result.currency,
                "from": result.period_from.isoformat(),
                "to": result.period_to.isoformat(),
                "bytes": len(result.payload),
            }
        )
        return
    console.print(
        f"[green]{result.kind}[/] {result.message_id} {result.currency} "
        f"{result.period_from.isoformat()} .. {result.period_to.isoformat()}"
    )
    if save is None:
        typer.echo(result.payload.decode("utf-8"))


def queue(
    currency: Annotated[str | None, typer.Option(help="One currency (default: all).")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Your payments waiting for liquidity, in settlement order."""
    with user_errors(), _participant.connect(url, token) as client:
        payments = client.queue(currency)
    show_queue(payments, as_json)


def priority(
    uetr: Annotated[str, typer.Argument(help="The queued payment's UETR.")],
    level: Annotated[str, typer.Argument(help="URGT, HIGH or NORM.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Change the priority of one of your queued payments."""
    with user_errors(), _participant.connect(url, token) as client:
        change = client.reprioritise(uetr, level)
    state = "settled" if change.settled else "changed" if change.changed else "unchanged"
    console.print(f"{uetr}: {state}")


def show_queue(payments: list[QueuedPayment], as_json: bool) -> None:
    rows = [
        {
            "position": p.position,
            "uetr": p.uetr,
            "priority": p.priority,
            "debtor": p.debtor,
            "creditor": p.creditor,
            "currency": p.currency,
            "amount": format_amount(p.amount_minor, p.currency),
            "amount_minor": p.amount_minor,
        }
        for p in payments
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("#", "uetr", "priority", "debtor", "creditor", "amount")
    for row in rows:
        amount = f"{row['amount']} {row['currency']}"
        table.add_row(
            str(row["position"]),
            row["uetr"],
            row["priority"],
            row["debtor"],
            row["creditor"],
            amount,
        )
    console.print(table)


COMMANDS = {"quote": quote, "report": report, "queue": queue, "priority": priority}


def participant_app() -> typer.Typer:
    """`corridor participant`: the commands of participant.py and of this module (each
    registered once, however often this is called)."""
    for name, command in COMMANDS.items():
        if not any(info.name == name for info in _participant.app.registered_commands):
            _participant.app.command(name)(command)
    return _participant.app
