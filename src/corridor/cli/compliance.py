"""`corridor compliance ...`: held payments and their cases over the hub's HTTP API.

cases (list, filter, --after CURSOR for the next page, --export csv|json), case ID (the
full explanation), reject UETR --note (one officer: RJCT RR04 to the sender), release UETR
--note (requests the release; a second officer runs `corridor operator approve ID`),
reload (operator: put the list archive in force and re-screen). `--url`/CORRIDOR_URL,
`--token`/CORRIDOR_TOKEN; `--json` prints JSON. Exit codes: 0 done, 1 refused by the
hub, 2 bad input.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from corridor.cli import participant as _participant
from corridor.cli._common import console, print_json, show_report, user_errors
from corridor.cli.operator_http import approval_json
from corridor.cli.participant import DEFAULT_URL, JsonOption, TokenOption, UrlOption
from corridor.client import Approval, Case

app = typer.Typer(
    help="Compliance cases: held payments, their explanations, release (four eyes), reject.",
    no_args_is_help=True,
)
Uetr = Annotated[str, typer.Argument(help="The held payment's UETR.")]
Note = Annotated[str, typer.Option("--note", help="Why (kept with the case and audited).")]
StatusOption = Annotated[
    str | None, typer.Option("--status", help="open, released or rejected (default: all).")
]


@app.command("cases")
def cases(
    status: StatusOption = None,
    uetr: Annotated[str | None, typer.Option(help="One payment's cases.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1..1000).")] = 100,
    after: Annotated[
        str | None, typer.Option(help="The cursor printed after the page before.")
    ] = None,
    export: Annotated[
        str | None, typer.Option("--export", help="csv or json: every match, explained.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the export here.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """List cases, oldest first; --export csv|json writes them with their explanations."""
    with user_errors(), _participant.connect(url, token) as client:
        if export is not None:
            text = client.export_cases(export, status, uetr)
        else:
            page = client.case_page(status, uetr, limit, after)
    if export is not None:
        _write(text, output)
        return
    if as_json:
        print_json([case_json(c) for c in page.cases])
    else:
        table = Table("id", "uetr", "status", "opened (UTC)", "summary", "decided by")
        for c in page.cases:
            opened = c.opened_at.isoformat(timespec="seconds")
            table.add_row(c.id, c.uetr, c.status, opened, c.summary, c.decided_by or "")
        console.print(table)
    if page.has_more:  # on stderr: --json output stays a plain list
        typer.echo(f"more cases: --after {page.next_after}", err=True)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}", markup=False)


@app.command("case")
def case(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """One case with every hit's explanation."""
    with user_errors(), _participant.connect(url, token) as client:
        found = client.case(case_id)
    show_case(found, as_json)


@app.command("reject")
def reject(
    uetr: Uetr,
    note: Note,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a held payment (one officer): the sender gets a pacs.002 RJCT, RR04."""
    with user_errors(), _participant.connect(url, token) as client:
        decided = client.reject_hold(uetr, note)
    show_case(decided, as_json)


@app.command("release")
def release(
    uetr: Uetr,
    note: Note,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Request a held payment's release; a different officer approves it
    (`corridor operator approve ID`), which settles it."""
    with user_errors(), _participant.connect(url, token) as client:
        approval = client.request_release(uetr, note)
    if as_json:
        print_json(approval_json(approval))
        return
    _show_request(approval)


def _show_request(approval: Approval) -> None:
    console.print(
        f"release of {approval.params.get('uetr')} requested by {approval.requested_by}: "
        f"approval {approval.id} ({approval.status})",
        markup=False,
    )
    console.print(f"a second officer approves: corridor operator approve {approval.id}")


@app.command("reload")
def reload(
    url: UrlOption = DEFAULT_URL, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """Operator: put the hub's list archive in force and re-screen waiting payments."""
    with user_errors(), _participant.connect(url, token) as client:
        report = client.reload_lists()
    show_report(
        report,
        as_json,
        f"lists in force: {', '.join(report.lists) or '(none)'}; "
        f"{report.queued_now_held} queued payment(s) now held; "
        f"{report.held_rescreened} held payment(s) re-screened",
        markup=False,
    )


def case_json(c: Case) -> dict[str, Any]:
    data = dataclasses.asdict(c)
    data["opened_at"] = c.opened_at.isoformat()
    data["decided_at"] = c.decided_at.isoformat() if c.decided_at else None
    return data


def show_case(c: Case, as_json: bool) -> None:
    if as_json:
        print_json(case_json(c))
        return
    console.print(f"case {c.id}: {c.status}, payment {c.uetr}", markup=False)
    console.print(f"  opened {c.opened_at.isoformat()}: {c.summary}", markup=False)
    if c.decided_by:
        console.print(f"  decided by {c.decided_by}: {c.decision_note or ''}", markup=False)
    if c.explanation is None:
        return
    lists = ", ".join(f"{n}@{v[:12]}" for n, v in sorted(c.explanation.lists_used.items()))
    console.print(f"  screened against {lists or '(no lists)'}", markup=False)
    for hit in c.explanation.hits:
        console.print(f"  {hit.field}: {hit.query!r}", markup=False)
        for line in hit.explanation.splitlines():
            console.print(f"    {line}", markup=False)
    for rule in c.explanation.rules:
        console.print(f"  rule: {rule}", markup=False)
    for alert in c.explanation.aml:
        console.print(f"  AML: {alert}", markup=False)
