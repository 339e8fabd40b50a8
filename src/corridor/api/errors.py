"""One error envelope for every failure, Stripe style: `{"error": {type, code, message, param}}`.

The tree of errors the API raises on purpose (each carries its HTTP status)::

    ApiError
    ├── UnauthenticatedError      401 authentication_error  missing or unknown credential
    ├── ForbiddenError            403 permission_error      the role may not use the endpoint
    ├── NotFoundError             404 invalid_request_error unknown, or not the caller's
    ├── BodyTooLargeError         413 invalid_request_error over the size limit
    ├── UnsupportedMediaError     415 invalid_request_error wrong Content-Type
    └── UnavailableError          503 api_error             engine overloaded or unhealthy

corridor.foundation.errors.InputError becomes a 400 whose `param` names the field;
request validation errors become a 400 naming the first bad parameter. A database that
cannot be reached or is busy (a lost or refused PostgreSQL connection, a server shutting
down, SQLite's lock timeout), or a ledger waiting to be reloaded from it, is a 503
`database_unavailable` with Retry-After: sending the same request again is safe (a
payment message is answered by its MsgId, whether or not its batch committed). Other
database errors (a missing table, a full disk) are a 500: retrying will not help.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.foundation.errors import InputError
from corridor.hub.engine import LedgerUnavailable
from corridor.hub.intake_pool import IntakeWorkerError
from corridor.hub.worker import Overloaded

logger = structlog.get_logger("corridor.api")
RETRY_AFTER_S = 1
MESSAGE_LENGTH_MAX = 500


class ErrorBody(BaseModel):
    type: str
    code: str
    message: str
    param: str | None = None


class ErrorEnvelope(BaseModel):
    """What every non-2xx response carries."""

    error: ErrorBody


class ApiError(Exception):
    status = 500
    type = "api_error"
    code = "internal_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code


class UnauthenticatedError(ApiError):
    status, type, code = 401, "authentication_error", "invalid_credentials"


class ForbiddenError(ApiError):
    status, type, code = 403, "permission_error", "role_not_allowed"


class NotFoundError(ApiError):
    status, type, code = 404, "invalid_request_error", "resource_missing"


class BodyTooLargeError(ApiError):
    status, type, code = 413, "invalid_request_error", "body_too_large"


class UnsupportedMediaError(ApiError):
    status, type, code = 415, "invalid_request_error", "unsupported_media_type"


class UnavailableError(ApiError):
    status, type, code = 503, "api_error", "engine_overloaded"


def error_response(
    status: int,
    type_: str,
    code: str,
    message: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorEnvelope(
        error=ErrorBody(type=type_, code=code, message=message[:MESSAGE_LENGTH_MAX], param=param)
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


_STATUS_CODES = {
    400: "parameter_invalid",
    401: "invalid_credentials",
    403: "role_not_allowed",
    404: "resource_missing",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def _api_error_response(error: ApiError) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_S)} if error.status == 503 else None
    if error.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return error_response(error.status, error.type, error.code, error.message, error.param, headers)


def _input_error_response(error: InputError) -> JSONResponse:
    value = "" if error.value is None else f" (got {str(error.value)[:80]!r})"
    return error_response(
        400,
        "invalid_request_error",
        "parameter_invalid",
        f"{error.message}{value}",
        error.field or None,
    )


def _overloaded_response(error: Overloaded) -> JSONResponse:
    return error_response(
        503,
        "api_error",
        "engine_overloaded",
        f"the engine is overloaded, retry later: {error}",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _intake_lost_response(error: IntakeWorkerError) -> JSONResponse:
    """The intake process reading this message died: nothing was settled or answered, and
    re-sending the same message is safe (its MsgId makes it idempotent)."""
    return error_response(
        503,
        "api_error",
        "intake_unavailable",
        f"the message was not processed, send it again: {error}",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


_SQLITE_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
# SQLSTATE classes: connection exception; the server shutting down or starting up.
_POSTGRES_UNAVAILABLE = ("08", "57P01", "57P02", "57P03")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or was busy, so that the
    same request may succeed later; not that the request or the schema is wrong."""
    if isinstance(error, LedgerUnavailable):
        return True
    if not isinstance(error, OperationalError):
        return False
    if error.connection_invalidated:
        return True
    driver_error = error.orig
    if getattr(driver_error, "sqlite_errorname", None) in _SQLITE_BUSY:
        return True
    sqlstate = getattr(driver_error, "sqlstate", "")
    # psycopg gives no SQLSTATE when no server answered (refused, closed, timed out)
    return sqlstate is None or (
        isinstance(sqlstate, str) and sqlstate.startswith(_POSTGRES_UNAVAILABLE)
    )


