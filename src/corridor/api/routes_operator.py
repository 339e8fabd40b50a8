"""Operator endpoints: directory (onboard, suspend, reinstate, close, keys), credentials,
all accounts, any payment. Reads admit operator, compliance and auditor; writes, operator."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query

from corridor.api import render
from corridor.api.auth import OperatorReader, OperatorWriter
from corridor.api.context import ApiContext, Ctx
from corridor.api.errors import NotFoundError, documented
from corridor.api.routes_approvals import approval_view
from corridor.api.routes_payments import UETR_PATH, tracking_view
from corridor.api.schemas import (
    AccountList,
    CredentialRequest,
    CredentialView,
    KeyRequest,
    OnboardRequest,
    ParticipantList,
    ParticipantView,
    TrackingView,
)
from corridor.api.schemas_approvals import ApprovalView
from corridor.foundation.errors import InputError
from corridor.foundation.money import parse_amount
from corridor.hub.security import Principal, Role
from corridor.hub.service import Hub
from corridor.ledger import AccountBalance
from corridor.payments.records import Participant, ParticipantStatus

router = APIRouter(prefix="/v1/operator", tags=["operator"])
BIC_PATH = Path(min_length=1, max_length=11, description="the participant's BIC")


def _existing(ctx: ApiContext, bic: str) -> None:
    if ctx.hub.directory.participant(bic) is None:
        raise NotFoundError("no such participant", param="bic")


@router.get(
    "/participants",
    summary="List participants",
    response_model=ParticipantList,
    responses=documented(401, 403),
)
def list_participants(_principal: OperatorReader, ctx: Ctx) -> ParticipantList:
    return ParticipantList(data=[render.participant(p) for p in ctx.hub.participants()])


def _check_credit_lines(body: OnboardRequest) -> None:
    """Each credit line named and checked as the request has it (the hub keeps the text)."""
    for index, account in enumerate(body.accounts):
        field = f"accounts[{index}].credit_line"
        if parse_amount(account.credit_line, account.currency, field=field) < 0:
            raise InputError("must not be negative", field=field, value=account.credit_line)


@router.post(
    "/participants",
    status_code=202,
    summary="Ask to onboard (or update) a participant and open its accounts (four eyes)",
    description="Checks the request now (BIC, LEI, country, key, credit lines) and creates "
    "an `onboard` approval request; a different operator approves it at "
    "/v1/operator/approvals/{id}/approve, which adds the participant and opens its "
    "accounts (the decision's result lists each account's ledger result).",
    response_model=ApprovalView,
    responses=documented(400, 401, 403, 503),
)
async def onboard(principal: OperatorWriter, ctx: Ctx, body: OnboardRequest) -> ApprovalView:
    _check_credit_lines(body)
    participant = Participant(
        bic=body.bic,
        name=body.name,
        country=body.country,
        kind=body.kind,
        lei=body.lei,
        settles_through=body.settles_through,
        public_key_pem=body.public_key_pem,
    )
    accounts = [(a.currency, a.credit_line) for a in body.accounts]
    row = await ctx.engine.run(ctx.hub.request_onboarding, principal, participant, accounts)
    return approval_view(row)


async def _set_status(ctx: ApiContext, bic: str, status: ParticipantStatus) -> ParticipantView:
    _existing(ctx, bic)
    updated = await ctx.engine.run(ctx.hub.set_status, bic, status)
    return render.participant(updated)


_STATUS_RESPONSES = documented(401, 403, 404, 503)


@router.post(
    "/participants/{bic}/suspend",
    summary="Suspend a participant",
    response_model=ParticipantView,
    responses=_STATUS_RESPONSES,
)
async def suspend(_p: OperatorWriter, ctx: Ctx, bic: str = BIC_PATH) -> ParticipantView:
    return await _set_status(ctx, bic, ParticipantStatus.suspended)


@router.post(
    "/participants/{bic}/reinstate",
    summary="Reinstate a suspended participant",
    response_model=ParticipantView,
    responses=_STATUS_RESPONSES,
)
async def reinstate(_p: OperatorWriter, ctx: Ctx, bic: str = BIC_PATH) -> ParticipantView:
    return await _set_status(ctx, bic, ParticipantStatus.active)


@router.post(
    "/participants/{bic}/close",
    summary="Close a participant",
    response_model=ParticipantView,
    responses=_STATUS_RESPONSES,
)
async def close(_p: OperatorWriter, ctx: Ctx, bic: str = BIC_PATH) -> ParticipantView:
    return await _set_status(ctx, bic, ParticipantStatus.closed)


@router.put(
    "/participants/{bic}/key",
    summary="Register (replace) a participant's public key",
    response_model=ParticipantView,
    responses=documented(400, 401, 403, 404, 503),
)
async def register_key(
    _principal: OperatorWriter,
    ctx: Ctx,
    body: KeyRequest,
    bic: str = BIC_PATH,
) -> ParticipantView:
    _existing(ctx, bic)
    updated = await ctx.engine.run(ctx.hub.register_key, bic, body.public_key_pem)
    return render.participant(updated)


@router.post(
    "/credentials",
    status_code=201,
    summary="Issue an API credential",
    description="The token is in this response only; the hub keeps its hash.",
    response_model=CredentialView,
    responses=documented(400, 401, 403, 503),
)
async def issue_credential(
    _principal: OperatorWriter,
    ctx: Ctx,
    body: CredentialRequest,
) -> CredentialView:
    if body.role is Role.participant and ctx.hub.directory.participant(body.principal) is None:
        raise InputError("no such participant", field="principal", value=body.principal)
    token = await ctx.engine.run(ctx.hub.issue_credential, body.principal, body.role)
    return CredentialView(principal=body.principal, role=body.role, token=token)


def _accounts(hub: Hub, principal: Principal, bic: str | None) -> list[AccountBalance]:
    owners = [bic] if bic else [p.bic for p in hub.participants()]
    return [b for owner in owners for b in hub.balances(principal, owner)]


@router.get(
    "/accounts",
    summary="All settlement and issuance accounts (or one participant's)",
    response_model=AccountList,
    responses=documented(400, 401, 403, 503),
)
async def accounts(
    principal: OperatorReader,
    ctx: Ctx,
    bic: str | None = Query(None, max_length=11, description="only this participant's"),
) -> AccountList:
    found = await ctx.engine.run(_accounts, ctx.hub, principal, bic)
    return AccountList(data=[render.account(b) for b in found])


@router.get(
    "/payments/{uetr}",
    summary="Track any payment",
    response_model=TrackingView,
    responses=documented(401, 403, 404),
)
def track_any_payment(
    principal: OperatorReader,
    ctx: Ctx,
    uetr: str = UETR_PATH,
) -> TrackingView:
    return tracking_view(ctx, principal, uetr)
