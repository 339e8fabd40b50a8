"""The hub: participants, payments and events, outbox, inbound, credentials, audit, approvals.

Revision ID: 0002_hub
Revises: 0001_ledger
"""

from alembic import op
from sqlalchemy import BigInteger, Column, LargeBinary, MetaData, String, Table, Text

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

# payments as this revision made it (0008_events_in_payments added `events`).
_PAYMENTS = Table(
    "payments",
    MetaData(),
    Column("uetr", schema.UETR, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("msg_id", String(35), nullable=False),
    Column("end_to_end_id", String(35), nullable=False),
    Column("tx_id", String(35), nullable=True),
    Column("instructing_agent", schema.BIC, nullable=False),
    Column("debtor_agent", schema.BIC, nullable=False),
    Column("creditor_agent", schema.BIC, nullable=False),
    Column("debit_participant", schema.BIC, nullable=False, index=True),
    Column("credit_participant", schema.BIC, nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("reason", String(8), nullable=True),
    Column("transfer_id", LargeBinary(16), nullable=True),
    Column("related_uetr", schema.UETR, nullable=True),
    Column("returned_minor", BigInteger, nullable=False),
    Column("priority", String(4), nullable=True),
    Column("queue_seq", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
)
_AS_MADE_HERE = {"payment_events": _EVENTS, "payments": _PAYMENTS}

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
    made_here = _AS_MADE_HERE.get(name)
    return made_here if made_here is not None else schema.metadata.tables[name]


def upgrade() -> None:
    bind = op.get_bind()
    for name in _TABLES:
        _table(name).create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(_TABLES):
        _table(name).drop(bind)
