"""One structured JSON log line per request, and the request latency metric.

Logged: method, path, route, status, duration_ms, principal. Never the token, the query
string or any payload.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor.api.auth import PRINCIPAL_SCOPE_KEY
from corridor.api.metrics import Metrics

logger = structlog.get_logger("corridor.api")


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stdout (process-wide: called by the server, not at import)."""
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


class AccessLog:
    """Pure ASGI middleware (it does not buffer bodies, so long polls stay cheap)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._record(scope, status[0], time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.request(scope["method"], template, status, seconds)
        logger.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            route=template,
            status=status,
            duration_ms=round(seconds * 1000, 3),
            principal=scope.get(PRINCIPAL_SCOPE_KEY),
        )
