"""Compliance cases in the durable store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert

from corridor.payments.records import CaseStatus, ComplianceCase
from corridor.store import migrate, open_engine
from corridor.store.hub_store import case_row, cases
from corridor.store.schema import compliance_cases


@pytest.fixture
def engine(database: tuple[str, str | None]) -> Iterator[Engine]:
    url, schema = database
    engine = open_engine(url, schema=schema)
    migrate(engine)
    yield engine
    engine.dispose()


def _case(n: int) -> ComplianceCase:
    return ComplianceCase(
        f"case-{n:05d}", f"uetr-{n:05d}", n, CaseStatus.open, f"hit {n}", "[]", "[]"
    )


def test_a_case_past_the_first_page_is_found_by_its_id(engine: Engine) -> None:
    stored = [_case(n) for n in range(1_005)]
    with engine.begin() as connection:
        connection.execute(insert(compliance_cases), [case_row(c) for c in stored])
    listed = cases(engine, limit=1_000)
    assert len(listed) == 1_000
    assert stored[-1] not in listed  # oldest first: the newest is past the first page
    assert cases(engine, case_id=stored[-1].id) == [stored[-1]]
    assert cases(engine, case_id="case-missing") == []
