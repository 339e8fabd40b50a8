"""Intake in worker processes: the engine worker sends messages to them in batches under
load, one at a time (at once) when they are idle; every message gets its own answer; a
worker that dies fails the messages it held instead of leaving them waiting, and is
replaced."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from tests.support.hub import BANK_A, BANK_B, HubWorld, make_world

from corridor.hub.intake import Intake
from corridor.hub.intake_pool import IntakePool, IntakeWorkerError, PoolSettings
from corridor.hub.worker import EngineWorker
from corridor.iso20022._xml import format_datetime


class _Counting:
    """The pool, counting the messages of each call."""

    def __init__(self, pool: IntakePool) -> None:
        self.pool = pool
        self.workers = pool.workers
        self.calls: list[int] = []

    async def take_many(
        self, version: int, messages: list[tuple[str, bytes, int]]
    ) -> list[Intake | Exception]:
        self.calls.append(len(messages))
        return await self.pool.take_many(version, messages)


@pytest.fixture
def world(tmp_path: Path) -> HubWorld:
    return make_world(tmp_path)


def _serve(
    world: HubWorld, tmp_path: Path, body: Callable[[EngineWorker], Coroutine[Any, Any, Any]]
) -> tuple[Any, list[int]]:
    pool = IntakePool(PoolSettings(str(tmp_path / "hub.db")), 1)
    pool.warm()
    counting = _Counting(pool)

    async def run() -> Any:
        engine = EngineWorker(world.hub, intake_pool=counting)  # type: ignore[arg-type]
        await engine.start()
        try:
            return await body(engine)
        finally:
            await engine.stop()
            pool.shutdown()  # inside the loop, as the app's lifespan does

    return asyncio.run(run()), counting.calls


def test_messages_waiting_for_busy_workers_go_together(world: HubWorld, tmp_path: Path) -> None:
    messages = [world.credit_transfer(BANK_A, BANK_B, [100 + i])[0] for i in range(12)]

    async def submit_all(engine: EngineWorker) -> list[Any]:
        return list(await asyncio.gather(*(engine.submit(BANK_A, m) for m in messages)))

    answers, calls = _serve(world, tmp_path, submit_all)
    assert [a.status for a in answers] == ["ACSC"] * 12
    assert len({a.message_id for a in answers}) == 12  # one answer per message
    assert sum(calls) == 12
    # Two calls go at once (one running, one waiting); the other ten wait for them.
    assert calls[:2] == [1, 1] and len(calls) < 12


def test_a_lone_message_is_sent_at_once(world: HubWorld, tmp_path: Path) -> None:
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100])

    async def submit(engine: EngineWorker) -> Any:
        return await engine.submit(BANK_A, data)

    answer, calls = _serve(world, tmp_path, submit)
    assert answer.status == "ACSC" and calls == [1]


def test_a_dead_worker_fails_the_messages_it_held_and_is_replaced(
    world: HubWorld, tmp_path: Path
) -> None:
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100])
    again, _ = world.credit_transfer(BANK_A, BANK_B, [200])

    async def kill_while_holding(engine: EngineWorker) -> Any:
        pool = engine._intake._pool.pool  # type: ignore[union-attr]
        process = pool._workers[0].process
        os.kill(process.pid, signal.SIGSTOP)  # it takes the message but cannot answer
        sent = asyncio.ensure_future(engine.submit(BANK_A, data))
        await asyncio.sleep(0.2)
        process.kill()
        with pytest.raises(IntakeWorkerError):
            await asyncio.wait_for(sent, 10)
        answer = await asyncio.wait_for(engine.submit(BANK_A, again), 30)
        return answer, pool.restarted, pool._workers[0].process.pid != process.pid

    (answer, restarted, new_process), _ = _serve(world, tmp_path, kill_while_holding)
    assert answer.status == "ACSC"  # the next message went to a new worker
    assert restarted == 1 and new_process


def test_an_error_that_cannot_cross_processes_is_sent_as_its_type_and_text() -> None:
    from lxml import etree

    from corridor.hub.intake_pool import IntakeFailed, _portable

    try:
        etree.fromstring(b"<unclosed>")
    except etree.XMLSyntaxError as error:
        portable = _portable(error)
    assert isinstance(portable, IntakeFailed)
    assert "XMLSyntaxError" in str(portable)
    plain = ValueError("amount")
    assert _portable(plain) is plain  # picklable errors pass as they are


def test_the_answer_through_a_worker_is_the_answer_in_process(
    world: HubWorld, tmp_path: Path
) -> None:
    """Workers hand the engine the intake without the parsed message (`for_engine`): the
    answer still names the original message's MsgId, type and creation time."""
    data, _ = world.credit_transfer(BANK_A, BANK_B, [100])
    taken = world.hub.take(BANK_A, data)
    handed = taken.for_engine()
    assert taken.parsed is not None and handed.parsed is None
    assert handed.created_at is not None and handed.created_at == taken.created_at

    async def submit(engine: EngineWorker) -> Any:
        return await engine.submit(BANK_A, data)

    answer, _ = _serve(world, tmp_path, submit)
    group = etree.fromstring(answer.payload).find(".//{*}OrgnlGrpInfAndSts")
    assert group is not None
    assert [child.text for child in group[:3]] == [
        taken.msg_id,
        "pacs.008.001.08",
        format_datetime(taken.created_at),  # type: ignore[arg-type]
    ]
