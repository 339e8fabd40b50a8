"""Currency settings (business day) and journal indexes for statements.

Revision ID: 0003_statements
Revises: 0002_hub
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_statements"
down_revision = "0002_hub"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "currency_settings",
        sa.Column("code", sa.String(3), primary_key=True),
        sa.Column("settlement_agent", sa.String(11), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("opens_at", sa.String(5), nullable=False),
        sa.Column("cut_off_at", sa.String(5), nullable=False),
        sa.Column("end_of_day_at", sa.String(5), nullable=False),
        sa.Column("holidays", sa.Text, nullable=False),
    )
    op.create_index("ix_ledger_journal_debit", "ledger_journal", ["debit_account_id", "seq"])
    op.create_index("ix_ledger_journal_credit", "ledger_journal", ["credit_account_id", "seq"])
    op.create_index("ix_ledger_journal_applied", "ledger_journal", ["applied_at_ms"])


def downgrade() -> None:
    op.drop_index("ix_ledger_journal_applied", "ledger_journal")
    op.drop_index("ix_ledger_journal_credit", "ledger_journal")
    op.drop_index("ix_ledger_journal_debit", "ledger_journal")
    op.drop_table("currency_settings")
