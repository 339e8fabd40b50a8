"""Engine benchmark: `Hub.settle` alone, in this process, on messages taken beforehand.

What `corridor bench e2e` measures through HTTP, intake processes and a load generator,
all sharing two cores, this measures without them: the engine thread's work per payment
(plan, ledger apply, payment rows and events, the signed pacs.002 and forwarded pacs.008,
the durable commit) at a fixed batch size. Its CPU time per payment varies far less from
run to run than the end-to-end figures, so it is the one to compare changes with.

Workloads: single-transaction messages in batches of `batch_messages` (the engine's
batches under load), and messages of `bulk_transactions` transactions, one per batch.
Each message is taken (parsed, validated, authenticated, routed) and passed through
pickle, as an intake worker hands it over, before timing.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corridor.bootstrap import HubSettings, build_hub, tune_gc_for_engine
from corridor.hub.intake import Intake
from corridor.hub.service import Hub
from corridor.simulation.network import prepare_network
from corridor.simulation.traffic import bulk_transfers, single_transfers

WARM_UP_BATCHES = 5


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """single_messages / batch_messages: the single-transaction workload; bulk_messages /
    bulk_transactions: the bulk one (a message per batch)."""

    single_messages: int = 1_200
    batch_messages: int = 12
    bulk_messages: int = 60
    bulk_transactions: int = 100

    def check(self) -> None:
        for name, value, most in (
            ("single_messages", self.single_messages, 100_000),
            ("batch_messages", self.batch_messages, 512),
            ("bulk_messages", self.bulk_messages, 10_000),
            ("bulk_transactions", self.bulk_transactions, 1_000),
        ):
            if not 1 <= value <= most:
                raise ValueError(f"{name} must be 1..{most}: {value}")


@dataclass(frozen=True, slots=True)
class Workload:
    """One workload's figures: CPU and wall time per payment, payments per CPU-second."""

    name: str
    payments: int
    batches: int
    cpu_us_per_payment: float
    wall_us_per_payment: float
    payments_per_cpu_s: float


def run(options: EngineOptions) -> list[Workload]:
    options.check()
    with tempfile.TemporaryDirectory(prefix="corridor-engine-") as folder:
        network = prepare_network(Path(folder) / "network")
        hub = build_hub(
            HubSettings(
                database_url=network.database_url,
                hub_key_path=network.hub_key_path,
                hub_bic=network.hub_bic,
            )
        )
        batch = options.batch_messages
        singles = single_transfers(
            network, options.single_messages + WARM_UP_BATCHES * batch, seed=11
        )
        bulks = bulk_transfers(
            network, options.bulk_messages + WARM_UP_BATCHES, options.bulk_transactions, seed=12
        )
        single_intakes = _handed_over(hub, [(o.sender, o.xml) for o in singles])
        bulk_intakes = _handed_over(hub, [(o.sender, o.xml) for o in bulks])
        tune_gc_for_engine()
        return [
            _measure(hub, f"single-batch-{batch}", _batches(single_intakes, batch), 1),
            _measure(
                hub,
                f"bulk-{options.bulk_transactions}",
                _batches(bulk_intakes, 1),
                options.bulk_transactions,
            ),
        ]


def _handed_over(hub: Hub, messages: Sequence[tuple[str, bytes]]) -> list[Intake]:
    """Taken as an intake worker takes them, and through pickle as it hands them over."""
    taken = [hub.take(sender, data).for_engine() for sender, data in messages]
    return [pickle.loads(pickle.dumps(i, pickle.HIGHEST_PROTOCOL)) for i in taken]


def _batches(intakes: list[Intake], size: int) -> list[list[Intake]]:
    return [intakes[k : k + size] for k in range(0, len(intakes), size)]


def _measure(hub: Hub, name: str, batches: list[list[Intake]], per_message: int) -> Workload:
    for warm in batches[:WARM_UP_BATCHES]:
        _settle(hub, warm)
    timed = batches[WARM_UP_BATCHES:]
    cpu, wall = time.process_time(), time.perf_counter()
    for batch in timed:
        _settle(hub, batch)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    payments = sum(len(b) for b in timed) * per_message
    return Workload(
        name=name,
        payments=payments,
        batches=len(timed),
        cpu_us_per_payment=cpu / payments * 1e6,
        wall_us_per_payment=wall / payments * 1e6,
        payments_per_cpu_s=payments / cpu if cpu else 0.0,
    )


def _settle(hub: Hub, batch: list[Intake]) -> None:
    answers = hub.settle(batch)
    refused = [a for a in answers if a.status != "ACSC"]
    if refused:  # every payment of the workload settles: anything else is a bug
        raise RuntimeError(f"{len(refused)} answers were not ACSC: {refused[0]}")


def as_dict(workloads: list[Workload]) -> dict[str, Any]:
    return {"workloads": [asdict(w) for w in workloads]}


def render(workloads: list[Workload]) -> str:
    lines = [
        f"{'workload':20} {'payments':>9} {'batches':>8} {'cpu us/pmt':>11} "
        f"{'wall us/pmt':>12} {'pmt/cpu-s':>10}"
    ]
    for w in workloads:
        lines.append(
            f"{w.name:20} {w.payments:>9,} {w.batches:>8,} {w.cpu_us_per_payment:>11,.1f} "
            f"{w.wall_us_per_payment:>12,.1f} {w.payments_per_cpu_s:>10,.0f}"
        )
    return "\n".join(lines)
