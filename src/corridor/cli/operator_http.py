"""`corridor operator ...`: the operator's day over the hub's HTTP API (a running hub).

queues, gridlock, cut-off, end-of-day, day; four eyes: request, approvals, approve,
refuse; audit (and --verify). `--url`/CORRIDOR_URL and `--token`/CORRIDOR_TOKEN (an
operator, compliance or auditor credential); `--json` prints JSON. Exit codes: 0 done,
1 refused by the hub, 2 bad input.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from corridor.cli import participant as _participant
from corridor.cli._common import console, print_json, show_report, user_errors
from corridor.cli.participant import DEFAULT_URL, JsonOption, TokenOption, UrlOption
from corridor.cli.participant_more import show_queue
from corridor.client import Approval, DayStatus, Decision
from corridor.foundation.errors import InputError
from corridor.foundation.money import format_amount

app = typer.Typer(
    help="Operator work on a running hub: queues, business day, four eyes, audit.",
    no_args_is_help=True,
)
PARAMS_LENGTH_MAX = 100_000
Currency = Annotated[str, typer.Argument(help="ISO 4217 code, e.g. INR.")]
ApprovalId = Annotated[str, typer.Argument(help="The approval request's id.")]


@app.command("queues")
def queues(
    currency: Annotated[str | None, typer.Option(help="One currency (default: all).")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every queued payment, in settlement order."""
    with user_errors(), _participant.connect(url, token) as client:
        show_queue(client.queues(currency), as_json)


