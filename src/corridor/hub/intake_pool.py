"""Intake in worker processes: parsing, schema validation, signature checks and routing of
inbound messages run beside the engine instead of on its interpreter.

Python runs one thread of Python code at a time per process; the hub's own process has
the HTTP layer and the engine thread, so the stateless, CPU-heavy part of every message
(about half its cost) goes to a small pool of processes. Each worker keeps its own view
of the directory, read from the database, and reloads it whenever the hub's directory
version moves on (every onboarding, key or status change bumps it).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.context
import pickle
import socket
from collections import deque
from dataclasses import dataclass

from corridor.hub.directory import Directory
from corridor.hub.intake import Intake, IntakeDesk
from corridor.iso20022.pipeline import Policy
from corridor.iso20022.records import Direction
from corridor.iso20022.schema import SchemaRegistry
from corridor.ledger import AccountBalance
from corridor.store import open_engine
from corridor.store.hub_store import HubStore
from corridor.store.ledger_store import account_balances

WORKERS_MAX = 8


@dataclass(frozen=True, slots=True)
class PoolSettings:
    database_url: str
    require_signature: bool = True


class _AccountsSnapshot:
    """The ledger's accounts as last read from the database (identity, not balances)."""

    def __init__(self, accounts: list[AccountBalance]) -> None:
        self._by_id = {a.id: a for a in accounts}

    def accounts(self) -> list[AccountBalance]:
        return list(self._by_id.values())

    def account(self, account_id: int) -> AccountBalance | None:
        return self._by_id.get(account_id)


_STATE: dict[str, object] = {}


def _init_worker(settings: PoolSettings) -> None:
    engine = open_engine(settings.database_url)
    _STATE["engine"] = engine
    _STATE["policy"] = Policy(
        schemas=SchemaRegistry.default(),
        direction=Direction.INBOUND,
        require_signature=settings.require_signature,
        require_header=True,
    )
    _STATE["version"] = -1


def _desk(version: int) -> IntakeDesk:
    if _STATE["version"] != version:
        engine = _STATE["engine"]
        accounts = _AccountsSnapshot(account_balances(engine))  # type: ignore[arg-type]
        directory = Directory(HubStore(engine).participants(), lambda: accounts)  # type: ignore[arg-type]
        _STATE["desk"] = IntakeDesk(directory, _STATE["policy"])  # type: ignore[arg-type]
        _STATE["version"] = version
    return _STATE["desk"]  # type: ignore[return-value]


def take_many_in_worker(
    version: int, messages: list[tuple[str, bytes, int]]
) -> list[Intake | Exception]:
    """`take` for several (sender, data, received_at_ms) at once: one round trip between
    processes for all of them. A message whose intake fails gets its exception, alone."""
    desk = _desk(version)
    results: list[Intake | Exception] = []
    for sender, data, received_at_ms in messages:
        try:
            results.append(desk.take(sender, data, received_at_ms).for_engine())
        except Exception as error:  # returned, not raised: the others' intakes stand
            results.append(_portable(error))
    return results


class IntakeFailed(Exception):  # noqa: N818 - what happened, not an error class name
    """The intake of one message raised an error that cannot cross the process boundary
    as it is (lxml's parse errors, errors with required keyword arguments)."""


def _portable(error: Exception) -> Exception:
    """The error itself if it survives pickling both ways, else its type and text: a reply
    that fails to pickle would take the worker, and every message waiting on it, down."""
    try:
        pickle.loads(pickle.dumps(error, pickle.HIGHEST_PROTOCOL))
    except Exception:
        return IntakeFailed(f"{type(error).__name__}: {error}")
    return error


# -- the pool: one socket pair per worker process, read and written by the event loop ----
_LENGTH_BYTES = 8
_WARM_TIMEOUT_S = 60.0


def _serve(settings: PoolSettings, sock: socket.socket) -> None:
    """A worker process: answer (version, messages) requests until the hub hangs up."""
    _init_worker(settings)
    with sock:
        while True:
            request = _receive(sock)
            if request is None:
                return
            version, messages = pickle.loads(request)
            if not messages:  # a warm-up: build the desk now, not on the first message
                _desk(version)
            reply = pickle.dumps(take_many_in_worker(version, messages), pickle.HIGHEST_PROTOCOL)
            sock.sendall(len(reply).to_bytes(_LENGTH_BYTES, "big") + reply)


def _receive(sock: socket.socket) -> bytes | None:
    """One length-prefixed frame, or None at the end of the stream."""
    header = _receive_exactly(sock, _LENGTH_BYTES)
    return None if header is None else _receive_exactly(sock, int.from_bytes(header, "big"))


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class IntakeWorkerError(Exception):
    """An intake process stopped answering (it died, or the pool was shut down)."""


