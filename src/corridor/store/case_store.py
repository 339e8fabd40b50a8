"""Compliance cases read back from the store: one by id, or a page at a time in a stable
order (opened_at_ms, then id) with a keyset cursor, so that every case can be listed or
exported however many there are, and a page never repeats or skips one when new cases
open meanwhile (they sort after every existing one: opened_at_ms is the hub's clock).

Cases are written with the engine's batch (hub_store.write_changes, case_row).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, Select, and_, or_, select

from corridor.payments.records import CaseStatus, ComplianceCase
from corridor.store.database import reader
from corridor.store.schema import compliance_cases as table

CASE_PAGE_MAX = 1_000


@dataclass(frozen=True, slots=True)
class CaseCursor:
    """Where a page ended: the last case's opening time and id (the order's key)."""

    opened_at_ms: int
    case_id: str


def case_page(
    engine: Engine,
    status: CaseStatus | None = None,
    uetr: str | None = None,
    *,
    after: CaseCursor | None = None,
    limit: int = CASE_PAGE_MAX,
) -> list[ComplianceCase]:
    """At most `limit` cases matching the filters, oldest first, starting after `after`
    (None: from the first). `limit` is 1..CASE_PAGE_MAX + 1: a caller showing pages of
    CASE_PAGE_MAX reads one more to tell whether another page follows."""
    if not 1 <= limit <= CASE_PAGE_MAX + 1:
        raise ValueError(f"limit must be 1..{CASE_PAGE_MAX + 1}: {limit}")
    query = _filtered(status, uetr)
    if after is not None:
        opened, key = table.c.opened_at_ms, table.c.id
        query = query.where(
            or_(
                opened > after.opened_at_ms,
                and_(opened == after.opened_at_ms, key > after.case_id),
            )
        )
    with reader(engine).connect() as connection:
        return [_case(row) for row in connection.execute(query.limit(limit))]


def every_case(
    engine: Engine, status: CaseStatus | None = None, uetr: str | None = None
) -> Iterator[ComplianceCase]:
    """All matching cases, oldest first, read a page at a time (for exports)."""
    after: CaseCursor | None = None
    while True:
        page = case_page(engine, status, uetr, after=after)
        yield from page
        if len(page) < CASE_PAGE_MAX:
            return
        after = cursor_of(page[-1])


def case_by_id(engine: Engine, case_id: str) -> ComplianceCase | None:
    with reader(engine).connect() as connection:
        row = connection.execute(select(table).where(table.c.id == case_id)).first()
    return None if row is None else _case(row)


def cursor_of(case: ComplianceCase) -> CaseCursor:
    return CaseCursor(case.opened_at_ms, case.id)


def _filtered(status: CaseStatus | None, uetr: str | None) -> Select[Any]:
    query = select(table).order_by(table.c.opened_at_ms, table.c.id)
    if status is not None:
        query = query.where(table.c.status == status.value)
    if uetr is not None:
        query = query.where(table.c.uetr == uetr)
    return query


def _case(r: Row[Any]) -> ComplianceCase:
    return ComplianceCase(
        r.id,
        r.uetr,
        r.opened_at_ms,
        CaseStatus(r.status),
        r.summary,
        r.hits,
        r.lists_used,
        r.decided_by,
        r.decided_at_ms,
        r.decision_note,
    )
