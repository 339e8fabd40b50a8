"""The hub: participants, payments and events, outbox, inbound, credentials, audit, approvals.

Revision ID: 0002_hub
Revises: 0001_ledger
"""

from alembic import op

from corridor.store import schema

revision = "0002_hub"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

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


def upgrade() -> None:
    bind = op.get_bind()
    for name in _TABLES:
        schema.metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(_TABLES):
        schema.metadata.tables[name].drop(bind)
