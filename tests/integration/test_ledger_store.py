"""The durable store, on SQLite and PostgreSQL: commit, reload, audit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update

from corridor.foundation.clock import FixedClock
from corridor.foundation.errors import InvariantViolation
from corridor.hub.engine import LedgerUnavailable, SettlementEngine
from corridor.ledger import (
    AccountKind,
    CloseAccount,
    CreateAccount,
    CreateTransfer,
    PendingStatus,
    PostPending,
    Result,
    SetAccountFloor,
    VoidPending,
)
from corridor.store import LedgerStore, migrate, open_engine
from corridor.store.ledger_audit import audit_ledger
from corridor.store.ledger_store import id_bytes
from corridor.store.schema import ledger_accounts

ISSUANCE, BANK_A, BANK_B, BANK_C = 1, 2, 3, 4


@pytest.fixture
def engine(database: tuple[str, str | None]) -> Iterator[Engine]:
    url, schema = database
    engine = open_engine(url, schema=schema)
    migrate(engine)
    yield engine
    engine.dispose()


def _open(engine: Engine, clock: FixedClock) -> SettlementEngine:
    return SettlementEngine(LedgerStore(engine), clock)


def _setup(settlement: SettlementEngine) -> None:
    outcome = settlement.execute(
        [
            CreateAccount(ISSUANCE, "CB", "INR", AccountKind.issuance, None),
            CreateAccount(BANK_A, "AAAAINBB", "INR", AccountKind.settlement, -500),
            CreateAccount(BANK_B, "BBBBINBB", "INR", AccountKind.settlement, 0),
            CreateAccount(BANK_C, "CCCCINBB", "INR", AccountKind.settlement, 0),
            CreateTransfer(100, ISSUANCE, BANK_A, 10_000),
        ]
    )
    assert outcome.results == [Result.ok] * 5


def test_reload_restores_balances_ids_and_pending_state(engine: Engine) -> None:
    clock = FixedClock(1_000)
    settlement = _open(engine, clock)
    _setup(settlement)
    results = settlement.execute(
        [
            CreateTransfer(101, BANK_A, BANK_B, 3_000),
            CreateTransfer(102, BANK_A, BANK_B, 2_000, pending=True, timeout_ms=60_000),
            CreateTransfer(103, BANK_A, BANK_C, 1_000, pending=True),
            CreateTransfer(104, BANK_A, BANK_C, 500, pending=True),
            PostPending(105, 103, 600),
            VoidPending(106, 104),
            SetAccountFloor(BANK_B, -100),
        ]
    ).results
    assert results == [Result.ok] * 7

    reloaded = _open(engine, clock)
    account_a = reloaded.ledger.account(BANK_A)
    assert account_a is not None
    assert account_a.balance_minor == 10_000 - 3_000 - 600
    assert account_a.debits_pending == 2_000
    assert reloaded.ledger.account(BANK_B).floor_minor == -100  # type: ignore[union-attr]
    assert reloaded.ledger.pending_status(102) is PendingStatus.pending
    assert reloaded.ledger.pending_status(103) is PendingStatus.posted
    assert reloaded.ledger.pending_status(104) is PendingStatus.voided
    # Idempotency survives the restart: same id + same content is ok and moves nothing.
    again = reloaded.execute([CreateTransfer(101, BANK_A, BANK_B, 3_000)])
    assert again.results == [Result.ok]
    assert again.events == []
    assert reloaded.execute([CreateTransfer(101, BANK_A, BANK_B, 1)]).results == [Result.id_reused]
    assert reloaded.execute([PostPending(107, 103)]).results == [Result.already_posted]
    assert audit_ledger(engine).problems == []


def test_pending_timeout_survives_restart(engine: Engine) -> None:
    clock = FixedClock(1_000)
    settlement = _open(engine, clock)
    _setup(settlement)
    settlement.execute([CreateTransfer(110, BANK_A, BANK_B, 4_000, pending=True, timeout_ms=5_000)])
    clock.advance(5_000)
    reloaded = _open(engine, clock)
    outcome = reloaded.execute([PostPending(111, 110)])
    assert outcome.results == [Result.pending_expired]
    assert reloaded.ledger.account(BANK_A).debits_pending == 0  # type: ignore[union-attr]
    assert _open(engine, clock).ledger.pending_status(110) is PendingStatus.expired
    assert audit_ledger(engine).problems == []


def test_failed_commands_and_failed_chains_write_nothing(engine: Engine) -> None:
    clock = FixedClock(1_000)
    settlement = _open(engine, clock)
    _setup(settlement)
    store = LedgerStore(engine)
    rows_before = store.journal_count()
    outcome = settlement.execute(
        [
            CreateTransfer(120, BANK_B, BANK_C, 1, linked=True),  # B has nothing: chain fails
            CreateTransfer(121, BANK_A, BANK_C, 1),
            CreateTransfer(122, BANK_A, BANK_A, 1),
        ]
    )
    assert outcome.results == [Result.exceeds_floor, Result.linked_failed, Result.accounts_same]
    assert store.journal_count() == rows_before
    assert 121 not in store.transfer_ids()


def test_close_account_persists(engine: Engine) -> None:
    settlement = _open(engine, FixedClock())
    _setup(settlement)
    assert settlement.execute([CloseAccount(BANK_C)]).results == [Result.ok]
    reloaded = _open(engine, FixedClock())
    assert reloaded.execute([CreateTransfer(130, BANK_A, BANK_C, 1)]).results == [
        Result.account_closed
    ]


def test_audit_catches_a_tampered_balance(engine: Engine) -> None:
    settlement = _open(engine, FixedClock())
    _setup(settlement)
    with engine.begin() as connection:
        connection.execute(
            update(ledger_accounts)
            .where(ledger_accounts.c.id == id_bytes(BANK_B))
            .values(credits_posted=999)
        )
    problems = audit_ledger(engine).problems
    assert any("stored totals" in p for p in problems)
    assert any("balances sum to 999" in p for p in problems)
    with pytest.raises(InvariantViolation):
        LedgerStore(engine).load()


class _FailingStore(LedgerStore):
    """A LedgerStore whose commit (and load, if given an error for it) fail once
    `failing` is set: a full disk, a database gone away, a corrupt database."""

    def __init__(
        self, engine: Engine, commit_error: Exception, load_error: Exception | None = None
    ) -> None:
        super().__init__(engine)
        self.failing = False
        self._commit_error, self._load_error = commit_error, load_error

    def commit(self, outcome, changes=None):  # type: ignore[no-untyped-def]
        if self.failing:
            raise self._commit_error
        super().commit(outcome, changes)

    def load(self):  # type: ignore[no-untyped-def]
        if self.failing and self._load_error is not None:
            raise self._load_error
        return super().load()


def _failing(store: _FailingStore) -> SettlementEngine:
    """An engine over `store`, set up, whose store fails from now on."""
    settlement = SettlementEngine(store, FixedClock())
    _setup(settlement)
    store.failing = True
    return settlement


def test_a_failed_commit_leaves_memory_as_the_database(engine: Engine) -> None:
    settlement = _failing(_FailingStore(engine, OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        settlement.execute([CreateTransfer(140, BANK_A, BANK_B, 1_000)])
    assert settlement.ledger.account(BANK_B).balance_minor == 0  # type: ignore[union-attr]
    assert settlement.ledger.applied(140) is None


def test_a_failed_commit_whose_reload_fails_leaves_the_ledger_unread_until_reloaded(
    engine: Engine,
) -> None:
    """The database went away: the commit failed, and so did the reload. The memory may
    hold the failed batch, so nothing reads it, and the next batch reloads it first."""
    store = _FailingStore(
        engine,
        ConnectionError("server closed the connection"),
        ConnectionError("connection refused"),
    )
    settlement = _failing(store)
    with pytest.raises(ConnectionError, match="server closed"):  # the batch's own error
        settlement.execute([CreateTransfer(160, BANK_A, BANK_B, 1_000)])
    with pytest.raises(LedgerUnavailable):
        settlement.ledger  # noqa: B018 - reading it is the test
    with pytest.raises(ConnectionError, match="refused"):  # still gone: refused, unapplied
        settlement.execute([CreateTransfer(161, BANK_A, BANK_B, 2_000)])
    store.failing = False
    settlement.execute([CreateTransfer(162, BANK_A, BANK_B, 3_000)])  # reloads first
    assert settlement.ledger.applied(160) is None and settlement.ledger.applied(161) is None
    assert settlement.ledger.account(BANK_B).balance_minor == 3_000  # type: ignore[union-attr]
    assert settlement.ledger.verify() == []


def test_a_broken_invariant_found_by_the_reload_after_a_failed_commit_stops_the_engine(
    engine: Engine,
) -> None:
    store = _FailingStore(
        engine, OSError("disk full"), InvariantViolation("restored state is inconsistent")
    )
    settlement = _failing(store)
    with pytest.raises(InvariantViolation):  # not swallowed behind the commit's error
        settlement.execute([CreateTransfer(170, BANK_A, BANK_B, 1_000)])


def test_a_bad_command_mid_batch_leaves_memory_as_the_database(engine: Engine) -> None:
    settlement = _open(engine, FixedClock())
    _setup(settlement)
    with pytest.raises(TypeError):
        settlement.execute([CreateTransfer(150, BANK_A, BANK_B, 1_000), "not a command"])  # type: ignore[list-item]
    assert settlement.ledger.applied(150) is None
    assert settlement.ledger.account(BANK_B).balance_minor == 0  # type: ignore[union-attr]
