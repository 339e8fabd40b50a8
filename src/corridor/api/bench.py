"""HTTP API benchmark: signed pacs.008 messages over loopback HTTP to a real uvicorn server.

`python -m corridor.api.bench [--messages N] [--concurrency C] [--json]`

Measures what a bank sees: submit -> durable commit -> answer, with C clients in flight.
The clients run in the same process as the server (one machine, shared cores), so the
figures are a floor for a server on its own cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import httpx
import uvicorn

from corridor.api.access_log import configure_logging
from corridor.api.app import create_app
from corridor.bootstrap import HubSettings, build_hub, load_network_config, tune_gc_for_engine
from corridor.crypto.keys import PrivateKey, generate_private_key, public_key_pem
from corridor.hub.security import Role
from corridor.hub.service import Hub
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.records import (
    Agent,
    CreditTransfer,
    CreditTransferTransaction,
    GroupHeader,
    Party,
)

SENDER, RECEIVER = "GANGINBB", "DECCINBB"  # two INR banks of the example network
HUB_BIC = "CRDRSGSG"
MESSAGES_MAX = 200_000
CONCURRENCY_MAX = 1_000


@dataclass(frozen=True, slots=True)
class ApiBenchResult:
    messages: int
    concurrency: int
    elapsed_s: float
    messages_per_s: float
    latency_ms_p50: float
    latency_ms_p99: float
    latency_ms_max: float
    batch_messages_mean: float
    accepted: int


def _message(sender_key: PrivateKey, index: int, now: datetime) -> bytes:
    ref = f"BENCH-{index:07d}-{uuid.uuid4().hex[:8]}"
    tx = CreditTransferTransaction(
        end_to_end_id=ref, instruction_id=ref, tx_id=ref, uetr=str(uuid.uuid4()),
        amount_minor=100 + index % 1000, currency="INR", settlement_date=now.date(),
        charge_bearer="SHAR", debtor=Party(name="Ganges Textiles Pvt Ltd", country="IN"),
        debtor_agent=Agent(bic=SENDER), creditor_agent=Agent(bic=RECEIVER),
        creditor=Party(name="Deccan Cotton Mills", country="IN"),
    )  # fmt: skip
    group = GroupHeader(
        msg_id=ref, created_at=now, number_of_transactions=1, settlement_method="CLRG",
        total_amount_minor=tx.amount_minor, total_currency="INR", settlement_date=now.date(),
    )  # fmt: skip
    body = CreditTransfer(group=group, transactions=(tx,))
    header = make_header(body, Agent(bic=SENDER), Agent(bic=HUB_BIC), now)
    return build_message(header, body, sender_key)


def _hub(workdir: Path) -> tuple[Hub, PrivateKey, str]:
    hub = build_hub(HubSettings(database_url=str(workdir / "bench.db"), hub_bic=HUB_BIC))
    network = Path(str(resources.files("corridor") / "examples" / "network.toml"))
    report = hub.load_network(load_network_config(network))
    assert not report.failures, report.failures
    key = generate_private_key()
    hub.register_key(SENDER, public_key_pem(key.public_key()).decode())
    return hub, key, hub.issue_credential(SENDER, Role.participant)


def _serve(hub: Hub) -> tuple[uvicorn.Server, threading.Thread, int]:
    config = uvicorn.Config(create_app(hub), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-bench", daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server stopped during startup"
        time.sleep(0.01)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


async def _drive(
    base_url: str, token: str, messages: list[bytes], concurrency: int
) -> tuple[list[float], int, float]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    queue = list(reversed(messages))
    latencies_s: list[float] = []
    accepted = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal accepted
        while queue:
            data = queue.pop()
            started = time.perf_counter()
            response = await http.post("/v1/messages", content=data, headers=headers)
            latencies_s.append(time.perf_counter() - started)
            accepted += response.status_code == 200 and response.json()["status"] == "ACSC"

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        elapsed_s = time.perf_counter() - started
    return latencies_s, accepted, elapsed_s


def _batch_mean(metrics_text: str) -> float:
    values = {}
    for line in metrics_text.splitlines():
        for name in ("corridor_engine_batch_messages_sum", "corridor_engine_batch_messages_count"):
            if line.startswith(name + " "):
                values[name] = float(line.split()[1])
    count = values.get("corridor_engine_batch_messages_count", 0.0)
    return values.get("corridor_engine_batch_messages_sum", 0.0) / count if count else 0.0


def run(messages: int = 2_000, concurrency: int = 64) -> ApiBenchResult:
    if not 1 <= messages <= MESSAGES_MAX:
        raise ValueError(f"messages must be 1 to {MESSAGES_MAX}")
    if not 1 <= concurrency <= CONCURRENCY_MAX:
        raise ValueError(f"concurrency must be 1 to {CONCURRENCY_MAX}")
    with tempfile.TemporaryDirectory(prefix="corridor-api-bench-") as workdir:
        hub, key, token = _hub(Path(workdir))
        now = datetime.now(UTC)
        payloads = [_message(key, index, now) for index in range(messages)]
        server, thread, port = _serve(hub)
        base_url = f"http://127.0.0.1:{port}"
        try:
            latencies_s, accepted, elapsed_s = asyncio.run(
                _drive(base_url, token, payloads, concurrency)
            )
            batch_mean = _batch_mean(httpx.get(f"{base_url}/metrics").text)
        finally:
            server.should_exit = True
            thread.join(30)
    ordered = sorted(latencies_s)
    return ApiBenchResult(
        messages=messages,
        concurrency=concurrency,
        elapsed_s=round(elapsed_s, 3),
        messages_per_s=round(messages / elapsed_s, 1),
        latency_ms_p50=round(statistics.median(ordered) * 1000, 2),
        latency_ms_p99=round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        latency_ms_max=round(ordered[-1] * 1000, 2),
        batch_messages_mean=round(batch_mean, 1),
        accepted=accepted,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    tune_gc_for_engine()  # process-wide, as the server does
    configure_logging(logging.WARNING)  # no request lines while measuring
    result = run(options.messages, options.concurrency)
    if options.json:
        print(json.dumps(asdict(result)))
        return
    for name, value in asdict(result).items():
        print(f"{name:>22}  {value}")


if __name__ == "__main__":
    main()
