"""Compliance cases over HTTP: a screening hit holds a payment and opens a case; compliance
officers read it with its explanation and decide. Rejection is one officer's (the sender
gets a pacs.002 RJCT, RR04); release is four eyes: one officer requests it here, a
different officer approves it at /v1/operator/approvals/{id}/approve. Operators reload
the watch lists, which re-screens what has not moved yet. Every decision is audited.

Reads admit compliance, operator and auditor users; decisions, compliance officers only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from corridor.api import render
from corridor.api.auth import OperatorReader, OperatorWriter, roles
from corridor.api.context import Ctx
from corridor.api.errors import ApiError, ErrorEnvelope, NotFoundError, documented
from corridor.api.routes_approvals import approval_view
from corridor.api.routes_payments import UETR_PATH
from corridor.api.schemas_approvals import ApprovalView
from corridor.api.schemas_compliance import (
    CASES_PAGE_MAX,
    AmlAlertView,
    CaseExport,
    CaseList,
    CaseSummaryView,
    CaseView,
    DecisionNote,
    ExplanationView,
    ListHitView,
    RescreenView,
    RuleHitView,
    SuppressionRequest,
)
from corridor.foundation.clock import ms_to_datetime
from corridor.foundation.errors import InputError
from corridor.hub.security import Principal, Role
from corridor.hub.service import Hub
from corridor.payments.records import CaseStatus, ComplianceCase
from corridor.store.audit_store import ApprovalRow
from corridor.store.case_store import CaseCursor, cursor_of
from corridor.store.watchlist_archive import WatchListArchive

router = APIRouter(prefix="/v1/compliance", tags=["compliance"])
operator_router = APIRouter(prefix="/v1/operator/screening", tags=["operator"])
Officer = Annotated[Principal, Depends(roles(Role.compliance))]
CASE_ID_LENGTH_MAX = 64
CASE_ID_PATH = Path(max_length=CASE_ID_LENGTH_MAX, description="the case's id")
RELEASE_ACTION = "release_hold"
EXPORT_CSV_COLUMNS = (
    "id",
    "uetr",
    "status",
    "opened_at",
    "summary",
    "entries",
    "lists_used",
    "decided_by",
    "decided_at",
    "decision_note",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The cases with their explanations (JSON, or CSV with ?format=csv)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorEnvelope, "description": "A release request is already pending"}
}


class ReleasePendingError(ApiError):
    status, type, code = 409, "invalid_request_error", "release_already_requested"


# -- rendering ------------------------------------------------------------------------
def case_summary(case: ComplianceCase) -> CaseSummaryView:
    return CaseSummaryView(**_summary_fields(case))


def case_view(case: ComplianceCase) -> CaseView:
    return CaseView(
        **_summary_fields(case),
        explanation=explanation(case.hits),
        lists_used={str(k): str(v) for k, v in _json_object(case.lists_used).items()},
    )


def _summary_fields(case: ComplianceCase) -> dict[str, Any]:
    decided_at = case.decided_at_ms
    return {
        "id": case.id,
        "uetr": case.uetr,
        "status": case.status,
        "opened_at": ms_to_datetime(case.opened_at_ms),
        "summary": case.summary,
        "decided_by": case.decided_by,
        "decided_at": None if decided_at is None else ms_to_datetime(decided_at),
        "decision_note": case.decision_note,
    }


def explanation(text: str) -> ExplanationView:
    """The case's stored JSON (compliance.py writes it) as typed views."""
    data = _json_object(text)
    return ExplanationView(
        hits=[
            ListHitView(list_name=h.get("list", ""), **{k: v for k, v in h.items() if k != "list"})
            for h in data.get("hits", [])
        ],
        rules=[RuleHitView(**r) for r in data.get("rules", [])],
        aml=[AmlAlertView(**a) for a in data.get("aml", [])],
    )


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text) if text else {}
    if not isinstance(value, dict):
        raise ValueError(f"a case's JSON must be an object, not {type(value).__name__}")
    return value


