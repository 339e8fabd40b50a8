"""`corridor participant ...`: a bank's side of the network, over the hub's HTTP API.

send (a file, or a pacs.008 from flags), watch (the inbox, long polled), ack, track,
balance. `--url`/CORRIDOR_URL and `--token`/CORRIDOR_TOKEN say where and who; `--json`
prints machine-readable output. Exit codes: 0 done, 1 refused (a RJCT answer, an API
error, an unknown id), 2 bad input (named field), found before anything is sent.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from corridor.cli._common import console, err_console, print_json, user_errors
from corridor.client import (
    DEFAULT_HUB_BIC,
    CorridorClient,
    InboxMessage,
    SubmitResult,
    Tracking,
    compose_credit_transfer,
    compose_fx_transfer,
    load_key,
    sign_message,
)
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount

app = typer.Typer(
    help="Send payments and read your inbox (a bank, over the HTTP API).", no_args_is_help=True
)

DEFAULT_URL = "http://127.0.0.1:8080"
MESSAGE_FILE_BYTES_MAX = 4 * 1024 * 1024

UrlOption = Annotated[
    str, typer.Option("--url", envvar="CORRIDOR_URL", help="The hub's API address.")
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="CORRIDOR_TOKEN",
        show_default=False,
        help="Your API credential (crd_...), issued by the operator.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def connect(url: str, token: str | None) -> CorridorClient:
    """The client for a command (tests replace the network with a transport here)."""
    if not token:
        raise InputError("missing: pass --token or set CORRIDOR_TOKEN", field="token")
    return CorridorClient(url, token)


# -- send -------------------------------------------------------------------------------
@app.command("send")
def send(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A message file (XML). Without it, a pacs.008 is made from the flags.",
            show_default=False,
        ),
    ] = None,
    sender: Annotated[str | None, typer.Option("--from", help="Debtor agent BIC (you).")] = None,
    receiver: Annotated[str | None, typer.Option("--to", help="Creditor agent BIC.")] = None,
    amount: Annotated[str | None, typer.Option(help="Decimal amount, e.g. 100.00.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code, e.g. INR.")] = None,
    debtor_name: Annotated[str | None, typer.Option(help="Debtor (default: --from).")] = None,
    creditor_name: Annotated[str | None, typer.Option(help="Creditor (default: --to).")] = None,
    remittance: Annotated[
        list[str] | None, typer.Option(help="Remittance line (repeatable).")
    ] = None,
    uetr: Annotated[str | None, typer.Option(help="UETR (default: a new UUID v4).")] = None,
    msg_id: Annotated[str | None, typer.Option(help="MsgId (default: a new id).")] = None,
    priority: Annotated[str | None, typer.Option(help="SttlmPrty: URGT, HIGH, NORM.")] = None,
    quote: Annotated[
        str | None,
        typer.Option(
            "--quote",
            help="Pay with this FX quote (from `participant quote`): amounts, currencies, "
            "rate and creditor agent come from it.",
        ),
    ] = None,
    hub_bic: Annotated[
        str, typer.Option(envvar="CORRIDOR_HUB_BIC", help="The hub's BIC (AppHdr To).")
    ] = DEFAULT_HUB_BIC,
    key: Annotated[
        Path | None,
        typer.Option(
            help="Your private key PEM: signs the message (omit for a file already signed)."
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send one message and print the hub's answer (exit 1 if it is a RJCT)."""
    if quote is not None:
        names = (debtor_name, creditor_name, remittance, uetr, msg_id, priority, hub_bic)
        result = _send_quoted(
            quote, file, sender, receiver, amount, currency, key, names, url, token
        )
        _show_answer(result, as_json)
        if not result.accepted:
            raise typer.Exit(1)
        return
    with user_errors():
        if file is not None:
            if sender or receiver or amount or currency:
                raise InputError(
                    "give a FILE or --from/--to/--amount/--currency, not both",
                    field="file",
                    value=str(file),
                )
            xml = _read_message(file)
        else:
            xml = _compose(
                sender,
                receiver,
                amount,
                currency,
                debtor_name,
                creditor_name,
                remittance,
                uetr,
                msg_id,
                priority,
                hub_bic,
            )
        if key is not None:
            xml = sign_message(xml, load_key(key))
        with connect(url, token) as client:
            result = client.send(xml)
    _show_answer(result, as_json)
    if not result.accepted:
        raise typer.Exit(1)


