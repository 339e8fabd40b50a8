"""`corridor bench e2e`: signed pacs.008 messages through a real hub server over HTTP.

The server is `corridor serve` in its own process (uvicorn's event loop + the engine
thread, SQLite by default, PostgreSQL with `postgres_url`) on a free loopback port,
over a freshly prepared example network. The load generator is this process: every
message is built and signed BEFORE timing, then sent over keep-alive HTTP/1.1
connections (a minimal asyncio client, so that the generator spends as little of the
shared cores as possible). Each request is the full lifecycle: the hub verifies the
signature, validates against the schemas and the rules, settles, writes the forwarded
pacs.008 (built and signed) to the receiver's outbox and answers with a signed pacs.002,
all committed before the answer.

Workloads (each bounded by a message count and a time limit):
- single: one-transaction messages with 1, 8 and 32 concurrent clients (closed loop):
  payments/s and p50/p99 latency;
- open loop: one-transaction messages at a fixed rate (500/s) for ~10 s, latency from
  each message's scheduled send time (so a stalled server is not hidden);
- bulk: 100-transaction messages from a few concurrent clients: payments/s.

Targets on 2 cores: >= 1,000 payments/s with single messages, p99 < 100 ms at 500/s,
>= 10,000 payments/s in bulk.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from corridor.benchmarks.calibration import calibrate, python_ns_per_op
from corridor.bootstrap import open_database
from corridor.client import CorridorClient
from corridor.crypto.keys import KeyRing, load_public_key
from corridor.iso20022.pipeline import ParsedMessage, Policy, parse_message
from corridor.iso20022.schema import SchemaRegistry
from corridor.simulation import (
    HubServer,
    Order,
    PreparedNetwork,
    bulk_transfers,
    prepare_network,
    single_transfers,
)
from corridor.store.ledger_audit import audit_ledger

TARGET_SINGLE_PER_S = 1_000
TARGET_OPEN_LOOP_P99_MS = 100.0
TARGET_BULK_PER_S = 10_000
CLIENTS_MAX = 256
MESSAGES_MAX = 200_000
DURATION_S_MAX = 120.0
RESPONSE_BYTES_MAX = 4 * 1024 * 1024
HEADER_BYTES_MAX = 16 * 1024
WARMUP_MESSAGES = 40
SETTLED = "ACSC"


@dataclass(frozen=True, slots=True)
class E2eOptions:
    """What to run. `*_messages` bound each run's count, `*_s` its time.

    Attributes:
        clients: concurrency levels of the single-message closed-loop runs.
        single_messages: messages per closed-loop run (at most; the time limit may stop it).
        single_s: time limit of each closed-loop run.
        open_rate_per_s / open_s: the open-loop rate and duration.
        bulk_messages / bulk_transactions / bulk_clients: the bulk run.
        postgres_url: run against this (empty) PostgreSQL database instead of SQLite.
        workdir: where the database and keys go (a temporary folder by default).
    """

    clients: tuple[int, ...] = (1, 8, 32)
    single_messages: int = 6_000
    single_s: float = 8.0
    open_rate_per_s: int = 500
    open_s: float = 10.0
    bulk_messages: int = 120
    bulk_transactions: int = 100
    bulk_clients: int = 4
    bulk_s: float = 20.0
    postgres_url: str | None = None
    workdir: Path | None = None

    def check(self) -> None:
        assert self.clients, "at least one concurrency level"
        for clients in (*self.clients, self.bulk_clients):
            _bounded("clients", clients, 1, CLIENTS_MAX)
        for name in ("single_messages", "bulk_messages"):
            _bounded(name, getattr(self, name), 1, MESSAGES_MAX)
        _bounded("bulk_transactions", self.bulk_transactions, 1, 1_000)
        _bounded("open_rate_per_s", self.open_rate_per_s, 1, 20_000)
        for name in ("single_s", "open_s", "bulk_s"):
            _bounded(name, getattr(self, name), 0.1, DURATION_S_MAX)
        _bounded("open messages", int(self.open_rate_per_s * self.open_s), 1, MESSAGES_MAX)


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One run of the load generator.

    Attributes:
        name: "single-1", "single-8", "open-500", "bulk-4"...
        clients: concurrent connections (open loop: the most that were in use).
        messages / payments: answered messages, and the transactions they carried.
        elapsed_s: first send to last answer (wall clock).
        payments_per_s / messages_per_s: over elapsed_s.
        p50_ms / p99_ms / max_ms: answer latency (open loop: from the scheduled send time).
        statuses: answers per pacs.002 status (ACSC is settled); errors: HTTP failures.
        server_cpu_s: CPU time the server process used during the run (user + system).
        client_cpu_s: CPU time this process (the load generator) used during the run.
    """

    name: str
    clients: int
    messages: int
    payments: int
    elapsed_s: float
    payments_per_s: float
    messages_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    errors: int
    server_cpu_s: float
    client_cpu_s: float
    target_rate_per_s: float = 0.0

    @property
    def server_cpu_us_per_payment(self) -> float:
        return self.server_cpu_s / max(1, self.payments) * 1e6


