"""POST /v1/messages on plain ASGI: the request every payment goes through.

FastAPI's handling of a request (routing, dependency solving, the Request object, the
exception-handler layers, the response class) costs the hub's process about as much CPU
as settling a single-transaction payment, and that process's interpreter lock is the
bottleneck of the whole hub. So a well-formed submission is served here, by the same
steps as the documented route (`routes_messages.submit_message`): a participant's bearer
credential, an XML Content-Type, a Content-Length within the limit, the engine's
answer as JSON or, with `Accept: application/xml`, as the signed XML.

Everything else goes on to the FastAPI app unchanged: a missing or refused credential,
another role, media type or method, a chunked or oversized body. Those requests get
the route's documented errors from the one place that writes them, and the route stays
the one the OpenAPI document describes. Errors raised while settling (engine
overloaded, intake process lost) are rendered by the app's own handlers.
"""

from __future__ import annotations

from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor.api import render
from corridor.api.auth import PRINCIPAL_SCOPE_KEY, TOKEN_LENGTH_MAX
from corridor.api.context import ApiContext
from corridor.api.errors import internal_error_response, response_for
from corridor.hub.security import Principal, Role

logger = structlog.get_logger("corridor.api")
PATH = "/v1/messages"
_XML_TYPES = (b"application/xml", b"text/xml")
_JSON_HEADERS = [(b"content-type", b"application/json")]
_XML_HEADERS = [(b"content-type", b"application/xml")]


class SubmitPath:
    """ASGI layer in front of the app, serving well-formed POST /v1/messages itself (see
    the module)."""

    def __init__(self, app: ASGIApp, ctx: ApiContext, route: Any) -> None:
        """`route`: the documented route, put in the scope for the access log."""
        self.app = app
        self.ctx = ctx
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        checked = self._checked(scope)
        if checked is None:
            await self.app(scope, receive, send)
            return
        principal, length, wants_xml = checked
        messages, state = await _body(receive, length)
        if state == _GONE:  # the client went away before sending the whole body
            return
        ctx = self.ctx
        if state == _LONGER or ctx.worker is None:  # not the plain case after all
            await self.app(scope, _replay(messages, receive), send)
            return
        data = b"".join(m.get("body", b"") for m in messages)
        scope[PRINCIPAL_SCOPE_KEY] = principal.name
        scope["route"] = self.route
        try:
            answer = await ctx.engine.submit(principal.name, data)
        except Exception as error:
            response = response_for(error)
            if response is None:  # a bug: logged, and answered as the app answers one
                logger.exception("unexpected error", path=PATH, principal=principal.name)
                response = internal_error_response()
            await response(scope, receive, send)
            return
        ctx.metrics.answered(answer)
        if wants_xml:
            body, headers = answer.payload, _XML_HEADERS
        else:
            body, headers = render.answer(answer).model_dump_json().encode(), _JSON_HEADERS
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*headers, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _checked(self, scope: Scope) -> tuple[Principal, int, bool] | None:
        """The caller, the body's length and whether XML is wanted; None when any of it is
        not the plain case (the app then answers, with the documented error if any)."""
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)  # the first of each, as Starlette reads them
        if b"transfer-encoding" in headers:
            return None  # a chunked body: the route reads and limits it as it streams
        content_type = headers.get(b"content-type", b"")
        length = headers.get(b"content-length", b"")
        authorization = headers.get(b"authorization", b"")
        accept = headers.get(b"accept", b"")
        if content_type.split(b";")[0].strip().lower() not in _XML_TYPES:
            return None
        if not length.isdigit() or int(length) > self.ctx.message_bytes_max:
            return None
        scheme, _, token = authorization.partition(b" ")
        if scheme.lower() != b"bearer" or not token or len(token) > TOKEN_LENGTH_MAX:
            return None
        principal = self.ctx.hub.credentials.authenticate(token.strip().decode("latin-1"))
        if principal is None or principal.role is not Role.participant:
            return None
        return principal, int(length), b"application/xml" in accept


_WHOLE, _LONGER, _GONE = "whole", "longer", "gone"


async def _body(receive: Receive, length: int) -> tuple[list[Message], str]:
    """The request's body messages: all of them (_WHOLE); or those read until the body
    passed its declared length (_LONGER: a server that does not hold a body to its
    Content-Length; reading stops there, so no more than that is held); or _GONE."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return messages, _GONE
        messages.append(message)
        size += len(message.get("body", b""))
        if size > length:
            return messages, _LONGER
        if not message.get("more_body", False):
            return messages, _WHOLE


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive channel that gives the app the body messages already read, then what
    the client sends after them."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