def _send_quoted(
    quote_id: str,
    file: Path | None,
    sender: str | None,
    receiver: str | None,
    amount: str | None,
    currency: str | None,
    key: Path | None,
    fields: tuple[Any, ...],
    url: str,
    token: str | None,
) -> SubmitResult:
    """A pacs.008 that uses quote `quote_id` (fetched from the hub), signed and sent."""
    debtor_name, creditor_name, remittance, uetr, msg_id, priority, hub_bic = fields
    with user_errors():
        if file is not None or amount or currency:
            raise InputError(
                "--quote sets the amounts and currencies: no FILE, --amount or --currency",
                field="--quote",
                value=quote_id,
            )
        if key is None:
            raise InputError("missing (a quoted pacs.008 is made here and signed)", field="--key")
        private_key = load_key(key)
        with connect(url, token) as client:
            quoted = client.get_quote(quote_id)
            if receiver and receiver != quoted.creditor_agent:
                raise InputError(
                    f"the quote is for {quoted.creditor_agent}", field="--to", value=receiver
                )
            if sender and sender != quoted.debtor_agent:
                raise InputError(
                    f"the quote is for {quoted.debtor_agent}", field="--from", value=sender
                )
            xml = compose_fx_transfer(
                quoted,
                debtor_name=debtor_name or quoted.debtor_agent,
                creditor_name=creditor_name or quoted.creditor_agent,
                remittance=remittance or (),
                uetr=uetr,
                msg_id=msg_id,
                settlement_priority=priority,
                hub_bic=hub_bic,
            )
            return client.send(sign_message(xml, private_key))


# compose_credit_transfer's field names -> the flags that set them
_FLAGS = {
    "debtor_agent": "--from",
    "creditor_agent": "--to",
    "amount": "--amount",
    "currency": "--currency",
    "debtor_name": "--debtor-name",
    "creditor_name": "--creditor-name",
    "remittance": "--remittance",
    "uetr": "--uetr",
    "msg_id": "--msg-id",
    "settlement_priority": "--priority",
    "hub_bic": "--hub-bic",
}


def _compose(
    sender: str | None,
    receiver: str | None,
    amount: str | None,
    currency: str | None,
    debtor_name: str | None,
    creditor_name: str | None,
    remittance: list[str] | None,
    uetr: str | None,
    msg_id: str | None,
    priority: str | None,
    hub_bic: str,
) -> bytes:
    """A pacs.008 from the flags; errors name the flag, e.g. "--amount: ..."."""
    try:
        return compose_credit_transfer(
            _required(sender, "--from"),
            _required(receiver, "--to"),
            _required(amount, "--amount"),
            _required(currency, "--currency"),
            debtor_name=debtor_name or sender or "",
            creditor_name=creditor_name or receiver or "",
            remittance=remittance or (),
            uetr=uetr,
            msg_id=msg_id,
            settlement_priority=priority,
            hub_bic=hub_bic,
        )
    except InputError as error:
        if error.field not in _FLAGS:
            raise
        raise type(error)(error.message, field=_FLAGS[error.field], value=error.value) from None


def _required(value: str | None, field: str) -> str:
    if not value:
        raise InputError("missing (needed to make a pacs.008 without a FILE)", field=field)
    return value


def _read_message(file: Path) -> bytes:
    try:
        if file.stat().st_size > MESSAGE_FILE_BYTES_MAX:
            raise InputError(
                f"at most {MESSAGE_FILE_BYTES_MAX} bytes", field="file", value=str(file)
            )
        return file.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", field="file", value=str(file)) from None


def _show_answer(result: SubmitResult, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "status": result.status,
                "reason": result.reason,
                "message_id": result.message_id,
                "kind": result.kind,
                "duplicate": result.duplicate,
                "uetrs": list(result.uetrs),
                "detail": result.detail,
            }
        )
        return
    colour = "red" if not result.accepted else "green" if result.status == "ACSC" else "yellow"
    reason = f" {result.reason}" if result.reason else ""
    duplicate = " (duplicate: the original answer)" if result.duplicate else ""
    console.print(
        f"[bold {colour}]{result.status}{reason}[/]{duplicate} "
        f"answer {result.message_id} ({result.kind})"
    )
    for uetr in result.uetrs:
        console.print(f"  UETR {uetr}")
    if result.detail:
        console.print(f"  {result.detail}", markup=False)


