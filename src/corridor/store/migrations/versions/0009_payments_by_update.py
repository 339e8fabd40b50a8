"""An index on payments (updated_at_ms, uetr): the keyset cursor of GET /v1/payments.

Without it every page read the whole table and sorted it (about 100 ms a page at 500,000
payments on the development machine, so paging through a day grew with the square of its
size); with it a page reads its rows in order from the cursor. Its entries are appended
near the index's end (updated_at_ms grows with time), so writes stay cheap.

Revision ID: 0009_payments_by_update
Revises: 0008_events_in_payments
"""

from alembic import op

revision = "0009_payments_by_update"
down_revision = "0008_events_in_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_payments_updated", "payments", ["updated_at_ms", "uetr"])


def downgrade() -> None:
    op.drop_index("ix_payments_updated", table_name="payments")
