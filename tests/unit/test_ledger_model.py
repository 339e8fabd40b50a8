"""Stateful test: random command batches against the reference model (the auditor).

A hypothesis RuleBasedStateMachine sends the same batches, at the same times, to the
ledger and to `ReferenceLedger` (tests/unit/ledger_reference_model.py, written from the
documented rules). After every batch the results, the journal events, every account's
totals, every pending's state and `verify()` must agree. Batches mix account commands
(several currencies, issuance accounts, bad floors), plain, pending and linked transfers,
retries of earlier commands with the same and with other content, unknown accounts,
amounts at the edge of floors, posts (full, partial, excess), voids, floor changes,
closures, and time moving forwards (across timeouts) or a clock that goes back.

A failure prints the shrunk sequence of steps and a `@reproduce_failure` blob.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from ledger_reference_model import AMOUNT_MAX, ReferenceLedger

from corridor.ledger import (
    AccountKind,
    CloseAccount,
    Command,
    CreateAccount,
    CreateTransfer,
    Ledger,
    PendingStatus,
    PostPending,
    Result,
    SetAccountFloor,
    VoidPending,
)

ACCOUNT_IDS = list(range(1, 10))  # 1-6 opened at the start; 7-9 may be opened later
COMMAND_IDS = st.sampled_from(range(41))  # 0 (id_zero) one time in 41; collisions are common
CURRENCIES = ["EUR", "USD", "JPY"]
TIMEOUTS_MS = [0, 0, 0, 10, 50, 200]
TIME_STEPS_MS = [0, 1, 9, 10, 11, 49, 50, 51, 200, 1_000]
LINKED = st.sampled_from([False] * 5 + [True])
BATCH_SIZE_MAX = 7
SENT_KEPT_MAX = 60  # retries pick among the most recent commands


# The values each kind of command needs, drawn from strategies built once (building
# strategies inside a rule is what makes a stateful test slow); `_command` turns them
# into a command using the model's current state.
def _spec(what: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    names = [*fields, "linked"]
    values = st.tuples(*fields.values(), LINKED)
    return values.map(lambda drawn: {"what": what, **dict(zip(names, drawn, strict=True))})


# Mostly the EUR accounts opened at the start, so that transfers often go through.
ACCOUNT = st.sampled_from([1, 3, 4, 5, 1, 3, 4, 5, 3, 4, *ACCOUNT_IDS])
PICK = st.integers(min_value=0, max_value=10_000)
SPECS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "transfer": _spec(
        "transfer",
        id=COMMAND_IDS,
        debit=ACCOUNT,
        credit=ACCOUNT,
        amount=st.sampled_from([1, 10, 100, 499, 1_000]) | st.integers(-1, 3_000),
        edge=st.sampled_from([None, None, -1, 0, 1, "max"]),
        pending=st.booleans(),  # half the transfers are two-phase
        timeout_ms=st.sampled_from([*TIMEOUTS_MS, -1]),
        reference=st.sampled_from(["", "", "uetr", "x" * 140, "x" * 141]),
        code=st.sampled_from([0, 1]),
    ),
    "post": _spec(
        "post",
        id=COMMAND_IDS,
        pick=PICK,
        post=st.sampled_from(["full", "none", "less", "more", "zero", "negative", "any"]),
        amount=st.integers(-1, 1_200),
    ),
    "void": _spec("void", id=COMMAND_IDS, pick=PICK),
    "account": _spec(
        "account",
        account=st.sampled_from([0, *ACCOUNT_IDS]),
        owner=st.sampled_from(["BANKAAAA", "BANKCCCC"]),
        currency=st.sampled_from(CURRENCIES),
        kind=st.sampled_from(AccountKind),
        floor=st.sampled_from([None, 0, 0, -100, -1_000, 1]),
    ),
    "floor": _spec(
        "floor", debit=ACCOUNT, new_floor=st.sampled_from([0, -100, -5_000, 1, "at", "over"])
    ),
    "close": _spec("close", debit=ACCOUNT),
    "retry": _spec("retry", pick=PICK),
}
# How often each kind of command comes: transfers most, then posts and retries.
KIND = st.sampled_from(
    ["transfer"] * 6 + ["post"] * 3 + ["void", "retry", "retry", "account", "floor", "close"]
)
KINDS = st.lists(KIND, max_size=BATCH_SIZE_MAX)


def _opening_batch() -> list[Command]:
    return [
        CreateAccount(1, "CENTRALE", "EUR", AccountKind.issuance, None),
        CreateAccount(2, "CENTRALU", "USD", AccountKind.issuance, None),
        CreateAccount(3, "BANKAAAA", "EUR", AccountKind.settlement, 0),
        CreateAccount(4, "BANKBBBB", "EUR", AccountKind.settlement, -500),
        CreateAccount(5, "OPERATOR", "EUR", AccountKind.escrow, 0),
        CreateAccount(6, "BANKAAAA", "USD", AccountKind.settlement, 0),
        CreateTransfer(1, 1, 3, 1_000),
        CreateTransfer(2, 1, 4, 500),
        CreateTransfer(3, 2, 6, 2_000),
        # Escrow account 5 holds ~9.0e18 from 1: more into 5 or out of 1 may overflow.
        *[CreateTransfer(id, 1, 5, AMOUNT_MAX) for id in range(90, 99)],
    ]


class LedgerAgainstModel(RuleBasedStateMachine):
    """Drives the ledger and the model with the same batches and compares them."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger()
        self.model = ReferenceLedger()
        self.clock_ms = 1_000
        self.sent: list[Command] = []

    # -- rules -------------------------------------------------------------------------
    @initialize()
    def open_accounts(self) -> None:
        self._apply(_opening_batch(), self.clock_ms)

    @rule(data=st.data(), step_ms=st.sampled_from(TIME_STEPS_MS))
    def apply_batch(self, data: st.DataObject, step_ms: int) -> None:
        self.clock_ms += step_ms
        self._apply(self._draw_batch(data), self.clock_ms)

    @rule(step_ms=st.sampled_from(TIME_STEPS_MS))
    def let_time_pass(self, step_ms: int) -> None:
        self.clock_ms += step_ms
        self._apply([], self.clock_ms)

    @rule(data=st.data(), offset_ms=st.sampled_from([-1, 0, 0]))
    def apply_batch_at_the_next_expiry(self, data: st.DataObject, offset_ms: int) -> None:
        """Time lands exactly on the earliest timeout of an open pending (or 1 ms before)."""
        due = [
            p["expires_at"]
            for p in self.model.state["pendings"].values()
            if p["status"] == "pending" and p["expires_at"]
        ]
        if due:
            self.clock_ms = max(self.clock_ms, min(due) + offset_ms)
        self._apply(self._draw_batch(data), self.clock_ms)

    @rule(data=st.data(), back_ms=st.integers(min_value=1, max_value=300))
    def apply_batch_with_a_clock_that_went_back(self, data: st.DataObject, back_ms: int) -> None:
        self._apply(self._draw_batch(data), self.clock_ms - back_ms)

    # -- comparison --------------------------------------------------------------------
    def _apply(self, batch: list[Command], now_ms: int) -> None:
        before = {i: self._model_account(i) for i in self.model.account_ids()}
        outcome = self.ledger.apply(batch, now_ms)
        results, events = self.model.apply(batch, now_ms)
        self.sent = (self.sent + batch)[-SENT_KEPT_MAX:]
        assert outcome.results == results, (batch, outcome.results, results)
        assert outcome.events == events, (batch, outcome.events, events)
        assert outcome.now_ms == self.model.now_ms
        self._compare_accounts()
        self._compare_pendings()
        changed = {i for i in self.model.account_ids() if before.get(i) != self._model_account(i)}
        reported = {account.id for account in outcome.accounts}
        assert changed <= reported, ("changed accounts not reported", changed - reported)
        for account in outcome.accounts:
            assert self.ledger.account(account.id) == account
        assert self.ledger.verify() == []

    def _model_account(self, account_id: int) -> dict[str, Any]:
        fields = dict(self.model.account(account_id))
        fields.update(self.model.totals(account_id))
        return fields

    def _compare_accounts(self) -> None:
        assert sorted(a.id for a in self.ledger.accounts()) == self.model.account_ids()
        for account_id in self.model.account_ids():
            actual = self.ledger.account(account_id)
            assert actual is not None
            expected = self._model_account(account_id)
            assert {
                "owner": actual.owner,
                "currency": actual.currency,
                "kind": actual.kind,
                "floor": actual.floor_minor,
                "closed": actual.closed,
                "debits_posted": actual.debits_posted,
                "credits_posted": actual.credits_posted,
                "debits_pending": actual.debits_pending,
                "credits_pending": actual.credits_pending,
            } == expected, account_id

    def _compare_pendings(self) -> None:
        for command_id in range(100):
            status = self.model.pending_status(command_id)
            actual = self.ledger.pending_status(command_id)
            assert (None if actual is None else PendingStatus(actual).name) == status, command_id
            assert self.ledger.applied(command_id) == self.model.applied(command_id)

    # -- turning drawn values into commands, using the current state -------------------
    def _draw_batch(self, data: st.DataObject) -> list[Command]:
        batch: list[Command] = []
        for kind in data.draw(KINDS, label="kinds"):
            spec = data.draw(SPECS[kind], label=kind)
            batch.append(replace(self._command(spec), linked=spec["linked"]))
        return batch

    def _command(self, spec: dict[str, Any]) -> Command:
        what = spec["what"]
        if what == "transfer":
            return self._transfer(spec)
        if what == "post":
            return self._post(spec)
        if what == "void":
            return VoidPending(spec["id"], self._pending_id(spec))
        if what == "account":
            return CreateAccount(
                spec["account"], spec["owner"], spec["currency"], spec["kind"], spec["floor"]
            )
        if what == "floor":
            return self._set_floor(spec)
        if what == "close":
            return CloseAccount(spec["debit"])
        return self._retry(spec)

    def _transfer(self, spec: dict[str, Any]) -> CreateTransfer:
        """`edge` puts the amount at the debit account's floor, one under, or one over."""
        debit, amount, edge = spec["debit"], spec["amount"], spec["edge"]
        if edge == "max":
            amount = AMOUNT_MAX
        elif isinstance(edge, int) and debit in self.model.account_ids():
            floor = self.model.account(debit)["floor"]
            amount = self.model.available(debit) - (floor or 0) + edge
        pending, timeout_ms = spec["pending"], spec["timeout_ms"]
        if not pending and timeout_ms > 0 and spec["code"] == 0:
            timeout_ms = 0  # mostly valid; code 1 keeps the invalid timeout
        return CreateTransfer(
            spec["id"],
            debit,
            spec["credit"],
            amount,
            spec["code"],
            spec["reference"],
            pending,
            timeout_ms,
        )

    def _pending_id(self, spec: dict[str, Any]) -> int:
        """Mostly a pending the model knows (in any state), sometimes any id."""
        pending_ids = sorted(self.model.state["pendings"])
        if not pending_ids or spec["pick"] % 5 == 0:
            return spec["pick"] % 41
        return pending_ids[spec["pick"] % len(pending_ids)]

    def _post(self, spec: dict[str, Any]) -> PostPending:
        pending_id = self._pending_id(spec)
        pending = self.model.state["pendings"].get(pending_id)
        amount = pending["transfer"].amount_minor if pending else 100
        how = spec["post"]
        by_kind: dict[str, int | None] = {
            "full": amount,
            "none": None,
            "less": amount - 1,
            "more": amount + 1,
            "zero": 0,
            "negative": -1,
        }
        return PostPending(spec["id"], pending_id, by_kind.get(how, spec["amount"]))

    def _set_floor(self, spec: dict[str, Any]) -> SetAccountFloor:
        """ "at" puts the floor exactly at what is available; "over" one above it."""
        account_id, floor = spec["debit"], spec["new_floor"]
        if isinstance(floor, str):
            known = account_id in self.model.account_ids()
            available = self.model.available(account_id) if known else 0
            floor = min(available, 0) + (1 if floor == "over" else 0)
        return SetAccountFloor(account_id, floor)

    def _retry(self, spec: dict[str, Any]) -> Command:
        """An earlier command again: as it was (2 in 3), or with one field changed."""
        if not self.sent:
            return CloseAccount(spec["pick"] % 10)
        command = self.sent[-(spec["pick"] % len(self.sent)) - 1]
        if spec["pick"] % 3:
            return command
        if isinstance(command, CreateTransfer):
            return replace(command, amount_minor=command.amount_minor + 1)
        if isinstance(command, PostPending):
            return replace(command, amount_minor=(command.amount_minor or 0) + 1)
        if isinstance(command, VoidPending):
            return PostPending(command.id, command.pending_id)
        if isinstance(command, CreateAccount):
            return replace(command, owner=command.owner + "X")
        return command


LedgerAgainstModel.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Passing takes ~10 s; a failure may shrink for up to hypothesis's 300 s limit first, so
# this test gets more than the suite's 300 s timeout to report its minimal example.
TestLedgerAgainstModel = pytest.mark.timeout(900)(LedgerAgainstModel.TestCase)


def test_the_model_agrees_with_the_documented_examples() -> None:
    """The auditor itself, on a few cases whose answers are written in results.py."""
    model = ReferenceLedger()
    results, _ = model.apply(_opening_batch(), 0)
    assert results == [Result.ok] * 18
    batch: list[Command] = [
        CreateTransfer(10, 3, 4, 600, linked=True),
        CreateTransfer(11, 3, 5, 500),
        CreateTransfer(12, 3, 4, 1, pending=True, timeout_ms=10),
        PostPending(13, 12, 2),
    ]
    results, events = model.apply(batch, 5)
    assert results == [
        Result.linked_failed,
        Result.exceeds_floor,
        Result.ok,
        Result.exceeds_pending_amount,
    ]
    assert events == [batch[2]]
    assert model.apply([PostPending(13, 12)], 15)[0] == [Result.pending_expired]
    assert model.totals(3)["credits_posted"] == 1_000
