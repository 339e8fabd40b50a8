"""The engine thread, for an asyncio server: batches submissions, serialises all writes.

Requests are parsed and authenticated on the event loop (`Hub.take`), then queued. One
task drains the queue into batches and hands each to the single engine thread
(`Hub.settle`): while one batch commits, the next one fills up, so batching adapts to
the load with no added delay. Every other write (acks, operator changes) runs on the same
thread through `run`, so the ledger and the hub's tables only ever have one writer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from corridor.hub.intake import Intake
from corridor.hub.intake_pool import IntakePool, take_in_worker
from corridor.hub.processing import Answer
from corridor.hub.service import Hub

T = TypeVar("T")
BATCH_MESSAGES_MAX = 512
QUEUE_LENGTH_MAX = 20_000


class Overloaded(Exception):  # noqa: N818 - the domain word
    """The engine's queue is full: the caller should retry later (HTTP 503)."""


class EngineWorker:
    """Owns the engine thread. Start it inside the running event loop."""

    def __init__(
        self,
        hub: Hub,
        batch_messages_max: int = BATCH_MESSAGES_MAX,
        on_batch: Callable[[int], None] | None = None,
        intake_pool: IntakePool | None = None,
    ) -> None:
        """`on_batch(messages)`: called on the event loop after each committed batch
        (metrics, waking long polls). `intake_pool`: parse messages in worker processes."""
        self.hub = hub
        self._intake_pool = intake_pool
        self._on_batch = on_batch
        self._batch_max = batch_messages_max
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine")
        self._queue: asyncio.Queue[tuple[Intake, asyncio.Future[Answer]]] = asyncio.Queue(
            QUEUE_LENGTH_MAX
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name="engine-batches")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._executor.shutdown(wait=True)

    async def submit(self, sender: str, data: bytes) -> Answer:
        """Parse (here, or in an intake worker process), settle on the engine thread;
        returns after the durable commit."""
        if self._intake_pool is None:
            intake = self.hub.take(sender, data)
        else:
            intake = await asyncio.get_running_loop().run_in_executor(
                self._intake_pool.executor,
                take_in_worker,
                self.hub.directory.version,
                sender,
                data,
                self.hub.clock.now_ms(),
            )
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((intake, future))
        except asyncio.QueueFull:
            raise Overloaded(f"more than {QUEUE_LENGTH_MAX} messages waiting") from None
        return await future

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """Run a write on the engine thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = [await self._queue.get()]
            while len(items) < self._batch_max and not self._queue.empty():
                items.append(self._queue.get_nowait())
            try:
                answers = await loop.run_in_executor(
                    self._executor, self.hub.settle, [intake for intake, _ in items]
                )
            except Exception as error:  # the batch did not commit: nobody gets an answer
                for _, future in items:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), answer in zip(items, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
            if self._on_batch is not None:
                self._on_batch(len(items))