class _Worker:
    """One intake process and the hub's end of its socket (used on the event loop)."""

    def __init__(self, settings: PoolSettings, context: multiprocessing.context.SpawnContext):
        self.sock, child = socket.socketpair()
        self.process = context.Process(target=_serve, args=(settings, child), daemon=True)
        self.process.start()
        child.close()
        self.waiting: deque[asyncio.Future[list[Intake | Exception]]] = deque()
        self.opened: asyncio.Task[None] | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reader_task: asyncio.Task[None] | None = None

    def warm(self) -> None:
        """A blocking round trip before the event loop takes the socket over."""
        request = pickle.dumps((-2, []))
        self.sock.settimeout(_WARM_TIMEOUT_S)
        self.sock.sendall(len(request).to_bytes(_LENGTH_BYTES, "big") + request)
        if _receive(self.sock) is None:
            raise IntakeWorkerError("an intake process died while starting")
        self.sock.settimeout(None)

    async def call(
        self, version: int, messages: list[tuple[str, bytes, int]]
    ) -> list[Intake | Exception]:
        if self.opened is None:  # the first call opens the stream; the others wait for it
            self.opened = asyncio.get_running_loop().create_task(self._open())
        await self.opened
        assert self.writer is not None and self.reader_task is not None
        if self.reader_task.done():
            raise IntakeWorkerError("the intake process is gone")
        future: asyncio.Future[list[Intake | Exception]] = (
            asyncio.get_running_loop().create_future()
        )
        request = pickle.dumps((version, messages), pickle.HIGHEST_PROTOCOL)
        self.waiting.append(future)  # replies come back in request order
        self.writer.write(len(request).to_bytes(_LENGTH_BYTES, "big") + request)
        return await future

    async def _open(self) -> None:
        reader, self.writer = await asyncio.open_unix_connection(sock=self.sock)
        self.reader_task = asyncio.create_task(self._read(reader), name="intake-replies")

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                header = await reader.readexactly(_LENGTH_BYTES)
                reply = await reader.readexactly(int.from_bytes(header, "big"))
                result = pickle.loads(reply)  # before taking the future: if this raises,
                future = self.waiting.popleft()  # _fail below answers every one waiting
                if not future.done():
                    future.set_result(result)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            self._fail(IntakeWorkerError(f"the intake process is gone: {error}"))
        except BaseException as error:
            self._fail(IntakeWorkerError(f"intake replies stopped: {error!r}"))
            raise

    def gone(self) -> bool:
        """The process has exited, or its replies stopped."""
        replies_stopped = self.reader_task is not None and self.reader_task.done()
        return replies_stopped or not self.process.is_alive()

    def _fail(self, error: Exception) -> None:
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)

    def abandon(self) -> None:
        """Let go of a dead or stuck worker without waiting for it (this runs on the event
        loop): a process still running is terminated at once, and reaped later."""
        if self.process.is_alive():
            self.process.terminate()
        self._close_stream()
        self._fail(IntakeWorkerError("the intake process is gone"))

    def _close_stream(self) -> None:
        with contextlib.suppress(OSError):  # the end of the stream now, not at the next
            self.sock.shutdown(socket.SHUT_RDWR)  # loop turn: the worker exits on it
        if self.reader_task is not None:
            self.reader_task.cancel()
        if self.writer is not None:
            self.writer.close()
        else:
            self.sock.close()

    def close(self) -> None:
        self._close_stream()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self._fail(IntakeWorkerError("the intake pool was shut down"))


class IntakePool:
    """Processes running IntakeDesk.take; started once per hub process.

    Each worker is one process with a socket pair that the event loop reads and writes
    itself: no executor threads between them, whose hand-offs (each waiting for the
    interpreter lock that the engine thread holds) cost the hub's process more than the
    pickling does. Calls go to the worker with the fewest waiting.
    """

    def __init__(self, settings: PoolSettings, workers: int) -> None:
        if not 1 <= workers <= WORKERS_MAX:
            raise ValueError(f"intake workers must be 1..{WORKERS_MAX}: {workers}")
        # spawn, not fork: the hub process has threads (the engine), which fork would copy
        # in whatever state they happen to be.
        self._settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._workers = [_Worker(settings, self._context) for _ in range(workers)]
        self.workers = workers
        self.restarted = 0  # workers replaced after they died
        self._closed = False

    def warm(self) -> None:
        """Wait until every worker has started and read the directory (before serving)."""
        for worker in self._workers:
            worker.warm()

    async def take_many(
        self, version: int, messages: list[tuple[str, bytes, int]]
    ) -> list[Intake | Exception]:
        """`take` for each (sender, data, received_at_ms) in a worker process."""
        if self._closed:
            raise IntakeWorkerError("the intake pool was shut down")
        self._replace_dead()
        worker = min(self._workers, key=lambda w: len(w.waiting))
        return await worker.call(version, messages)

    def _replace_dead(self) -> None:
        """A worker that died (killed, out of memory) is replaced by a new process, so that
        it fails only the messages it held: the next ones wait for the new worker to start
        instead of all going to the dead one (it has nothing waiting)."""
        for index, worker in enumerate(self._workers):
            if worker.gone():
                worker.abandon()
                self._workers[index] = _Worker(self._settings, self._context)
                self.restarted += 1

    def shutdown(self) -> None:
        """Stop the workers (idempotent)."""
        if not self._closed:
            self._closed = True
            for worker in self._workers:
                worker.close()
