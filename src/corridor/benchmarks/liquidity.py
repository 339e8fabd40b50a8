"""`corridor bench liquidity`: gridlock resolution against FIFO retry and the exact optimum.

Workload (seeded): `participants` banks, `payments` queued normal payments between random
pairs, amounts log-uniform from 10.00 to 100,000.00 (minor units, exponent 2); each
bank's liquidity is `liquidity_share` of its own queue's total, so every bank is short
of liquidity for its own queue. Measured:

  resolve    `settlement.resolve` (bypass mode, and strict-FIFO `preserve_order` mode)
  fifo       baseline: each queue retried in FIFO order against the bank's balance,
             round after round, until a round settles nothing (what a plain RTGS does)
  optimum    `small_instances` random instances of `small_payments` payments among
             `small_participants` banks: value settled / exact optimum (branch and bound)
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from corridor.settlement import QueuedPayment, exact_optimum, resolve

TARGET_RESOLVE_S = 1.0
TARGET_OPTIMUM_RATIO = 0.95


@dataclass(frozen=True, slots=True)
class LiquidityConfig:
    participants: int = 200
    payments: int = 100_000
    liquidity_share: float = 0.01
    small_instances: int = 50
    small_payments: int = 15
    small_participants: int = 5
    seed: int = 20260105


@dataclass(frozen=True, slots=True)
class LiquidityResult:
    participants: int
    payments: int
    queued_minor: int
    liquidity_minor: int
    resolve_s: float  # CPU time of the one thread (other sessions share the machine)
    resolve_wall_s: float
    settled_count: int
    settled_minor: int
    settled_share: float
    net_used_minor: int
    liquidity_saved_minor: int
    strict_fifo_resolve_s: float
    strict_fifo_settled_minor: int
    fifo_retry_s: float
    fifo_retry_settled_minor: int
    ratio_vs_fifo_retry: float
    optimum_instances: int
    optimum_ratio_min: float
    optimum_ratio_mean: float
    optimum_ratio_total: float
    optimum_strict_ratio_min: float
    optimum_s: float

    def meets_targets(self) -> bool:
        return self.resolve_s < TARGET_RESOLVE_S and self.optimum_ratio_mean >= TARGET_OPTIMUM_RATIO


def gridlock_workload(
    participants: int, count: int, share: float, seed: int
) -> tuple[list[QueuedPayment], dict[str, int]]:
    """Random queued payments and each bank's liquidity (share of its own queue)."""
    rng = random.Random(seed)
    names = [f"BANK{k:04d}" for k in range(participants)]
    payments = []
    for i in range(count):
        debtor = rng.randrange(participants)
        creditor = rng.randrange(participants - 1)
        creditor += creditor >= debtor
        amount = int(10 ** rng.uniform(3, 7))
        payments.append(
            QueuedPayment(i + 1, names[debtor], names[creditor], "EUR", amount, sequence=i)
        )
    outgoing = dict.fromkeys(names, 0)
    for payment in payments:
        outgoing[payment.debtor] += payment.amount_minor
    return payments, {name: int(total * share) for name, total in outgoing.items()}


def fifo_retry(payments: list[QueuedPayment], liquidity: dict[str, int]) -> int:
    """Value settled by retrying each queue in strict FIFO order until nothing moves."""
    balance = dict(liquidity)
    queues: dict[str, list[QueuedPayment]] = {}
    for payment in sorted(payments, key=lambda p: (p.debtor, p.order_key)):
        queues.setdefault(payment.debtor, []).append(payment)
    heads = dict.fromkeys(queues, 0)
    settled, progress = 0, True
    while progress:
        progress = False
        for debtor in sorted(queues):
            queue, head = queues[debtor], heads[debtor]
            while head < len(queue) and queue[head].amount_minor <= balance.get(debtor, 0):
                payment = queue[head]
                balance[debtor] -= payment.amount_minor
                balance[payment.creditor] = balance.get(payment.creditor, 0) + (
                    payment.amount_minor
                )
                settled += payment.amount_minor
                head += 1
                progress = True
            heads[debtor] = head
    return settled


def _optimum_ratios(config: LiquidityConfig) -> tuple[list[float], list[float], int, int]:
    rng = random.Random(config.seed + 1)
    ratios, strict, total, total_opt = [], [], 0, 0
    for instance in range(config.small_instances):
        payments, _ = gridlock_workload(
            config.small_participants, config.small_payments, 0.0, config.seed + 100 + instance
        )
        names = sorted({p.debtor for p in payments} | {p.creditor for p in payments})
        liquidity = {name: rng.randint(0, 3_000_000) for name in names}
        for preserve, out in ((False, ratios), (True, strict)):
            optimum, _ = exact_optimum(payments, liquidity, preserve_order=preserve)
            found = resolve(payments, liquidity, preserve_order=preserve).gross_minor
            out.append(found / optimum if optimum else 1.0)
            if not preserve:
                total, total_opt = total + found, total_opt + optimum
    return ratios, strict, total, total_opt


def run(config: LiquidityConfig | None = None) -> LiquidityResult:
    config = config or LiquidityConfig()
    payments, liquidity = gridlock_workload(
        config.participants, config.payments, config.liquidity_share, config.seed
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    result = resolve(payments, liquidity)
    resolve_s = time.process_time() - cpu_started
    resolve_wall_s = time.perf_counter() - started
    started = time.perf_counter()
    strict = resolve(payments, liquidity, preserve_order=True)
    strict_s = time.perf_counter() - started
    started = time.perf_counter()
    baseline = fifo_retry(payments, liquidity)
    fifo_s = time.perf_counter() - started
    started = time.perf_counter()
    ratios, strict_ratios, total, total_opt = _optimum_ratios(config)
    optimum_s = time.perf_counter() - started
    return LiquidityResult(
        participants=config.participants,
        payments=config.payments,
        queued_minor=result.queued_minor,
        liquidity_minor=sum(liquidity.values()),
        resolve_s=resolve_s,
        resolve_wall_s=resolve_wall_s,
        settled_count=len(result.settled),
        settled_minor=result.gross_minor,
        settled_share=result.gross_minor / result.queued_minor,
        net_used_minor=result.net_used_minor,
        liquidity_saved_minor=result.liquidity_saved_minor,
        strict_fifo_resolve_s=strict_s,
        strict_fifo_settled_minor=strict.gross_minor,
        fifo_retry_s=fifo_s,
        fifo_retry_settled_minor=baseline,
        ratio_vs_fifo_retry=result.gross_minor / baseline if baseline else float("inf"),
        optimum_instances=len(ratios),
        optimum_ratio_min=min(ratios),
        optimum_ratio_mean=sum(ratios) / len(ratios),
        optimum_ratio_total=total / total_opt if total_opt else 1.0,
        optimum_strict_ratio_min=min(strict_ratios),
        optimum_s=optimum_s,
    )
