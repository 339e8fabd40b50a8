"""Pipelined settlement: a batch is applied while the one before it commits. It sees that
batch's messages and payments as stored, is answered only after its own commit, and
fails with it when that commit fails."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from tests.support.hub import BANK_A, BANK_B, HubWorld, make_world

from corridor.hub.processing import Answer
from corridor.hub.security import Principal, Role
from corridor.hub.worker import OVERLAP_ON_ARRIVAL_TRANSACTIONS_MIN, EngineWorker
from corridor.iso20022.pipeline import ParsedMessage, Policy, parse_message
from corridor.iso20022.records import CreditTransfer
from corridor.store.ledger_audit import audit_ledger


@pytest.fixture
def world(tmp_path: Path) -> HubWorld:
    return make_world(tmp_path)


def _balance(world: HubWorld, bic: str) -> int:
    principal = Principal(bic, Role.participant)
    return {b.currency: b.balance_minor for b in world.hub.balances(principal)}["INR"]


def test_a_message_repeated_while_its_batch_commits_is_a_duplicate(world: HubWorld) -> None:
    hub = world.hub
    data, (uetr,) = world.credit_transfer(BANK_A, BANK_B, [700_00], msg_id="PIPE-1")
    again, _ = world.credit_transfer(BANK_A, BANK_B, [800_00], msg_id="PIPE-2")
    before = _balance(world, BANK_B)
    first = hub.apply_batch([hub.take(BANK_A, data)])
    hub.write_batch(first)
    assert hub.may_overlap(first)
    # Applied while `first` is not committed: the same MsgId, and a new message reusing
    # the UETR of `first`'s payment (same transfer, other MsgId).
    parsed = parse_message(data, Policy())
    assert isinstance(parsed, ParsedMessage) and isinstance(parsed.body, CreditTransfer)
    body = parsed.body
    reused = world.sign(BANK_A, replace(body, group=replace(body.group, msg_id="PIPE-3")))
    second = hub.apply_batch(
        [hub.take(BANK_A, data), hub.take(BANK_A, reused), hub.take(BANK_A, again)], first
    )
    first.commit()
    (answer,) = hub.finish_batch(first)
    hub.write_batch(second)
    second.commit()
    duplicate, reused_answer, other = hub.finish_batch(second)
    assert (answer.status, other.status) == ("ACSC", "ACSC")
    assert duplicate.duplicate and duplicate.message_id == answer.message_id
    assert duplicate.payload == answer.payload
    assert (reused_answer.status, reused_answer.reason) == ("RJCT", "DUPL")
    assert f"UETR {uetr} is already known" in reused_answer.detail
    assert _balance(world, BANK_B) == before + 700_00 + 800_00  # each settled once
    assert hub.engine.ledger.verify() == []
    assert audit_ledger(hub.store.engine).problems == []


def test_a_msg_id_reused_while_its_batch_commits_is_refused(world: HubWorld) -> None:
    hub = world.hub
    data, _ = world.credit_transfer(BANK_A, BANK_B, [700_00], msg_id="PIPE-R")
    other, _ = world.credit_transfer(BANK_A, BANK_B, [800_00], msg_id="PIPE-R")
    before = _balance(world, BANK_B)
    first = hub.apply_batch([hub.take(BANK_A, data)])
    hub.write_batch(first)
    assert hub.may_overlap(first)
    second = hub.apply_batch([hub.take(BANK_A, other), hub.take(BANK_A, data)], first)
    first.commit()
    (answer,) = hub.finish_batch(first)
    hub.write_batch(second)
    second.commit()
    refused, duplicate = hub.finish_batch(second)
    assert (answer.status, refused.status, refused.reason) == ("ACSC", "RJCT", "DUPL")
    assert duplicate.duplicate and duplicate.message_id == answer.message_id
    assert _balance(world, BANK_B) == before + 700_00  # the other bytes never settled
    assert audit_ledger(hub.store.engine).problems == []


def test_a_failed_commit_takes_the_batch_applied_on_top_of_it(world: HubWorld) -> None:
    hub = world.hub
    data, _ = world.credit_transfer(BANK_A, BANK_B, [700_00])
    more, _ = world.credit_transfer(BANK_A, BANK_B, [800_00])
    before = _balance(world, BANK_B)
    first = hub.apply_batch([hub.take(BANK_A, data)])
    hub.write_batch(first)
    second = hub.apply_batch([hub.take(BANK_A, more)], first)
    assert _balance(world, BANK_B) == before + 1_500_00  # in memory only
    assert first.open is not None
    first.open.rollback()  # as when the commit fails (disk full, I/O error)
    hub.reload_ledger()
    assert second.applied is not None  # never written: it is dropped with `first`
    assert _balance(world, BANK_B) == before
    assert hub.engine.ledger.verify() == []
    assert audit_ledger(hub.store.engine).problems == []
    # Both messages can be sent again and settle (nothing of them was recorded).
    assert hub.submit(BANK_A, data).status == "ACSC"
    assert hub.submit(BANK_A, more).status == "ACSC"
    assert _balance(world, BANK_B) == before + 1_500_00


def test_the_engine_worker_answers_everything_once_under_load(world: HubWorld) -> None:
    messages = [world.credit_transfer(BANK_A, BANK_B, [100 + i])[0] for i in range(60)]
    before = _balance(world, BANK_B)
    overlapped: list[bool] = []
    apply_batch = world.hub.apply_batch

    def counted(intakes, before=None):  # type: ignore[no-untyped-def]
        overlapped.append(before is not None)
        return apply_batch(intakes, before)

    world.hub.apply_batch = counted  # type: ignore[method-assign]

    async def run() -> list[Answer]:
        engine = EngineWorker(world.hub, batch_messages_max=7)
        await engine.start()
        try:
            # Every message twice, the copies interleaved with the rest.
            sends = [engine.submit(BANK_A, m) for m in messages + messages[::-1]]
            return list(await asyncio.gather(*sends))
        finally:
            await engine.stop()

    answers = asyncio.run(run())
    assert any(overlapped)  # some batches were applied while the one before committed
    assert all(a.status == "ACSC" for a in answers)
    assert sum(a.duplicate for a in answers) == 60
    assert len({a.message_id for a in answers}) == 60  # a copy gets the original answer
    assert _balance(world, BANK_B) == before + sum(100 + i for i in range(60))
    assert world.hub.engine.ledger.verify() == []
    assert audit_ledger(world.hub.store.engine).problems == []


def test_a_message_arriving_while_a_big_batch_commits_is_applied_on_top_of_it(
    world: HubWorld,
) -> None:
    # A bulk message's commit takes milliseconds: the next message, arriving meanwhile,
    # is settled on top of it at once instead of waiting for the commit to end.
    big, _ = world.credit_transfer(
        BANK_A, BANK_B, [100 + i for i in range(OVERLAP_ON_ARRIVAL_TRANSACTIONS_MIN)]
    )
    small, _ = world.credit_transfer(BANK_A, BANK_B, [5_00])
    before = _balance(world, BANK_B)
    hub = world.hub
    applied_on: list[object] = []
    release = threading.Event()
    apply_batch = hub.apply_batch

    def held(intakes, on=None):  # type: ignore[no-untyped-def]
        batch = apply_batch(intakes, on)
        applied_on.append(on)
        if on is None:  # the big one: its commit ends only when the test says so
            commit = batch.commit

            def slow_commit() -> None:
                assert release.wait(10)
                commit()

            batch.commit = slow_commit
        return batch

    hub.apply_batch = held  # type: ignore[method-assign]

    async def run() -> list[Answer]:
        engine = EngineWorker(hub)
        await engine.start()
        try:
            first = asyncio.ensure_future(engine.submit(BANK_A, big))
            await _until(lambda: len(applied_on) == 1)  # the big batch now commits
            second = asyncio.ensure_future(engine.submit(BANK_A, small))
            await _until(lambda: len(applied_on) == 2)
            assert not first.done() and not second.done()  # nobody answered before commit
            release.set()
            return [await first, await second]
        finally:
            release.set()
            await engine.stop()

    first_answer, second_answer = asyncio.run(run())
    assert applied_on[0] is None and applied_on[1] is not None  # on top of the big batch
    assert (first_answer.status, second_answer.status) == ("ACSC", "ACSC")
    big_total = sum(100 + i for i in range(OVERLAP_ON_ARRIVAL_TRANSACTIONS_MIN))
    assert _balance(world, BANK_B) == before + big_total + 5_00
    assert hub.engine.ledger.verify() == []
    assert audit_ledger(hub.store.engine).problems == []


async def _until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.001)


def test_stopping_the_engine_fails_a_shared_commit_still_waiting(world: HubWorld) -> None:
    """commit_shared's callers are never left waiting: a round the engine stops before
    (or while) running fails them."""

    async def run() -> BaseException | None:
        engine = EngineWorker(world.hub)
        await engine.start()
        async with engine._between_batches:  # a write in progress: the round must wait
            waiting = asyncio.ensure_future(engine.commit_shared())
            await asyncio.sleep(0.01)
            assert not waiting.done()
            stopping = asyncio.ensure_future(engine.stop())
            await asyncio.sleep(0.01)
        await stopping
        return waiting.exception() if waiting.done() else None

    error = asyncio.run(run())
    assert isinstance(error, RuntimeError) and "stopped" in str(error)