@dataclass(frozen=True, slots=True)
class E2eResult:
    machine: dict[str, object]
    database: str
    runs: tuple[RunFigures, ...]
    checks: dict[str, object] = field(default_factory=dict)

    def run(self, name: str) -> RunFigures | None:
        return next((r for r in self.runs if r.name == name), None)

    def best_single_per_s(self) -> float:
        return max(
            (r.payments_per_s for r in self.runs if r.name.startswith("single-")), default=0.0
        )

    def targets(self) -> dict[str, bool]:
        open_run = next((r for r in self.runs if r.name.startswith("open-")), None)
        bulk = next((r for r in self.runs if r.name.startswith("bulk-")), None)
        return {
            "single_per_s": self.best_single_per_s() >= TARGET_SINGLE_PER_S,
            "open_loop_p99_ms": open_run is not None
            and open_run.p99_ms < TARGET_OPEN_LOOP_P99_MS
            and open_run.messages_per_s >= 0.95 * open_run.target_rate_per_s,
            "bulk_per_s": bulk is not None and bulk.payments_per_s >= TARGET_BULK_PER_S,
        }

    def meets_targets(self) -> bool:
        return all(self.targets().values())

    def as_dict(self) -> dict[str, object]:
        runs = []
        for r in self.runs:
            row = {name: getattr(r, name) for name in RunFigures.__slots__}  # type: ignore[attr-defined]
            runs.append(row | {"server_cpu_us_per_payment": r.server_cpu_us_per_payment})
        return {
            "machine": self.machine,
            "database": self.database,
            "runs": runs,
            "checks": self.checks,
            "targets": {
                "single_per_s": TARGET_SINGLE_PER_S,
                "open_loop_p99_ms": TARGET_OPEN_LOOP_P99_MS,
                "bulk_per_s": TARGET_BULK_PER_S,
            },
            "meets": self.targets(),
            "meets_targets": self.meets_targets(),
        }


def _bounded(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}]: {value}")


# -- the benchmark --------------------------------------------------------------------
def run(options: E2eOptions) -> E2eResult:
    """Prepare a network, start the server, pre-sign every message, run each workload."""
    options.check()
    with tempfile.TemporaryDirectory(prefix="corridor-e2e-") as tmp:
        workdir = options.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        before = calibrate(workdir)
        network = prepare_network(workdir, options.postgres_url)
        plan = _plan(network, options)
        with HubServer(network) as server:
            runs = asyncio.run(_drive(server, network, plan, options))
            checks = _checks(server, network, plan)
        checks |= _audit(network.database_url)
        database = "postgresql" if options.postgres_url else f"sqlite {sqlite3.sqlite_version}"
        machine = machine_info() | {
            # before and after the runs: a machine whose speed moved meanwhile shows it
            "python_ns_per_op": [before["python_ns_per_op"], round(python_ns_per_op(), 1)],
            "fsync_ms": before["fsync_ms"],
        }
        return E2eResult(machine, database, tuple(runs), checks)