def _database_unavailable_response(error: OperationalError | LedgerUnavailable) -> JSONResponse:
    """The database could not do the request's work, or the ledger waits to be reloaded
    from it: the same request may be sent again (see the module)."""
    logger.warning("database unavailable", error=str(getattr(error, "orig", error)))
    return error_response(
        503,
        "api_error",
        "database_unavailable",
        "the database is unavailable, send the request again",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


# The errors a route raises on purpose, each with its response (most specific first).
_RESPONSES: tuple[tuple[type[Exception], Callable[[Any], JSONResponse]], ...] = (
    (ApiError, _api_error_response),
    (InputError, _input_error_response),
    (Overloaded, _overloaded_response),
    (IntakeWorkerError, _intake_lost_response),
)


def response_for(error: Exception) -> JSONResponse | None:
    """The documented response to an error raised on purpose; None for any other error
    (a bug: the app's last handler answers 500 and the server logs it)."""
    if database_unavailable(error):
        return _database_unavailable_response(error)  # type: ignore[arg-type]
    for kind, respond in _RESPONSES:
        if isinstance(error, kind):
            return respond(error)
    return None


async def _documented(_request: Request, error: Exception) -> JSONResponse:
    response = response_for(error)
    assert response is not None, "installed only for the errors of _RESPONSES"
    return response


async def _validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first: dict[str, Any] = error.errors()[0] if error.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query")]
    param = ".".join(location) or None
    message = str(first.get("msg", "invalid request"))
    return error_response(400, "invalid_request_error", "parameter_invalid", message, param)


async def _http(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = _STATUS_CODES.get(error.status_code, "http_error")
    kind = "api_error" if error.status_code >= 500 else "invalid_request_error"
    return error_response(
        error.status_code, kind, code, str(error.detail), headers=dict(error.headers or {})
    )


def internal_error_response() -> JSONResponse:
    """For a bug: the envelope says no more than that (the server log has the rest)."""
    return error_response(500, "api_error", "internal_error", "internal error")


async def _unexpected(_request: Request, _error: Exception) -> JSONResponse:
    return internal_error_response()


async def _database(_request: Request, error: Exception) -> JSONResponse:
    if database_unavailable(error):
        return _database_unavailable_response(error)  # type: ignore[arg-type]
    logger.error("unexpected database error", exc_info=error)  # a bug, as _unexpected's
    return internal_error_response()


def install_error_handlers(app: FastAPI) -> None:
    for kind, _ in _RESPONSES:
        app.add_exception_handler(kind, _documented)
    app.add_exception_handler(OperationalError, _database)
    app.add_exception_handler(LedgerUnavailable, _database)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error statuses, all with the envelope."""
    descriptions = {
        400: "Invalid request; `param` names the field",
        401: "Missing or invalid credential",
        403: "The caller's role may not use this endpoint",
        404: "Unknown, or not visible to the caller (the two look the same)",
        413: "Body over the size limit",
        415: "Unsupported Content-Type",
        503: "Engine overloaded or unhealthy, or the database unavailable; see Retry-After",
    }
    return {s: {"model": ErrorEnvelope, "description": descriptions[s]} for s in statuses}
