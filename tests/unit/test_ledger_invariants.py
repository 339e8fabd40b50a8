"""Invariants, determinism and recovery of the ledger.

- `check_touched` (run after every batch) raises InvariantViolation on a corrupted state;
  `Ledger.verify()` lists the problems of a corrupted state and nothing for a sound one.
- The same batches at the same times on two fresh ledgers give identical outcomes.
- `Ledger.restore(accounts, history)` from what the batches reported (their events and
  touched accounts, as the store keeps them) rebuilds idempotency and pending state.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest

from corridor.foundation.errors import InvariantViolation
from corridor.ledger import (
    BALANCE_MAX,
    Account,
    AccountBalance,
    AccountKind,
    BatchOutcome,
    CloseAccount,
    Command,
    CreateAccount,
    CreateTransfer,
    Event,
    Ledger,
    PendingStatus,
    PostPending,
    Result,
    SetAccountFloor,
    VoidPending,
)
from corridor.ledger.invariants import check_touched

ISSUANCE, A, B = 1, 10, 11
R = Result


def _opened() -> Ledger:
    ledger = Ledger()
    setup: list[Command] = [
        CreateAccount(ISSUANCE, "ECB", "EUR", AccountKind.issuance, None),
        CreateAccount(A, "BANKAAAA", "EUR", AccountKind.settlement),
        CreateAccount(B, "BANKBBBB", "EUR", AccountKind.settlement, -100),
        CreateTransfer(1, ISSUANCE, A, 1_000),
        CreateTransfer(2, A, B, 300, pending=True),
    ]
    assert ledger.apply(setup, 0).results == [R.ok] * 5
    return ledger


def _internal(ledger: Ledger, account_id: int) -> Account:
    """The writer's own mutable account: only a test that corrupts state reaches it."""
    return ledger._accounts[account_id]


# -- check_touched ---------------------------------------------------------------------


def _account(**totals: int) -> Account:
    return Account(A, "BANKAAAA", "EUR", AccountKind.settlement, 0, **totals)  # type: ignore[arg-type]


def test_check_touched_accepts_a_balanced_batch() -> None:
    dr = Account(ISSUANCE, "ECB", "EUR", AccountKind.issuance, None, debits_posted=5)
    cr = _account(credits_posted=5)
    check_touched({dr: (0, 0, 0), cr: (0, 0, 0)})


def test_check_touched_raises_when_a_batch_creates_money() -> None:
    with pytest.raises(InvariantViolation, match="EUR: batch changed the sum of balances by 5"):
        check_touched({_account(credits_posted=5): (0, 0, 0)})


def test_check_touched_raises_when_pending_totals_diverge() -> None:
    dr = Account(ISSUANCE, "ECB", "EUR", AccountKind.issuance, None, debits_pending=7)
    cr = _account(credits_pending=6)
    with pytest.raises(InvariantViolation, match="pending debits and credits diverged by 1"):
        check_touched({dr: (0, 0, 0), cr: (0, 0, 0)})


@pytest.mark.parametrize(
    ("totals", "message"),
    [
        ({"debits_posted": 1}, "available -1 below floor 0"),
        ({"credits_posted": 5, "debits_pending": 6}, "available -1 below floor 0"),
        ({"credits_pending": -1}, "credits_pending=-1 out of range"),
        ({"credits_posted": BALANCE_MAX + 1}, "credits_posted=.* out of range"),
    ],
)
def test_check_touched_raises_on_a_broken_account(totals: dict[str, int], message: str) -> None:
    with pytest.raises(InvariantViolation, match=message):
        check_touched({_account(**totals): (0, 0, 0)})


def test_check_touched_raises_on_a_total_that_is_not_an_int() -> None:
    account = _account()
    account.debits_posted = 1.0  # type: ignore[assignment]
    with pytest.raises(InvariantViolation, match=r"debits_posted=1\.0 out of range"):
        check_touched({account: (0, 0, 0)})