def cases_csv(cases: Iterable[ComplianceCase]) -> Iterator[str]:
    """The cases as CSV lines (RFC 4180, header row first); cells that a spreadsheet
    would run as a formula (names come from payments) are prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_CSV_COLUMNS)
    yield _taken(out)
    for case in cases:
        view = case_view(case)
        entries = ";".join(h.entry for h in view.explanation.hits)
        lists = ";".join(f"{name}@{version}" for name, version in sorted(view.lists_used.items()))
        row = [
            view.id,
            view.uetr,
            view.status.value,
            view.opened_at.isoformat(),
            view.summary,
            entries,
            lists,
            view.decided_by or "",
            view.decided_at.isoformat() if view.decided_at else "",
            view.decision_note or "",
        ]
        writer.writerow([_cell(value) for value in row])
        yield _taken(out)


def _taken(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


# -- reading --------------------------------------------------------------------------
StatusQuery = Query(None, description="open, released or rejected (default: all)")
UetrQuery = Query(None, max_length=64, description="the held payment's UETR")


AfterQuery = Query(
    None,
    max_length=120,
    description="the `next_after` of the page before (default: from the oldest case)",
)


@router.get(
    "/cases",
    summary="List compliance cases, oldest first (cursor: `after` = the last page's next_after)",
    description="Filter by `status` and `uetr`; page through every case with `after`.",
    response_model=CaseList,
    responses=documented(400, 401, 403),
)
def list_cases(
    principal: OperatorReader,
    ctx: Ctx,
    status: CaseStatus | None = StatusQuery,
    uetr: str | None = UetrQuery,
    after: str | None = AfterQuery,
    limit: int = Query(100, ge=1, le=CASES_PAGE_MAX),
) -> CaseList:
    # One more than asked for tells whether another page follows, in the same read.
    cases = ctx.hub.cases(principal, status, uetr, after=_cursor(after), limit=limit + 1)
    page = cases[:limit]
    return CaseList(
        data=[case_summary(c) for c in page],
        has_more=len(cases) > limit,
        next_after=_cursor_text(cursor_of(page[-1])) if page else after,
    )


def _cursor(text: str | None) -> CaseCursor | None:
    if text is None:
        return None
    opened, _, case_id = text.partition(":")
    well_formed = (
        0 < len(opened) <= 18
        and opened.isascii()
        and opened.isdigit()
        and 0 < len(case_id) <= CASE_ID_LENGTH_MAX
        and all(c.isascii() and (c.isalnum() or c == "-") for c in case_id)
    )
    if not well_formed:
        raise InputError("not a cursor this list gave (next_after)", field="after", value=text)
    return CaseCursor(int(opened), case_id)


def _cursor_text(cursor: CaseCursor) -> str:
    return f"{cursor.opened_at_ms}:{cursor.case_id}"


@router.get(
    "/cases/export",
    summary="Export every matching case with its explanation (JSON or CSV)",
    description="The same filters as the list; every matching case, oldest first, "
    "however many (written as it is read). CSV columns: "
    + ", ".join(EXPORT_CSV_COLUMNS)
    + " (entries and lists_used `;`-separated).",
    response_model=CaseExport,
    responses={**_CSV, **documented(400, 401, 403)},
)
def export_cases(
    principal: OperatorReader,
    ctx: Ctx,
    request: Request,
    status: CaseStatus | None = StatusQuery,
    uetr: str | None = UetrQuery,
    format: Literal["json", "csv"] | None = Query(None, description="default: JSON"),
) -> Response:
    cases = ctx.hub.every_case(principal, status, uetr)
    if render.wants_csv(request, format):
        return StreamingResponse(
            cases_csv(cases),
            media_type=render.CSV_MEDIA_TYPE,
            headers=render.attachment("cases.csv"),
        )
    return StreamingResponse(_cases_json(cases), media_type="application/json")


def _cases_json(cases: Iterable[ComplianceCase]) -> Iterator[str]:
    """CaseExport as JSON text, a case at a time."""
    yield '{"data":['
    for n, case in enumerate(cases):
        yield ("," if n else "") + case_view(case).model_dump_json()
    yield "]}"


@router.get(
    "/cases/{case_id}",
    summary="One case with its full explanation",
    response_model=CaseView,
    responses=documented(401, 403, 404),
)
def get_case(principal: OperatorReader, ctx: Ctx, case_id: str = CASE_ID_PATH) -> CaseView:
    found = ctx.hub.case(principal, case_id)
    if found is None:
        raise NotFoundError("no such case", param="case_id")
    return case_view(found)


# -- deciding -------------------------------------------------------------------------
@router.post(
    "/cases/{uetr}/reject",
    summary="Reject a held payment (one officer): the sender gets RJCT RR04",
    response_model=CaseView,
    responses=documented(400, 401, 403, 503),
)
async def reject(
    principal: Officer, ctx: Ctx, body: DecisionNote, uetr: str = UETR_PATH
) -> CaseView:
    return case_view(await ctx.engine.run(ctx.hub.reject_hold, principal, uetr, body.note))


@router.post(
    "/cases/{uetr}/release",
    status_code=201,
    summary="Request the release of a held payment (four eyes)",
    description="Creates a `release_hold` approval request; a different compliance "
    "officer approves it at /v1/operator/approvals/{id}/approve, which settles the "
    "payment (or queues it for liquidity).",
    response_model=ApprovalView,
    responses={**_CONFLICT, **documented(400, 401, 403, 503)},
)
async def release(
    principal: Officer, ctx: Ctx, body: DecisionNote, uetr: str = UETR_PATH
) -> ApprovalView:
    row = await ctx.engine.run(_request_release, ctx.hub, principal, uetr, body.note)
    return approval_view(row)


def _request_release(hub: Hub, principal: Principal, uetr: str, note: str) -> ApprovalRow:
    """On the engine thread, so the checks and the request see the same state."""
    if not hub.cases(principal, CaseStatus.open, uetr, limit=1):
        raise InputError("no held payment with an open case", field="uetr", value=uetr)
    for row in hub.four_eyes.pending():
        if row.action == RELEASE_ACTION and json.loads(row.params).get("uetr") == uetr:
            raise ReleasePendingError(
                f"release already requested by {row.requested_by} (approval {row.id})",
                param="uetr",
            )
    return hub.request_approval(principal, RELEASE_ACTION, {"uetr": uetr, "note": note})


@router.post(
    "/suppressions",
    status_code=201,
    summary="Propose suppressing a known false positive (four eyes)",
    description="Creates a `suppress_hit` approval request; once a different compliance "
    "officer approves it at /v1/operator/approvals/{id}/approve, the name no longer hits "
    "that entry in that list version (a new list version needs a new suppression).",
    response_model=ApprovalView,
    responses=documented(400, 401, 403, 503),
)
async def propose_suppression(
    principal: Officer, ctx: Ctx, body: SuppressionRequest
) -> ApprovalView:
    row = await ctx.engine.run(
        ctx.hub.request_approval, principal, "suppress_hit", body.model_dump()
    )
    return approval_view(row)


# -- watch lists ----------------------------------------------------------------------
@operator_router.post(
    "/reload",
    summary="Put the archive's watch lists in force and re-screen waiting payments",
    description="Reads the list archive the hub was started with (`corridor screening "
    "lists load --data-dir`). Queued payments that now hit are held with a case; held "
    "payments get a note of what the new lists say.",
    response_model=RescreenView,
    responses=documented(400, 401, 403, 503),
)
async def reload_lists(principal: OperatorWriter, ctx: Ctx, request: Request) -> RescreenView:
    directory = _watchlists_dir(request)
    report = await ctx.engine.run(
        ctx.hub.reload_lists, directory, request.app.state.screening_threshold, principal.name
    )
    return RescreenView(
        lists=list(report.lists),
        queued_now_held=report.queued_now_held,
        held_rescreened=report.held_rescreened,
    )


def _watchlists_dir(request: Request) -> FilePath:
    directory = getattr(request.app.state, "watchlists_dir", None)
    if directory is None:
        raise InputError("the hub was started without a watch-list archive", field="watchlists_dir")
    assert isinstance(directory, FilePath)
    if not directory.is_dir() or not WatchListArchive(directory).list_names():
        raise InputError(
            "holds no watch lists: run `corridor screening lists load --data-dir` first",
            field="watchlists_dir",
            value=str(directory),
        )
    return directory