# -- watch and ack ----------------------------------------------------------------------
@app.command("watch")
def watch(
    after: Annotated[int, typer.Option(help="Start after this seq (0: from the start).")] = 0,
    ack: Annotated[bool, typer.Option("--ack", help="Acknowledge what was shown.")] = False,
    once: Annotated[bool, typer.Option("--once", help="Show what is there, then exit.")] = False,
    idle_timeout: Annotated[
        float | None, typer.Option(help="Exit after this many seconds without a new message.")
    ] = None,
    save_dir: Annotated[
        Path | None, typer.Option(help="Write each message to DIR/<message id>.xml.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show messages for you as they arrive (JSON Lines with --json), until Ctrl-C."""
    idle_s = 0.0 if once else idle_timeout
    count = 0
    with user_errors(), connect(url, token) as client:
        if save_dir is not None:
            _make_dir(save_dir)
        try:
            for message in client.watch(after, idle_timeout_s=idle_s, auto_ack=ack):
                count += 1
                if save_dir is not None:
                    _save(save_dir, message)
                _show_message(message, as_json)
        except KeyboardInterrupt:
            pass
    if not as_json:
        err_console.print(f"{count} message(s){' acknowledged' if ack else ''}")


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"cannot create: {error.strerror}", field="save_dir", value=str(path)
        ) from None


def _save(directory: Path, message: InboxMessage) -> None:
    safe_name = "".join(c for c in message.message_id if c.isalnum() or c in "-_")
    (directory / f"{safe_name}.xml").write_bytes(message.payload)


def _show_message(message: InboxMessage, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_message_json(message), sort_keys=True))
        return
    created = message.created_at.isoformat(timespec="seconds") if message.created_at else ""
    uetrs = " ".join(message.uetrs) or "-"
    console.print(
        f"[bold]{message.seq:>6}[/] {created} [cyan]{message.kind}[/] "
        f"{message.message_id} UETR {uetrs}"
    )


def _message_json(message: InboxMessage) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "message_id": message.message_id,
        "kind": message.kind,
        "uetrs": list(message.uetrs),
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "acked_at": message.acked_at.isoformat() if message.acked_at else None,
        "payload_base64": base64.b64encode(message.payload).decode("ascii"),
    }


@app.command("ack")
def ack(
    message_ids: Annotated[list[str], typer.Argument(help="Message ids to acknowledge.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Acknowledge delivered messages (exit 1 if an id is unknown)."""
    with user_errors(), connect(url, token) as client:
        result = client.ack(message_ids)
    if as_json:
        print_json({"acknowledged": list(result.acknowledged), "unknown": list(result.unknown)})
    else:
        console.print(f"[green]{len(result.acknowledged)} acknowledged[/]")
        for message_id in result.unknown:
            err_console.print(f"[red]unknown:[/] {message_id}", markup=True)
    if result.unknown:
        raise typer.Exit(1)


# -- reading ----------------------------------------------------------------------------
@app.command("track")
def track(
    uetr: Annotated[str, typer.Argument(help="The payment's UETR.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """A payment's state and every step of its life."""
    with user_errors(), connect(url, token) as client:
        tracking = client.track(uetr)
    if as_json:
        print_json(tracking.raw)
        return
    _show_tracking(tracking)


def _show_tracking(t: Tracking) -> None:
    amount = format_amount(t.amount_minor, t.currency)
    reason = f" {t.reason}" if t.reason else ""
    console.print(
        f"[bold]{t.uetr}[/] {t.kind} {amount} {t.currency} "
        f"{t.debtor_agent} -> {t.creditor_agent}: [bold]{t.state}{reason}[/]"
    )
    table = Table("at", "state", "detail")
    for event in t.events:
        at = event.at.isoformat(timespec="milliseconds") if event.at else ""
        table.add_row(at, event.state, event.detail)
    console.print(table)


@app.command("balance")
def balance(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Your settlement accounts: balance, available, floor."""
    with user_errors(), connect(url, token) as client:
        balances = client.balances()
    rows = [
        {
            "currency": b.currency,
            "balance": format_amount(b.balance_minor, b.currency),
            "available": format_amount(b.available_minor, b.currency),
            "floor": None if b.floor_minor is None else format_amount(b.floor_minor, b.currency),
            "balance_minor": b.balance_minor,
            "closed": b.closed,
        }
        for b in balances
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("currency", "balance", "available", "floor")
    for row in rows:
        table.add_row(row["currency"], row["balance"], row["available"], row["floor"] or "-")
    console.print(table)
