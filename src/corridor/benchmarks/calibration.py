"""How fast the machine is, printed beside a benchmark's figures.

The same code has run between one and two and a half times slower from one session's
machine to the next, and on the shared virtual machines of development up to twice as
slow from one minute to the next, so a figure means little without a measure of the
machine it came from, taken at the time. Two measures, each a few
tenths of a second:

- `python_ns_per_op`: CPU time per step of a fixed pure-Python workload (attribute reads,
  dict updates, small frozen records, string building: the mix of the hub's own code),
  the best of a few rounds. The hub's throughput scales with it.
- `fsync_ms`: the median time to write 4 KiB to a file and fsync it, in the folder the
  database lives in: what every commit waits for (SQLite runs with synchronous=FULL).
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PYTHON_OPS = 100_000
PYTHON_ROUNDS = 7
FSYNC_ROUNDS = 20
FSYNC_BYTES = 4096


@dataclass(frozen=True, slots=True)
class _Step:
    account: str
    amount_minor: int


def python_ns_per_op(ops: int = PYTHON_OPS, rounds: int = PYTHON_ROUNDS) -> float:
    """CPU nanoseconds per step of the reference workload (the best of `rounds`)."""
    best = float("inf")
    # Without the cyclic collector, so that the figure is the interpreter's speed and not
    # the size of the calling process's heap (the workload makes no cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            start = time.process_time_ns()
            _workload(ops)
            best = min(best, (time.process_time_ns() - start) / ops)
    finally:
        if collecting:
            gc.enable()
    return best


def _workload(ops: int) -> int:
    balances: dict[str, int] = {}
    names = [f"ACC{i:03d}" for i in range(64)]
    total = 0
    for i in range(ops):
        step = _Step(names[i & 63], i)
        balances[step.account] = balances.get(step.account, 0) + step.amount_minor
        total += len(f"{step.account}:{step.amount_minor}")
    return total + len(balances)


def fsync_ms(directory: Path, rounds: int = FSYNC_ROUNDS) -> float:
    """Median wall milliseconds to write FSYNC_BYTES and fsync them, in `directory`."""
    block = b"\0" * FSYNC_BYTES
    times_ms = []
    with tempfile.NamedTemporaryFile(dir=directory, prefix="calibration-") as file:
        for _ in range(rounds):
            start = time.perf_counter()
            file.write(block)
            file.flush()
            os.fsync(file.fileno())
            times_ms.append((time.perf_counter() - start) * 1_000)
    return statistics.median(times_ms)


def calibrate(directory: Path) -> dict[str, float]:
    """Both measures, rounded for printing."""
    return {
        "python_ns_per_op": round(python_ns_per_op(), 1),
        "fsync_ms": round(fsync_ms(directory), 3),
    }
