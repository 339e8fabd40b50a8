"""Payment events in the payment's own row (`payments.events`), not in payment_event_runs.

Revision ID: 0008_events_in_payments
Revises: 0007_event_runs
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from corridor.store import schema

revision = "0008_events_in_payments"
down_revision = "0007_event_runs"
branch_labels = None
depends_on = None

_COPY_ROWS = 10_000  # rows per statement while copying
_NO_EVENTS = "[]"

_payments = sa.table("payments", sa.column("uetr"), sa.column("events"))
_runs = sa.table("payment_event_runs", sa.column("uetr"), sa.column("events"))


def upgrade() -> None:
    bind = op.get_bind()
    _refuse_events_without_payment(bind)
    # A constant default: both databases add the column without rewriting the table.
    op.add_column(
        "payments", sa.Column("events", sa.Text, nullable=False, server_default=_NO_EVENTS)
    )
    # Each payment's runs, in seq order, become its one list (the index on uetr gives
    # them grouped), written in the compact JSON the hub writes (hub_store.event_runs).
    old = bind.execute(sa.text("SELECT uetr, events FROM payment_event_runs ORDER BY uetr, seq"))
    fill = (
        _payments.update()
        .where(_payments.c.uetr == sa.bindparam("run_uetr"))
        .values(events=sa.bindparam("run_events"))
    )
    lists: list[dict[str, str]] = []
    for uetr, events in _payment_lists(old):
        lists.append({"run_uetr": uetr, "run_events": events})
        if len(lists) == _COPY_ROWS:
            bind.execute(fill, lists)
            lists = []
    if lists:
        bind.execute(fill, lists)
    op.drop_table("payment_event_runs")


def downgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "payment_event_runs",
        sa.Column("seq", schema.SeqType, primary_key=True, autoincrement=True),
        sa.Column("uetr", schema.UETR, nullable=False, index=True),
        sa.Column("events", sa.Text, nullable=False),
    )
    # One run per payment: all of its events, in order (tracking reads the same).
    old = bind.execute(
        sa.text(
            "SELECT uetr, events FROM payments WHERE events <> '[]' ORDER BY created_at_ms, uetr"
        )
    )
    while chunk := old.fetchmany(_COPY_ROWS):
        bind.execute(_runs.insert(), [{"uetr": uetr, "events": events} for uetr, events in chunk])
    # SQLite drops a column by rebuilding the table (batch mode); PostgreSQL alters it.
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("events")


def _refuse_events_without_payment(bind: sa.Connection) -> None:
    """The hub writes events only for its payments; runs of an unknown UETR would have
    no row to go to, and are not dropped silently: the operator looks first."""
    orphans = bind.execute(
        sa.text(
            "SELECT count(*) FROM payment_event_runs r "
            "WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.uetr = r.uetr)"
        )
    ).scalar_one()
    if orphans:
        raise RuntimeError(
            f"{orphans} rows of payment_event_runs belong to no payment (no row in payments "
            "with their uetr): look at them, and delete them to upgrade"
        )


def _payment_lists(runs: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(uetr, JSON list of all its events) from (uetr, JSON list of a run) grouped by uetr."""
    uetr_now: str | None = None
    events: list[Any] = []
    for uetr, run in runs:
        if uetr != uetr_now:
            if uetr_now is not None:
                yield uetr_now, _encoded(events)
            uetr_now, events = uetr, []
        events.extend(json.loads(run))
    if uetr_now is not None:
        yield uetr_now, _encoded(events)


def _encoded(events: list[Any]) -> str:
    return json.dumps(events, ensure_ascii=False, separators=(",", ":"))
