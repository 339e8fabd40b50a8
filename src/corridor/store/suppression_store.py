"""Screening suppressions: stored once approved, loaded into every screener built."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from corridor.screening import Suppression
from corridor.store.database import reader
from corridor.store.schema import screening_suppressions as table


def save_suppression(engine: Engine, suppression: Suppression, at_ms: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            table.delete().where(
                table.c.list_name == suppression.list_name,
                table.c.list_version == suppression.list_version,
                table.c.entry_id == suppression.entry_id,
                table.c.query_key == suppression.query_key,
            )
        )
        connection.execute(
            insert(table),
            [
                {
                    "list_name": suppression.list_name,
                    "list_version": suppression.list_version,
                    "entry_id": suppression.entry_id,
                    "query_key": suppression.query_key,
                    "proposed_by": suppression.proposed_by,
                    "approved_by": suppression.approved_by,
                    "reason": suppression.reason,
                    "created_at_ms": at_ms,
                }
            ],
        )


def load_suppressions(engine: Engine) -> list[Suppression]:
    with reader(engine).connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.created_at_ms))
        return [
            Suppression(
                r.list_name,
                r.list_version,
                r.entry_id,
                r.query_key,
                r.proposed_by,
                r.approved_by,
                r.reason,
            )
            for r in rows
        ]