@app.command("gridlock")
def gridlock(
    currency: Currency,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run gridlock resolution for a currency now."""
    with user_errors(), _participant.connect(url, token) as client:
        report = client.gridlock(currency)
    saved = format_amount(report.liquidity_saved_minor, report.currency)
    show_report(
        report,
        as_json,
        f"{report.currency}: {report.settled_count} of {report.queued_count} queued settled; "
        f"liquidity saved {saved}",
    )


@app.command("cut-off")
def cut_off(
    currency: Currency,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject every payment still queued in a currency (TM01)."""
    with user_errors(), _participant.connect(url, token) as client:
        result = client.cut_off(currency)
    show_report(result, as_json, f"{result.currency}: {result.rejected} queued payment(s) rejected")


@app.command("end-of-day")
def end_of_day(
    currency: Currency,
    business_date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (default: the current business date).")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cut-off, then a camt.053 statement for every account of the currency."""
    with user_errors():
        day = _date(business_date) if business_date else None
        with _participant.connect(url, token) as client:
            result = client.end_of_day(currency, day)
    show_report(
        result,
        as_json,
        f"{result.currency} {result.business_date}: {result.statements} statement(s), "
        f"{result.entries} entries, {result.rejected_at_cut_off} rejected at cut-off",
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("must be YYYY-MM-DD", field="--business-date", value=text) from None


@app.command("day")
def day(
    url: UrlOption = DEFAULT_URL, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """Every currency's business day: state, cut-off, end of day, extension."""
    with user_errors(), _participant.connect(url, token) as client:
        days = client.day_states()
    if as_json:
        print_json([_day_json(d) for d in days])
        return
    table = Table("currency", "date", "state", "cut-off (UTC)", "end of day (UTC)", "ext", "queued")
    for d in days:
        table.add_row(
            d.currency,
            d.business_date.isoformat(),
            d.state,
            d.cut_off_at.isoformat(timespec="minutes"),
            d.end_of_day_at.isoformat(timespec="minutes"),
            f"{d.extension_min} min",
            str(d.queued_count),
        )
    console.print(table)


def _day_json(d: DayStatus) -> dict[str, Any]:
    return {
        "currency": d.currency,
        "business_date": d.business_date.isoformat(),
        "state": d.state,
        "time_zone": d.time_zone,
        "opens_at": d.opens_at.isoformat(),
        "cut_off_at": d.cut_off_at.isoformat(),
        "end_of_day_at": d.end_of_day_at.isoformat(),
        "extension_min": d.extension_min,
        "queued_count": d.queued_count,
    }


# -- four eyes -------------------------------------------------------------------------
@app.command("request")
def request(
    action: Annotated[
        str, typer.Argument(help="fund, defund, set_credit_line, set_limits, extend_cut_off.")
    ],
    params: Annotated[str, typer.Argument(help='JSON, e.g. \'{"bic": ..., "amount": "1.00"}\'.')],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Request a sensitive action; another user must approve it."""
    with user_errors():
        parsed = _params(params)
        with _participant.connect(url, token) as client:
            approval = client.request_approval(action, parsed)
    _show_approval(approval, as_json)


def _params(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if len(text) <= PARAMS_LENGTH_MAX else None
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise InputError("must be a JSON object", field="params", value=text[:80])
    return value


@app.command("approvals")
def approvals(
    url: UrlOption = DEFAULT_URL, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """Requests waiting for a second pair of eyes."""
    with user_errors(), _participant.connect(url, token) as client:
        pending = client.approvals()
    if as_json:
        print_json([approval_json(a) for a in pending])
        return
    table = Table("id", "action", "params", "requested by", "at")
    for a in pending:
        params = json.dumps(a.params, sort_keys=True)
        table.add_row(a.id, a.action, params, a.requested_by, a.requested_at.isoformat())
    console.print(table)


@app.command("approve")
def approve(
    approval_id: ApprovalId,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a request (you must not be its requester): it is carried out."""
    with user_errors(), _participant.connect(url, token) as client:
        decision = client.approve(approval_id)
    _show_decision(decision, as_json)


@app.command("refuse")
def refuse(
    approval_id: ApprovalId,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Refuse a request: nothing is carried out."""
    with user_errors(), _participant.connect(url, token) as client:
        decision = client.refuse(approval_id)
    _show_decision(decision, as_json)


def approval_json(a: Approval) -> dict[str, Any]:
    """A four-eyes request as `--json` prints it."""
    return {
        "id": a.id,
        "action": a.action,
        "params": a.params,
        "requested_by": a.requested_by,
        "requested_at": a.requested_at.isoformat(),
        "status": a.status,
        "decided_by": a.decided_by,
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
    }


def _show_approval(a: Approval, as_json: bool) -> None:
    if as_json:
        print_json(approval_json(a))
        return
    console.print(f"{a.action} {a.status}: {a.id} (requested by {a.requested_by})")


def _show_decision(d: Decision, as_json: bool) -> None:
    if as_json:
        print_json({"approval": approval_json(d.approval), "result": d.result})
        return
    result = f", result {d.result}" if d.result else ""
    console.print(f"{d.approval.action} {d.approval.status} by {d.approval.decided_by}{result}")


# -- audit -----------------------------------------------------------------------------
@app.command("audit")
def audit(
    after: Annotated[int, typer.Option(help="Entries after this seq.")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many (1..1000).")] = 100,
    verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain instead.")] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """The audit log, oldest first; --verify recomputes its hash chain (exit 1 if broken)."""
    with user_errors(), _participant.connect(url, token) as client:
        if verify:
            check = client.audit_verify()
        else:
            page = client.audit(after, limit)
    if verify:
        if as_json:
            print_json(dataclasses.asdict(check))
        else:
            colour = "green" if check.ok else "red"
            console.print(f"[{colour}]{check.entries} entries, {len(check.problems)} problem(s)[/]")
            for problem in check.problems:
                console.print(f"  {problem}", markup=False)
        if not check.ok:
            raise typer.Exit(1)
        return
    if as_json:
        print_json(dataclasses.asdict(page))
        return
    table = Table("seq", "at", "actor", "action", "detail")
    for e in page.entries:
        table.add_row(str(e.seq), e.at.isoformat(timespec="seconds"), e.actor, e.action, e.detail)
    console.print(table)
