"""The app's clockwork: `hub.tick()` (business days) and gridlock runs, on a timer.

Both run on the engine thread (through the worker), one at a time, each awaited before
the next is scheduled, so a slow step never piles up. An error is logged and the loop
goes on; stopping cancels the tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog

from corridor.hub.service import Hub
from corridor.hub.worker import EngineWorker

logger = structlog.get_logger("corridor.api.ticker")

TICK_INTERVAL_MS = 1_000
GRIDLOCK_INTERVAL_MS = 5_000
INTERVAL_MS_MIN = 10
INTERVAL_MS_MAX = 3_600_000


def check_interval(interval_ms: int, name: str) -> int:
    """0 (off) or INTERVAL_MS_MIN..INTERVAL_MS_MAX."""
    if interval_ms != 0 and not INTERVAL_MS_MIN <= interval_ms <= INTERVAL_MS_MAX:
        raise ValueError(
            f"{name} must be 0 (off) or {INTERVAL_MS_MIN}..{INTERVAL_MS_MAX} ms, not {interval_ms}"
        )
    return interval_ms


def resolve_all_gridlocks(hub: Hub) -> int:
    """Gridlock resolution for every currency with a queue (engine thread); settled count."""
    settled = 0
    for currency in hub.liquidity.currencies():
        try:
            settled += hub.resolve_gridlock(currency).settled_count
        except Exception:
            logger.exception("gridlock run failed", currency=currency)
    return settled


class Ticker:
    """Two periodic jobs on the engine worker; `start` and `stop` from the event loop."""

    def __init__(
        self, hub: Hub, worker: EngineWorker, tick_interval_ms: int, gridlock_interval_ms: int
    ) -> None:
        self._worker = worker
        self._jobs: list[tuple[str, int, Callable[[], object]]] = [
            ("tick", check_interval(tick_interval_ms, "tick_interval_ms"), hub.tick),
            (
                "gridlock",
                check_interval(gridlock_interval_ms, "gridlock_interval_ms"),
                lambda: resolve_all_gridlocks(hub),
            ),
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self.runs: dict[str, int] = {"tick": 0, "gridlock": 0}
        self.failures: dict[str, int] = {"tick": 0, "gridlock": 0}

    def start(self) -> None:
        assert not self._tasks, "already started"
        for name, interval_ms, job in self._jobs:
            if interval_ms:
                task = asyncio.create_task(self._every(name, interval_ms, job), name=name)
                self._tasks.append(task)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _every(self, name: str, interval_ms: int, job: Callable[[], object]) -> None:
        while True:
            await asyncio.sleep(interval_ms / 1000)
            try:
                await self._worker.run(job)
            except Exception:
                self.failures[name] += 1
                logger.exception("periodic job failed", job=name)
            self.runs[name] += 1
