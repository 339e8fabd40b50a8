"""Errors the client raises. The tree (all under corridor.foundation.errors)::

    CorridorError
    ├── InputError                bad arguments, found before anything is sent
    └── ClientError               the client could not get an answer
        ├── CorridorApiError      the hub answered with an error envelope (4xx/5xx)
        ├── ConnectionFailed      no answer: connection refused, timed out (after retries)
        └── UnexpectedResponse    an answer of a shape this client does not know

A refused message is not an error: it is a SubmitResult with status RJCT.
"""

from __future__ import annotations

from corridor.foundation.errors import CorridorError


class ClientError(CorridorError):
    """The root of the client's own errors."""


class CorridorApiError(ClientError):
    """The hub refused a request: HTTP `status`, the envelope's `code`, `message`, `param`.

    Attributes:
        status: the HTTP status code (e.g. 401, 404, 409, 503).
        code: the error code of the envelope, e.g. "unauthenticated", "not_found".
        message: the hub's human-readable explanation.
        param: the request field it concerns, or None.
        type: the envelope's error type (e.g. "invalid_request_error"), or "".
    """

    def __init__(
        self, status: int, code: str, message: str, param: str | None = None, type: str = ""
    ) -> None:
        self.status = status
        self.http_status = status
        self.code = code
        self.message = message
        self.param = param
        self.type = type
        where = f" ({param})" if param else ""
        super().__init__(f"HTTP {status} {code}{where}: {message}")


class ConnectionFailed(ClientError):  # noqa: N818 - reads as what happened
    """The hub could not be reached, or did not answer in time, after every retry."""
