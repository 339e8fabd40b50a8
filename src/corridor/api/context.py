"""What every route reaches through `request.app.state.ctx`: the hub, its engine worker,
the metrics, and the signal that wakes long polls; plus the request limits."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from corridor.api.metrics import Metrics
from corridor.hub.service import Hub
from corridor.hub.worker import EngineWorker

MESSAGE_BYTES_MAX = 4 * 1024 * 1024
LONG_POLLS_MAX = 1_000
WAIT_MS_MAX = 30_000
POLL_INTERVAL_S = 0.5  # long polls re-read at least this often (writers in other processes)


class OutboxSignal:
    """Wakes every waiting long poll when a batch commits (new outbox messages)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout_s)


@dataclass
class ApiContext:
    """Attributes:
    hub: the use cases. worker: the engine thread (every write goes through it).
    metrics: the app's own Prometheus registry. signal: wakes long polls.
    long_polls: how many long polls are waiting now (at most `long_polls_max`).
    """

    hub: Hub
    metrics: Metrics
    message_bytes_max: int = MESSAGE_BYTES_MAX
    long_polls_max: int = LONG_POLLS_MAX
    worker: EngineWorker | None = None
    signal: OutboxSignal | None = None
    long_polls: int = field(default=0)

    @property
    def engine(self) -> EngineWorker:
        if self.worker is None:
            raise RuntimeError("the engine worker is not running (app lifespan not started)")
        return self.worker

    @property
    def outbox_signal(self) -> OutboxSignal:
        if self.signal is None:
            raise RuntimeError("the app lifespan has not started")
        return self.signal


async def context(request: Request) -> ApiContext:
    ctx = request.app.state.ctx
    assert isinstance(ctx, ApiContext)
    return ctx


Ctx = Annotated[ApiContext, Depends(context)]