@dataclass(frozen=True, slots=True)
class _Plan:
    warmup: list[Order]
    single: dict[int, list[Order]]
    open_loop: list[Order]
    bulk: list[Order]


def _plan(network: PreparedNetwork, options: E2eOptions) -> _Plan:
    """Every message, built and signed now (nothing is signed while timing)."""
    single = {
        clients: single_transfers(
            network, options.single_messages, seed=100 + clients, prefix=f"C{clients}"
        )
        for clients in options.clients
    }  # seeds differ: every UETR is new
    open_count = int(options.open_rate_per_s * options.open_s)
    return _Plan(
        warmup=single_transfers(network, WARMUP_MESSAGES, seed=0, prefix="W"),
        single=single,
        open_loop=single_transfers(network, open_count, seed=1, prefix="O"),
        bulk=bulk_transfers(
            network, options.bulk_messages, options.bulk_transactions, seed=2, prefix="B"
        ),
    )


async def _drive(
    server: HubServer, network: PreparedNetwork, plan: _Plan, options: E2eOptions
) -> list[RunFigures]:
    tokens = {bank.bic: bank.token for bank in network.banks}
    target = _Target(server.port, tokens, server.pid or 0)
    await _closed_loop(target, "warmup", plan.warmup, 4, 30.0)
    runs = []
    for clients, orders in plan.single.items():
        runs.append(
            await _closed_loop(target, f"single-{clients}", orders, clients, options.single_s)
        )
        server.check_alive()
    runs.append(await _open_loop(target, plan.open_loop, options.open_rate_per_s))
    server.check_alive()
    runs.append(
        await _closed_loop(
            target, f"bulk-{options.bulk_clients}", plan.bulk, options.bulk_clients, options.bulk_s
        )
    )
    return runs


def _checks(server: HubServer, network: PreparedNetwork, plan: _Plan) -> dict[str, object]:
    """After the runs, a sample checked the way a bank would: the answer (pacs.002) in
    the sender's outbox and the pacs.008 forwarded to the receiver both verify with the
    hub's key and validate against the schemas."""
    order = plan.warmup[0]
    uetr, receiver = order.legs[0].uetr, order.legs[0].creditor
    keys = KeyRing()
    keys.add(network.hub_bic, load_public_key(network.hub_key_path.read_bytes()))
    policy = Policy(schemas=SchemaRegistry.default(), keys=keys, require_signature=True)
    checks: dict[str, object] = {}
    for role, bic in (("answer", order.sender), ("forwarded", receiver)):
        with CorridorClient(server.base_url, network.bank(bic).token) as client:
            page = client.outbox(limit=1_000, include_acked=True)
        found = [m for m in page.messages if uetr in m.uetrs]
        parsed = parse_message(found[0].payload, policy) if found else None
        checks[f"{role}_kind"] = found[0].kind if found else "missing"
        checks[f"{role}_signed_and_valid"] = isinstance(parsed, ParsedMessage)
    return checks


def _audit(database_url: str) -> dict[str, object]:
    report = audit_ledger(open_database(database_url))
    return {"ledger_journal_rows": report.journal_rows, "ledger_problems": report.problems[:5]}


# -- load generation --------------------------------------------------------------------
@dataclass(slots=True)
class _Target:
    port: int
    tokens: dict[str, str]
    server_pid: int


@dataclass(slots=True)
class _Tally:
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    payments: int = 0
    errors: int = 0
    last_answer_s: float = 0.0
    connections: int = 0

    def record(self, order: Order, status: str, latency_s: float) -> None:
        self.latencies_s.append(latency_s)
        self.statuses[status] += 1
        self.payments += len(order.legs) if status == SETTLED else 0
        self.last_answer_s = time.perf_counter()


