"""Gridlock resolution: hand-computed scenarios, properties, the ledger chain."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.ledger import AccountKind, CreateAccount, CreateTransfer, Ledger, Result
from corridor.settlement import (
    LimitConfig,
    LimitState,
    Priority,
    QueuedPayment,
    exact_optimum,
    resolve,
    simultaneous_commands,
)


def pay(
    pid: int, debtor: str, creditor: str, amount: int, priority: Priority = Priority.normal
) -> QueuedPayment:
    return QueuedPayment(pid, debtor, creditor, "EUR", amount, priority, sequence=pid)


def settled_ids(result) -> set[int]:
    return {p.payment_id for p in result.settled}


def test_ring_with_zero_balances_settles_fully() -> None:
    ring = [pay(1, "A", "B", 100), pay(2, "B", "C", 100), pay(3, "C", "A", 100)]
    result = resolve(ring, {})
    assert settled_ids(result) == {1, 2, 3}
    assert (result.gross_minor, result.net_used_minor, result.liquidity_saved_minor) == (
        300,
        0,
        300,
    )
    assert result.net_positions_minor == {}


def test_ring_with_an_oversized_payment_settles_partially() -> None:
    payments = [
        pay(1, "A", "B", 100),
        pay(2, "B", "C", 100),
        pay(3, "C", "A", 100),
        pay(4, "C", "B", 500),
    ]
    result = resolve(payments, {})
    assert settled_ids(result) == {1, 2, 3}
    assert result.gross_minor == 300


def test_partial_offset_uses_the_liquidity_there_is() -> None:
    # A has 50: A->B 80 against B->A 30 nets A at -50; B->C 200 cannot be paid.
    payments = [pay(1, "A", "B", 80), pay(2, "B", "A", 30), pay(3, "B", "C", 200)]
    result = resolve(payments, {"A": 50})
    assert settled_ids(result) == {1, 2}
    assert (result.gross_minor, result.net_used_minor, result.liquidity_saved_minor) == (
        110,
        50,
        60,
    )
    assert result.net_positions_minor == {"A": -50, "B": 50}


def test_no_liquidity_and_no_offset_settles_nothing() -> None:
    result = resolve([pay(1, "A", "B", 100), pay(2, "B", "C", 100)], {})
    assert result.settled == ()
    assert (result.gross_minor, result.liquidity_saved_minor) == (0, 0)


def test_bilateral_limit_keeps_a_normal_payment_waiting() -> None:
    ring = [pay(1, "A", "B", 100), pay(2, "B", "C", 100), pay(3, "C", "A", 100)]
    limits = LimitState(LimitConfig(bilateral_minor={("A", "B"): 50}))
    assert resolve(ring, {}, limits).settled == ()
    urgent = [pay(1, "A", "B", 100, Priority.urgent), *ring[1:]]
    assert settled_ids(resolve(urgent, {}, limits)) == {1, 2, 3}


def test_net_debit_cap_caps_the_net_outflow() -> None:
    payments = [pay(1, "A", "B", 80), pay(2, "B", "A", 30)]
    # Together they net A at -50: a cap of 50 allows it, 49 does not (B has nothing).
    at_cap = LimitState(LimitConfig(net_debit_cap_minor={"A": 50}))
    below = LimitState(LimitConfig(net_debit_cap_minor={"A": 49}))
    assert resolve(payments, {"A": 1_000}, at_cap).gross_minor == 110
    assert resolve(payments, {"A": 1_000}, below).gross_minor == 0


def test_preserve_order_settles_a_prefix_of_every_queue() -> None:
    payments = [pay(1, "A", "B", 500), pay(2, "A", "B", 10), pay(3, "B", "A", 10)]
    strict = resolve(payments, {}, preserve_order=True)
    assert strict.settled == ()
    assert settled_ids(resolve(payments, {})) == {2, 3}


def test_simultaneous_commands_settle_a_zero_balance_ring_on_the_ledger() -> None:
    ledger = Ledger()
    accounts = {"A": 11, "B": 12, "C": 13}
    ledger.apply(
        [CreateAccount(a, name, "EUR", AccountKind.settlement, 0) for name, a in accounts.items()],
        1,
    )
    ring = [pay(1, "A", "B", 100), pay(2, "B", "C", 100), pay(3, "C", "A", 100)]
    result = resolve(ring, {})
    transfers = [
        CreateTransfer(100 + p.payment_id, accounts[p.debtor], accounts[p.creditor], p.amount_minor)
        for p in result.settled
    ]
    plain = ledger.apply(transfers[:1], 2)
    assert plain.results == [Result.exceeds_floor]  # one at a time, nothing can move
    chain = simultaneous_commands(transfers, dict.fromkeys(accounts.values(), 0))
    outcome = ledger.apply(chain, 3)
    assert set(outcome.results) == {Result.ok}
    assert all(ledger.account(a).balance_minor == 0 for a in accounts.values())
    assert all(ledger.account(a).floor_minor == 0 for a in accounts.values())
    assert ledger.verify() == []


def test_simultaneous_commands_fail_whole_when_a_floor_would_break() -> None:
    ledger = Ledger()
    ledger.apply(
        [CreateAccount(a, n, "EUR", AccountKind.settlement, 0) for n, a in (("A", 11), ("B", 12))],
        1,
    )
    chain = simultaneous_commands([CreateTransfer(5, 11, 12, 10)], {11: 0})
    outcome = ledger.apply(chain, 2)
    assert Result.ok not in outcome.results
    assert ledger.account(11).balance_minor == 0
    assert ledger.account(11).floor_minor == 0


# -- properties -----------------------------------------------------------------------
NAMES = ["A", "B", "C", "D", "E"]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[QueuedPayment], dict[str, int], LimitConfig]:
    count = draw(st.integers(0, 12))
    payments = []
    for pid in range(1, count + 1):
        debtor, creditor = draw(st.permutations(NAMES))[:2]
        payments.append(
            QueuedPayment(
                pid,
                debtor,
                creditor,
                "EUR",
                draw(st.integers(1, 1_000)),
                draw(st.sampled_from(list(Priority))),
                pid,
            )
        )
    liquidity = {n: draw(st.integers(-100, 500)) for n in NAMES}
    pairs = [(a, b) for a in NAMES for b in NAMES if a != b]
    bilateral = draw(st.dictionaries(st.sampled_from(pairs), st.integers(0, 500), max_size=4))
    multilateral = draw(st.dictionaries(st.sampled_from(NAMES), st.integers(0, 500), max_size=2))
    caps = draw(st.dictionaries(st.sampled_from(NAMES), st.integers(0, 500), max_size=2))
    return payments, liquidity, LimitConfig(bilateral, multilateral, caps)


def check_never_breaks(payments, liquidity, config, result) -> None:
    """An auditor independent of the resolver's bucket model."""
    limits = LimitState(config)
    before = LimitState(config)
    change = dict.fromkeys(NAMES, 0)
    for p in result.settled:
        limits.record(p)
        change[p.debtor] -= p.amount_minor
        change[p.creditor] += p.amount_minor
    assert sum(change.values()) == 0
    for name in NAMES:
        # Never below the floor, or (already below it) never lower than before.
        assert liquidity[name] + change[name] >= min(0, liquidity[name])
    for problem in limits.violations():
        assert problem in before.violations()


