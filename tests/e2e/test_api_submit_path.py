"""POST /v1/messages on plain ASGI (corridor.api.submit_path): the plain case is served
there, with the route's answer; everything else reaches the FastAPI app untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send
from tests.e2e.test_api_world import XML, ApiWorld, api_world
from tests.support.hub import BANK_A, BANK_B

from corridor.api import routes_messages
from corridor.api.access_log import AccessLog
from corridor.api.auth import PRINCIPAL_SCOPE_KEY
from corridor.api.submit_path import PATH, SubmitPath
from corridor.hub.worker import Overloaded

pytestmark = pytest.mark.anyio


class Behind:
    """The app behind the submit path: records what reaches it, answers 418."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        if scope["type"] == "http":
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False) and message["type"] == "http.request"
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b"app"})


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    async with api_world(tmp_path) as world:
        yield world


def _route() -> object:
    (route,) = [r for r in routes_messages.router.routes if getattr(r, "path", "") == PATH]
    return route


def _client(api: ApiWorld, behind: Behind) -> httpx.AsyncClient:
    path = SubmitPath(behind, api.app.state.ctx, _route())
    transport = httpx.ASGITransport(app=path)
    return httpx.AsyncClient(transport=transport, base_url="http://corridor.test")


async def test_a_plain_submission_is_answered_without_the_app(api: ApiWorld) -> None:
    behind = Behind()
    data, (uetr,) = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    async with _client(api, behind) as client:
        response = await client.post(PATH, content=data, headers={**XML, **api.auth(BANK_A)})
    assert behind.bodies == []
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    answer = response.json()
    assert (answer["status"], answer["uetrs"], answer["duplicate"]) == ("ACSC", [uetr], False)
    # the same message again through the documented route: the same answer, a duplicate
    again = (await api.submit(BANK_A, data)).json()
    assert again["duplicate"] is True
    assert {k: v for k, v in again.items() if k not in ("duplicate", "detail")} == {
        k: v for k, v in answer.items() if k not in ("duplicate", "detail")
    }


async def _post(api: ApiWorld, **headers: str) -> tuple[Behind, bytes, httpx.Response]:
    """A bank's credit transfer POSTed through the path, these headers added."""
    behind = Behind()
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    async with _client(api, behind) as client:
        response = await client.post(
            PATH, content=data, headers={**XML, **api.auth(BANK_A), **headers}
        )
    return behind, data, response


async def test_the_signed_xml_answer_when_asked_for(api: ApiWorld) -> None:
    behind, data, response = await _post(api, Accept="application/xml")
    assert behind.bodies == []
    assert response.headers["content-type"] == "application/xml"
    routed = await api.submit(BANK_A, data, Accept="application/xml")
    assert response.content == routed.content  # the stored answer, byte for byte
    assert b"ACSC" in response.content


@pytest.mark.parametrize(
    "case",
    [
        "no credential",
        "unknown credential",
        "operator credential",
        "basic scheme",
        "json content type",
        "declared over the limit",
        "other method",
        "other path",
    ],
)
async def test_anything_else_reaches_the_app_unread(api: ApiWorld, case: str) -> None:
    behind = Behind()
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    headers = {**XML, **api.auth(BANK_A)}
    method, path = "POST", PATH
    if case == "no credential":
        del headers["Authorization"]
    elif case == "unknown credential":
        headers["Authorization"] = "Bearer crd_unknown_secret"
    elif case == "operator credential":
        headers.update(api.auth("ops"))
    elif case == "basic scheme":
        headers["Authorization"] = "Basic " + api.tokens[BANK_A]
    elif case == "json content type":
        headers["Content-Type"] = "application/json"
    elif case == "declared over the limit":
        api.app.state.ctx.message_bytes_max = len(data) - 1
    elif case == "other method":
        method = "PUT"
    else:
        path = "/v1/messages/"
    async with _client(api, behind) as client:
        response = await client.request(method, path, content=data, headers=headers)
    assert response.status_code == 418
    assert behind.bodies == [data]  # nothing read before the app, nothing settled
    assert (await api.get(BANK_A, "/v1/payments")).json()["data"] == []


async def test_a_body_without_length_reaches_the_app(api: ApiWorld) -> None:
    behind = Behind()
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])

    async def chunks() -> AsyncIterator[bytes]:
        yield data[:100]
        yield data[100:]

    async with _client(api, behind) as client:
        response = await client.post(PATH, content=chunks(), headers={**XML, **api.auth(BANK_A)})
    assert response.status_code == 418
    assert behind.bodies == [data]


