"""Who is calling: `Authorization: Bearer crd_<key id>_<secret>` -> Principal, and the roles
each endpoint admits (401 without a valid credential, 403 for a role it does not admit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corridor.api.context import ApiContext, context
from corridor.api.errors import ForbiddenError, UnauthenticatedError
from corridor.hub.security import OPERATOR_ROLES, Principal, Role

TOKEN_LENGTH_MAX = 200
PRINCIPAL_SCOPE_KEY = "corridor.principal"  # read by the access log

bearer = HTTPBearer(auto_error=False, description="A credential issued by the operator")


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ctx: Annotated[ApiContext, Depends(context)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthenticatedError("send Authorization: Bearer <token>", code="missing_credentials")
    token = credentials.credentials
    principal = ctx.hub.credentials.authenticate(token) if len(token) <= TOKEN_LENGTH_MAX else None
    if principal is None:
        raise UnauthenticatedError("unknown or revoked credential")
    request.scope[PRINCIPAL_SCOPE_KEY] = principal.name
    return principal


def roles(*admitted: Role) -> Callable[..., Principal]:
    """A dependency that admits only callers with one of `admitted` roles."""
    names = ", ".join(sorted(r.value for r in admitted))

    async def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if principal.role not in admitted:
            raise ForbiddenError(f"this endpoint is for the roles: {names}")
        return principal

    return check


participant = roles(Role.participant)
anyone = roles(*Role)
operator_read = roles(*OPERATOR_ROLES)
operator_write = roles(Role.operator)

ParticipantCaller = Annotated[Principal, Depends(participant)]
AnyCaller = Annotated[Principal, Depends(anyone)]
OperatorReader = Annotated[Principal, Depends(operator_read)]
OperatorWriter = Annotated[Principal, Depends(operator_write)]
