"""Run the client against an ASGI app in this process (tests, notebooks), no network.

httpx.ASGITransport is asynchronous and the client is synchronous, so this transport runs
the app on an event loop in a background thread, runs the app's lifespan there (the
hub's engine worker starts on enter and stops on exit), and hands each request to
httpx.ASGITransport on that loop::

    with InProcessTransport(create_app(hub)) as transport:
        client = CorridorClient("http://hub.test", token, transport=transport)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable
from types import TracebackType
from typing import Any, TypeVar

import httpx

STARTUP_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 120.0
# The content handed on is already decoded and whole: these would describe it wrongly.
_DECODED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
T = TypeVar("T")


class LifespanFailed(RuntimeError):  # noqa: N818 - reads as what happened
    """The app refused to start (its lifespan startup failed)."""


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport that hands every request to an ASGI app in this process."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._asgi = httpx.ASGITransport(app=app)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lifespan: _Lifespan | None = None

    def __enter__(self) -> InProcessTransport:
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="asgi-app", daemon=True)
        self._thread.start()
        self._loop = loop
        self._lifespan = _Lifespan(self._app)
        try:
            self._call(self._lifespan.startup(), STARTUP_TIMEOUT_S)
        except BaseException:
            self._stop_loop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None = None,
        error: BaseException | None = None,
        trace: TracebackType | None = None,
    ) -> None:
        if self._loop is None:
            return
        try:
            if self._lifespan is not None:
                self._call(self._lifespan.shutdown(), STARTUP_TIMEOUT_S)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop, self._thread, self._lifespan = None, None, None
        assert loop is not None and thread is not None
        loop.call_soon_threadsafe(loop.stop)
        thread.join(STARTUP_TIMEOUT_S)
        loop.close()

    def _call(self, coroutine: Awaitable[T], timeout_s: float) -> T:
        if self._loop is None:
            raise RuntimeError("use InProcessTransport in a `with` block (it runs the lifespan)")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)  # type: ignore[arg-type]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._call(self._send(request), REQUEST_TIMEOUT_S)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        headers = [
            (k, v) for k, v in response.headers.multi_items() if k.lower() not in _DECODED_HEADERS
        ]
        return httpx.Response(response.status_code, headers=headers, content=content)

    def close(self) -> None:
        """Closing the client does not stop the app; leaving the `with` block does."""


class _Lifespan:
    """The ASGI lifespan protocol, driven from outside: startup, then shutdown."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._to_app: asyncio.Queue[dict[str, Any]] | None = None
        self._from_app: asyncio.Queue[dict[str, Any]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._task = asyncio.create_task(self._app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        answer_task = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({answer_task, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not answer_task.done():
            answer_task.cancel()
            raise LifespanFailed(f"the app ended during startup: {self._task.exception()!r}")
        answer = answer_task.result()
        if answer["type"] != "lifespan.startup.complete":
            raise LifespanFailed(str(answer.get("message") or answer["type"]))

    async def shutdown(self) -> None:
        assert self._to_app is not None and self._from_app is not None
        assert self._task is not None
        await self._to_app.put({"type": "lifespan.shutdown"})
        answer = await self._from_app.get()
        await self._task
        if answer["type"] != "lifespan.shutdown.complete":
            raise LifespanFailed(str(answer.get("message") or answer["type"]))