async def test_when_the_engine_is_not_running_the_app_answers(api: ApiWorld) -> None:
    behind = Behind()
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    ctx = api.app.state.ctx
    worker, ctx.worker = ctx.worker, None
    try:
        async with _client(api, behind) as client:
            response = await client.post(PATH, content=data, headers={**XML, **api.auth(BANK_A)})
    finally:
        ctx.worker = worker
    assert response.status_code == 418
    assert behind.bodies == [data]  # the body already read, given to the app as it came


@contextmanager
def _engine_raising(api: ApiWorld, error: Exception) -> Iterator[None]:
    """While inside: the engine worker's submit raises `error`."""
    ctx = api.app.state.ctx

    async def failing(_sender: str, _data: bytes) -> object:
        raise error

    submit, ctx.worker.submit = ctx.worker.submit, failing
    try:
        yield
    finally:
        ctx.worker.submit = submit


async def test_engine_errors_get_the_documented_envelope(api: ApiWorld) -> None:
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    with _engine_raising(api, Overloaded("more than 20000 messages waiting")):
        async with _client(api, Behind()) as client:
            response = await client.post(PATH, content=data, headers={**XML, **api.auth(BANK_A)})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "engine_overloaded"


async def test_a_bug_while_settling_gets_the_internal_error_envelope(
    api: ApiWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    """The submit path sits in front of FastAPI's error layers: a bug is answered as the
    app answers one (500, the envelope, nothing more) and logged with its traceback."""
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    with _engine_raising(api, RuntimeError("a bug with a secret detail")):
        response = await api.submit(BANK_A, data)  # through the whole app, as served
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret" not in response.text
    logged = capsys.readouterr().out
    assert "unexpected error" in logged and "RuntimeError: a bug with a secret detail" in logged


async def test_the_whole_app_serves_the_plain_case_in_front_of_fastapi(api: ApiWorld) -> None:
    """As served (create_app), a plain submission never reaches FastAPI's stack: its
    middleware stack is not even built by it."""
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    api.app.middleware_stack = None
    response = await api.submit(BANK_A, data)
    assert response.status_code == 200 and response.json()["status"] == "ACSC"
    assert api.app.middleware_stack is None
    assert (await api.get(BANK_A, "/v1/balances")).status_code == 200  # the rest: FastAPI
    assert api.app.middleware_stack is not None


async def test_the_access_log_names_the_route_and_the_caller(api: ApiWorld) -> None:
    seen: list[Scope] = []

    class Spy(AccessLog):
        def _record(self, scope: Scope, status: int, seconds: float) -> None:
            seen.append(scope)
            super()._record(scope, status, seconds)

    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    app = Spy(SubmitPath(Behind(), api.app.state.ctx, _route()), api.app.state.ctx.metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://corridor.test") as client:
        response = await client.post(PATH, content=data, headers={**XML, **api.auth(BANK_A)})
    assert response.status_code == 200
    (scope,) = seen
    assert scope[PRINCIPAL_SCOPE_KEY] == BANK_A
    assert scope["route"].path == PATH


async def test_a_body_longer_than_declared_reaches_the_app_whole(api: ApiWorld) -> None:
    """A server that does not hold the body to its Content-Length: the path stops reading
    once past it, and the app gets what was read and then the rest (its 413 check)."""
    data, _ = api.world.credit_transfer(BANK_A, BANK_B, [1_000])
    incoming: list[Message] = [
        {"type": "http.request", "body": data[:100], "more_body": True},
        {"type": "http.request", "body": data[100:], "more_body": False},
    ]
    sent: list[Message] = []
    read_before_the_app: list[int] = []

    async def receive() -> Message:
        return incoming.pop(0)

    class Counting(Behind):
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            read_before_the_app.append(2 - len(incoming))
            await super().__call__(scope, receive, send)

    behind = Counting()

    async def send(message: Message) -> None:
        sent.append(message)

    headers = {**XML, **api.auth(BANK_A), "Content-Length": "50"}
    scope = {
        "type": "http",
        "method": "POST",
        "path": PATH,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await SubmitPath(behind, api.app.state.ctx, _route())(scope, receive, send)
    assert read_before_the_app == [1]  # the path stopped at the first 100 bytes
    assert behind.bodies == [data]
    assert sent[0]["status"] == 418
    assert (await api.get(BANK_A, "/v1/payments")).json()["data"] == []


async def test_a_declared_chunked_body_reaches_the_app_unread(api: ApiWorld) -> None:
    behind, data, response = await _post(api, **{"Transfer-Encoding": "chunked"})
    assert response.status_code == 418
    assert behind.bodies == [data]