@settings(max_examples=300, deadline=None)
@given(instances(), st.booleans())
def test_resolution_never_breaks_a_floor_or_limit(instance, preserve_order: bool) -> None:
    payments, liquidity, config = instance
    result = resolve(payments, liquidity, LimitState(config), preserve_order=preserve_order)
    check_never_breaks(payments, liquidity, config, result)
    assert result.gross_minor - result.net_used_minor == result.liquidity_saved_minor
    again = resolve(
        list(reversed(payments)), dict(liquidity), LimitState(config), preserve_order=preserve_order
    )
    assert again == result  # deterministic, whatever order the input comes in


@settings(max_examples=150, deadline=None)
@given(instances())
def test_resolution_is_at_most_the_exact_optimum(instance) -> None:
    payments, liquidity, config = instance
    optimum, ids = exact_optimum(payments, liquidity, LimitState(config))
    result = resolve(payments, liquidity, LimitState(config))
    assert result.gross_minor <= optimum
    best = resolve([p for p in payments if p.payment_id in ids], liquidity, LimitState(config))
    assert best.gross_minor == optimum  # the optimum's set is itself feasible


@settings(max_examples=100, deadline=None)
@given(instances())
def test_preserve_order_settles_prefixes(instance) -> None:
    payments, liquidity, config = instance
    result = resolve(payments, liquidity, LimitState(config), preserve_order=True)
    chosen = settled_ids(result)
    for name in NAMES:
        queue = sorted((p for p in payments if p.debtor == name), key=lambda p: p.order_key)
        flags = [p.payment_id in chosen for p in queue]
        assert flags == sorted(flags, reverse=True)
