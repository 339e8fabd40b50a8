"""Gridlock resolution by multilateral offsetting (the liquidity-saving mechanism).

Problem: queued payments wait because each debtor lacks liquidity for its own queue,
although many of them would be covered by what the others owe it. Find a large set of
queued payments that can settle *simultaneously*: every participant's net outflow in the
set is covered by its liquidity (available balance less floor, capped by its net debit
cap), and no sender limit ends broken. Maximising the value of such a set is a 0/1
integer programme (NP-hard in general); we use the TARGET2 partial-optimisation
heuristic, then a greedy re-addition pass.

Algorithm (buckets are the constraints of `_model`: one liquidity bucket per participant
and one per sender limit in use):

1. Start from every queued payment; compute each bucket's balance = headroom + credits
   - debits, once, in O(n).
2. Put every bucket in deficit into a heap keyed by its balance (largest deficit first).
3. Pop the largest deficit; remove one payment that debits that bucket. Default: best
   fit - the smallest payment covering the deficit alone, else the largest, preferring
   one whose removal leaves its creditor covered (fewer cascades); small runs also try
   largest-first and smallest-first and keep the best. Then re-offset the removed
   payments with the kept ones fixed, and a bounded local search (force one payment
   in or out, re-offset, keep if more value). In `preserve_order` mode (TARGET2's rule)
   the owner's queue is cut
   from its end until such a payment is gone, so that what settles is always a prefix
   of every queue (strict FIFO). Removing a payment raises the debtor's buckets and
   lowers the creditor's: the buckets it touched are pushed again if in deficit (lazy
   heap: stale entries are skipped). Repeat until no bucket is in deficit.
4. Re-addition: removing payments often frees more liquidity than needed. The removed
   payments are tried again, largest first within each priority (in `preserve_order`
   mode, each queue's removed suffix in queue order, stopping at the first that does
   not fit); a payment goes back when every bucket it debits can pay it. Passes repeat
   while they add something, at most `readd_passes_max` times.

Complexity: n payments, P participants, B buckets (P + limits in use). Sorting O(n log
n); step 1 O(n); step 3 removes each payment at most once, each removal touches at most
four buckets and pushes at most four heap entries: O(n log n) in all (heap of O(n)
stale-or-live entries); step 4 O(k n) for k passes. Memory O(n + B). Deterministic: ties
break on participant name, priority, sequence and payment id, never on hash order.

Quality: on random instances of 15 payments the value settled is compared with the exact
optimum (`optimum.exact_optimum`) in `corridor bench liquidity`; see docs/benchmarks.md.

Settling the result on the ledger: `simultaneous_commands` builds one linked chain that
lowers each debtor's floor by its gross outflow, applies every transfer, and restores the
floors; the restore fails (and with it the whole chain) unless every account ends at or
above its real floor - which is exactly the simultaneous-settlement condition.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from corridor.foundation.errors import InvariantViolation
from corridor.ledger import Command, CreateTransfer, SetAccountFloor
from corridor.settlement._model import Model, balances, build_model, feasible
from corridor.settlement.limits import LimitState
from corridor.settlement.payments import Priority, QueuedPayment

READD_PASSES_MAX = 4
ROUNDS_MAX = 8
TRIES_MAX = 32
PASSES_MAX = 3
# Removal rules: 0 best fit (the deficit itself is the target amount), 1 largest first,
# 2 smallest first. Small runs try all and keep the most valuable outcome.
RULE_TARGETS = {0: 0, 1: 10**19, 2: 0}
PORTFOLIO_PAYMENTS_MAX = 5_000
# Removal ignores priority (value first); strict-FIFO mode keeps priority and order.
REMOVE_BY_PRIORITY = False
NEAR_MAX = 8  # candidates looked at around the best fit


@dataclass(frozen=True, slots=True)
class GridlockResult:
    """What one gridlock resolution found.

    Attributes:
        settled: the payments to settle together, by debtor, each queue in order.
        gross_minor: their total value.
        net_used_minor: the liquidity they draw: the sum of the net debit positions.
        liquidity_saved_minor: gross_minor - net_used_minor.
        net_positions_minor: participant -> received less paid in the set (non-zero only).
        queued_count / queued_minor: what was queued when the run started.
        removed_count / readded_count: steps taken (for the operator's view).
    """

    settled: tuple[QueuedPayment, ...]
    gross_minor: int
    net_used_minor: int
    liquidity_saved_minor: int
    net_positions_minor: Mapping[str, int]
    queued_count: int
    queued_minor: int
    removed_count: int
    readded_count: int


def resolve(
    payments: Sequence[QueuedPayment],
    liquidity_minor: Mapping[str, int],
    limits: LimitState | None = None,
    *,
    preserve_order: bool = False,
    readd_passes_max: int = READD_PASSES_MAX,
    rounds_max: int = ROUNDS_MAX,
    tries_max: int = TRIES_MAX,
) -> GridlockResult:
    """Find payments of one currency that can settle together; see the module docstring.

    `liquidity_minor`: participant -> available balance less floor (missing = 0).
    `limits`: the currency's limit state (positions so far today), or None.
    """
    if len({p.currency for p in payments}) > 1:
        raise ValueError("resolve takes the payments of one currency")
    model = build_model(payments, liquidity_minor, limits)
    n = len(model.payments)
    rules = (0,) if preserve_order or n > PORTFOLIO_PAYMENTS_MAX else tuple(RULE_TARGETS)
    best: tuple[int, bytearray, int, int] | None = None
    for rule in rules:
        chosen = bytearray(b"\x01") * n
        balance = balances(model, [True] * n)
        removed = _remove_until_covered(model, balance, chosen, preserve_order, None, rule)
        first_removed, readded = len(removed), 0
        if not preserve_order:
            removed, readded = _offset_removed(model, balance, chosen, removed, rounds_max, rule)
            removed, forced = _force_insert(model, balance, chosen, removed, tries_max, rule)
            readded += forced
        readded += _readd(model, balance, chosen, removed, preserve_order, readd_passes_max)
        if not feasible(model, balance) or balance != balances(model, chosen):
            raise InvariantViolation("gridlock resolution produced an uncovered position")
        value = sum(a for a, c in zip(model.amount, chosen, strict=True) if c)
        if best is None or value > best[0]:
            best = (value, chosen, first_removed, readded)
    assert best is not None
    return _result(model, best[1], best[2], best[3])


def _offset_removed(
    model: Model,
    balance: list[int],
    chosen: bytearray,
    removed: list[int],
    rounds_max: int,
    rule: int,
) -> tuple[list[int], int]:
    """Rounds of offsetting among the removed payments only, the kept ones fixed: puts
    back groups (e.g. two payments that offset each other) that one-by-one re-addition
    cannot. Stops when a round keeps nothing more. Returns (still removed, put back)."""
    put_back = 0
    for _ in range(rounds_max):
        if not removed:
            break
        for i in removed:
            chosen[i] = 1
            _shift(model, balance, i, 1)
        again = _remove_until_covered(model, balance, chosen, False, removed, rule)
        put_back += len(removed) - len(again)
        if len(again) == len(removed):
            break
        removed = again
    return removed, put_back


def _force_insert(
    model: Model,
    balance: list[int],
    chosen: bytearray,
    removed: list[int],
    tries_max: int,
    rule: int,
) -> tuple[list[int], int]:
    """Local search out of the cascade's local optimum. A move forces one payment: a
    removed one in, or a kept one out; every other removed payment is put back and the
    offsetting runs again with only those removable. A move is kept when the set settles
    more value. The largest payments are tried first, `tries_max` moves per pass, passes
    repeat while they gain. Returns (still removed, payments gained)."""
    amount = model.amount
    gained = 0
    for _ in range(PASSES_MAX):
        before = gained
        kept = [j for j in range(len(chosen)) if chosen[j]] if len(chosen) <= tries_max else []
        moves = sorted(removed + kept, key=lambda j: (-amount[j], j))[:tries_max]
        for i in moves:
            removed, delta = _move(model, balance, chosen, removed, i, rule)
            gained += delta
        if gained == before:
            break
    return removed, gained


def _move(
    model: Model,
    balance: list[int],
    chosen: bytearray,
    removed: list[int],
    forced: int,
    rule: int,
) -> tuple[list[int], int]:
    """Try one move (see `_force_insert`); keep it only if it settles more value."""
    amount = model.amount
    force_in = not chosen[forced]
    trial_balance = list(balance)
    if not force_in:
        chosen[forced] = 0
        _shift(model, trial_balance, forced, -1)
    back = [j for j in removed if j != forced]
    for j in [*back, forced] if force_in else back:
        chosen[j] = 1
        _shift(model, trial_balance, j, 1)
    again = _remove_until_covered(model, trial_balance, chosen, False, back, rule)
    new_removed = again if force_in else [*again, forced]
    if feasible(model, trial_balance) and (
        sum(amount[j] for j in new_removed) < sum(amount[j] for j in removed)
    ):
        balance[:] = trial_balance
        return new_removed, len(removed) - len(new_removed)
    for j in removed:
        chosen[j] = 0
    chosen[forced] = 0 if force_in else 1
    return removed, 0


def _shift(model: Model, balance: list[int], i: int, sign: int) -> None:
    amount = model.amount[i] * sign
    balance[model.debtor[i]] -= amount
    balance[model.creditor[i]] += amount
    if model.debit_limit[i] >= 0:
        balance[model.debit_limit[i]] -= amount
    if model.credit_limit[i] >= 0:
        balance[model.credit_limit[i]] += amount


def _remove_until_covered(
    model: Model,
    balance: list[int],
    chosen: bytearray,
    preserve_order: bool,
    removable: list[int] | None,
    rule: int = 0,
) -> list[int]:
    amount, debtor, creditor = model.amount, model.debtor, model.creditor
    debit_limit, credit_limit, owner = model.debit_limit, model.credit_limit, model.owner
    start, tail = _queue_ranges(model) if preserve_order else ([], [])
    best_fit = {} if preserve_order else _best_fit_lists(model, removable)
    headroom = model.headroom

    def harmless(i: int) -> bool:
        a, c, cl = amount[i], creditor[i], credit_limit[i]
        if balance[c] - a < 0 and balance[c] - a < headroom[c]:
            return False
        return cl < 0 or balance[cl] - a >= 0 or balance[cl] - a >= headroom[cl]

    heap = [(b, k) for k, b in enumerate(balance) if b < 0 and b < model.headroom[k]]
    heapq.heapify(heap)
    removed: list[int] = []
    while heap:
        value, bucket = heapq.heappop(heap)
        if balance[bucket] != value:
            continue  # stale entry; the bucket was pushed again when it changed
        queue_owner = owner[bucket]
        while True:
            i = _pick(
                bucket,
                -balance[bucket],
                queue_owner,
                start,
                tail,
                best_fit,
                chosen,
                preserve_order,
                harmless,
                rule,
            )
            if i < 0:
                break  # nothing left to take out: its balance can only have risen
            chosen[i] = 0
            removed.append(i)
            _shift(model, balance, i, -1)
            touched = [debtor[i], creditor[i], debit_limit[i], credit_limit[i]]
            for k in touched:  # every touched bucket still in deficit goes back
                if k >= 0 and balance[k] < 0 and balance[k] < model.headroom[k]:
                    heapq.heappush(heap, (balance[k], k))
            if bucket in (touched[0], touched[2]):
                break
        if i >= 0 and balance[bucket] < 0 and balance[bucket] < model.headroom[bucket]:
            heapq.heappush(heap, (balance[bucket], bucket))
    return removed


def _queue_ranges(model: Model) -> tuple[list[int], list[int]]:
    """Per participant: where its queue starts and ends in the payment arrays."""
    count = len(model.participants)
    start, tail = [0] * count, [0] * count
    for i, d in enumerate(model.debtor):
        if tail[d] == 0:
            start[d] = i
        tail[d] = i + 1
    return start, tail


def _pick(
    bucket: int,
    deficit: int,
    queue_owner: int,
    start: list[int],
    tail: list[int],
    best_fit: dict[int, list[list[tuple[int, int]]]],
    chosen: bytearray,
    preserve_order: bool,
    harmless: Callable[[int], bool],
    rule: int,
) -> int:
    """The next payment to take out for a bucket in deficit, or -1 if none is left.

    `preserve_order`: the last of the owner's queue. Otherwise best fit within the
    lowest priority that has any: the smallest payment that covers the deficit alone,
    else the largest one (so the least value leaves the set for each deficit closed).
    """
    if preserve_order:
        end, first = tail[queue_owner], start[queue_owner]
        while end > first and not chosen[end - 1]:
            end -= 1
        tail[queue_owner] = end
        return end - 1 if end > first else -1
    for candidates in best_fit.get(bucket, ()):
        i = _best_candidate(
            candidates, deficit if rule == 0 else RULE_TARGETS[rule], chosen, harmless
        )
        if i >= 0:
            return i
    return -1


def _best_candidate(
    candidates: list[tuple[int, int]],
    deficit: int,
    chosen: bytearray,
    harmless: Callable[[int], bool],
) -> int:
    """Take out of `candidates` the payment to remove: among the few nearest in amount to
    the deficit (the smallest covering it, then smaller ones), the first whose removal
    leaves its creditor covered; else the smallest covering one, else the largest."""
    while candidates:
        pos = bisect.bisect_left(candidates, (deficit, -1))
        low, high = max(0, pos - NEAR_MAX), min(len(candidates), pos + NEAR_MAX)
        near = list(range(pos, high)) + list(range(pos - 1, low - 1, -1))
        live = [k for k in near if chosen[candidates[k][1]]]
        if not live:
            del candidates[low:high]
            continue
        pick = next((k for k in live if harmless(candidates[k][1])), live[0])
        return candidates.pop(pick)[1]
    return -1


def _best_fit_lists(
    model: Model, removable: list[int] | None
) -> dict[int, list[list[tuple[int, int]]]]:
    """Per debit bucket, per priority from normal down to urgent: (amount, index) sorted.
    Only `removable` payments are listed (all when None)."""
    lists: dict[int, list[list[tuple[int, int]]]] = {}
    payments, amount = model.payments, model.amount
    indexes = range(len(payments)) if removable is None else removable
    for buckets in (model.debtor, model.debit_limit):
        for i in indexes:
            k = buckets[i]
            if k >= 0:
                per_priority = lists.get(k)
                if per_priority is None:
                    per_priority = lists[k] = [[] for _ in Priority]
                level = len(Priority) - 1 - payments[i].priority if REMOVE_BY_PRIORITY else 0
                per_priority[level].append((amount[i], i))
    for per_priority in lists.values():
        for candidates in per_priority:
            candidates.sort()
    return lists


def _readd(
    model: Model,
    balance: list[int],
    chosen: bytearray,
    removed: list[int],
    preserve_order: bool,
    passes_max: int,
) -> int:
    if preserve_order:
        candidates = sorted(removed)  # queue order, each debtor's suffix in turn
    else:
        payments, amount = model.payments, model.amount
        candidates = sorted(removed, key=lambda i: (payments[i].priority, -amount[i], i))
    readded = 0
    for _ in range(passes_max):
        added = _readd_pass(model, balance, chosen, candidates, preserve_order)
        readded += added
        if not added:
            break
    return readded


def _readd_pass(
    model: Model,
    balance: list[int],
    chosen: bytearray,
    candidates: list[int],
    preserve_order: bool,
) -> int:
    amount, debtor, creditor = model.amount, model.debtor, model.creditor
    debit_limit, credit_limit = model.debit_limit, model.credit_limit
    blocked: set[int] = set()  # preserve_order: debtors whose next payment did not fit
    added = 0
    for i in candidates:
        if chosen[i]:
            continue
        d, a, dl = debtor[i], amount[i], debit_limit[i]
        if preserve_order and (
            d in blocked or (i > 0 and debtor[i - 1] == d and not chosen[i - 1])
        ):
            blocked.add(d)
            continue
        if balance[d] < a or (dl >= 0 and balance[dl] < a):
            if preserve_order:
                blocked.add(d)
            continue
        chosen[i] = 1
        added += 1
        balance[d] -= a
        balance[creditor[i]] += a
        if dl >= 0:
            balance[dl] -= a
        if credit_limit[i] >= 0:
            balance[credit_limit[i]] += a
    return added


def _result(model: Model, chosen: bytearray, removed: int, readded: int) -> GridlockResult:
    names = model.participants
    net = [0] * len(names)
    gross = 0
    settled = []
    for payment, a, d, c, take in zip(
        model.payments, model.amount, model.debtor, model.creditor, chosen, strict=True
    ):
        if take:
            settled.append(payment)
            gross += a
            net[d] -= a
            net[c] += a
    net_used = sum(-x for x in net if x < 0)
    assert sum(net) == 0
    assert 0 <= net_used <= gross
    return GridlockResult(
        settled=tuple(settled),
        gross_minor=gross,
        net_used_minor=net_used,
        liquidity_saved_minor=gross - net_used,
        net_positions_minor={names[k]: x for k, x in enumerate(net) if x},
        queued_count=len(model.payments),
        queued_minor=sum(model.amount),
        removed_count=removed,
        readded_count=readded,
    )


def simultaneous_commands(
    transfers: Sequence[CreateTransfer], floors_minor: Mapping[int, int]
) -> list[Command]:
    """One linked chain that settles `transfers` as if simultaneously.

    `floors_minor`: account id -> its current floor, for every debit account. The chain
    lowers each debtor's floor by its gross outflow, applies the transfers in the order
    given, then restores every floor; a restore fails - and so the whole chain - if an
    account would end below its real floor. The ids, codes and references of the
    transfers are kept; their `linked` flags are set by the chain.
    """
    gross: dict[int, int] = {}
    for transfer in transfers:
        gross[transfer.debit_account_id] = (
            gross.get(transfer.debit_account_id, 0) + transfer.amount_minor
        )
    accounts = sorted(gross)
    missing = [a for a in accounts if a not in floors_minor]
    if missing:
        raise ValueError(f"no floor given for debit accounts {missing}")
    lower = [SetAccountFloor(a, floors_minor[a] - gross[a], linked=True) for a in accounts]
    body = [_relink(t) for t in transfers]
    restore = [SetAccountFloor(a, floors_minor[a], linked=True) for a in accounts]
    chain: list[Command] = [*lower, *body, *restore]
    if chain:
        last = chain[-1]
        assert isinstance(last, SetAccountFloor)
        chain[-1] = SetAccountFloor(last.account_id, last.floor_minor, linked=False)
    return chain


def _relink(transfer: CreateTransfer) -> CreateTransfer:
    if transfer.linked:
        return transfer
    return CreateTransfer(
        transfer.id,
        transfer.debit_account_id,
        transfer.credit_account_id,
        transfer.amount_minor,
        code=transfer.code,
        reference=transfer.reference,
        pending=transfer.pending,
        timeout_ms=transfer.timeout_ms,
        linked=True,
    )
