"""The engine thread, for an asyncio server: batches submissions, serialises all writes.

Requests are parsed and authenticated on the event loop (`Hub.take`) or in intake
processes, then queued. One task drains the queue into batches and hands each to the
single engine thread: while one batch commits, the next one fills up, so batching adapts
to the load with no added delay. The batches form a pipeline: while one commits (on a
committer thread: the fsync leaves the interpreter free), the next is planned, applied
and built on the engine thread (after a big batch, as soon as a message for it arrives);
each is answered only after its own commit, and fails with the one before it. Every other
write (acks, operator changes) runs on the engine thread through `run`, between batches,
so the ledger and the hub's tables only ever have one writer; a change held in memory
until the next commit (an FX quote) is then stored through `commit_shared`, one commit
for all the callers waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from corridor.hub.intake import Intake
from corridor.hub.intake_pool import IntakePool
from corridor.hub.processing import Answer, SettlementBatch
from corridor.hub.service import Hub

T = TypeVar("T")
BATCH_MESSAGES_MAX = 512
QUEUE_LENGTH_MAX = 20_000
INTAKE_BATCH_MESSAGES_MAX = 64
INTAKE_BATCH_BYTES_MAX = 4 * 1024 * 1024
# A batch of at least this many transactions commits long enough (a few ms of WAL writes
# and fsync) for the next message to be worth starting on as soon as it arrives. Below
# it, messages are left to accumulate during the commit: a bigger next batch costs less
# per payment than two small ones, each with its hand-offs to the engine thread.
OVERLAP_ON_ARRIVAL_TRANSACTIONS_MIN = 50


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
        self._intake = _IntakeBatches(hub, intake_pool) if intake_pool is not None else None
        # Commits run here, so that the engine thread can prepare the next batch meanwhile.
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commit")
        # Held while batches settle: run() waits for it, and asks the pipeline to pause.
        self._between_batches = asyncio.Lock()
        self._runs_waiting = 0
        self._unsettled = False  # memory may hold an applied batch not committed yet
        # Set when a message is queued: lets a batch that is committing take the next
        # one on top of it as soon as it arrives, instead of waiting out the fsync.
        self._arrived = asyncio.Event()
        # commit_shared: the commit the callers waiting now will share, and the task that
        # runs such commits one after another.
        self._store_next: asyncio.Future[None] | None = None
        self._storing: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name="engine-batches")

    async def stop(self) -> None:
        for task in (self._task, self._storing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._store_next is not None and not self._store_next.done():
            self._store_next.set_exception(RuntimeError("the engine stopped"))
        self._executor.shutdown(wait=True)
        self._committer.shutdown(wait=True)
        if self._unsettled:  # stopped between applying a batch and its commit's end
            self.hub.reload_ledger()  # no engine thread any more: safe from here

    async def submit(self, sender: str, data: bytes) -> Answer:
        """Parse (here, or in an intake worker process), settle on the engine thread;
        returns after the durable commit."""
        if self._intake is None:
            intake = self.hub.take(sender, data)
        else:
            intake = await self._intake.take(sender, data)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((intake, future))
        except asyncio.QueueFull:
            raise Overloaded(f"more than {QUEUE_LENGTH_MAX} messages waiting") from None
        self._arrived.set()
        return await future

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """Run a write on the engine thread (between batches: never while one commits)."""
        self._runs_waiting += 1  # the pipeline stops taking batches until this has run
        try:
            await self._between_batches.acquire()
        finally:
            self._runs_waiting -= 1
        try:
            return await self._on_engine(function, *args)
        finally:
            self._between_batches.release()

    async def commit_shared(self) -> None:
        """Return once a commit that started after this call has ended: what the caller
        changed on the engine thread just before (through `run`: an FX quote locked by
        Hub.lock_quote, which other engine-thread owners keep in memory) is then stored.
        Callers that arrive while a commit runs share the next one: one fsync for many,
        as the payments of a batch share theirs. Raises that commit's error."""
        if self._store_next is None:
            self._store_next = asyncio.get_running_loop().create_future()
            self._store_next.add_done_callback(_retrieved)  # whoever still waits, or none
            if self._storing is None:
                self._storing = asyncio.create_task(self._store(), name="engine-store")
        # shielded: a caller that gives up must not cancel the commit the others wait for
        await asyncio.shield(self._store_next)

    async def _store(self) -> None:
        """Run the commits commit_shared's callers wait for, until none waits."""
        try:
            while self._store_next is not None:
                stored = self._store_next
                try:
                    await self._store_round(stored)
                finally:  # cancelled (stop) or broken: nobody may wait for it forever
                    if not stored.done():
                        stored.set_exception(RuntimeError("the engine stopped"))
        finally:
            self._storing = None

    async def _store_round(self, stored: asyncio.Future[None]) -> None:
        self._runs_waiting += 1  # as run(): batches pause for it
        try:
            await self._between_batches.acquire()
        finally:
            self._runs_waiting -= 1
        try:
            # Taken only now: every caller waiting so far made its change before (its run
            # is over), so this commit stores it; later callers wait for the next one.
            self._store_next = None
            try:
                await self._on_engine(self.hub.store_pending)
            except Exception as error:  # every caller of this round gets it
                stored.set_exception(error)
            else:
                stored.set_result(None)
        finally:
            self._between_batches.release()

    async def _drain(self) -> None:
        while True:
            items = [await self._queue.get()]
            self._take_waiting(items)
            async with self._between_batches:
                try:
                    await self._settle(items)
                except Exception as error:  # e.g. memory could not be reloaded: keep serving
                    _fail(items, error)

    def _take_waiting(self, items: list[_Item]) -> None:
        while len(items) < self._batch_max and not self._queue.empty():
            items.append(self._queue.get_nowait())

    async def _settle(self, items: list[_Item]) -> None:
        if self._queue.empty() and not _big(items):  # nothing to overlap with: one step
            try:
                answers = await self._on_engine(self.hub.settle, _intakes(items))
            except Exception as error:  # the batch did not commit: nobody gets an answer
                _fail(items, error)
                return
            self._answer(items, answers)
            return
        self._unsettled = True
        await self._settle_pipelined(items)
        self._unsettled = False  # not reached when cancelled mid-way (see stop)

    def _answer(self, items: list[_Item], answers: list[Answer]) -> None:
        for (_, future), answer in zip(items, answers, strict=True):
            if not future.done():
                future.set_result(answer)
        if self._on_batch is not None:
            self._on_batch(len(items))

    async def _settle_pipelined(self, items: list[_Item]) -> None:
        """Settle batches in a pipeline: while one commits (the fsync, which leaves the
        interpreter free), the next is planned, applied and built. Each is answered only
        after its own commit, in order; if a commit fails, the batch applied on top of it
        fails too, and memory is reloaded from the database."""
        hub = self.hub
        try:
            batch = await self._on_engine(hub.apply_batch, _intakes(items), None)
            commit = asyncio.wrap_future(await self._on_engine(self._write, batch))
        except Exception as error:  # the batch did not commit: nobody gets an answer
            _fail(items, error)
            await self._on_engine(hub.reload_ledger)
            return
        while True:
            following, next_items, next_error = await self._apply_next(
                batch, commit if _big(items) else None
            )
            try:
                # shielded: a cancelled stop() must not cancel a commit not yet started,
                # which would leave its transaction (and SQLite's write lock) open
                await asyncio.shield(commit)
            except Exception as error:  # neither this batch nor the one on top of it
                _fail(items + next_items, error)
                await self._on_engine(hub.reload_ledger)
                return
            if not await self._finish(batch, items):  # memory may not match `following`
                _fail(next_items, RuntimeError("the batch below this one failed to finish"))
                await self._on_engine(hub.reload_ledger)
                return
            if next_error is not None:
                _fail(next_items, next_error)
                await self._on_engine(hub.reload_ledger)
                return
            if following is None:
                return
            try:
                commit = asyncio.wrap_future(await self._on_engine(self._write, following))
            except Exception as error:
                _fail(next_items, error)
                await self._on_engine(hub.reload_ledger)
                return
            batch, items = following, next_items

    def _write(self, batch: SettlementBatch) -> Future[None]:
        """Write the batch and start its commit, both from the engine thread: the write
        lock it takes must not wait for a turn of the event loop, which a request may be
        holding up while it waits for that very lock (SQLite's busy timeout)."""
        self.hub.write_batch(batch)
        return self._committer.submit(batch.commit)

    async def _apply_next(
        self, batch: SettlementBatch, commit: asyncio.Future[None] | None
    ) -> tuple[SettlementBatch | None, list[_Item], Exception | None]:
        """While `batch` commits: the next batch, applied on top of it, when messages
        wait (or, given its `commit`, arrive before that ends), no other write waits for
        the engine, and `batch` allows it."""
        items: list[_Item] = []
        if (
            self._runs_waiting
            or (commit is None and self._queue.empty())
            or not await self._on_engine(self.hub.may_overlap, batch)
            or not await self._arrival_during(commit)
        ):
            return None, items, None
        self._take_waiting(items)
        try:
            following = await self._on_engine(self.hub.apply_batch, _intakes(items), batch)
        except Exception as error:  # answered once `batch` has committed (or not)
            return None, items, error
        return following, items, None

    async def _arrival_during(self, commit: asyncio.Future[None] | None) -> bool:
        """Whether a message waits, or arrives before `commit` (if given) ends, with no
        other write waiting for the engine meanwhile."""
        self._arrived.clear()
        if commit is not None and self._queue.empty() and not commit.done():
            arrival = asyncio.ensure_future(self._arrived.wait())
            try:
                await asyncio.wait((commit, arrival), return_when=asyncio.FIRST_COMPLETED)
            finally:
                arrival.cancel()
        return not self._queue.empty() and not self._runs_waiting

    async def _finish(self, batch: SettlementBatch, items: list[_Item]) -> bool:
        """Answer a committed batch; False if finishing it failed (its senders get the
        error)."""
        try:
            answers = await self._on_engine(self.hub.finish_batch, batch)
        except Exception as error:
            _fail(items, error)
            return False
        self._answer(items, answers)
        return True

    async def _on_engine(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)