async def _closed_loop(
    target: _Target, name: str, orders: Sequence[Order], clients: int, limit_s: float
) -> RunFigures:
    tally, queue = _Tally(), iter(orders)
    meter = _CpuMeter(target.server_pid)
    started = time.perf_counter()
    deadline = started + limit_s

    async def client() -> None:
        connection = await _Connection.open(target.port)
        try:
            for order in queue:
                if time.perf_counter() >= deadline:
                    return
                await _send(connection, target, order, tally, time.perf_counter())
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return _figures(name, clients, tally, started, meter)


async def _open_loop(target: _Target, orders: Sequence[Order], rate_per_s: int) -> RunFigures:
    """Send at `rate_per_s` whatever the answers do; latency from the scheduled time."""
    tally, idle = _Tally(), list[_Connection]()
    meter = _CpuMeter(target.server_pid)
    started = time.perf_counter()
    tasks = []
    for index, order in enumerate(orders):
        scheduled = started + index / rate_per_s
        delay_s = scheduled - time.perf_counter()
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        tasks.append(asyncio.create_task(_pooled_send(target, order, tally, scheduled, idle)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    figures = _figures(f"open-{rate_per_s}", tally.connections, tally, started, meter)
    return _with_target(figures, rate_per_s)


async def _pooled_send(
    target: _Target, order: Order, tally: _Tally, scheduled: float, idle: list[_Connection]
) -> None:
    if idle:
        connection = idle.pop()
    else:
        tally.connections += 1
        connection = await _Connection.open(target.port)
    await _send(connection, target, order, tally, scheduled)
    idle.append(connection)


async def _send(
    connection: _Connection, target: _Target, order: Order, tally: _Tally, since: float
) -> None:
    status_code, body = await connection.post(order.xml, target.tokens[order.sender])
    if status_code != 200:
        tally.errors += 1
        return
    answer = json.loads(body)
    status = " ".join(part for part in (answer["status"], answer.get("reason")) if part)
    tally.record(order, status, time.perf_counter() - since)


def _with_target(figures: RunFigures, rate_per_s: float) -> RunFigures:
    return replace(figures, target_rate_per_s=float(rate_per_s))


def _figures(
    name: str, clients: int, tally: _Tally, started: float, meter: _CpuMeter
) -> RunFigures:
    elapsed_s = max(1e-9, (tally.last_answer_s or time.perf_counter()) - started)
    latencies = sorted(tally.latencies_s)
    server_cpu_s, client_cpu_s = meter.read()
    return RunFigures(
        name=name,
        clients=clients,
        messages=len(latencies),
        payments=tally.payments,
        elapsed_s=elapsed_s,
        payments_per_s=tally.payments / elapsed_s,
        messages_per_s=len(latencies) / elapsed_s,
        p50_ms=_percentile(latencies, 0.50) * 1e3,
        p99_ms=_percentile(latencies, 0.99) * 1e3,
        max_ms=(latencies[-1] if latencies else 0.0) * 1e3,
        statuses=dict(tally.statuses),
        errors=tally.errors,
        server_cpu_s=server_cpu_s,
        client_cpu_s=client_cpu_s,
    )


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


class _CpuMeter:
    """CPU seconds used by the server process and by this one since construction."""

    def __init__(self, server_pid: int) -> None:
        self._pid = server_pid
        self._server0 = _process_cpu_s(server_pid)
        self._client0 = time.process_time()

    def read(self) -> tuple[float, float]:
        return (_process_cpu_s(self._pid) - self._server0, time.process_time() - self._client0)


def _process_cpu_s(pid: int) -> float:
    """user + system CPU seconds of a process: its CPU-time clock on Linux, in
    nanoseconds (the clock ticks of /proc, 10 ms, read 0 for a short run of a fast
    server), else /proc, else 0."""
    try:
        return time.clock_gettime(_process_cpu_clock(pid))
    except (OSError, OverflowError):
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_cpu_clock(pid: int) -> int:
    """Linux's clock id for the CPU time of all threads of process `pid`, as
    clock_getcpuclockid(3) makes it (CPUCLOCK_SCHED of the process)."""
    return (~pid << 3) | 2


class _Connection:
    """One keep-alive HTTP/1.1 connection that POSTs messages to /v1/messages."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._port = port
        self._host = f"127.0.0.1:{port}".encode()

    @classmethod
    async def open(cls, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, port)

    async def post(self, body: bytes, token: str) -> tuple[int, bytes]:
        head = (
            b"POST /v1/messages HTTP/1.1\r\nHost: "
            + self._host
            + b"\r\nAuthorization: Bearer "
            + token.encode()
            + b"\r\nContent-Type: application/xml\r\nAccept: application/json\r\n"
            + b"Content-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
        )
        request = head + body
        try:
            self._writer.write(request)
            return await self._response()
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as error:
            if isinstance(error, asyncio.IncompleteReadError) and error.partial:
                raise ConnectionError("the server closed the connection mid-answer") from error
            # The server closed this keep-alive connection while it sat idle (uvicorn's
            # keep-alive timeout) before reading the request: send it on a new one. (An
            # IncompleteReadError is an EOFError, which the CLI would turn into "Aborted.")
            await self._reopen()
            self._writer.write(request)
            return await self._response()

    async def _reopen(self) -> None:
        self._writer.close()
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self._port)

    async def _response(self) -> tuple[int, bytes]:
        head = await self._reader.readuntil(b"\r\n\r\n")
        assert len(head) <= HEADER_BYTES_MAX, "response head too large"
        lines = head.decode("latin-1").split("\r\n")
        status_code = int(lines[0].split(" ", 2)[1])
        length = next(
            (
                int(line.split(":", 1)[1])
                for line in lines[1:]
                if line.lower().startswith("content-length:")
            ),
            None,
        )
        if length is None or length > RESPONSE_BYTES_MAX:
            raise ConnectionError(f"unexpected response framing: {lines[:1]}")
        return status_code, await self._reader.readexactly(length)

    def close(self) -> None:
        self._writer.close()


def machine_info() -> dict[str, object]:
    """CPU, memory, OS, Python and load: printed with every figure."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        memory_kb = 0
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def render(result: E2eResult) -> str:
    """The figures as text: machine, one line per run, checks, targets."""
    m = result.machine
    lines = [
        f"machine: {m['cpus']} cpus ({m['cpu_model']}), {m['memory_gib']} GiB, {m['os']}, "
        f"Python {m['python']}, load average {m['load_average']}",
        f"calibration: {_calibration(m)}",
        f"database: {result.database}; server: corridor serve (1 process), "
        "load generator: this process",
        f"{'run':12} {'clients':>7} {'messages':>8} {'payments':>8} {'payments/s':>10} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'srv cpu us/pmt':>14}  statuses",
    ]
    for r in result.runs:
        lines.append(
            f"{r.name:12} {r.clients:>7} {r.messages:>8,} {r.payments:>8,} "
            f"{r.payments_per_s:>10,.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.max_ms:>8.1f} "
            f"{r.server_cpu_us_per_payment:>14,.0f}  {r.statuses}"
            + (f" errors={r.errors}" if r.errors else "")
        )
    lines.append(f"checks: {result.checks}")
    meets = result.targets()
    lines.append(
        f"targets: single >= {TARGET_SINGLE_PER_S:,}/s: {_verdict(meets['single_per_s'])}; "
        f"open-loop p99 < {TARGET_OPEN_LOOP_P99_MS:.0f} ms: "
        f"{_verdict(meets['open_loop_p99_ms'])}; bulk >= {TARGET_BULK_PER_S:,}/s: "
        f"{_verdict(meets['bulk_per_s'])}"
    )
    return "\n".join(lines)


def _calibration(machine: dict[str, object]) -> str:
    ns = machine.get("python_ns_per_op")
    if not isinstance(ns, list):
        return "-"
    return (
        f"python {ns[0]:,.0f} ns/op before the runs, {ns[1]:,.0f} after; "
        f"fsync {machine.get('fsync_ms')} ms (see benchmarks.calibration)"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"
