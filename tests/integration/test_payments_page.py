"""The keyset cursor of GET /v1/payments in the store: pages follow one another over
equal timestamps, every payment comes once and in order, a participant sees only its own,
and a page is read from the index on (updated_at_ms, uetr) instead of sorting the table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from tests.support.hub import BANK_A, BANK_B, BANK_C, HubWorld, make_world

from corridor.payments.records import Payment


@pytest.fixture
def world(tmp_path: Path, database: tuple[str, str | None]) -> Iterator[HubWorld]:
    url, schema = database
    yield make_world(tmp_path, url, schema)


def _pay(world: HubWorld, creditor_agent: str, amount_minor: int) -> str:
    data, (uetr,) = world.credit_transfer(BANK_A, creditor_agent, [amount_minor])
    assert world.hub.submit(BANK_A, data).status == "ACSC"
    return uetr


def _all_pages(world: HubWorld, participant: str | None, limit: int) -> list[Payment]:
    seen: list[Payment] = []
    after_ms, after_uetr = 0, ""
    for _ in range(100):
        page = world.hub.store.payments_page(participant, after_ms, limit, after_uetr)
        if not page:
            return seen
        seen += page
        after_ms, after_uetr = page[-1].updated_at_ms, page[-1].uetr
    raise AssertionError("the pages never ended")


def test_pages_follow_one_another_each_payment_once_in_order(world: HubWorld) -> None:
    to_b = [_pay(world, BANK_B, 100 + i) for i in range(5)]  # one timestamp: uetr decides
    world.clock.advance(1_000)
    to_c = [_pay(world, BANK_C, 200 + i) for i in range(3)]
    everything = _all_pages(world, None, limit=2)
    keys = [(p.updated_at_ms, p.uetr) for p in everything]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {p.uetr for p in everything} >= set(to_b + to_c)
    for_c = _all_pages(world, BANK_C, limit=2)
    assert {p.uetr for p in for_c} == set(to_c)  # only the payments C is party to
    third = everything[2]  # a cursor in the middle of equal timestamps
    rest = world.hub.store.payments_page(None, third.updated_at_ms, 100, third.uetr)
    assert [p.uetr for p in rest] == [p.uetr for p in everything[3:]]


def test_a_page_is_read_from_the_index_not_by_sorting(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    _pay(world, BANK_B, 100)
    engine = world.hub.store.engine
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM payments" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for participant in (None, BANK_B):
            world.hub.store.payments_page(participant, 0, 10)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(statements) == 2
    with sqlite3.connect(str(engine.url.database)) as connection:
        for statement, parameters in statements:
            plan = " / ".join(
                row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "USING INDEX ix_payments_updated" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # no sort of the whole table