def test_apply_stops_on_an_account_corrupted_below_its_floor() -> None:
    ledger = _opened()
    _internal(ledger, A).debits_posted += 5_000  # corrupted behind the ledger's back
    with pytest.raises(InvariantViolation, match="below floor"):
        ledger.apply([CreateTransfer(3, ISSUANCE, A, 1)], 10)


def test_apply_stops_on_a_negative_total() -> None:
    ledger = _opened()
    _internal(ledger, B).debits_pending = -1
    with pytest.raises(InvariantViolation, match="debits_pending=-1 out of range"):
        ledger.apply([CreateTransfer(3, ISSUANCE, B, 1)], 10)


def test_apply_stops_when_a_release_does_not_balance(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that moves money on one side only is caught before the batch is reported."""
    ledger = _opened()
    release = Ledger._release

    def leaky(self: Ledger, pending: object, posted_minor: int) -> None:
        release(self, pending, posted_minor)  # type: ignore[arg-type]
        _internal(self, B).credits_posted += 1

    monkeypatch.setattr(Ledger, "_release", leaky)
    with pytest.raises(InvariantViolation, match="batch changed the sum of balances by 1"):
        ledger.apply([PostPending(3, 2)], 10)


# -- verify ----------------------------------------------------------------------------


def test_verify_is_empty_for_a_sound_state() -> None:
    ledger = _opened()
    assert ledger.verify() == []
    assert Ledger().verify() == []


def test_verify_finds_money_created_from_nothing() -> None:
    ledger = _opened()
    _internal(ledger, B).credits_posted += 7
    assert ledger.verify() == ["EUR: balances sum to 7, not zero"]


def test_verify_finds_pending_totals_that_match_no_pending() -> None:
    ledger = _opened()
    _internal(ledger, A).debits_pending = 100
    problems = ledger.verify()
    assert "account 0xa: pending totals (100, 0) != open pendings (300, 0)" in problems
    assert "EUR: pending debits 100 != pending credits 300" in problems
    assert len(problems) == 2


def test_verify_finds_an_account_below_its_floor_and_a_bad_total() -> None:
    ledger = _opened()
    _internal(ledger, B).debits_posted = 101  # and ISSUANCE is now off by 101
    _internal(ledger, A).credits_posted = BALANCE_MAX + 1
    problems = ledger.verify()
    assert "account 0xb: available -101 below floor -100" in problems
    assert any(p.startswith("account 0xa: credits_posted=") for p in problems)
    assert any(p.startswith("EUR: balances sum to") for p in problems)


def test_verify_checks_each_currency_on_its_own() -> None:
    ledger = _opened()
    usd = [
        CreateAccount(2, "FED", "USD", AccountKind.issuance, None),
        CreateAccount(20, "BANKAAAA", "USD", AccountKind.settlement),
        CreateTransfer(3, 2, 20, 50),
    ]
    assert ledger.apply(usd, 10).results == [R.ok] * 3
    _internal(ledger, 20).credits_posted -= 50  # USD off by -50 ...
    _internal(ledger, B).credits_posted += 50  # ... EUR off by +50: no cross-currency netting
    assert ledger.verify() == [
        "EUR: balances sum to 50, not zero",
        "USD: balances sum to -50, not zero",
    ]


# -- determinism -----------------------------------------------------------------------


def _random_script(seed: int, batches: int) -> list[tuple[int, list[Command]]]:
    """Batches of mixed commands with ids drawn from small pools, so that they collide."""
    rng = random.Random(seed)
    accounts = [ISSUANCE, A, B, 12, 13]
    script: list[tuple[int, list[Command]]] = [
        (0, [CreateAccount(12, "BANKCCCC", "EUR", AccountKind.escrow, -50)])
    ]
    now_ms = 0
    for _ in range(batches):
        now_ms += rng.choice([0, 1, 5, 50])
        batch: list[Command] = []
        for _ in range(rng.randint(0, 6)):
            batch.append(_random_command(rng, accounts))
        script.append((now_ms, batch))
    return script


def _random_command(rng: random.Random, accounts: list[int]) -> Command:
    linked = rng.random() < 0.25
    roll = rng.random()
    if roll < 0.6:
        dr, cr = rng.choice(accounts), rng.choice(accounts)
        pending = rng.random() < 0.4
        timeout_ms = rng.choice([0, 0, 10, 60]) if pending else 0
        amount = rng.choice([1, 50, 200, 1_000])
        return CreateTransfer(
            rng.randint(3, 60), dr, cr, amount, 0, "", pending, timeout_ms, linked
        )
    if roll < 0.75:
        return PostPending(
            rng.randint(3, 60), rng.randint(3, 60), rng.choice([None, 1, 50]), linked
        )
    if roll < 0.85:
        return VoidPending(rng.randint(3, 60), rng.randint(3, 60), linked)
    if roll < 0.95:
        return SetAccountFloor(rng.choice(accounts), rng.choice([0, -100, -1_000]), linked)
    return CloseAccount(rng.choice(accounts), linked)


def _outcome_key(outcome: BatchOutcome) -> tuple[object, ...]:
    return (outcome.results, outcome.events, outcome.first_seq, outcome.now_ms, outcome.accounts)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_batches_give_the_same_outcomes(seed: int) -> None:
    script = _random_script(seed, batches=80)
    first, second = _opened(), _opened()
    results: list[Result] = []
    for now_ms, batch in script:
        one, two = first.apply(batch, now_ms), second.apply(batch, now_ms)
        assert _outcome_key(one) == _outcome_key(two), f"seed {seed}"
        results.extend(one.results)
    assert first.accounts() == second.accounts()
    assert first.verify() == []
    # The script must exercise more than one path to mean anything.
    assert len(set(results)) >= 8, sorted(set(results))


# -- restore ---------------------------------------------------------------------------


class _Journal:
    """What the store keeps: every event with its batch time, and each account's last state."""

    def __init__(self) -> None:
        self.history: list[tuple[int, Event]] = []
        self.accounts: dict[int, AccountBalance] = {}

    def record(self, outcome: BatchOutcome) -> BatchOutcome:
        self.history.extend((outcome.now_ms, event) for event in outcome.events)
        self.accounts.update((account.id, account) for account in outcome.accounts)
        return outcome

    def restore(self, ledger: Ledger) -> Ledger:
        return Ledger.restore(
            _mutable(self.accounts.values()),
            list(self.history),
            next_seq=ledger.next_seq,
            now_ms=ledger.now_ms,
        )


def _mutable(balances: Iterable[AccountBalance]) -> list[Account]:
    return [
        Account(
            b.id,
            b.owner,
            b.currency,
            b.kind,
            b.floor_minor,
            debits_posted=b.debits_posted,
            credits_posted=b.credits_posted,
            debits_pending=b.debits_pending,
            credits_pending=b.credits_pending,
            closed=b.closed,
        )
        for b in balances
    ]


def _by_id(ledger: Ledger) -> dict[int, AccountBalance]:
    return {account.id: account for account in ledger.accounts()}


def _recorded_ledger(journal: _Journal) -> Ledger:
    ledger = Ledger()
    batches: list[tuple[int, list[Command]]] = [
        (
            0,
            [
                CreateAccount(ISSUANCE, "ECB", "EUR", AccountKind.issuance, None),
                CreateAccount(A, "BANKAAAA", "EUR", AccountKind.settlement),
                CreateAccount(B, "BANKBBBB", "EUR", AccountKind.settlement),
                CreateAccount(12, "BANKCCCC", "EUR", AccountKind.fees),  # never used
                CreateAccount(13, "BANKDDDD", "EUR", AccountKind.escrow),
                CreateTransfer(1, ISSUANCE, A, 1_000),
            ],
        ),
        (10, [CreateTransfer(2, A, B, 100, pending=True, timeout_ms=100)]),  # expires at 110
        (20, [CreateTransfer(3, A, B, 100, pending=True)]),  # posted below
        (30, [CreateTransfer(4, A, B, 100, pending=True, timeout_ms=20)]),  # expires at 50
        (40, [CreateTransfer(5, A, B, 100, pending=True), PostPending(6, 3, 60)]),
        (50, [CreateTransfer(7, A, B, 100, pending=True), VoidPending(8, 7)]),
        (60, [SetAccountFloor(B, -10), CloseAccount(13)]),
    ]
    for now_ms, batch in batches:
        assert journal.record(ledger.apply(batch, now_ms)).results == [R.ok] * len(batch)
    return ledger


def test_restore_rebuilds_accounts_and_pending_state() -> None:
    journal = _Journal()
    ledger = _recorded_ledger(journal)
    restored = journal.restore(ledger)
    assert _by_id(restored) == _by_id(ledger)
    assert (restored.next_seq, restored.now_ms) == (ledger.next_seq, ledger.now_ms)
    statuses = [restored.pending_status(id) for id in (2, 3, 4, 5, 7)]
    assert statuses == [
        PendingStatus.pending,
        PendingStatus.posted,
        PendingStatus.expired,
        PendingStatus.pending,
        PendingStatus.voided,
    ]
    for command_id in range(1, 9):
        assert restored.applied(command_id) == ledger.applied(command_id)
    assert restored.verify() == []


def test_restore_keeps_idempotency_and_the_pending_lifecycle() -> None:
    journal = _Journal()
    ledger = _recorded_ledger(journal)
    restored = journal.restore(ledger)
    retries: list[Command] = [
        CreateTransfer(1, ISSUANCE, A, 1_000),  # applied before: ok, no effect
        CreateTransfer(1, ISSUANCE, A, 999),  # id_reused
        PostPending(6, 3, 60),  # ok, no effect
        PostPending(9, 3),  # already_posted
        VoidPending(9, 7),  # already_voided
        PostPending(9, 4),  # pending_expired
        PostPending(9, 5, 40),  # ok: still pending
        CreateTransfer(10, B, 12, 1),  # ok: the unused account was restored
        CreateTransfer(11, A, 13, 1),  # account_closed
    ]
    first = [R.ok, R.id_reused, R.ok, R.already_posted, R.already_voided]
    first += [R.pending_expired, R.ok, R.ok, R.account_closed]
    # Once id 9 holds the post of pending 5, the other commands under id 9 are id_reused.
    second = first[:3] + [R.id_reused] * 3 + first[6:]
    for now_ms, expected in ((109, first), (110, second)):  # pending 2 expires at 110
        one, two = ledger.apply(retries, now_ms), restored.apply(retries, now_ms)
        assert _outcome_key(one) == _outcome_key(two)
        assert one.results == expected
    assert restored.pending_status(2) is PendingStatus.expired
    assert _by_id(restored) == _by_id(ledger)


@pytest.mark.parametrize("seed", [11, 12])
def test_restore_after_any_batch_continues_like_the_original(seed: int) -> None:
    script = _random_script(seed, batches=60)
    journal = _Journal()
    ledger = Ledger()
    setup: list[Command] = [
        CreateAccount(ISSUANCE, "ECB", "EUR", AccountKind.issuance, None),
        CreateAccount(A, "BANKAAAA", "EUR", AccountKind.settlement),
        CreateAccount(B, "BANKBBBB", "EUR", AccountKind.settlement, -100),
        CreateAccount(13, "BANKDDDD", "EUR", AccountKind.settlement),
        CreateTransfer(1, ISSUANCE, A, 1_000),
    ]
    journal.record(ledger.apply(setup, 0))
    for step, (now_ms, batch) in enumerate(script):
        journal.record(ledger.apply(batch, now_ms))
        if step % 10 == 9:
            restored = journal.restore(ledger)
            assert _by_id(restored) == _by_id(ledger), f"seed {seed} step {step}"
            ledger = restored  # carry on from the restored copy, as after a crash
    assert ledger.verify() == []


def test_restore_refuses_an_inconsistent_state() -> None:
    journal = _Journal()
    ledger = _recorded_ledger(journal)
    history_without_pending_5 = [
        (at, event) for at, event in journal.history if getattr(event, "id", None) != 5
    ]
    with pytest.raises(InvariantViolation, match="restored state is inconsistent"):
        Ledger.restore(
            _mutable(journal.accounts.values()),
            history_without_pending_5,
            next_seq=ledger.next_seq,
            now_ms=ledger.now_ms,
        )
