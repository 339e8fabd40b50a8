"""Compliance cases in the durable store, on SQLite and PostgreSQL: read by id, and a page
at a time with a keyset cursor that neither repeats nor skips a case."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert

from corridor.payments.records import CaseStatus, ComplianceCase
from corridor.store import migrate, open_engine
from corridor.store.case_store import (
    CASE_PAGE_MAX,
    CaseCursor,
    case_by_id,
    case_page,
    cursor_of,
    every_case,
)
from corridor.store.hub_store import case_row
from corridor.store.schema import compliance_cases


@pytest.fixture
def engine(database: tuple[str, str | None]) -> Iterator[Engine]:
    url, schema = database
    engine = open_engine(url, schema=schema)
    migrate(engine)
    yield engine
    engine.dispose()


def _case(n: int, status: CaseStatus = CaseStatus.open) -> ComplianceCase:
    # Three cases open in each millisecond, stored out of order: ties go by id.
    return ComplianceCase(
        f"case-{n:05d}", f"uetr-{n:05d}", 10 + n // 3, status, f"hit {n}", "[]", "[]"
    )


def _store(engine: Engine, stored: list[ComplianceCase]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(compliance_cases), [case_row(c) for c in reversed(stored)])


def test_pages_follow_one_another_and_every_case_comes_once(engine: Engine) -> None:
    stored = [
        _case(n, CaseStatus.rejected if n % 4 == 0 else CaseStatus.open) for n in range(2_005)
    ]
    _store(engine, stored)
    first = case_page(engine)
    assert first == stored[:CASE_PAGE_MAX]
    read, after = list(first), cursor_of(first[-1])
    while page := case_page(engine, after=after, limit=7 if len(read) < 1_030 else 1_000):
        read += page
        after = cursor_of(page[-1])
    assert read == stored
    assert list(every_case(engine)) == stored
    rejected = [c for c in stored if c.status is CaseStatus.rejected]
    assert list(every_case(engine, CaseStatus.rejected)) == rejected
    assert case_page(engine, uetr="uetr-00010") == [stored[10]]
    assert case_page(engine, after=CaseCursor(10 + 2_004 // 3, "case-02004")) == []


def test_a_case_past_the_first_page_is_found_by_its_id(engine: Engine) -> None:
    stored = [_case(n) for n in range(1_005)]
    _store(engine, stored)
    assert stored[-1] not in case_page(engine)  # oldest first: past the first page
    assert case_by_id(engine, stored[-1].id) == stored[-1]
    assert case_by_id(engine, "case-missing") is None


@pytest.mark.parametrize("limit", [0, CASE_PAGE_MAX + 2])
def test_a_page_size_out_of_range_is_refused(engine: Engine, limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        case_page(engine, limit=limit)
