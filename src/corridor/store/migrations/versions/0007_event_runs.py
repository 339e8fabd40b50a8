"""Payment events as runs: one row per payment per batch instead of one row per event.

Revision ID: 0007_event_runs
Revises: 0006_suppressions
"""

import json

import sqlalchemy as sa
from alembic import op

from corridor.store import schema

revision = "0007_event_runs"
down_revision = "0006_suppressions"
branch_labels = None
depends_on = None

_COPY_ROWS = 10_000  # rows per INSERT while copying

# payment_event_runs as this revision made it (0008_events_in_payments replaced it).
_RUNS = sa.Table(
    "payment_event_runs",
    sa.MetaData(),
    sa.Column("seq", schema.SeqType, primary_key=True, autoincrement=True),
    sa.Column("uetr", schema.UETR, nullable=False, index=True),
    sa.Column("events", sa.Text, nullable=False),
)


def upgrade() -> None:
    bind = op.get_bind()
    _RUNS.create(bind)
    # Every existing event becomes a run of one, in its old order: the events of a
    # payment read back exactly as before.
    old = bind.execute(
        sa.text("SELECT uetr, state, at_ms, detail FROM payment_events ORDER BY seq")
    )
    while chunk := old.fetchmany(_COPY_ROWS):
        bind.execute(
            _RUNS.insert(),
            [
                {"uetr": uetr, "events": json.dumps([[state, at_ms, detail]])}
                for uetr, state, at_ms, detail in chunk
            ],
        )
    op.drop_table("payment_events")


def downgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "payment_events",
        sa.Column("seq", schema.SeqType, primary_key=True, autoincrement=True),
        sa.Column("uetr", schema.UETR, nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    events = sa.table(
        "payment_events",
        sa.column("uetr"),
        sa.column("state"),
        sa.column("at_ms"),
        sa.column("detail"),
    )
    old = bind.execute(sa.text("SELECT uetr, events FROM payment_event_runs ORDER BY seq"))
    while chunk := old.fetchmany(_COPY_ROWS):
        bind.execute(
            events.insert(),
            [
                {"uetr": uetr, "state": state, "at_ms": at_ms, "detail": detail}
                for uetr, run in chunk
                for state, at_ms, detail in json.loads(run)
            ],
        )
    op.drop_table("payment_event_runs")
