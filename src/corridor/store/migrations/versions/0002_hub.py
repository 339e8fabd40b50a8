"""The hub: participants, payments and events, outbox, inbound, credentials, audit, approvals.

Revision ID: 0002_hub
Revises: 0001_ledger
"""

from alembic import op
from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text

from corridor.store import schema

revision = "0002_hub"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

# payment_events as this revision made it (0007_event_runs replaced it).
_EVENTS = Table(
    "payment_events",
    MetaData(),
    Column("seq", schema.SeqType, primary_key=True, autoincrement=True),
    Column("uetr", schema.UETR, nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),
)

# Created from the Core definitions of this revision, table by table: these tables are
# new here, and later schema changes get migrations of their own.
_TABLES = (
    "participants",
    "payments",
    "payment_events",
    "outbox",
    "inbound_messages",
    "credentials",
    "audit_log",
    "approvals",
)


def _table(name: str) -> Table:
    return _EVENTS if name == "payment_events" else schema.metadata.tables[name]


def upgrade() -> None:
    bind = op.get_bind()
    for name in _TABLES:
        _table(name).create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(_TABLES):
        _table(name).drop(bind)