_Item = tuple[Intake, "asyncio.Future[Answer]"]


def _intakes(items: list[_Item]) -> list[Intake]:
    return [intake for intake, _ in items]


def _big(items: list[_Item]) -> bool:
    count = 0
    for intake, _ in items:
        count += len(intake.instructions)
        if count >= OVERLAP_ON_ARRIVAL_TRANSACTIONS_MIN:
            return True
    return False


def _retrieved(future: asyncio.Future[None]) -> None:
    """Mark a shared commit's error as seen, even if every caller gave up waiting."""
    if not future.cancelled():
        future.exception()


def _fail(items: list[_Item], error: Exception) -> None:
    for _, future in items:
        if not future.done():
            future.set_exception(error)


class _IntakeBatches:
    """Sends messages to the intake processes in batches, a few batches in flight.

    One round trip per message costs the hub's process more than it needs to (a
    pickle, a socket write and a wake-up each way, each waiting for the interpreter lock
    the engine thread holds). A message that arrives while the pool is busy waits for
    the next batch instead; a
    message that arrives while it is idle is sent at once, alone, so batching adds no
    delay at low load.
    """

    def __init__(self, hub: Hub, pool: IntakePool) -> None:
        self._hub = hub
        self._pool = pool
        self._in_flight_max = 2 * pool.workers  # every worker has its next batch waiting
        self._in_flight = 0
        self._pending: list[tuple[str, bytes, int, asyncio.Future[Intake]]] = []
        self._calls: set[asyncio.Task[None]] = set()

    async def take(self, sender: str, data: bytes) -> Intake:
        future: asyncio.Future[Intake] = asyncio.get_running_loop().create_future()
        self._pending.append((sender, data, self._hub.clock.now_ms(), future))
        if self._in_flight < self._in_flight_max:
            self._send()
        return await future

    def _send(self) -> None:
        batch = self._next_batch()
        self._in_flight += 1
        call = asyncio.get_running_loop().create_task(self._call(batch))
        self._calls.add(call)  # a task nobody holds may be collected before it ends
        call.add_done_callback(self._calls.discard)

    async def _call(self, batch: list[tuple[str, bytes, int, asyncio.Future[Intake]]]) -> None:
        messages = [(sender, data, received_at_ms) for sender, data, received_at_ms, _ in batch]
        try:
            results = await self._pool.take_many(self._hub.directory.version, messages)
        except Exception as error:  # the pool failed: every message of the batch fails
            results = [error] * len(batch)
        self._done(batch, results)

    def _next_batch(self) -> list[tuple[str, bytes, int, asyncio.Future[Intake]]]:
        count, size = 0, 0
        for _, data, _, _ in self._pending:
            if count == INTAKE_BATCH_MESSAGES_MAX or (
                count and size + len(data) > INTAKE_BATCH_BYTES_MAX
            ):
                break
            count, size = count + 1, size + len(data)
        batch, self._pending = self._pending[:count], self._pending[count:]
        return batch

    def _done(
        self,
        batch: list[tuple[str, bytes, int, asyncio.Future[Intake]]],
        results: list[Intake | Exception],
    ) -> None:
        self._in_flight -= 1
        for (_, _, _, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
        while self._pending and self._in_flight < self._in_flight_max:
            self._send()
