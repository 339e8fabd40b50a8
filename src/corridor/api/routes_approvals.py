"""Four eyes and the audit log: an operator requests a sensitive action, a different
operator or compliance user approves (it is carried out) or refuses it; every decision is
in the hash-chained audit log, which auditors read and verify."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from corridor.api.auth import OperatorReader, OperatorWriter, roles
from corridor.api.context import ApiContext, Ctx
from corridor.api.errors import documented
from corridor.api.schemas_approvals import (
    ApprovalBody,
    ApprovalList,
    ApprovalRequest,
    ApprovalView,
    AuditCheckView,
    AuditEntryView,
    AuditPage,
    CreditLineParams,
    CreditLineRequest,
    DecisionView,
    DefundRequest,
    FundParams,
    FundRequest,
    LimitsParams,
)
from corridor.foundation.clock import ms_to_datetime
from corridor.foundation.errors import InputError
from corridor.foundation.money import parse_amount
from corridor.hub.approvals import Decision
from corridor.hub.security import Principal, Role
from corridor.store.audit_store import ApprovalRow, AuditRow

router = APIRouter(prefix="/v1/operator", tags=["operator"])
Approver = Annotated[Principal, Depends(roles(Role.operator, Role.compliance))]
AUDIT_PAGE_MAX = 1_000
APPROVAL_ID_PATH = Path(max_length=64, description="the approval request's id")
_SEQ_MAX = 2**63 - 1


def approval_view(row: ApprovalRow) -> ApprovalView:
    return ApprovalView(
        id=row.id,
        action=row.action,
        params=json.loads(row.params),
        requested_by=row.requested_by,
        requested_at=ms_to_datetime(row.requested_at_ms),
        status=row.status,
        decided_by=row.decided_by,
        decided_at=None if row.decided_at_ms is None else ms_to_datetime(row.decided_at_ms),
    )


def _decision(decision: Decision) -> DecisionView:
    result = decision.result
    name = None if result is None else str(getattr(result, "name", result))
    return DecisionView(approval=approval_view(decision.approval), result=name)


def _audit_entry(row: AuditRow) -> AuditEntryView:
    return AuditEntryView(
        seq=row.seq,
        at=ms_to_datetime(row.at_ms),
        actor=row.actor,
        action=row.action,
        detail=row.detail,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _check_params(ctx: ApiContext, body: ApprovalBody) -> None:
    """Refuse, at request time, what could never be carried out (naming the field)."""
    params = body.params
    if params.currency not in ctx.hub.days.currencies():
        raise InputError(
            "is not a currency of this network", field="params.currency", value=params.currency
        )
    if isinstance(body, FundRequest | DefundRequest | CreditLineRequest):
        assert isinstance(params, FundParams | CreditLineParams)
        if ctx.hub.directory.account_id(params.bic, params.currency) is None:
            raise InputError(
                f"has no {params.currency} account", field="params.bic", value=params.bic
            )
    if isinstance(params, FundParams):
        if parse_amount(params.amount, params.currency, field="params.amount") <= 0:
            raise InputError(
                "must be greater than zero", field="params.amount", value=params.amount
            )
    elif isinstance(params, CreditLineParams):
        parse_amount(params.credit_line, params.currency, field="params.credit_line")
    elif isinstance(params, LimitsParams):
        for name in ("bilateral", "multilateral", "net_debit_cap"):
            for index, row in enumerate(getattr(params, name)):
                parse_amount(row[-1], params.currency, field=f"params.{name}[{index}]")


@router.get(
    "/approvals",
    summary="Requests waiting for a second pair of eyes",
    response_model=ApprovalList,
    responses=documented(401, 403),
)
def pending_approvals(_p: OperatorReader, ctx: Ctx) -> ApprovalList:
    return ApprovalList(data=[approval_view(row) for row in ctx.hub.four_eyes.pending()])


@router.post(
    "/approvals",
    status_code=201,
    summary="Request a sensitive action (carried out only when another user approves)",
    description="Actions: fund, defund {bic, currency, amount}; set_credit_line {bic, "
    "currency, credit_line}; set_limits {currency, bilateral, multilateral, "
    "net_debit_cap}; extend_cut_off {currency, minutes, reason}.",
    response_model=ApprovalView,
    responses=documented(400, 401, 403, 503),
)
async def request_approval(
    principal: OperatorWriter, ctx: Ctx, body: ApprovalRequest
) -> ApprovalView:
    _check_params(ctx, body)
    params = body.params.model_dump(mode="json")
    row = await ctx.engine.run(ctx.hub.request_approval, principal, body.action, params)
    return approval_view(row)


@router.post(
    "/approvals/{approval_id}/approve",
    summary="Approve a request (a different user from the requester): it is carried out",
    response_model=DecisionView,
    responses=documented(400, 401, 403, 503),
)
async def approve(
    principal: Approver, ctx: Ctx, approval_id: str = APPROVAL_ID_PATH
) -> DecisionView:
    return _decision(await ctx.engine.run(ctx.hub.approve, principal, approval_id))


@router.post(
    "/approvals/{approval_id}/refuse",
    summary="Refuse a request: nothing is carried out",
    response_model=DecisionView,
    responses=documented(400, 401, 403, 503),
)
async def refuse(
    principal: Approver, ctx: Ctx, approval_id: str = APPROVAL_ID_PATH
) -> DecisionView:
    return _decision(await ctx.engine.run(ctx.hub.refuse, principal, approval_id))


@router.get(
    "/audit",
    summary="The audit log, oldest first (cursor: `after` = the last seq you have)",
    response_model=AuditPage,
    responses=documented(400, 401, 403),
)
def audit_log(
    _p: OperatorReader,
    ctx: Ctx,
    after: int = Query(0, ge=0, le=_SEQ_MAX),
    limit: int = Query(100, ge=1, le=AUDIT_PAGE_MAX),
) -> AuditPage:
    rows = ctx.hub.audit.entries(after, limit + 1)
    page = rows[:limit]
    next_after = page[-1].seq if page else after
    return AuditPage(
        data=[_audit_entry(r) for r in page], has_more=len(rows) > limit, next_after=next_after
    )


@router.get(
    "/audit/verify",
    summary="Recompute the audit log's hash chain",
    response_model=AuditCheckView,
    responses=documented(401, 403),
)
def audit_verify(_p: OperatorReader, ctx: Ctx) -> AuditCheckView:
    check = ctx.hub.audit.verify()
    return AuditCheckView(
        entries=check.entries, ok=not check.problems, problems=list(check.problems)
    )
